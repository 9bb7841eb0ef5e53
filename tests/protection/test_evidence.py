"""Prediction vs evidence (BKP-091): each kind of disagreement, each exclusion, the reading ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection import evidence as ev
from auditor.protection.evidence import compare
from auditor.protection.patterns import LIST_OF_TAGS_READING, MISSING_KEY_READING
from auditor.protection.resolver import resolve
from auditor.rules.bkp_091_prediction_vs_evidence import details
from tests.builders import COLLECTED_AT, BundleBuilder, plan_version_of, rule_id_of
from tests.protection.evidence_compare import disagreements_by_key as _compare

DAY = timedelta(days=1)
RUN = COLLECTED_AT - DAY


@dataclass(frozen=True)
class Setup:
    plan: str
    ran: str
    """A volume the selection names, with its job: the rule ran."""
    extra: str
    """A volume the selection does not name."""
    skipped: str
    """A volume the selection names, without a job."""


def _setup(
    b: BundleBuilder,
    *,
    selection_created: datetime | None = None,
    skipped_created: datetime | None = None,
) -> Setup:
    ran = b.ebs_volume("vol-0ran")
    extra = b.ebs_volume("vol-0extra")
    skipped = b.ebs_volume("vol-0skipped", created=skipped_created)
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[ran, skipped], created=selection_created)
    return Setup(plan, ran, extra, skipped)


def _job(
    b: BundleBuilder,
    s: Setup,
    arn: str,
    *,
    when: datetime = RUN,
    version: str | None = None,
    state: str = "COMPLETED",
) -> str:
    return b.job(
        arn,
        "EBS",
        created=when,
        state=state,
        plan_id=s.plan,
        plan_version=version or plan_version_of(s.plan),
        rule_id=rule_id_of(s.plan),
    )


def test_both_kinds_are_found_with_plan_rule_selection_and_evidence(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b)
    ran_job = _job(b, s, s.ran)
    extra_job = _job(b, s, s.extra, when=RUN + timedelta(minutes=5))
    found = _compare(b, tmp_path)
    assert set(found) == {
        ("backed-up-not-predicted", "vol-0extra"),
        ("predicted-not-backed-up", "vol-0skipped"),
    }
    extra = found[("backed-up-not-predicted", "vol-0extra")]
    assert extra.excluded is None and extra.plan_name == "daily" and extra.plan_rule_name == "daily"
    assert extra.plan_rule_id == rule_id_of(s.plan) and extra.selection_name == "by-arn"
    assert extra.evidence is not None and extra.evidence.id == extra_job
    assert extra.reading is None and extra.reading_text == "no Resources pattern matches"
    skipped = found[("predicted-not-backed-up", "vol-0skipped")]
    assert skipped.excluded is None and skipped.note == ""
    # the evidence of a skipped resource is the rule's latest run (another resource's job)
    assert skipped.evidence is not None and skipped.evidence.id == extra_job
    assert skipped.reading_text.startswith("selected by exact ARN")
    assert details(skipped) == {
        "disagreement": "predicted-not-backed-up",
        "plan_id": s.plan,
        "plan_name": "daily",
        "plan_rule_id": rule_id_of(s.plan),
        "plan_rule_name": "daily",
        "selection_id": skipped.selection_id,
        "selection_name": "by-arn",
        "reading": None,
        "reading_text": skipped.reading_text,
        "evidence": {
            "kind": "backup-job",
            "id": extra_job,
            "time": (RUN + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        },
        "note": None,
    }
    assert ran_job != extra_job


def test_recovery_points_are_evidence_too_and_on_demand_jobs_are_not(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran)
    _job(b, s, s.skipped)
    b.job(s.extra, "EBS", created=RUN)  # on demand: no CreatedBy.BackupPlanId
    assert _compare(b, tmp_path) == {}
    b2 = BundleBuilder()
    s2 = _setup(b2)
    _job(b2, s2, s2.ran)
    _job(b2, s2, s2.skipped)
    rp = b2.recovery_point(
        s2.extra,
        "EBS",
        created=RUN,
        plan_id=s2.plan,
        plan_version=plan_version_of(s2.plan),
        rule_id=rule_id_of(s2.plan),
    )
    found = _compare(b2, tmp_path / "rp")
    d = found[("backed-up-not-predicted", "vol-0extra")]
    assert d.evidence is not None and d.evidence.kind == "recovery-point" and d.evidence.id == rp


def test_exclusion_plan_version_changed_in_the_window(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran, version="old-version")
    _job(b, s, s.extra, version="old-version")
    found = _compare(b, tmp_path)
    assert {d.excluded for d in found.values()} == {ev.EXCLUDED_VERSION}
    assert "old-version" in found[("backed-up-not-predicted", "vol-0extra")].note


def test_exclusion_selection_created_after_the_job(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b, selection_created=RUN + timedelta(hours=2))
    _job(b, s, s.ran)
    _job(b, s, s.extra)
    found = _compare(b, tmp_path)
    assert {k: d.excluded for k, d in found.items()} == {
        ("backed-up-not-predicted", "vol-0extra"): ev.EXCLUDED_SELECTION,
        ("predicted-not-backed-up", "vol-0skipped"): ev.EXCLUDED_SELECTION,
    }


def test_exclusion_resource_created_after_the_run(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b, skipped_created=RUN + timedelta(hours=1))
    _job(b, s, s.ran)
    found = _compare(b, tmp_path)
    d = found[("predicted-not-backed-up", "vol-0skipped")]
    assert d.excluded == ev.EXCLUDED_RESOURCE and "after the rule's last run" in d.note
    # a job older than the resource it names was for an earlier resource of the same ARN
    b2 = BundleBuilder()
    ran = b2.ebs_volume("vol-0ran")
    young = b2.ebs_volume("vol-0young", created=RUN + timedelta(hours=1))
    plan = b2.plan("daily")
    b2.selection(plan, "by-arn", resources=[ran])
    s2 = Setup(plan, ran, young, ran)
    _job(b2, s2, ran)
    _job(b2, s2, young)
    found2 = _compare(b2, tmp_path / "two")
    assert found2[("backed-up-not-predicted", "vol-0young")].excluded == ev.EXCLUDED_RESOURCE


def test_exclusion_job_still_running(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran, state="RUNNING")
    _job(b, s, s.extra, state="PENDING")
    found = _compare(b, tmp_path)
    assert {k: d.excluded for k, d in found.items()} == {
        ("backed-up-not-predicted", "vol-0extra"): ev.EXCLUDED_RUNNING,
        ("predicted-not-backed-up", "vol-0skipped"): ev.EXCLUDED_RUNNING,
    }


def test_exclusion_account_region_partial(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran)
    _job(b, s, s.extra)
    b.error("backup", "DescribeRegionSettings")
    found = _compare(b, tmp_path)
    assert found and {d.excluded for d in found.values()} == {ev.EXCLUDED_PARTIAL}
    assert {d.note for d in found.values()} == {
        "account 111111111111, eu-west-1 was not fully read (backup.DescribeRegionSettings not collected)"
    }


def _jobs_denied_with_a_recovery_point(b: BundleBuilder) -> Setup:
    """The demo's planted case: ListBackupJobs denied (no verdict depends on it), and a recovery
    point, created by a plan whose selection does not select its resource."""
    s = _setup(b)
    b.recovery_point(
        s.extra,
        "EBS",
        created=RUN,
        plan_id=s.plan,
        plan_version=plan_version_of(s.plan),
        rule_id=rule_id_of(s.plan),
    )
    b.recovery_point(
        s.ran,
        "EBS",
        created=RUN,
        plan_id=s.plan,
        plan_version=plan_version_of(s.plan),
        rule_id=rule_id_of(s.plan),
    )
    return s


def test_exclusion_account_region_partial_jobs_denied_names_the_unread_operation(tmp_path: Path) -> None:
    read = BundleBuilder()
    s = _jobs_denied_with_a_recovery_point(read)
    assert _compare(read, tmp_path / "read")[("backed-up-not-predicted", "vol-0extra")].excluded is None
    b = BundleBuilder()
    s = _jobs_denied_with_a_recovery_point(b)
    b.error("backup", "ListBackupJobs")
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    protection = resolve(inv)
    assert protection.verdicts["protected"].notna().all(), "no verdict depends on the jobs"
    found = compare(inv, protection, COLLECTED_AT, 14)
    by_kind = {(d.disagreement, d.resource_arn): d for d in found}
    partial = by_kind[("backed-up-not-predicted", s.extra)]
    assert partial.excluded == ev.EXCLUDED_PARTIAL
    assert (
        partial.note
        == "account 111111111111, eu-west-1 was not fully read (backup.ListBackupJobs not collected)"
    )
    assert {d.excluded for d in found} == {ev.EXCLUDED_PARTIAL}
    result = evaluate_bundle(read_bundle(tmp_path / "bundle"))
    assert [f for f in result.findings if f.rule_id == "BKP-091"] == []


def test_explain_names_the_unread_operation_of_a_partial_account_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = BundleBuilder()
    s = _jobs_denied_with_a_recovery_point(b)
    b.error("backup", "ListBackupJobs")
    bundle = b.build(tmp_path / "bundle")
    assert main(["explain", str(bundle), s.extra]) == 0
    out = capsys.readouterr().out
    assert "not a disagreement: backed-up-not-predicted with plan `daily` rule `daily`, recovery point" in out
    assert (
        "account-region-partial: account 111111111111, eu-west-1 was not fully read "
        "(backup.ListBackupJobs not collected)"
    ) in out
    assert "DISAGREES" not in out


def test_a_resource_unknown_to_the_bundle_is_not_judged_and_a_parent_job_covers_its_volume(
    tmp_path: Path,
) -> None:
    b = BundleBuilder()
    instance = b.ec2_instance("i-0app")
    b.ebs_volume("vol-0data", attached_to="i-0app")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[instance])
    s = Setup(plan, instance, instance, instance)
    b.job(instance, "EC2", created=RUN, plan_id=plan, rule_id=rule_id_of(plan))
    b.job("arn:aws:ec2:eu-west-1:111111111111:volume/vol-0gone", "EBS", created=RUN, plan_id=plan)
    assert s.plan == plan
    assert _compare(b, tmp_path) == {}


def test_readings_a3_and_a8_decide_backed_up_not_predicted(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    table = b.dynamodb_table("orders")
    cluster = b.rds_cluster("orders", engine="aurora-mysql")
    plan = b.plan("daily")
    b.selection(plan, "not-dev", conditions=[("StringNotEquals", "aws:ResourceTag/env", "dev")])
    b.selection(plan, "clusters", resources=["arn:aws:rds:*:*:cluster:*"])
    b.job(table, "DynamoDB", created=RUN, plan_id=plan)
    b.job(cluster, "Aurora", created=RUN, plan_id=plan)
    found = _compare(b, tmp_path)
    a3 = found[("backed-up-not-predicted", "orders")]
    assert a3.reading == "A3" and a3.reading_text == MISSING_KEY_READING and a3.selection_name == "not-dev"
    a8 = next(d for d in found.values() if d.resource_type == "Aurora")
    assert a8.reading == "A8" and "Aurora always needs its opt-in" in a8.reading_text
    assert a8.selection_name == "clusters" and a8.disagreement == "backed-up-not-predicted"


def test_readings_a4_and_a6_decide_predicted_not_backed_up(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EFS", False)
    fs = b.efs("fs-0byarn")
    tagged = b.dynamodb_table("tagged", tags={"backup": "yes"})
    other = b.dynamodb_table("other")
    plan = b.plan("daily")
    b.selection(plan, "by-arn", resources=[fs, other])
    b.selection(
        plan,
        "tags",
        conditions=[("StringEquals", "aws:ResourceTag/env", "prod")],
        list_of_tags=[("backup", "yes")],
    )
    b.job(other, "DynamoDB", created=RUN, plan_id=plan)
    found = _compare(b, tmp_path)
    a6 = found[("predicted-not-backed-up", "fs-0byarn")]
    assert a6.reading == "A6" and a6.reading_text.startswith("selected by exact ARN")
    a4 = found[("predicted-not-backed-up", "tagged")]
    assert a4.reading == "A4" and a4.reading_text == LIST_OF_TAGS_READING and a4.selection_name == "tags"
    # a table's creation time is not in the bundle: the finding says so
    assert "does not say when the resource was created" in a4.note
    assert tagged.endswith("/tagged")


def test_an_unprotected_finding_says_aws_backup_backed_the_resource_up_and_when(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran)
    _job(b, s, s.skipped)
    job = _job(b, s, s.extra, when=RUN + timedelta(hours=1))
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))
    by_rule = {(f.rule_id, f.resource_arn): f for f in result.findings}
    unprotected = by_rule[("BKP-002", s.extra)]
    assert unprotected.details["backed_up_in_window"] == {
        "kind": "backup-job",
        "id": job,
        "time": (RUN + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
        "plan_id": s.plan,
        "plan_name": "daily",
    }
    assert f"AWS Backup did back it up in the job window: backup job {job}" in unprotected.message
    assert "of plan `daily`" in unprotected.message
    assert ("BKP-091", s.extra) in by_rule and ("BKP-091", s.skipped) not in by_rule
    # a resource without a backup in the window has no such detail
    b2 = BundleBuilder()
    lonely = b2.ebs_volume("vol-0lonely")
    b2.selection(b2.plan("daily"), "none", resources=["arn:aws:ec2:*:*:volume/vol-0other"])
    result2 = evaluate_bundle(read_bundle(b2.build(tmp_path / "two")))
    f2 = next(f for f in result2.findings if f.rule_id == "BKP-002" and f.resource_arn == lonely)
    assert "backed_up_in_window" not in f2.details and "did back it up" not in f2.message


def test_explain_prints_the_evidence_by_plan_beside_the_prediction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = BundleBuilder()
    s = _setup(b)
    job = _job(b, s, s.extra)
    _job(b, s, s.ran)
    b.job(s.extra, "EBS", created=RUN - DAY)  # on demand
    bundle = b.build(tmp_path / "bundle")
    assert main(["explain", str(bundle), s.extra]) == 0
    out = capsys.readouterr().out
    verdict = out.index("verdict    NOT PROTECTED")
    evidence = out.index("evidence   AWS Backup's record of it since")
    assert verdict < evidence
    assert f"  plan `daily`: backup job {job} (" in out and "  on demand: backup job " in out
    assert (
        "DISAGREES  backed-up-not-predicted with plan `daily` rule `daily`: no Resources pattern matches"
        in out
    )
    assert main(["explain", str(bundle), s.skipped]) == 0
    out = capsys.readouterr().out
    assert "  none: no backup job or recovery point of it in the window" in out
    assert "DISAGREES  predicted-not-backed-up with plan `daily` rule `daily`" in out
    assert "  the rule ran for other resources: backup job" in out


def test_explain_names_an_excluded_difference_and_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.extra, state="RUNNING")
    bundle = b.build(tmp_path / "bundle")
    assert main(["explain", str(bundle), s.extra]) == 0
    out = capsys.readouterr().out
    assert "not a disagreement: backed-up-not-predicted with plan `daily` rule `daily`" in out
    assert "job-still-running: the job is still RUNNING" in out and "DISAGREES" not in out


def test_an_older_bundle_is_compared_too_its_records_carry_created_by(tmp_path: Path) -> None:
    """BKP-091 reads operations every bundle version has (jobs, recovery points, plans,
    selections): a version 1 bundle is evaluated, not "not evaluated"."""
    b = BundleBuilder(version=1)
    s = _setup(b)
    _job(b, s, s.ran)
    _job(b, s, s.extra)
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))
    assert {f.resource_arn for f in result.findings if f.rule_id == "BKP-091"} == {s.extra, s.skipped}
    assert "BKP-091" not in result.summary.get("rules_not_evaluated", [])


def test_a_skipped_resource_is_excluded_only_when_the_selection_protecting_it_is_newer_than_the_run(
    tmp_path: Path,
) -> None:
    for newer, expected in (("picks-skipped", ev.EXCLUDED_SELECTION), ("picks-ran", None)):
        b = BundleBuilder()
        ran = b.ebs_volume("vol-0ran")
        skipped = b.ebs_volume("vol-0skipped")
        plan = b.plan("daily")
        late, early = RUN + timedelta(hours=2), RUN - 10 * DAY
        b.selection(plan, "picks-ran", resources=[ran], created=late if newer == "picks-ran" else early)
        b.selection(
            plan, "picks-skipped", resources=[skipped], created=late if newer == "picks-skipped" else early
        )
        _job(b, Setup(plan, ran, ran, skipped), ran)
        found = _compare(b, tmp_path / newer)
        d = found[("predicted-not-backed-up", "vol-0skipped")]
        assert d.excluded == expected, newer
        assert d.selection_name == "picks-skipped"


def test_exclusion_undecided_verdict_in_a_fully_compared_account_region(tmp_path: Path) -> None:
    """Every compared operation read, but the table's tags were not: its verdict is undecided, so
    its job is not compared either, and the note says which it is."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders", tags={"backup": "daily"})
    plan = b.plan("daily")
    b.selection(plan, "by-tag", list_of_tags=[("backup", "other")])
    b.job(table, "DynamoDB", created=RUN, plan_id=plan, rule_id=rule_id_of(plan))
    b.error("dynamodb", "ListTagsOfResource")
    found = _compare(b, tmp_path)
    d = found[("backed-up-not-predicted", "orders")]
    assert d.excluded == ev.EXCLUDED_PARTIAL
    assert d.note == "the resource's verdict is undecided in account 111111111111, eu-west-1"


