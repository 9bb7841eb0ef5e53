"""BKP-014: non-Aurora recovery points whose source resource no longer exists."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import RECOVERY_POINTS_OPS, where
from auditor.rules._sources import gone_sources
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class OrphanRecoveryPoints(Rule):
    """Recovery points whose source resource no longer exists.

    What it does
        Groups the non-Aurora recovery points of every vault by source ARN and reports each source
        that no longer exists, with the number and total size of its recovery points. A source is
        judged only where the listing that would contain it (for example ``ec2.DescribeVolumes`` for
        an EBS volume) was collected in the source's own account and Region; sources of types the
        tool does not inventory (S3, Storage Gateway ...) or in account-Regions
        not collected are not judged: no finding, but counted in the summary's
        ``recovery_point_sources_not_judged``. A DB instance that is a member of an Aurora or
        other DB cluster still exists while ``rds.DescribeDBInstances`` lists it, even though it is
        protected through its cluster and is not a resource of its own: its recovery points are
        not reported. Aurora sources are BKP-010.

    Why it matters
        AWS Backup keeps backups after their source is deleted, as it should; this is information,
        not a fault. But these recovery points are still stored and billed until their lifecycle
        ends, and nobody may remember why they exist.

    Example
        An EBS volume deleted last month whose 30 daily recovery points live on. Fail fixture: an
        EBS recovery point whose volume is not in the collected volume list. Pass fixture: the volume
        still exists.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/deleting-backups.html
    """

    metadata = RuleMetadata(
        id="BKP-014",
        title="Recovery points of a resource that no longer exists",
        severity=Severity.INFO,
        rationale=(
            "Backups outlive their source by design, but they keep being stored and billed until "
            "their lifecycle deletes them."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Backup vaults and the vault named in the finding.",
                "Review the recovery points of the deleted resource and keep those you need.",
                "Select the others, choose Actions, Delete, and confirm.",
            ),
            cli="aws backup delete-recovery-point --backup-vault-name <VAULT_NAME> "
            "--recovery-point-arn <RECOVERY_POINT_ARN>",
        ),
        doc_url=DOC,
    )
    requires = RECOVERY_POINTS_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        limit = ctx.settings.max_listed_arns
        for src in gone_sources(ctx, aurora=False):
            unknown = f" ({src.unknown_size} of unknown size)" if src.unknown_size else ""
            yield self.finding(
                account_id=src.account_id,
                region=src.region,
                resource_arn=src.source_arn,
                resource_type=src.resource_type,
                message=(
                    f"{src.resource_type} {src.source_arn} ({where(src.account_id, src.region)}) no longer "
                    f"exists; {src.count} recovery point(s) of it remain{unknown}, "
                    f"{src.bytes / 1e9:,.1f} GB. Keep them only as long as you need them."
                ),
                details={
                    "recovery_point_count": src.count,
                    "backup_size_bytes": src.bytes,
                    "unknown_size_count": src.unknown_size,
                    "judged_by": f"{src.listing} collected in {src.account_id}/{src.region}",
                    "stored_in": list(src.stored_in),
                    "recovery_point_arns": list(src.recovery_point_arns[:limit]),
                },
            )
