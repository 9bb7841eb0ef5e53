"""BKP-012: recovery points in status EXPIRED (still stored and billed)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from auditor.model.results import Finding, Severity
from auditor.rules._common import RECOVERY_POINTS_OPS, group_records, maybe_str, records, to_float, where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata, limited
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class ExpiredRecoveryPoints(Rule):
    """Recovery points in status EXPIRED are still stored.

    What it does
        Reports each backup vault holding recovery points whose status is ``EXPIRED``, with their
        number, total size and ARNs.

    Why it matters
        A recovery point is ``EXPIRED`` when AWS Backup could not delete it at the end of its
        lifecycle: most often an EBS snapshot lock outlasting the lifecycle, or a deletion without
        sufficient permissions. It stays stored, and billed, until someone deletes it by hand.

    Example
        Daily EC2 backups whose EBS snapshots are locked for 90 days while the plan keeps them 30.
        Fail fixture: one EXPIRED EBS recovery point. Pass fixture: the same recovery point
        COMPLETED.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/deleting-backups.html
    """

    metadata = RuleMetadata(
        id="BKP-012",
        title="Recovery points in status EXPIRED are still stored and billed",
        severity=Severity.LOW,
        rationale=(
            "EXPIRED recovery points were not deleted at the end of their lifecycle (for example an "
            "EBS snapshot lock outlives it) and stay billed until deleted by hand."
        ),
        remediation=Remediation(
            console=(
                "If the snapshots are locked, remove the lock in the Amazon EC2 console (Snapshots, "
                "Actions, Manage snapshot lock) once the lock allows it.",
                "Open the AWS Backup console, choose Backup vaults and the vault named in the finding.",
                "Select the EXPIRED recovery points, choose Actions, Delete, and confirm.",
            ),
            cli="aws backup delete-recovery-point --backup-vault-name <VAULT_NAME> "
            "--recovery-point-arn <RECOVERY_POINT_ARN>",
        ),
        doc_url=DOC,
    )
    requires = RECOVERY_POINTS_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        rps = ctx.inventory.recovery_points
        expired = rps[rps["status"] == "EXPIRED"]
        if expired.empty:
            return
        vaults = ctx.inventory.vaults
        vault_arn = {
            (a, r, n): arn
            for a, r, n, arn in zip(
                vaults["account_id"], vaults["region"], vaults["vault_name"], vaults["vault_arn"], strict=True
            )
        }
        limit = ctx.settings.max_listed_arns
        rows = records(
            expired.sort_values("recovery_point_arn"),
            [
                "account_id",
                "region",
                "vault_name",
                "recovery_point_arn",
                "resource_type",
                "backup_size_bytes",
            ],
        )
        for (account_id, region, vault), group in sorted(
            group_records(rows, "account_id", "region", "vault_name").items()
        ):
            arn = maybe_str(vault_arn.get((account_id, region, vault))) or (
                f"arn:aws:backup:{region}:{account_id}:backup-vault:{vault}"
            )
            size = float(np.nansum([to_float(r["backup_size_bytes"]) for r in group]))
            types = sorted({str(r["resource_type"]) for r in group if maybe_str(r["resource_type"])})
            yield self.finding(
                account_id=str(account_id),
                region=str(region),
                resource_arn=arn,
                message=(
                    f"Backup vault {vault} ({where(account_id, region)}) holds {len(group)} recovery "
                    f"point(s) in status EXPIRED ({', '.join(types) or 'unknown type'}, {size / 1e9:,.1f} GB): "
                    "AWS Backup could not delete them and they are still billed. Remove any EBS snapshot "
                    "lock, then delete them."
                ),
                details={
                    "vault_name": str(vault),
                    "recovery_point_count": len(group),
                    "backup_size_bytes": size,
                    "resource_types": types,
                    "recovery_point_arns": limited((str(r["recovery_point_arn"]) for r in group), limit),
                },
            )
