"""``explain``'s evidence lines (``auditor.protection.evidence.render_evidence``), whole: the job
window's start, the records by plan (by name, by id when the bundle lacks the plan, on demand),
each disagreement with its rule (by name, else by id, else ``?``), its reading, what the rule did,
and what leaves it unsure."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.evidence import render_evidence
from auditor.protection.patterns import MISSING_KEY_READING
from auditor.protection.resolver import resolve
from tests.builders import COLLECTED_AT, BundleBuilder, plan_version_of, rule_id_of

RUN = COLLECTED_AT - timedelta(days=1)
HEADER = "evidence   AWS Backup's record of it since 2026-11-06T06:00:00Z (job window, 14 days):"
T = "2026-11-19T06:00:00Z"


def _render(b: BundleBuilder, tmp_path: Path, arn: str) -> str:
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    return render_evidence(inv, resolve(inv), arn, COLLECTED_AT, 14)


def test_a_skipped_resource_without_records_and_without_a_creation_time(tmp_path: Path) -> None:
    b = BundleBuilder()
    orders = b.dynamodb_table("orders")
    other = b.dynamodb_table("other")
    plan = b.plan("daily")
    b.selection(plan, "tables", resources=[orders, other])
    job = b.job(other, "DynamoDB", created=RUN, plan_id=plan, rule_id=rule_id_of(plan))
    assert _render(b, tmp_path, orders) == "\n".join(
        [
            HEADER,
            "  none: no backup job or recovery point of it in the window",
            f"DISAGREES  predicted-not-backed-up with plan `daily` rule `daily`: selected by exact ARN `{orders}`; "
            "AWS Backup backs it up through this selection",
            f"  the rule ran for other resources: backup job {job} ({T}, COMPLETED)",
            f"  unsure: the bundle does not say when the resource was created: if after {T}, the rule had no run "
            "to back it up yet",
            "",
        ]
    )


def test_records_by_plan_name_plan_id_or_on_demand_and_a_reading_that_decided(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    plan = b.plan("daily")
    b.selection(plan, "not-dev", conditions=[("StringNotEquals", "aws:ResourceTag/env", "dev")])
    on_demand = b.job(table, "DynamoDB", created=RUN - timedelta(hours=2))
    gone = b.job(
        table, "DynamoDB", created=RUN - timedelta(hours=1), plan_id="plan-gone", rule_id="rule-gone"
    )
    job = b.job(
        table,
        "DynamoDB",
        created=RUN,
        plan_id=plan,
        plan_version=plan_version_of(plan),
        rule_id=rule_id_of(plan),
    )
    assert _render(b, tmp_path, table) == "\n".join(
        [
            HEADER,
            f"  on demand: backup job {on_demand} (2026-11-19T04:00:00Z, COMPLETED)",
            f"  plan `plan-gone`: backup job {gone} (2026-11-19T05:00:00Z, COMPLETED)",
            f"  plan `daily`: backup job {job} ({T}, COMPLETED)",
            f"DISAGREES  backed-up-not-predicted with plan `daily` rule `daily` (reading A3): {MISSING_KEY_READING}",
            f"  the rule backed it up: backup job {job} ({T}, COMPLETED)",
            "",
        ]
    )


def test_a_rule_without_a_name_is_named_by_its_id_else_a_question_mark(tmp_path: Path) -> None:
    """GetBackupPlan denied: the rule's name is unknown, its id is the record's. A record without
    rule id: neither is known."""
    for case in ("rule id", "no rule id"):
        b = BundleBuilder()
        ran = b.ebs_volume("vol-0ran")
        extra = b.ebs_volume("vol-0extra")
        plan = b.plan("daily")
        b.selection(plan, "by-arn", resources=[ran])
        rule = rule_id_of(plan) if case == "rule id" else None
        b.job(ran, "EBS", created=RUN, plan_id=plan, plan_version=plan_version_of(plan), rule_id=rule)
        job = b.job(extra, "EBS", created=RUN, plan_id=plan, plan_version=plan_version_of(plan), rule_id=rule)
        if case == "rule id":
            b.error("backup", "GetBackupPlan")
        out = _render(b, tmp_path / case.replace(" ", "-"), extra)
        named = rule_id_of(plan) if case == "rule id" else "?"
        assert (
            f"DISAGREES  backed-up-not-predicted with plan `daily` rule `{named}`: no Resources pattern matches\n"
            f"  the rule backed it up: backup job {job} ({T}, COMPLETED)\n"
        ) in out, case
