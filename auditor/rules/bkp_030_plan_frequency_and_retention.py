"""BKP-030: a backup plan has no rule both frequent enough and keeping recovery points long enough."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from auditor.controls import Control, PlanFrequencyParams
from auditor.model.results import Finding, Severity
from auditor.rules._common import group_records, maybe_str, records, to_float, where
from auditor.rules._controls import days_text, in_scope, scope_details
from auditor.rules.base import Remediation, Rule, RuleContext, RuleMetadata
from auditor.rules.registry import register
from auditor.schedule import ScheduleError, longest_interval
from auditor.services import chain

DOC = "https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html"

CONTINUOUS_READING = (
    "continuous backup keeps a restorable point at all times, so the rule counts as meeting any "
    "required frequency (a reading: AWS's documentation does not say how the control judges "
    "continuous backup rules; see docs/semantics-review.md)"
)


def _hours(interval: timedelta | None) -> float | None:
    return None if interval is None else interval.total_seconds() / 3600


def judge_rule(row: dict[str, Any], params: PlanFrequencyParams, year: int) -> dict[str, Any]:
    """One plan rule against the parameters: what was read and whether it meets each of them."""
    schedule = maybe_str(row["schedule"])
    keep = to_float(row["delete_after_days"])
    out: dict[str, Any] = {
        "rule_name": str(row["rule_name"]),
        "schedule": schedule,
        "continuous_backup": bool(row["continuous_backup"]),
        "delete_after_days": None if math.isnan(keep) else keep,
        "retention_ok": math.isnan(keep) or keep >= params.retention_days,
    }
    if out["continuous_backup"]:
        out.update(longest_interval_hours=None, frequency_ok=True, reading=CONTINUOUS_READING)
        return out
    try:
        hours = _hours(longest_interval(schedule, year)) if schedule else None
        reading = "no schedule expression" if not schedule else None
    except ScheduleError as exc:
        hours, reading = None, f"schedule not readable: {exc}"
    if hours is None and reading is None:
        reading = f"the schedule runs at most once in the four years from {year}"
    out.update(
        longest_interval_hours=hours,
        frequency_ok=hours is not None and hours <= params.frequency.hours,
        reading=reading,
    )
    return out


def _summary(rule: dict[str, Any]) -> str:
    hours = rule["longest_interval_hours"]
    if rule["continuous_backup"]:
        often = "continuous"
    elif hours is None:
        often = str(rule["reading"])
    else:
        often = f"up to {hours:g} hour{'' if hours == 1 else 's'} apart"
    keep = rule["delete_after_days"]
    kept = "kept forever" if keep is None else f"kept {days_text(keep)}"
    return f"rule {rule['rule_name']}: {often}, {kept}"


@register
class PlanFrequencyAndRetention(Rule):
    """A backup plan has no rule that is both frequent enough and keeps recovery points long enough.

    What it does
        Reports each backup plan none of whose rules both runs at least as often as required and
        keeps recovery points at least as long as required: AWS Backup Audit Manager's control
        "Backup plan has minimum frequency and minimum retention"
        (``BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK``), defaults 1 day and 35 days.
        The frequency of a rule is the longest wait between two consecutive runs of its
        ``ScheduleExpression`` (AWS's six-field ``cron(...)`` with ``?``, ``L``, ``W``, ``#`` and
        year, or ``rate(...)``), computed over four calendar years: ``cron(0 18 ? * MON-FRI *)``
        waits 3 days over each weekend, so it is not daily. A rule with continuous backup
        (``EnableContinuousBackup``) counts as frequent enough (a reading, written in the
        finding's details). A rule without ``DeleteAfterDays`` keeps recovery points forever.
        Parameters in ``backup-auditor.toml``::

            [controls.BKP-030]
            frequency-hours = 12        # or frequency-days (hours 1-24, days 1-31)
            retention-days = 35
            resource-arns = ["arn:aws:backup:us-east-1:111111111111:backup-plan:..."]  # scope

    Why it matters
        A plan that backs up weekly, or keeps its backups a week, does not meet a daily recovery
        point objective or a 35-day retention policy, whatever resources it protects.

    Example
        A plan whose only rule runs ``cron(0 5 ? * MON-FRI *)`` and keeps 35 days. Fail fixture:
        that plan. Pass fixture: the same rule every day, and a second plan whose rule is
        continuous and keeps 35 days.

    References
        - https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
        - https://docs.aws.amazon.com/config/latest/developerguide/backup-plan-min-frequency-and-min-retention-check.html
        - https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
    """

    metadata = RuleMetadata(
        id="BKP-030",
        title="Backup plan has no rule meeting the minimum frequency and retention",
        severity=Severity.MEDIUM,
        rationale=(
            "Without one rule that backs up at least as often and keeps recovery points at least "
            "as long as required, the plan cannot meet the recovery point objective and retention "
            "policy auditors check."
        ),
        remediation=Remediation(
            console=(
                "Open the AWS Backup console and choose Backup plans, then the plan named in the finding.",
                "Edit a backup rule (or add one): set Backup frequency to at least the required "
                "frequency and Retention period to at least the required days.",
            ),
            cli="aws backup update-backup-plan --backup-plan-id <PLAN_ID> --backup-plan file://plan.json",
        ),
        doc_url=DOC,
        controls=(
            "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
            "backup-plan-min-frequency-and-min-retention-check",
        ),
    )
    requires = chain("backup.GetBackupPlan")

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        control = ctx.settings.controls.bkp_030
        if not control.enabled:
            return
        params = control.params
        plans = ctx.only_collected(ctx.inventory.plans, self.requires)
        plans = plans.assign(
            plan_arn=plans["plan_arn"].fillna(
                "arn:aws:backup:"
                + plans["region"]
                + ":"
                + plans["account_id"]
                + ":backup-plan:"
                + plans["plan_id"]
            )
        )
        plans = in_scope(ctx, control, plans, arn_column="plan_arn", type_column=None)
        if plans.empty:
            return
        rules = group_records(records(ctx.inventory.plan_rules), "account_id", "region", "plan_id")
        for plan in records(plans.sort_values(["account_id", "region", "plan_name", "plan_id"])):
            key = (plan["account_id"], plan["region"], plan["plan_id"])
            judged = [judge_rule(r, params, ctx.as_of.year) for r in rules.get(key, [])]
            if any(j["frequency_ok"] and j["retention_ok"] for j in judged):
                continue
            yield self._finding(plan, judged, params, control)

    def _finding(
        self,
        plan: dict[str, Any],
        judged: list[dict[str, Any]],
        params: PlanFrequencyParams,
        control: Control[PlanFrequencyParams],
    ) -> Finding:
        account_id, region = str(plan["account_id"]), str(plan["region"])
        shown = "; ".join(_summary(j) for j in judged[:3]) or "the plan has no rules"
        more = f" (and {len(judged) - 3} more)" if len(judged) > 3 else ""
        return self.finding(
            account_id=account_id,
            region=region,
            resource_arn=str(plan["plan_arn"]),
            message=(
                f"Backup plan {plan['plan_name']} ({where(account_id, region)}) has no rule that backs "
                f"up at least every {params.frequency.text()} and keeps recovery points at least "
                f"{days_text(params.retention_days)}: {shown}{more}."
            ),
            details={
                "plan_id": str(plan["plan_id"]),
                "plan_name": str(plan["plan_name"]),
                "required_frequency_hours": params.frequency.hours,
                "required_retention_days": params.retention_days,
                "rules": judged,
                **scope_details(control),
            },
        )
