"""BKP-091: AWS Backup's own record (jobs, recovery points) disagrees with the prediction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.model.results import Finding, Severity
from auditor.protection.evidence import (
    BACKED_UP_NOT_PREDICTED,
    COMPARED_OPERATIONS,
    Disagreement,
    compare,
)
from auditor.rules._backed_up import window_evidence
from auditor.rules._common import where
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RecoveryPointCreator.html"


@register
class PredictionVsEvidence(Rule):
    """AWS Backup's own record disagrees with the predicted protection.

    What it does
        For each backup plan rule that ran in the job window (default 14 days before ``as_of``:
        it created backup jobs or recovery points, whose ``CreatedBy`` names the plan, its
        version and the rule), compares the resources it actually backed up with those the
        resolver says the plan protects. It reports, one finding per plan rule and resource:
        ``backed-up-not-predicted``, a scheduled job or recovery point of the plan for a resource
        none of the plan's selections selects (or whose opt-in blocks it), and
        ``predicted-not-backed-up``, a resource the plan protects that got nothing from a rule
        which ran after the resource existed. On-demand jobs (no ``BackupPlanId``) are not
        evidence about a plan. Each finding names the selection and the reading of AWS's
        documentation that decided the prediction (``details.reading``: the id in
        ``docs/semantics-review.md``, ``details.reading_text``: the words ``explain`` prints),
        and the evidence (job id or recovery point ARN, and time). Not reported, because
        something legitimate explains the difference: the plan's ``VersionId`` is not the run's
        ``BackupPlanVersion``; a selection of the plan was created after the run; the resource
        was created after the run (where the bundle says when: EBS volumes, EFS file systems);
        the job is still ``CREATED`` / ``PENDING`` / ``RUNNING``; the resource's account-Region
        was not fully read or its verdict is undecided. ``explain BUNDLE ARN`` prints these
        too, with the reason. A disagreement never changes a verdict.

    Why it matters
        Every verdict rests on readings of AWS's documentation that no one has confirmed on your
        account. AWS Backup's record of what it did is the ground truth for the last runs: a
        disagreement shows which reading your account contradicts, before a restore does.

    Example
        A selection with ``StringNotEquals aws:ResourceTag/env = dev`` and a table without an
        ``env`` tag: the resolver says not selected (reading A3), yet the plan's nightly job
        backed the table up. Fail fixture: a plan's job for a table its only selection does not
        name, and a second table its selection names that the rule's run skipped. Pass fixture:
        the selection names both tables and both have jobs.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_RecoveryPointCreator.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/API_BackupJob.html
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/assigning-resources.html
    """

    metadata = RuleMetadata(
        id="BKP-091",
        title="AWS Backup's own record disagrees with the predicted protection",
        severity=Severity.INFO,
        rationale=(
            "The verdicts rest on readings of AWS's documentation; what AWS Backup actually did "
            "in the job window shows where a reading does not hold for this account."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console in the finding's account and Region and choose Jobs; "
                "open the job named in the finding (or the plan's latest run).",
                "Compare the resource with the plan's resource assignments and run "
                "`backup-auditor explain BUNDLE ARN` to see which reading decided the prediction.",
                "If AWS's behaviour is the right one, report the reading id so it can be changed; "
                "otherwise fix the selection so that it says what is meant.",
            ),
            cli="aws backup list-backup-jobs --by-resource-arn <RESOURCE_ARN> --by-created-after <WINDOW_START>",
        ),
        doc_url=DOC,
    )
    requires = COMPARED_OPERATIONS

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        window = ctx.settings.job_window_days
        found = compare(ctx.inventory, ctx.protection, ctx.as_of, window, window_evidence(ctx))
        for d in found:
            if d.excluded is None and ctx.is_collected(d.account_id, d.region, COMPARED_OPERATIONS):
                yield self.finding(
                    account_id=d.account_id,
                    region=d.region,
                    resource_arn=d.resource_arn,
                    resource_type=d.resource_type,
                    message=message(d),
                    details=details(d),
                )


def message(d: Disagreement) -> str:
    """The finding's message: what AWS Backup did, what we predicted, and why."""
    rule = f"plan `{d.plan_name}` rule `{d.plan_rule_name or d.plan_rule_id or '?'}`"
    what = f"{d.resource_type} {d.resource_arn} ({where(d.account_id, d.region)})"
    ev = d.evidence.text() if d.evidence else "no evidence"
    reading = f" Reading {d.reading} decided it." if d.reading else ""
    if d.disagreement == BACKED_UP_NOT_PREDICTED:
        head = (
            f"AWS Backup backed up {what} by {rule} ({ev}), but we predict that no selection of "
            f"the plan backs it up: {d.reading_text}.{reading}"
        )
    else:
        head = (
            f"We predict that {rule} backs up {what} ({d.reading_text}), but the rule's run in the "
            f"job window ({ev}, for another resource) made no job or recovery point for it.{reading}"
        )
    unsure = f" Unsure: {d.note}." if d.note else ""
    return head + unsure + " The verdict is unchanged; `backup-auditor explain` shows the trail."


def details(d: Disagreement) -> dict[str, Any]:
    """The contract of BKP-091's ``details`` (shared with ``verify-readings``)."""
    return {
        "disagreement": d.disagreement,
        "plan_id": d.plan_id,
        "plan_name": d.plan_name,
        "plan_rule_id": d.plan_rule_id,
        "plan_rule_name": d.plan_rule_name,
        "selection_id": d.selection_id,
        "selection_name": d.selection_name,
        "reading": d.reading,
        "reading_text": d.reading_text,
        "evidence": d.evidence.to_json() if d.evidence else None,
        "note": d.note or None,
    }
