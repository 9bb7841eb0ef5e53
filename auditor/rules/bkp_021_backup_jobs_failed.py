"""BKP-021: the latest backup job of a resource FAILED or was ABORTED."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import JOBS_OP, maybe_str, where
from auditor.rules._jobs import jobs_in_window
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/troubleshooting.html"

FAILED_STATES = ("FAILED", "ABORTED")


@register
class BackupJobsFailed(Rule):
    """Latest backup job of a resource failed or was aborted.

    What it does
        For each resource with backup jobs created within the job window (default 14 days before
        ``as_of``), takes its latest job and reports the resource when that job is ``FAILED`` or
        ``ABORTED``, with the job's status message and the number of failed or aborted jobs in the
        window. A resource whose latest job succeeded is not reported, even after earlier failures.

    Why it matters
        The resource has no recent recovery point: its actual recovery point objective is longer
        than the plan promises, and the cause (permissions, KMS key, resource state) repeats until
        fixed.

    Example
        The backup role lost ``kms:CreateGrant`` on an EBS key; every job since fails with
        "Insufficient privileges". Fail fixture: one FAILED EBS job. Pass fixture: a FAILED job
        followed by a COMPLETED one.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/troubleshooting.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html
    """

    metadata = RuleMetadata(
        id="BKP-021",
        title="Latest backup job failed or was aborted",
        severity=Severity.MEDIUM,
        rationale=(
            "The resource's latest backup attempt produced no recovery point; until the cause is "
            "fixed, its recovery point objective is not met."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Jobs, and open the job named in the finding.",
                "Read its status message and fix the cause (backup role permissions, KMS key policy, "
                "resource state).",
                "Start an on-demand backup of the resource to confirm the fix.",
            ),
            cli="aws backup start-backup-job --backup-vault-name <VAULT_NAME> --resource-arn <RESOURCE_ARN> "
            "--iam-role-arn <BACKUP_ROLE_ARN>",
        ),
        doc_url=DOC,
    )
    requires = (JOBS_OP,)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        jobs = jobs_in_window(ctx)
        jobs = jobs[jobs["resource_arn"].notna()]
        if jobs.empty:
            return
        keys = ["account_id", "region", "resource_arn"]
        # Only a resource with a failed job in the window can have failed last: the latest job and
        # the failure count of a resource read its own jobs alone (their order kept).
        failed_arns = jobs.loc[jobs["state"].isin(FAILED_STATES), "resource_arn"]
        if failed_arns.empty:
            return
        jobs = jobs[jobs["resource_arn"].isin(failed_arns)]
        ordered = jobs.sort_values(["creation_date", "job_id"])
        latest = ordered.drop_duplicates(keys, keep="last")
        failed_latest = latest[latest["state"].isin(FAILED_STATES)]
        if failed_latest.empty:
            return
        failures = ordered[ordered["state"].isin(FAILED_STATES)].groupby(keys).size().to_dict()
        for row in failed_latest.sort_values(keys).itertuples(index=False):
            message = maybe_str(row.status_message) or "no status message"
            rtype = maybe_str(row.resource_type)
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=str(row.resource_arn),
                resource_type=rtype,
                message=(
                    f"The latest backup job of {rtype or 'resource'} {row.resource_arn} "
                    f"({where(row.account_id, row.region)}) is {row.state} (job {row.job_id}: {message}). "
                    "Fix the cause given in the status message and run an on-demand backup to confirm."
                ),
                details={
                    "job_id": str(row.job_id),
                    "state": str(row.state),
                    "status_message": maybe_str(row.status_message),
                    "creation_date": row.creation_date,
                    "plan_id": maybe_str(row.plan_id),
                    "failed_or_aborted_in_window": int(
                        failures.get((row.account_id, row.region, row.resource_arn), 0)
                    ),
                    "job_window_days": ctx.settings.job_window_days,
                },
            )
