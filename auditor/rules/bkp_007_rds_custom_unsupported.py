"""BKP-007: an RDS Custom instance, which AWS Backup cannot protect."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.frameworks import PROTECTED_BY_PLAN
from auditor.model.results import Finding, Severity
from auditor.rules._unsupported import unsupported_findings
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class RdsCustomUnsupported(Rule):
    """RDS Custom instance: AWS Backup cannot protect it.

    What it does
        Reports every RDS Custom for SQL Server or RDS Custom for Oracle DB instance (engines
        ``custom-sqlserver-*`` and ``custom-oracle-*``), whether or not a selection selects it.

    Why it matters
        AWS Backup does not support RDS Custom: no selection will ever produce a recovery point for
        it, so it needs its own protection (RDS Custom automated backups and snapshots) and its own
        monitoring.

    Example
        ``arn:aws:rds:us-east-1:111122223333:db:erp`` with engine ``custom-oracle-ee``. Fail
        fixture: one RDS Custom for SQL Server instance. Pass fixture: an ordinary RDS instance
        selected by ARN.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-custom.html
    """

    metadata = RuleMetadata(
        id="BKP-007",
        title="RDS Custom instance: AWS Backup cannot protect it",
        severity=Severity.HIGH,
        rationale="AWS Backup does not support RDS Custom for SQL Server or Oracle; selections never back them up.",
        remediation=Remediation(
            console=(
                "Open the Amazon RDS console and choose the RDS Custom DB instance.",
                "On Maintenance & backups, set an automated backup retention period that meets your RPO.",
                "Take manual snapshots as needed and monitor them outside AWS Backup; remove the "
                "instance from backup selections so reports stay accurate.",
            ),
            cli="aws rds modify-db-instance --db-instance-identifier <DB_INSTANCE_ID> "
            "--backup-retention-period <DAYS> --apply-immediately",
        ),
        doc_url=DOC,
        controls=PROTECTED_BY_PLAN,
    )
    requires = ("rds.DescribeDBInstances",)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        return unsupported_findings(self, ctx, "rds-custom", "an RDS Custom instance")
