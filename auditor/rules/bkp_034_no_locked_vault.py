"""BKP-034: no plan rule protecting a resource targets a locked vault (within the retention bounds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from auditor.controls import Control, VaultLockParams
from auditor.model.results import Finding, Severity
from auditor.rules._common import PLAN_OP, SELECTION_OPS, flag, maybe_str, records, where
from auditor.rules._controls import (
    RID,
    KeyLookup,
    match_ids,
    scope_details,
    verdict_row_ids,
)
from auditor.rules._copies import judged
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import operation

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"
VAULTS_OP = operation("backup.ListBackupVaults").key
KEYS = ["account_id", "region", "arn"]


def _days(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)


def lock_problem(locked: bool, low: Any, high: Any, params: VaultLockParams) -> str | None:
    """Why a vault with this lock state does not satisfy the control (``None``: it does).

    The vault's own bounds must lie within the parameters: its ``MinRetentionDays`` at least the
    ``min-retention-days`` parameter, its ``MaxRetentionDays`` at most ``max-retention-days``; a
    vault lock without the bound a parameter asks about does not satisfy it."""
    if not locked:
        return "not locked"
    want_low, want_high = params.min_retention_days, params.max_retention_days
    if want_low is not None and (pd.isna(low) or low < want_low):
        shown = "none" if pd.isna(low) else f"{int(low)} days"
        return f"lock minimum retention {shown}, below the required {want_low} days"
    if want_high is not None and (pd.isna(high) or high > want_high):
        shown = "none" if pd.isna(high) else f"{int(high)} days"
        return f"lock maximum retention {shown}, above the allowed {want_high} days"
    return None


@register
class NoLockedVault(Rule):
    """A protected resource has no backup plan rule that targets a locked vault.

    What it does
        Reports each resource a backup plan protects when none of the rules of the plans that
        protect it (its own selections, or its EC2 instance's for an attached EBS volume) targets a
        backup vault of the same account and Region with AWS Backup Vault Lock on (``Locked`` in
        ``ListBackupVaults``). With ``min-retention-days`` set, the vault's lock must have a
        ``MinRetentionDays`` at least that; with ``max-retention-days`` set, a
        ``MaxRetentionDays`` at most that. It is AWS Backup Audit Manager's control "Resources are
        protected by a backup vault lock" (``BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK``,
        AWS Config's ``backupVaultLockCheck``). Parameters in ``backup-auditor.toml``::

            [controls.BKP-034]
            min-retention-days = 7      # unset by default: any lock
            max-retention-days = 365    # unset by default: any lock
            resource-types = ["RDS", "EBS"]   # scope (or tag-key / tag-value / resource-arns)

    Why it matters
        Recovery points in a vault without Vault Lock can be deleted, or their retention shortened,
        by anyone holding the permissions (ransomware with stolen credentials included). A lock
        makes them immutable for their retention.

    Example
        Two EFS file systems, each selected by its own daily plan. Fail fixture: one plan targets
        a vault without a lock. Pass fixture: both plans target locked vaults.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html
        - https://docs.aws.amazon.com/config/latest/developerguide/efs-resources-protected-by-backup-plan.html
    """

    metadata = RuleMetadata(
        id="BKP-034",
        title="Protected resource is not backed up to a locked vault",
        severity=Severity.MEDIUM,
        rationale=(
            "Recovery points in a vault without AWS Backup Vault Lock can be deleted or have their "
            "retention shortened by anyone with the permissions, an attacker included."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Backup vaults and the vault the resource's plan "
                "targets (or create a new one for it).",
                "Under Vault lock choose Create vault lock, set the minimum and maximum retention "
                "and, for compliance mode, the grace time.",
                "Or edit the plan rule to target a vault that is already locked.",
            ),
            cli="aws backup put-backup-vault-lock-configuration --backup-vault-name <VAULT_NAME> "
            "--min-retention-days 7 --max-retention-days 365",
        ),
        controls=("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",),
        doc_url=DOC,
    )
    requires = (*SELECTION_OPS, PLAN_OP, VAULTS_OP)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_034
        if not control.enabled:
            return
        # the protected resources in collected account-Regions and in scope (the copy controls'
        # frame, built once per run for the same account-Regions and scope)
        protected = judged(ctx, control, self.requires)
        if protected.empty:
            return
        rules = self._rules(ctx, control.params)
        plan_keys = ["account_id", "region", "plan_id"]
        good_plans = rules.loc[rules["problem"].isna(), plan_keys].drop_duplicates()
        m = ctx.protection.matches
        effective = flag(m["effective"]).to_numpy()
        m = m.loc[effective, [*KEYS, "plan_id"]].assign(**{RID: match_ids(ctx)[effective]})
        # Resources and plans compared by id (equal ids: equal keys), not by three strings.
        good = KeyLookup.of(good_plans, "plan_id").ids(m, "plan_id") >= 0
        ids = verdict_row_ids(ctx, protected)
        fails = ~np.isin(ids, m[RID].to_numpy()[good])
        failing = protected[fails].assign(**{RID: ids[fails]}).sort_values(KEYS)
        if failing.empty:
            return
        fail_matches = m[m[RID].isin(failing[RID])].drop_duplicates([RID, "plan_id"])
        shown = fail_matches.merge(rules, on=["account_id", "region", "plan_id"], how="inner").sort_values(
            [*KEYS, "plan_name", "rule_name"]
        )
        by_resource: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
        for row in records(shown):
            by_resource.setdefault((row["account_id"], row["region"], row["arn"]), []).append(row)
        for row in records(failing, [*KEYS, "resource_type"]):
            key = (str(row["account_id"]), str(row["region"]), str(row["arn"]))
            yield self._finding(row, by_resource.get(key, []), control)

    @staticmethod
    def _rules(ctx: RuleContext, params: VaultLockParams) -> pd.DataFrame:
        """One row per plan rule: its target vault's lock and why it falls short (``problem``,
        null when the rule satisfies the control)."""
        rules = ctx.inventory.plan_rules[
            ["account_id", "region", "plan_id", "plan_name", "rule_name", "target_vault"]
        ]
        vaults = ctx.inventory.vaults[
            ["account_id", "region", "vault_name", "locked", "min_retention_days", "max_retention_days"]
        ].rename(columns={"vault_name": "target_vault"})
        t = rules.merge(vaults, on=["account_id", "region", "target_vault"], how="left", indicator="found")
        problems = [
            "vault not found" if found == "left_only" else lock_problem(bool(locked), low, high, params)
            for found, locked, low, high in zip(
                t["found"], t["locked"], t["min_retention_days"], t["max_retention_days"], strict=True
            )
        ]
        return t.assign(problem=pd.Series(problems, index=t.index, dtype="object"))

    def _finding(
        self, row: dict[str, Any], targets: list[dict[str, Any]], control: Control[VaultLockParams]
    ) -> Finding:
        account_id, region, arn = str(row["account_id"]), str(row["region"]), str(row["arn"])
        rtype = maybe_str(row["resource_type"])
        rules = [
            {
                "plan": str(t["plan_name"]),
                "rule": str(t["rule_name"]),
                "vault": maybe_str(t["target_vault"]),
                "locked": bool(t["locked"]) if t["found"] == "both" else None,
                "min_retention_days": _days(t["min_retention_days"]),
                "max_retention_days": _days(t["max_retention_days"]),
                "problem": t["problem"],
            }
            for t in targets
        ]
        shown = "; ".join(f"{r['plan']}/{r['rule']} -> {r['vault']}: {r['problem']}" for r in rules)
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=arn,
            resource_type=rtype,
            message=(
                f"{rtype or 'Resource'} {arn} ({where(account_id, region)}) is protected by no plan rule "
                f"targeting a locked vault ({shown or 'no plan rule found'})."
            ),
            details={
                "plan_rules": rules,
                "min_retention_days": control.params.min_retention_days,
                "max_retention_days": control.params.max_retention_days,
                **scope_details(control),
            },
        )
