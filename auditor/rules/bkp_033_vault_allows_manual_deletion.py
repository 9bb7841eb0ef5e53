"""BKP-033: a vault holding recovery points does not deny manual deletion to every principal."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from auditor.controls import Control, ManualDeletionParams
from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, records, where
from auditor.rules._controls import in_scope, scope_details
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import chain

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"

PROTECTED_ACTIONS = (
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:PutBackupVaultAccessPolicy",
)
EXEMPTING_OPERATORS = ("ArnNotEquals", "ArnNotLike", "StringNotEquals", "StringNotLike")


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _everyone(principal: object) -> bool:
    if principal == "*":
        return True
    return isinstance(principal, Mapping) and "*" in _strings(principal.get("AWS"))


def _exempts_only(condition: object, exempt: Sequence[str]) -> bool:
    """A condition that only leaves some of the ``exempt`` principals out of the deny."""
    if condition is None:
        return True
    if not isinstance(condition, Mapping) or len(condition) != 1:
        return False
    ((operator, test),) = condition.items()
    if operator not in EXEMPTING_OPERATORS or not isinstance(test, Mapping) or len(test) != 1:
        return False
    ((key, values),) = test.items()
    return key.lower() == "aws:principalarn" and set(_strings(values)) <= set(exempt) and bool(exempt)


def denied_actions(policy: str | None, exempt: Sequence[str]) -> frozenset[str]:
    """The :data:`PROTECTED_ACTIONS` that ``policy`` denies to every principal (but the exempt)."""
    if not policy:
        return frozenset()
    try:
        doc = json.loads(policy)
    except ValueError:
        return frozenset()
    statements = doc.get("Statement", []) if isinstance(doc, Mapping) else []
    if isinstance(statements, Mapping):
        statements = [statements]
    out: set[str] = set()
    for st in statements if isinstance(statements, list) else []:
        if not isinstance(st, Mapping) or st.get("Effect") != "Deny" or not _everyone(st.get("Principal")):
            continue
        if not _exempts_only(st.get("Condition"), exempt):
            continue
        patterns = [p.lower() for p in _strings(st.get("Action"))]
        out.update(a for a in PROTECTED_ACTIONS if any(fnmatch.fnmatchcase(a.lower(), p) for p in patterns))
    return frozenset(out)


@register
class VaultAllowsManualDeletion(Rule):
    """A vault holding recovery points does not deny their manual deletion to every principal.

    What it does
        Reports each backup vault holding recovery points whose access policy does not deny
        ``backup:DeleteRecoveryPoint``, ``backup:UpdateRecoveryPointLifecycle`` and
        ``backup:PutBackupVaultAccessPolicy`` to every principal (``"Principal": "*"`` or
        ``{"AWS": "*"}``, actions named or matched by a wildcard such as ``backup:*``). A deny
        with a condition counts only when the condition just leaves out exempt principals
        (``ArnNotEquals`` / ``ArnNotLike`` / ``StringNotEquals`` / ``StringNotLike`` on
        ``aws:PrincipalArn`` with values among ``exempt-principals``). It is AWS Backup Audit
        Manager's control "Vaults prevent manual deletion of recovery points"
        (``BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED``, no exempt roles by default).
        Parameters in ``backup-auditor.toml``::

            [controls.BKP-033]
            exempt-principals = ["arn:aws:iam::111111111111:role/BackupAdmin"]   # up to 5
            resource-arns = ["arn:aws:backup:us-east-1:111111111111:backup-vault:prod"]  # scope

    Why it matters
        Whoever can delete recovery points or rewrite the vault policy can remove the backups an
        incident or ransomware recovery depends on.

    Example
        A vault whose policy denies deleting and changing the lifecycle of recovery points but
        not changing the policy itself. Fail fixture: that policy. Pass fixture: the same policy
        with ``backup:PutBackupVaultAccessPolicy`` added.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/create-a-vault-access-policy.html
    """

    metadata = RuleMetadata(
        id="BKP-033",
        title="Backup vault does not deny manual deletion of its recovery points",
        severity=Severity.MEDIUM,
        rationale=(
            "Without a deny on deleting recovery points, changing their lifecycle and replacing "
            "the vault policy, any principal with backup permissions can destroy the backups."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Backup vaults and the vault named in the finding.",
                "Under Access policy choose Edit and add a Deny statement for Principal * on "
                "backup:DeleteRecoveryPoint, backup:UpdateRecoveryPointLifecycle and "
                "backup:PutBackupVaultAccessPolicy.",
            ),
            cli="aws backup put-backup-vault-access-policy --backup-vault-name <VAULT_NAME> --policy file://deny.json",
        ),
        doc_url=DOC,
        controls=(
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            "backup-recovery-point-manual-deletion-disabled",
        ),
    )
    requires = chain("backup.GetBackupVaultAccessPolicy")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_033
        if not control.enabled:
            return
        exempt = control.params.exempt_principals
        vaults = ctx.inventory.vaults
        holding = vaults[vaults["recovery_points"].fillna(0) > 0]
        holding = ctx.only_collected(holding, self.requires)
        holding = holding.assign(
            vault_arn=holding["vault_arn"].fillna(
                "arn:aws:backup:"
                + holding["region"]
                + ":"
                + holding["account_id"]
                + ":backup-vault:"
                + holding["vault_name"]
            )
        )
        holding = in_scope(ctx, control, holding, arn_column="vault_arn", type_column=None)
        for vault in records(holding.sort_values(["account_id", "region", "vault_name"])):
            policy = maybe_str(vault["access_policy"])
            missing = [a for a in PROTECTED_ACTIONS if a not in denied_actions(policy, exempt)]
            if missing:
                yield self._finding(vault, policy, missing, control)

    def _finding(
        self,
        vault: dict[str, Any],
        policy: str | None,
        missing: list[str],
        control: Control[ManualDeletionParams],
    ) -> Finding:
        account_id, region = str(vault["account_id"]), str(vault["region"])
        why = (
            "has no access policy"
            if policy is None
            else f"has an access policy that does not deny {', '.join(missing)} to every principal"
        )
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=str(vault["vault_arn"]),
            message=(
                f"Backup vault {vault['vault_name']} ({where(account_id, region)}) holds "
                f"{int(vault['recovery_points'])} recovery point(s) and {why}."
            ),
            details={
                "vault_name": str(vault["vault_name"]),
                "recovery_points": int(vault["recovery_points"]),
                "has_policy": policy is not None,
                "not_denied": missing,
                "exempt_principals": list(control.params.exempt_principals),
                **scope_details(control),
            },
        )