def test_a_record_without_rule_id_is_a_run_of_every_rule_of_its_plan(tmp_path: Path) -> None:
    """A job whose CreatedBy has no BackupRuleId covers its resource for every rule of the plan,
    and counts as the rule's latest run when it is newer than the rule's own records."""
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran)
    no_rule = b.job(s.extra, "EBS", created=RUN + timedelta(minutes=5), plan_id=s.plan)
    b.job(s.skipped, "EBS", created=RUN, plan_id=s.plan)  # no rule id: covers the skipped volume
    found = _compare(b, tmp_path)
    assert set(found) == {("backed-up-not-predicted", "vol-0extra")}
    extra = found[("backed-up-not-predicted", "vol-0extra")]
    assert extra.plan_rule_id is None and extra.evidence is not None and extra.evidence.id == no_rule
    b2 = BundleBuilder()
    s2 = _setup(b2)
    _job(b2, s2, s2.ran)
    newer = b2.job(s2.extra, "EBS", created=RUN + timedelta(minutes=5), plan_id=s2.plan)
    skipped = _compare(b2, tmp_path / "two")[("predicted-not-backed-up", "vol-0skipped")]
    assert skipped.evidence is not None and skipped.evidence.id == newer


def test_records_created_at_the_same_time_are_ordered_by_id(tmp_path: Path) -> None:
    """Two runs of the rule at the same instant: the latest run is the one whose id sorts last,
    whichever the bundle lists first; the backed-up note names the same record."""
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran)
    b.job(s.extra, "EBS", created=RUN, plan_id=s.plan, job_id="job-b", rule_id=rule_id_of(s.plan))
    b.job(s.extra, "EBS", created=RUN, plan_id=s.plan, job_id="job-a", rule_id=rule_id_of(s.plan))
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    found = {(d.disagreement, d.resource_arn): d for d in compare(inv, resolve(inv), COLLECTED_AT, 14)}
    skipped = found[("predicted-not-backed-up", s.skipped)]
    assert skipped.evidence is not None and skipped.evidence.id == "job-b"
    extra = found[("backed-up-not-predicted", s.extra)]
    assert extra.evidence is not None and extra.evidence.id == "job-a"  # the first of equals
    assert ev.backed_up(inv, COLLECTED_AT, 14)[s.extra].id == "job-b"
    assert [e.id for e in ev.evidence_frame(inv, COLLECTED_AT, 14) if e.resource_arn == s.extra] == [
        "job-a",
        "job-b",
    ]


def test_backed_up_not_predicted_prefers_a_finished_run_of_the_current_version(tmp_path: Path) -> None:
    b = BundleBuilder()
    s = _setup(b)
    _job(b, s, s.ran)
    _job(b, s, s.skipped)
    done = _job(b, s, s.extra, when=RUN)
    _job(b, s, s.extra, when=RUN + timedelta(minutes=5), version="old-version")
    _job(b, s, s.extra, when=RUN + timedelta(minutes=9), state="RUNNING")
    d = _compare(b, tmp_path)[("backed-up-not-predicted", "vol-0extra")]
    assert d.evidence is not None and d.evidence.id == done and d.excluded is None
