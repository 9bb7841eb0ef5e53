"""BKP-022: the latest copy job of a resource in the job window FAILED."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, where
from auditor.rules._controls import in_scope, scope_details
from auditor.rules._copies import COPY_JOBS_OP, copy_jobs_in_window
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListCopyJobs.html"
KEYS = ["account_id", "region", "resource_arn"]


@register
class CopyJobsFailed(Rule):
    """Latest copy job of a resource failed.

    What it does
        For each resource with copy jobs (``ListCopyJobs``, listed in the source account and
        Region) created within the job window (default 14 days before ``as_of``), takes its
        latest copy job and reports the resource when that job is ``FAILED``, with the job's
        status message, its destination vault and the number of failed copy jobs in the window.
        A resource whose latest copy job completed is not reported, even after earlier failures;
        ``PARTIAL`` (a composite job some of whose children failed) is not ``FAILED`` and is not
        reported. Scope in ``backup-auditor.toml``::

            [controls.BKP-022]
            resource-types = ["RDS"]     # or tag-key / tag-value / resource-arns

        A bundle written before copy jobs were collected (version 1 or 2) leaves this rule
        "not evaluated: evidence not collected" (``summary.rules_not_evaluated``).

    Why it matters
        A failed copy leaves the resource without its copy in the other Region or account: the
        disaster-recovery or ransomware copy the plan promises does not exist, while the plan
        still reads as compliant.

    Example
        The destination vault's access policy does not let the source account copy into it.
        Fail fixture: one FAILED copy job of an EBS volume. Pass fixture: the same failure
        followed by a COMPLETED copy job.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_ListCopyJobs.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CopyJob.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/troubleshooting.html
    """

    metadata = RuleMetadata(
        id="BKP-022",
        title="Latest copy job failed",
        severity=Severity.MEDIUM,
        rationale=(
            "The resource's latest copy to another vault, Region or account did not complete; "
            "the copy its plan promises is missing until the cause is fixed."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Jobs, then Copy jobs, and open the job named in "
                "the finding.",
                "Read its status message and fix the cause (destination vault access policy, "
                "cross-account backup setting, KMS key of the destination, vault lock retention).",
                "Copy the latest recovery point again to confirm the fix.",
            ),
            cli="aws backup start-copy-job --recovery-point-arn <RECOVERY_POINT_ARN> "
            "--source-backup-vault-name <VAULT_NAME> --destination-backup-vault-arn <DESTINATION_VAULT_ARN> "
            "--iam-role-arn <BACKUP_ROLE_ARN>",
        ),
        doc_url=DOC,
    )
    requires = (COPY_JOBS_OP,)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_022
        if not control.enabled:
            return
        jobs = ctx.inventory.copy_jobs
        # Only a resource with a FAILED job can have a failed latest one: the jobs of the ARNs
        # with one (all of their jobs, so the latest is still found) are read, not every job.
        failed_arns = jobs.loc[jobs["state"] == "FAILED", "resource_arn"]
        jobs = copy_jobs_in_window(
            ctx, jobs[jobs["resource_arn"].notna() & jobs["resource_arn"].isin(failed_arns)]
        )
        jobs = in_scope(ctx, control, jobs)
        if jobs.empty:
            return
        ordered = jobs.sort_values(["creation_date", "job_id"])
        latest = ordered.drop_duplicates(KEYS, keep="last")
        failed_latest = latest[latest["state"] == "FAILED"]
        failures = ordered[ordered["state"] == "FAILED"].groupby(KEYS).size().to_dict()
        for row in failed_latest.sort_values(KEYS).itertuples(index=False):
            message = maybe_str(row.status_message) or "no status message"
            rtype = maybe_str(row.resource_type)
            yield self.finding(
                account_id=str(row.account_id),
                region=str(row.region),
                resource_arn=str(row.resource_arn),
                resource_type=rtype,
                message=(
                    f"The latest copy job of {rtype or 'resource'} {row.resource_arn} "
                    f"({where(row.account_id, row.region)}) to {maybe_str(row.destination_vault_arn) or 'its destination'} "
                    f"FAILED (job {row.job_id}: {message}). Fix the cause and copy the latest recovery "
                    "point again."
                ),
                details={
                    "job_id": str(row.job_id),
                    "state": str(row.state),
                    "status_message": maybe_str(row.status_message),
                    "creation_date": row.creation_date,
                    "destination_vault_arn": maybe_str(row.destination_vault_arn),
                    "plan_id": maybe_str(row.plan_id),
                    "failed_in_window": int(failures.get((row.account_id, row.region, row.resource_arn), 0)),
                    "job_window_days": ctx.settings.job_window_days,
                    **scope_details(control),
                },
            )
