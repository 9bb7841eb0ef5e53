"""Cases the pass/fail fixtures do not show: each asserts one sentence of a rule's documentation."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import EvaluationResult, Finding
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings


def _run(b: BundleBuilder, tmp_path: Path) -> EvaluationResult:
    return evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))


def _findings(rule_id: str, b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    """The findings of ``rule_id`` alone (``tests/rules/one_rule.py``)."""
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id)


def _of(result: EvaluationResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


def test_bkp001_non_aurora_type_blocked_only_when_selected_by_tags(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EFS", False)
    by_tag = b.efs("fs-0tagged", tags={"backup": "yes"})
    by_type = b.efs("fs-0typed")
    plan = b.plan("daily")
    b.selection(plan, "tagged", list_of_tags=[("backup", "yes")])
    b.selection(plan, "typed", resources=["arn:aws:elasticfilesystem:*:*:file-system/fs-0typed"])
    result = _run(b, tmp_path)
    assert [f.resource_arn for f in _of(result, "BKP-001")] == [by_tag]
    assert [f.resource_arn for f in _of(result, "BKP-002")] == []  # not reported twice
    protected = {r["arn"]: r["protected"] for r in result.resources}
    assert protected == {by_tag: False, by_type: True}


def test_bkp001_says_when_another_selection_still_protects(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EC2", False)
    arn = b.ec2_instance("i-0abc", tags={"backup": "yes"})
    plan = b.plan("daily")
    b.selection(plan, "tagged", list_of_tags=[("backup", "yes")])
    b.selection(plan, "by-arn", resources=[arn])
    (finding,) = _findings("BKP-001", b, tmp_path)
    assert finding.details["protected_by_another_selection"] is True
    assert "still backs it up" in finding.message


def test_bkp011_no_retention_means_forever(tmp_path: Path) -> None:
    b = BundleBuilder()
    arn = b.rds_cluster("orders", engine="aurora-mysql", backup_retention=35)
    b.selection(b.plan("forever", [{"DeleteAfterDays": None}]), "by-arn", resources=[arn])
    (finding,) = _findings("BKP-011", b, tmp_path)
    assert finding.details["plan_rules"][0]["delete_after_days"] is None
    assert "keeps forever" in finding.message


def test_bkp011_equal_retention_is_not_shorter(tmp_path: Path) -> None:
    b = BundleBuilder()
    arn = b.rds_cluster("orders", engine="aurora-mysql", backup_retention=7)
    b.selection(
        b.plan("weekly", [{"DeleteAfterDays": 7}, {"RuleName": "short", "DeleteAfterDays": 6}]),
        "x",
        resources=[arn],
    )
    (finding,) = _findings("BKP-011", b, tmp_path)
    assert [r["rule_name"] for r in finding.details["plan_rules"]] == ["daily"]


def test_bkp013_ec2_image_rule_ignores_ebs_recovery_points(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.rbin_rule("EC2_IMAGE", identifier="rbinimage")
    b.recovery_point(b.ebs_volume("vol-0a"), "EBS")
    assert _findings("BKP-013", b, tmp_path) == []
    b2 = BundleBuilder()
    b2.rbin_rule("EC2_IMAGE", identifier="rbinimage")
    b2.recovery_point(b2.ec2_instance("i-0a"), "EC2")
    (finding,) = _findings("BKP-013", b2, tmp_path / "2")
    assert finding.details["recovery_points"] == {"EC2": 1}


def test_bkp020_non_rds_advice_and_one_finding_per_resource(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    for days in (1, 2, 3):
        b.job(vol, "EBS", state="EXPIRED", created=COLLECTED_AT - timedelta(days=days))
    (finding,) = _findings("BKP-020", b, tmp_path)
    assert finding.details["expired_count"] == 3
    assert "start and completion windows" in finding.message and "RDS console" not in finding.message


def test_bkp021_aborted_counts_and_latest_decides(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.job(vol, "EBS", state="COMPLETED", created=COLLECTED_AT - timedelta(days=3))
    b.job(vol, "EBS", state="FAILED", created=COLLECTED_AT - timedelta(days=2))
    b.job(vol, "EBS", state="ABORTED", created=COLLECTED_AT - timedelta(days=1))
    (finding,) = _findings("BKP-021", b, tmp_path)
    assert finding.details["state"] == "ABORTED" and finding.details["failed_or_aborted_in_window"] == 2


def test_bkp010_copies_in_another_account_are_grouped_by_source(tmp_path: Path) -> None:
    b = BundleBuilder()
    source = f"arn:aws:rds:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:cluster:gone"
    b.recovery_point(source, "Aurora", size_bytes=10 * 10**9)
    b.recovery_point(source, "Aurora", size_bytes=10 * 10**9, account_id="222222222222", vault="copies")
    (finding,) = _findings("BKP-010", b, tmp_path)
    assert finding.account_id == DEFAULT_ACCOUNT and finding.details["recovery_point_count"] == 2
    assert {s["account_id"] for s in finding.details["stored_in"]} == {DEFAULT_ACCOUNT, "222222222222"}
    assert finding.details["estimated_monthly_cost_usd"] == 0.42


def test_member_instances_of_aurora_are_never_resources(tmp_path: Path) -> None:
    b = BundleBuilder()
    cluster = b.rds_cluster("orders", engine="aurora-mysql", member_instances=2)
    result = _run(b, tmp_path)
    assert [r["arn"] for r in result.resources] == [cluster]
    # Aurora always keeps automated backups (here 7 days): BKP-017 rather than BKP-002.
    assert [f.resource_arn for f in _of(result, "BKP-017")] == [cluster]
    assert _of(result, "BKP-002") == []
