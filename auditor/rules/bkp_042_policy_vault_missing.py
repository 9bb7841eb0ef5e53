"""BKP-042: a backup vault an organization backup policy needs does not exist."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from auditor.backup_policy import substitute, vault_arn_parts
from auditor.model.results import Finding, Severity
from auditor.rules._common import where
from auditor.rules._policies import read_policies, targets
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import chain

DOC = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html"


@dataclass
class _Need:
    """One missing vault and every policy rule that needs it."""

    account_id: str
    region: str
    vault: str
    needed_by: list[str] = field(default_factory=list)


@register
class PolicyVaultMissing(Rule):
    """A backup vault that an organization backup policy needs is missing in the account-region.

    What it does
        For every plan of an account's effective backup policy and every audited Region in its
        ``regions``, checks that each rule's ``target_backup_vault_name`` is a vault of that
        account-region (``ListBackupVaults``), and that each copy action's destination vault
        (``target_backup_vault_arn`` after substituting ``$account`` and ``$region``) exists when
        it is in the same account and in a Region that was audited. A destination in another
        account, or in a Region not audited, is not judged here. One finding per missing vault
        and account-region, naming the policy plans and rules that need it.

    Why it matters
        AWS Organizations: "Vaults must exist in each specified AWS Regions before a backup plan
        can run" and "for each AWS account that receives the effective policy". Without the vault
        the policy's backups (or copies) in that account-region do not happen.

    Example
        The policy's rule ``daily`` targets vault ``org-vault``; account 111111111111 in
        ``eu-west-1`` has only ``Default``. Fail fixture: ``org-vault`` there. Pass fixture: the
        vault exists.

    References
        - https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault.html
    """

    metadata = RuleMetadata(
        id="BKP-042",
        title="Backup vault required by the organization backup policy is missing",
        severity=Severity.HIGH,
        rationale=(
            "The backup policy's plan cannot store (or copy) recovery points in a vault that does "
            "not exist in the account-region."
        ),
        remediation=Remediation(
            console=(
                "Sign in to the member account, open AWS Backup in the Region of the finding and "
                "choose Backup vaults, Create backup vault, with the name the policy uses.",
                "To create it in every account, deploy the vault with an AWS CloudFormation "
                "StackSet targeting the organization.",
            ),
            cli="aws backup create-backup-vault --backup-vault-name <VAULT_NAME> --region <REGION>",
        ),
        doc_url=DOC,
    )
    requires = chain("backup.ListBackupVaults")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        policies = read_policies(ctx)
        if not policies.by_account:
            return
        vaults = ctx.inventory.vaults
        existing = set(
            zip(
                vaults["account_id"].tolist(),
                vaults["region"].tolist(),
                vaults["vault_name"].tolist(),
                strict=True,
            )
        )
        audited = ctx.collected_scopes(self.requires)
        audited_set = (
            set(zip(audited["account_id"].tolist(), audited["region"].tolist(), strict=True))
            if len(audited)
            else set()
        )
        needs: dict[tuple[str, str, str], _Need] = {}

        def need(a: str, r: str, vault: str, by: str) -> None:
            if (a, r, vault) not in existing:
                needs.setdefault((a, r, vault), _Need(a, r, vault)).needed_by.append(by)

        for target in targets(ctx, policies, self.requires):
            a, r = target.account_id, target.region
            for rule in target.plan.rules:
                label = f"plan {target.plan.name} / rule {rule.name}"
                if rule.target_vault is not None:
                    need(a, r, rule.target_vault, f"{label} (target vault)")
                for copy in rule.copy_actions:
                    parts = vault_arn_parts(substitute(copy.target_vault_arn, a, r))
                    if parts is not None and parts[1] == a and (a, parts[0]) in audited_set:
                        need(a, parts[0], parts[2], f"{label} (copy destination, from {r})")
        for key in sorted(needs):
            yield self._finding(needs[key])

    def _finding(self, n: _Need) -> Finding:
        by = sorted(set(n.needed_by))
        return self.finding(
            account_id=n.account_id,
            region=n.region,
            resource_arn=f"arn:aws:backup:{n.region}:{n.account_id}:backup-vault:{n.vault}",
            message=(
                f"Backup vault {n.vault} does not exist in {where(n.account_id, n.region)}, but the "
                f"account's effective backup policy needs it: {'; '.join(by)}."
            ),
            details={"vault_name": n.vault, "needed_by": by},
        )
