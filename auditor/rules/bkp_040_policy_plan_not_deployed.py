"""BKP-040: an account-region an organization backup policy targets has no plan for a policy plan."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.backup_policy import SYNTAX_URL, PolicyError
from auditor.model.results import Finding, Severity
from auditor.rules._common import where
from auditor.rules._policies import DeployedPlans, read_policies, targets
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import chain

DOC = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup.html"


@register
class PolicyPlanNotDeployed(Rule):
    """An account-region that its effective backup policy targets runs no plan of a policy plan.

    What it does
        Reads each audited account's effective AWS Organizations backup policy
        (``DescribeEffectivePolicy``, type ``BACKUP_POLICY``). For every plan of the policy and
        every Region in the plan's ``regions`` that was audited, it looks for the deployed AWS
        Backup plan whose ``BackupPlanName`` equals the plan's key in the policy (AWS Organizations
        guide: the plan key "maps to the value of the ``BackupPlanName`` key in an AWS Backup
        plan"); a plan whose ``BackupPlanId`` starts with ``orgs/`` is taken first where several
        share the name. It reports each account-region and policy plan with no such plan. An
        effective policy that cannot be read (a value that is not a number where one is needed,
        a list where an object is) is reported once per account, naming the key, and the policy
        rules judge nothing of that account.

    Why it matters
        The organization's backup policy is the control auditors are shown; where its plan was
        never deployed (the Region or the account does not take the policy, the deployment
        failed), the resources it should back up are not backed up by it.

    Example
        The effective policy of account 111111111111 has plan ``org-baseline`` with regions
        ``eu-west-1`` and ``us-east-1``; ``ListBackupPlans`` in ``eu-west-1`` has no plan of that
        name. Fail fixture: that account-region. Pass fixture: the plan deployed there.

    References
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup.html
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/manage-cross-account.html
    """

    metadata = RuleMetadata(
        id="BKP-040",
        title="Organization backup policy plan not deployed in a targeted account-region",
        severity=Severity.HIGH,
        rationale=(
            "An account-region the organization backup policy targets without the plan the policy "
            "deploys is not backed up as the policy says."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Organizations console in the management account, choose Policies, "
                "Backup policies, and view the account's effective backup policy.",
                "Check that the policy's Regions include the Region, that the Region supports "
                "cross-account management, and that the policy's vaults and IAM role exist there; "
                "then check AWS Backup, Backup plans, in the member account and Region.",
            ),
            cli=(
                "aws organizations describe-effective-policy --policy-type BACKUP_POLICY "
                "--target-id <ACCOUNT_ID>"
            ),
        ),
        doc_url=DOC,
    )
    requires = chain("backup.ListBackupPlans")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        policies = read_policies(ctx)
        for error in policies.errors:
            yield self._unreadable(error)
        if not policies.by_account:
            return
        deployed = DeployedPlans(ctx)
        for target in targets(ctx, policies, self.requires):
            if deployed.match(target) is not None:
                continue
            yield self.finding(
                account_id=target.account_id,
                region=target.region,
                message=(
                    f"The effective backup policy of account {target.account_id} deploys plan "
                    f"{target.plan.name} in {target.region}, but {where(target.account_id, target.region)} "
                    f"has no backup plan named {target.plan.name}."
                ),
                details={
                    "policy_plan": target.plan.name,
                    "policy_regions": sorted(set(target.plan.regions)),
                    "looked_for": f"a plan with BackupPlanName {target.plan.name!r}",
                    "reading_source": SYNTAX_URL,
                },
            )

    def _unreadable(self, error: PolicyError) -> Finding:
        return self.finding(
            account_id=error.account_id,
            region=None,
            message=(
                f"The effective backup policy of account {error.account_id} cannot be read: key "
                f"{error.key}: {error.problem}. BKP-040, BKP-041 and BKP-042 judge nothing of this account."
            ),
            details={"policy_key": error.key, "problem": error.problem},
        )
