"""BKP-010: Aurora recovery points whose source cluster no longer exists (billed)."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import RECOVERY_POINTS_OPS, where
from auditor.rules._sources import gone_sources
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class AuroraOrphanSnapshotsBilled(Rule):
    """Aurora recovery points of a deleted cluster are billed.

    What it does
        Groups the Aurora recovery points of every vault by source cluster and reports each source
        cluster that no longer exists: one finding per source ARN with the number of recovery
        points, their total size and an estimated monthly storage cost (size in GB times the
        configured price per GB-month, default 0.021 USD). A source is judged only where
        ``rds.DescribeDBClusters`` was collected in the source's own account and Region; recovery
        points of clusters elsewhere (for example copies from accounts outside the audit) are not
        judged and give no finding, and are
        counted in the summary's ``recovery_point_sources_not_judged``.

    Why it matters
        Aurora snapshots in a backup vault are free only while their cluster exists with automated
        backups on. Once the cluster is deleted (by accident, or by a blue/green switchover) every
        snapshot is billed, and large, frequent snapshots add up.

    Example
        Cluster ``orders`` was replaced in a blue/green deployment; its 30 daily recovery points of
        500 GB each stay in the vault. Fail fixture: one Aurora recovery point whose cluster is not
        in the collected cluster list. Pass fixture: the cluster still exists.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/deleting-backups.html
    """

    metadata = RuleMetadata(
        id="BKP-010",
        title="Aurora recovery points of a deleted cluster are billed",
        severity=Severity.MEDIUM,
        rationale=(
            "Aurora snapshots in a vault are free only while the source cluster exists with automated "
            "backups; after it is deleted they are charged as backup storage."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Backup vaults and the vault named in the finding.",
                "Filter recovery points by the source cluster ARN and decide which ones you must keep.",
                "Select the others, choose Actions, Delete, and confirm.",
            ),
            cli="aws backup delete-recovery-point --backup-vault-name <VAULT_NAME> "
            "--recovery-point-arn <RECOVERY_POINT_ARN>",
        ),
        doc_url=DOC,
    )
    requires = (*RECOVERY_POINTS_OPS, "rds.DescribeDBClusters")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        price = ctx.settings.aurora_cost_per_gb_month
        limit = ctx.settings.max_listed_arns
        for src in gone_sources(ctx, aurora=True):
            gigabytes = src.bytes / 1e9
            cost = round(gigabytes * price, 2)
            unknown = f" ({src.unknown_size} of unknown size)" if src.unknown_size else ""
            yield self.finding(
                account_id=src.account_id,
                region=src.region,
                resource_arn=src.source_arn,
                resource_type="Aurora",
                message=(
                    f"Aurora cluster {src.source_arn} ({where(src.account_id, src.region)}) no longer "
                    f"exists, but {src.count} recovery point(s) of it remain{unknown}: {gigabytes:,.1f} GB, "
                    f"about {cost:,.2f} USD a month at {price} USD/GB-month. Delete the ones you do not "
                    "need to keep."
                ),
                details={
                    "recovery_point_count": src.count,
                    "backup_size_bytes": src.bytes,
                    "unknown_size_count": src.unknown_size,
                    "estimated_monthly_cost_usd": cost,
                    "cost_per_gb_month_usd": price,
                    "judged_by": f"{src.listing} collected in {src.account_id}/{src.region}",
                    "stored_in": list(src.stored_in),
                    "recovery_point_arns": list(src.recovery_point_arns[:limit]),
                },
            )
