"""BKP-020: backup jobs that ended EXPIRED."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import JOBS_OP, RDS_FAMILY, group_records, maybe_str, records, where
from auditor.rules._jobs import jobs_in_window
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html"


@register
class BackupJobsExpired(Rule):
    """Backup jobs expired before they could run or complete.

    What it does
        Reports each resource with backup jobs in state ``EXPIRED`` created within the job window
        (default 14 days before ``as_of``): one finding per resource, with the number of expired
        jobs and the latest one.

    Why it matters
        An expired job made no recovery point. For Aurora and RDS, a backup started from the RDS
        console can collide with the AWS Backup job, which then ends "Backup job expired before
        completion"; AWS's advice is a longer backup window. For other types the start or
        completion window was too short for the job to begin or finish.

    Example
        Nightly Aurora jobs expiring because an operator takes manual snapshots at the same hour.
        Fail fixture: one EXPIRED Aurora job three days before ``as_of``. Pass fixture: the same
        job COMPLETED.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/working-with-supported-services.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/troubleshooting.html
    """

    metadata = RuleMetadata(
        id="BKP-020",
        title="Backup jobs expired before completion",
        severity=Severity.MEDIUM,
        rationale=(
            "An EXPIRED job created no recovery point; for Aurora/RDS it is typically a collision "
            "with a backup started from the RDS console, fixed by a longer backup window."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Backup plans and the plan that started the job.",
                "Edit the backup rule and lengthen 'Start within' and 'Complete within'.",
                "For Aurora/RDS, avoid starting backups from the RDS console during that window.",
            ),
            cli="aws backup update-backup-plan --backup-plan-id <PLAN_ID> --backup-plan file://plan.json "
            "# with a larger CompletionWindowMinutes in the rule",
        ),
        doc_url=DOC,
    )
    requires = (JOBS_OP,)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        jobs = jobs_in_window(ctx)
        expired = jobs[jobs["state"] == "EXPIRED"]
        if expired.empty:
            return
        expired = expired.sort_values(["account_id", "region", "resource_arn", "creation_date", "job_id"])
        cols = [
            "account_id",
            "region",
            "resource_arn",
            "resource_type",
            "job_id",
            "status_message",
            "creation_date",
            "plan_id",
        ]
        rows = records(expired, cols)
        for group in group_records(rows, "account_id", "region", "resource_arn").values():
            latest = group[-1]
            account_id, region, arn = latest["account_id"], latest["region"], latest["resource_arn"]
            rtype = maybe_str(latest["resource_type"]) or "resource"
            if rtype in RDS_FAMILY:
                advice = (
                    "A backup started from the RDS console at the same time collides with the AWS Backup "
                    "job; lengthen the backup rule's completion window and keep manual backups out of it."
                )
            else:
                advice = "Lengthen the backup rule's start and completion windows."
            yield self.finding(
                account_id=str(account_id),
                region=str(region),
                resource_arn=str(arn),
                resource_type=maybe_str(latest["resource_type"]),
                message=(
                    f"{len(group)} backup job(s) of {rtype} {arn} ({where(account_id, region)}) expired in "
                    f"the last {ctx.settings.job_window_days} days (latest {latest['job_id']}: "
                    f"{maybe_str(latest['status_message']) or 'no status message'}). {advice}"
                ),
                details={
                    "expired_count": len(group),
                    "latest_job_id": str(latest["job_id"]),
                    "latest_creation_date": latest["creation_date"],
                    "latest_status_message": maybe_str(latest["status_message"]),
                    "plan_id": maybe_str(latest["plan_id"]),
                    "job_window_days": ctx.settings.job_window_days,
                },
            )
