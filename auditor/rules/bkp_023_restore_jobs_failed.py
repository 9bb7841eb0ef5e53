"""BKP-023: the latest restore job of a resource FAILED (in the job window)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pandas as pd

from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, where
from auditor.rules._controls import in_scope, scope_details
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.services import operation

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html"
RESTORE_JOBS_OP = operation("backup.ListRestoreJobs").key
KEYS = ["account_id", "region", "resource_arn"]


def restore_jobs_in_window(ctx: RuleContext) -> pd.DataFrame:
    """Restore jobs created within ``settings.job_window_days`` before ``as_of`` (not after it), in
    account-Regions where ``ListRestoreJobs`` was collected."""
    jobs = ctx.only_collected(ctx.inventory.restore_jobs, (RESTORE_JOBS_OP,))
    if jobs.empty:
        return jobs
    start = pd.Timestamp(ctx.as_of - timedelta(days=ctx.settings.job_window_days))
    created = jobs["creation_date"]
    return jobs[(created >= start) & (created <= pd.Timestamp(ctx.as_of))]


@register
class RestoreJobsFailed(Rule):
    """Latest restore job of a resource failed.

    What it does
        For each source resource with restore jobs (``ListRestoreJobs``, ``SourceResourceArn``)
        created within the job window (default 14 days before ``as_of``), takes its latest job and
        reports the resource when that job is ``FAILED``, with the job's status message, whether a
        restore testing plan started it, and the number of failed restore jobs in the window. A
        resource whose latest restore job completed is not reported, even after earlier failures;
        ``ABORTED`` restore jobs (stopped by a person) are not failures. Scope in
        ``backup-auditor.toml``: ``[controls.BKP-023]`` with ``resource-types``, ``tag-key`` /
        ``tag-value`` or ``resource-arns``.

    Why it matters
        A failed restore is the one test that shows a backup cannot be used: a restore testing plan
        that keeps failing means the recovery time objective is not met, whatever the backups say.

    Example
        A restore testing plan restores an EBS volume's latest recovery point every day; the restore
        role lost ``ec2:CreateVolume``. Fail fixture: the latest restore job is FAILED. Pass
        fixture: a FAILED job followed by a COMPLETED one.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-testing.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RestoreJobsListMember.html
    """

    metadata = RuleMetadata(
        id="BKP-023",
        title="Latest restore job failed",
        severity=Severity.MEDIUM,
        rationale=(
            "A failed restore shows that the resource's backups could not be restored; until the "
            "cause is fixed, its recovery time objective is not met."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Jobs, then Restore jobs, and open the job named "
                "in the finding.",
                "Read its status message and fix the cause (restore role permissions, KMS key policy, "
                "restore metadata of the restore testing selection).",
                "Run the restore again (or wait for the restore testing plan's next run) to confirm.",
            ),
            cli="aws backup describe-restore-job --restore-job-id <RESTORE_JOB_ID>",
        ),
        doc_url=DOC,
    )
    requires = (RESTORE_JOBS_OP,)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_023
        if not control.enabled:
            return
        jobs = restore_jobs_in_window(ctx)
        jobs = jobs[jobs["resource_arn"].notna()]
        jobs = in_scope(ctx, control, jobs)
        if jobs.empty:
            return
        ordered = jobs.sort_values(["creation_date", "job_id"])
        latest = ordered.drop_duplicates(KEYS, keep="last")
        failed_latest = latest[latest["status"] == "FAILED"]
        if failed_latest.empty:
            return
        failures = ordered[ordered["status"] == "FAILED"].groupby(KEYS).size().to_dict()
        for row in failed_latest.sort_values(KEYS).itertuples(index=False):
            message = maybe_str(row.status_message) or "no status message"
            rtype = maybe_str(row.resource_type)
            testing_plan = maybe_str(row.restore_testing_plan_arn)
            started = "a restore testing plan" if testing_plan else "a person or another service"
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=str(row.resource_arn),
                resource_type=rtype,
                message=(
                    f"The latest restore job of {rtype or 'resource'} {row.resource_arn} "
                    f"({where(row.account_id, row.region)}), started by {started}, FAILED "
                    f"(job {row.job_id}: {message}). Fix the cause and restore again to confirm."
                ),
                details={
                    "restore_job_id": str(row.job_id),
                    "status": "FAILED",
                    "status_message": maybe_str(row.status_message),
                    "creation_date": row.creation_date,
                    "restore_testing_plan_arn": testing_plan,
                    "failed_in_window": int(failures.get((row.account_id, row.region, row.resource_arn), 0)),
                    "job_window_days": ctx.settings.job_window_days,
                    **scope_details(control),
                },
            )
