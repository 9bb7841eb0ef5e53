"""BKP-030's words: how each rule of a failing plan is summed up (continuous, unreadable schedule,
hours apart), three rules shown then a count, a plan without rules (mutation-run survivors of
bkp_030, and of ``days_text`` in ``auditor.rules._controls`` it uses)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

WEEKLY = "cron(0 5 ? * 1 *)"
WHERE = f"account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}"
HEAD = "has no rule that backs up at least every 1 day and keeps recovery points at least 35 days"


def _by_plan(b: BundleBuilder, tmp_path: Path) -> dict[str, Finding]:
    found = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-030")
    return {f.details["plan_name"]: f for f in found}


def test_each_rule_is_summed_up_and_more_than_three_are_counted(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.plan(
        "four",
        [
            b.rule(RuleName="c", DeleteAfterDays=7, EnableContinuousBackup=True),
            b.rule(RuleName="d", ScheduleExpression="cron(not a schedule)"),
            b.rule(RuleName="e", ScheduleExpression=WEEKLY),
            b.rule(RuleName="f", ScheduleExpression=WEEKLY),
        ],
    )
    b.plan("three", [b.rule(RuleName=n, ScheduleExpression=WEEKLY, DeleteAfterDays=None) for n in "xyz"])
    b.plan("none", [])
    found = _by_plan(b, tmp_path)
    four = found["four"]
    unreadable = four.details["rules"][1]["reading"]
    assert unreadable.startswith("schedule not readable: ")
    assert four.message == (
        f"Backup plan four ({WHERE}) {HEAD}: rule c: continuous, kept 7 days; rule d: {unreadable}, "
        "kept 35 days; rule e: up to 168 hours apart, kept 35 days (and 1 more)."
    )
    assert found["three"].message == (
        f"Backup plan three ({WHERE}) {HEAD}: rule x: up to 168 hours apart, kept forever; "
        "rule y: up to 168 hours apart, kept forever; rule z: up to 168 hours apart, kept forever."
    )
    assert found["none"].message == f"Backup plan none ({WHERE}) {HEAD}: the plan has no rules."


def test_a_retention_of_one_day_is_singular(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.plan("short", [b.rule(RuleName="r", DeleteAfterDays=1)])
    found = _by_plan(b, tmp_path)
    assert found["short"].message.endswith(": rule r: up to 24 hours apart, kept 1 day.")


def test_rules_without_a_schedule_or_running_once_say_so(tmp_path: Path) -> None:
    b = BundleBuilder()
    unscheduled = b.rule(RuleName="manual")
    unscheduled["ScheduleExpression"] = None  # read as absent (an optional member of BackupRule)
    b.plan("odd", [unscheduled, b.rule(RuleName="once", ScheduleExpression="cron(0 5 1 1 ? 2028)")])
    b.plan("daily", [b.rule(RuleName="d", DeleteAfterDays=7)])
    found = _by_plan(b, tmp_path)
    year = COLLECTED_AT.year
    manual, once = found["odd"].details["rules"]
    assert (manual["schedule"], manual["longest_interval_hours"], manual["reading"]) == (
        None,
        None,
        "no schedule expression",
    )
    assert (once["longest_interval_hours"], once["reading"]) == (
        None,
        f"the schedule runs at most once in the four years from {year}",
    )
    assert found["odd"].message.endswith(
        ": rule manual: no schedule expression, kept 35 days; rule once: the schedule runs at most "
        f"once in the four years from {year}, kept 35 days."
    )
    (daily,) = found["daily"].details["rules"]
    assert (daily["schedule"], daily["longest_interval_hours"], daily["reading"]) == (
        "cron(0 5 ? * * *)",
        24.0,
        None,
    )
