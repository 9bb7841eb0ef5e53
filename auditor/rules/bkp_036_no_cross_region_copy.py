"""BKP-036: a protected resource has no copy to another Region (Audit Manager control)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from auditor.controls import Control, CrossRegionParams
from auditor.model.results import Finding, Severity
from auditor.rules._common import maybe_str, records, where
from auditor.rules._controls import scope_details
from auditor.rules._copies import (
    COPY_JOBS_OP,
    KEYS,
    PROTECTION_OPS,
    Destination,
    FailedJob,
    copied_by_plan,
    copy_actions,
    failed_latest,
    judged,
    judged_copy_jobs,
    key_mask,
    planned,
    rule_destinations,
)
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"


@register
class NoCrossRegionCopy(Rule):
    """A protected resource has no copy to another Region.

    What it does
        Reports each resource a backup plan protects when none of the plan rules protecting it
        has a ``CopyActions`` entry whose destination vault is in another Region (one of the
        allowed Regions, when they are given), or when the latest copy job of the resource to
        such a Region (``ListCopyJobs``, in the job window) ``FAILED``. It is AWS Backup Audit
        Manager's control "Resources are protected by cross-Region copy"
        (``BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION``, parameter ``crossRegionList``), with the
        copy jobs read as well. An EBS volume backed up with its EC2 instance counts the
        instance's copy jobs. Parameters in ``backup-auditor.toml``::

            [controls.BKP-036]
            destination-regions = ["eu-west-1", "eu-central-1"]   # default: any other Region
            resource-types = ["RDS"]     # scope (or tag-key / tag-value / resource-arns)

        A bundle written before copy jobs were collected (version 1 or 2) leaves this rule
        "not evaluated: evidence not collected" (``summary.rules_not_evaluated``).

    Why it matters
        Backups kept only in the Region of their source are lost with that Region: a regional
        outage or a disaster there leaves nothing to restore elsewhere.

    Example
        A DynamoDB table protected by a daily plan whose rule keeps recovery points in
        ``us-east-1`` only. Fail fixture: no copy action, and a second table whose plan copies to
        ``eu-west-1`` but whose latest copy job failed. Pass fixture: both copy to ``eu-west-1``
        and the latest copy job completed.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/config/latest/developerguide/dynamodb-resources-protected-by-backup-plan.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_CopyAction.html
    """

    metadata = RuleMetadata(
        id="BKP-036",
        title="Protected resource has no copy in another Region",
        severity=Severity.MEDIUM,
        rationale=(
            "Recovery points kept only in their source's Region are lost with that Region; a "
            "copy in another Region is what disaster recovery restores from."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console, choose Backup plans and the plan protecting the resource.",
                "Edit its rule: under Copy to destination, choose another Region and a vault there.",
                "After the next backup, check Jobs, Copy jobs for a completed copy.",
            ),
            cli="aws backup update-backup-plan --backup-plan-id <PLAN_ID> --backup-plan file://plan-with-copy-actions.json",
        ),
        controls=("BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",),
        doc_url=DOC,
    )
    requires = (*PROTECTION_OPS, COPY_JOBS_OP)

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_036
        if not control.enabled:
            return
        protected = judged(ctx, control, self.requires)
        if protected.empty:
            return
        allowed = control.params.destination_regions
        has_copy = copied_by_plan(ctx, protected, allowed_region(rule_destinations(ctx), allowed))
        jobs = judged_copy_jobs(ctx, control, self.requires)
        failed = failed_latest(jobs[allowed_region(jobs, allowed)])
        bad = protected[~has_copy | key_mask(protected, failed)]
        destinations = planned(copy_actions(ctx, bad))
        for row in records(bad.sort_values(KEYS)):
            key = (str(row["account_id"]), str(row["region"]), str(row["arn"]))
            counts = any(allowed_region_of(d, key[1], allowed) for d in destinations.get(key, []))
            yield self._finding(row, control, destinations.get(key, []), failed.get(key) if counts else None)

    def _finding(
        self,
        row: dict[str, Any],
        control: Control[CrossRegionParams],
        destinations: list[Destination],
        job: FailedJob | None,
    ) -> Finding:
        account_id, region, arn = str(row["account_id"]), str(row["region"]), str(row["arn"])
        rtype = maybe_str(row["resource_type"])
        allowed = control.params.destination_regions
        to = "one of " + ", ".join(allowed) if allowed else "another Region"
        if job is None:
            what = f"no plan rule protecting it copies its recovery points to {to}"
        else:
            status = job.status_message or "no status message"
            what = f"its plan copies it to {to}, but its latest copy job there FAILED (job {job.job_id}: {status})"
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=arn,
            resource_type=rtype,
            message=f"{rtype or 'Resource'} {arn} ({where(account_id, region)}): {what}.",
            details={
                "result": "non-compliant",
                "cause": "no cross-Region copy action"
                if job is None
                else "latest cross-Region copy job failed",
                "copy_destinations": sorted({d.vault_arn for d in destinations}),
                "destination_regions": list(allowed) or "any other Region",
                "latest_copy_job": None if job is None else job.job_id,
                **scope_details(control),
            },
        )


def allowed_region_of(dest: Destination, region: str, allowed: tuple[str, ...]) -> bool:
    """Whether one destination is in another Region than ``region`` (and allowed, if given)."""
    return dest.region != region and (not allowed or dest.region in allowed)


def allowed_region(frame: pd.DataFrame, allowed: tuple[str, ...]) -> pd.Series:
    """Rows whose destination Region is another one than the source's (and allowed, if given)."""
    other = frame["dest_region"].notna() & (frame["dest_region"] != frame["region"])
    return other & frame["dest_region"].isin(allowed) if allowed else other
