"""BKP-008: an RDS instance on AWS Outposts, which AWS Backup cannot protect."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.frameworks import PROTECTED_BY_PLAN
from auditor.model.results import Finding, Severity
from auditor.rules._unsupported import unsupported_findings
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class RdsOnOutpostsUnsupported(Rule):
    """RDS instance on AWS Outposts: AWS Backup cannot protect it.

    What it does
        Reports every RDS DB instance running on AWS Outposts (its DB subnet group's subnets are on
        an Outpost), whether or not a selection selects it.

    Why it matters
        AWS Backup does not back up or restore RDS on Outposts: no selection will ever produce a
        recovery point for it, so it needs the RDS automated backups and snapshots of Outposts and
        its own monitoring.

    Example
        A MySQL instance in a subnet group whose subnets carry ``SubnetOutpost``. Fail fixture: one
        such instance selected by ARN. Pass fixture: the same instance in Region subnets.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-on-outposts.html
    """

    metadata = RuleMetadata(
        id="BKP-008",
        title="RDS instance on Outposts: AWS Backup cannot protect it",
        severity=Severity.HIGH,
        rationale="AWS Backup does not support backup and restore of RDS on Outposts; selections never back it up.",
        remediation=Remediation(
            console=(
                "Open the Amazon RDS console and choose the DB instance on the Outpost.",
                "On Maintenance & backups, set an automated backup retention period and backup "
                "target that meet your RPO.",
                "Take manual snapshots as needed and monitor them outside AWS Backup.",
            ),
            cli="aws rds modify-db-instance --db-instance-identifier <DB_INSTANCE_ID> "
            "--backup-retention-period <DAYS> --apply-immediately",
        ),
        doc_url=DOC,
        controls=PROTECTED_BY_PLAN,
    )
    requires = ("rds.DescribeDBInstances",)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        return unsupported_findings(self, ctx, "outposts", "an RDS instance on AWS Outposts")
