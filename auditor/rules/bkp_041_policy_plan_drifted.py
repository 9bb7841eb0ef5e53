"""BKP-041: a deployed organization policy plan differs from the effective backup policy."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import where
from auditor.rules._policies import DeployedPlans, plan_arn, read_policies, targets
from auditor.rules._policy_drift import Scope, plan_differences
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import chain

DOC = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html"
SHOWN = 3


@register
class PolicyPlanDrifted(Rule):
    """A deployed plan of an organization backup policy is not what the effective policy says.

    What it does
        For every plan of an account's effective backup policy and every audited Region in its
        ``regions``, takes the deployed plan of the same ``BackupPlanName`` (as BKP-040 finds it)
        and compares it with the policy, after substituting ``$account`` and ``$region``: each
        rule (paired by name, ignoring case) for its schedule (compared by when it runs, so
        ``cron(0 5 ? * * *)`` equals ``cron(0 5 * * ? *)``), target vault, lifecycle (delete after
        / move to cold storage after days), start and completion windows (where the policy sets
        them), continuous backup and copy actions (destination vault ARN and lifecycle); each
        selection (paired by name) for its IAM role, tags (``ListOfTags``), resource types
        (``Resources`` / ``NotResources``) and conditions. Rules or selections on one side only
        are differences too. One finding per deployed plan lists every difference; the finding
        says which plan was matched and why.

    Why it matters
        The policy is what auditors are shown; a plan that runs on another schedule, keeps
        recovery points for another time, copies elsewhere or selects other resources does not
        give the protection the policy promises.

    Example
        The policy's rule ``daily`` runs ``cron(0 5 ? * * *)`` into vault ``org-vault`` and keeps
        35 days; the deployed ``org-baseline`` plan's rule runs ``cron(0 3 ? * * *)`` into
        ``Default`` and keeps 7 days. Fail fixture: that plan. Pass fixture: the plan as the policy
        says, written with an equivalent cron expression.

    References
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_effective.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupRule.html
    """

    metadata = RuleMetadata(
        id="BKP-041",
        title="Deployed organization policy plan differs from the effective backup policy",
        severity=Severity.MEDIUM,
        rationale=(
            "A deployed policy plan whose schedule, retention, vaults, copies or selections differ "
            "from the effective policy does not back up what the organization's policy says."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Organizations console in the management account and view the "
                "account's effective backup policy.",
                "In the member account, open AWS Backup, Backup plans, and compare the plan named "
                "in the finding; remove the local changes, or change the policy if it is the plan "
                "that is right.",
            ),
            cli="aws backup get-backup-plan --backup-plan-id <PLAN_ID>",
        ),
        doc_url=DOC,
    )
    requires = (*chain("backup.GetBackupPlan"), "backup.ListBackupSelections", "backup.GetBackupSelection")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        policies = read_policies(ctx)
        if not policies.by_account:
            return
        deployed = DeployedPlans(ctx)
        for target in targets(ctx, policies, self.requires):
            match = deployed.match(target)
            if match is None:
                continue
            plan = match.plan
            a, r, pid = target.account_id, target.region, str(plan["plan_id"])
            diffs = plan_differences(
                target.plan,
                deployed.rules(a, r, pid),
                deployed.selections(a, r, pid),
                Scope(a, r, ctx.as_of.year),
            )
            if not diffs:
                continue
            shown = "; ".join(d.text() for d in diffs[:SHOWN])
            more = f" (and {len(diffs) - SHOWN} more)" if len(diffs) > SHOWN else ""
            yield self.finding(
                account_id=a,
                region=r,
                resource_arn=plan_arn(plan),
                message=(
                    f"Backup plan {plan['plan_name']} ({where(a, r)}) differs from plan "
                    f"{target.plan.name} of the account's effective backup policy in "
                    f"{len(diffs)} point{'' if len(diffs) == 1 else 's'}: {shown}{more}."
                ),
                details={
                    "policy_plan": target.plan.name,
                    "plan_id": pid,
                    "matched_because": match.why,
                    "other_plans_of_that_name": list(match.others),
                    "differences": [d.to_json() for d in diffs],
                },
            )
