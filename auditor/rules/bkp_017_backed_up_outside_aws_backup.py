"""BKP-017: a resource no selection protects, backed up by its own service outside AWS Backup."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.frameworks import PROTECTED_BY_PLAN
from auditor.model.results import Finding, Severity
from auditor.rules._backed_up import backed_up_in_window
from auditor.rules._common import SELECTION_OPS, maybe_str, where
from auditor.rules._own_backup import unprotected_split
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class BackedUpOutsideAwsBackup(Rule):
    """Resource backed up only by its own service, outside AWS Backup's central governance.

    What it does
        Reports every resource that no backup selection of its account and Region protects (as
        BKP-002 decides it) but whose own service backs it up: RDS, Aurora, Neptune and
        DocumentDB automated backups (``BackupRetentionPeriod`` > 0), Redshift automated snapshots
        (``AutomatedSnapshotRetentionPeriod`` > 0), FSx automatic daily backups
        (``AutomaticBackupRetentionDays`` > 0; an ONTAP volume: its file system's), DynamoDB
        point-in-time recovery or on-demand backups (DescribeContinuousBackups, ListBackups with
        ``BackupType`` ``USER``), and EBS volumes a Data Lifecycle Manager snapshot policy targets
        (ENABLED; by a volume tag, a tag of the attached instance, or the default policy). Such a
        resource is reported here instead of BKP-002. Where the DynamoDB or Data Lifecycle
        Manager operations were not collected (bundle older than version 3) nothing is inferred:
        the resource stays BKP-002, which says so. EFS automatic backups are AWS Backup backups
        (default plan ``aws/efs/automatic-backup-plan``) and are judged as AWS Backup protection.
        A resource AWS Backup backed up in the job window anyway says so, with when and by which
        plan (``details.backed_up_in_window``; BKP-091 reports the disagreement).

    Why it matters
        The resource can be restored, but the AWS Backup guide notes that the backups other AWS
        services create are not available for central governance through AWS Backup: no vault
        lock, no cross-account or cross-Region copy by a plan, no organization backup policy, no
        AWS Backup Audit Manager report covers them, and the service's own retention (often 1 to
        35 days) may be shorter than the organization's.

    Example
        An RDS instance with a 7-day automated backup retention that no selection names. Fail
        fixture: an RDS instance with automated backups kept 7 days, a DynamoDB table with
        point-in-time recovery, and an EBS volume tagged ``dlm=daily`` that an ENABLED Data
        Lifecycle Manager policy targets, none of them selected. Pass fixture: the same three
        selected by ARN.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.BackupRetention.html
        - https://docs.aws.amazon.com/cli/latest/reference/dynamodb/describe-continuous-backups.html
        - https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/snapshot-lifecycle.html
        - https://docs.aws.amazon.com/fsx/latest/APIReference/API_FileSystem.html
        - https://docs.aws.amazon.com/redshift/latest/APIReference/API_Cluster.html
    """

    metadata = RuleMetadata(
        id="BKP-017",
        title="Resource backed up only by its own service, outside AWS Backup",
        severity=Severity.MEDIUM,
        rationale=(
            "Its service's own backups restore it, but no vault lock, cross-account copy or "
            "organization backup policy governs them."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console in the resource's account and Region and choose Backup plans.",
                "Open the plan that should protect the resource and choose Assign resources.",
                "Select the resource by ID, by resource type or by a tag it carries, and choose Assign resources.",
                "Keep or retire the service's own backups once AWS Backup's recovery points exist.",
            ),
            cli="aws backup create-backup-selection --backup-plan-id <PLAN_ID> --backup-selection "
            '\'{"SelectionName":"<NAME>","IamRoleArn":"<BACKUP_ROLE_ARN>","Resources":["<RESOURCE_ARN>"]}\'',
        ),
        controls=PROTECTED_BY_PLAN,
        doc_url=DOC,
    )
    requires = SELECTION_OPS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        rows, split = unprotected_split(ctx)
        found = split.found
        rows = rows[rows["arn"].isin(found)]
        backups = backed_up_in_window(ctx)
        for row in rows.itertuples(index=False):
            said = found[str(row.arn)]
            reason = maybe_str(row.reason) or "no selection of its account and Region selects it"
            backed, backup = backups.note(str(row.arn))
            details: dict[str, object] = {"own_backup": said, "reason": reason}
            if backup is not None:
                details["backed_up_in_window"] = backup
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=str(row.arn),
                resource_type=str(row.resource_type),
                message=(
                    f"{row.resource_type} {row.arn} ({where(row.account_id, row.region)}) is backed up "
                    f"only outside AWS Backup: {said}. No backup selection protects it ({reason}), so no "
                    "vault lock, cross-account copy or organization backup policy covers its backups. "
                    f"Assign it to a backup plan in that account and Region.{backed}"
                ),
                details=details,
            )
