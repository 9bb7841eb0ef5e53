"""evaluate_bundle / run_rules end to end on bundles built with tests/builders.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from auditor.evaluate import evaluate_bundle, run_rules
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.model.results import EvaluationResult, Finding, Severity
from auditor.protection.resolver import resolve
from auditor.rules.base import RuleContext, RuleSettings
from auditor.rules.registry import rules
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

OTHER = "222222222222"


def _evaluate(b: BundleBuilder, tmp_path: Path, **kwargs: object) -> EvaluationResult:
    return evaluate_bundle(read_bundle(b.build(tmp_path / "bundle", force=True)), **kwargs)  # type: ignore[arg-type]


def _ids(result: EvaluationResult, rule_id: str) -> list[str | None]:
    return [f.resource_arn for f in result.findings if f.rule_id == rule_id]


def test_as_of_defaults_to_collected_at_and_job_window_is_a_setting(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.selection(b.plan("daily"), "all", resources=[vol])
    b.job(vol, "EBS", state="FAILED", status_message="denied", created=COLLECTED_AT - timedelta(days=20))
    default = _evaluate(b, tmp_path)
    assert default.as_of == COLLECTED_AT
    assert _ids(default, "BKP-021") == []  # 20 days old: outside the default 14-day window
    wide = _evaluate(b, tmp_path, settings=RuleSettings(job_window_days=30))
    assert _ids(wide, "BKP-021") == [vol]
    # --as-of before the job was created: the job is in the future, not judged
    early = _evaluate(
        b, tmp_path, as_of=COLLECTED_AT - timedelta(days=25), settings=RuleSettings(job_window_days=30)
    )
    assert _ids(early, "BKP-021") == []


def test_aurora_cost_setting_drives_the_estimate(tmp_path: Path) -> None:
    b = BundleBuilder()
    gone = f"arn:aws:rds:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:cluster:gone"
    b.recovery_point(gone, "Aurora", size_bytes=500 * 10**9)
    result = _evaluate(b, tmp_path, settings=RuleSettings(aurora_cost_per_gb_month=0.1))
    (finding,) = [f for f in result.findings if f.rule_id == "BKP-010"]
    assert finding.details["estimated_monthly_cost_usd"] == pytest.approx(50.0)
    assert result.summary["estimated_monthly_cost_usd"] == pytest.approx(50.0)


def test_missing_coverage_skips_rules_and_is_reported_not_audited(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(OTHER)
    b.efs("fs-0mine")  # unprotected, fully collected: BKP-002
    b.efs("fs-0other", account_id=OTHER)  # unprotected but selections unreadable there
    b.error("backup", "ListBackupSelections", account_id=OTHER)
    b.assume_role_denied("333333333333")
    result = _evaluate(b, tmp_path)
    assert _ids(result, "BKP-002") == [
        f"arn:aws:elasticfilesystem:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:file-system/fs-0mine"
    ]
    by_arn = {r["arn"]: r for r in result.resources}
    other = by_arn[f"arn:aws:elasticfilesystem:{DEFAULT_REGION}:{OTHER}:file-system/fs-0other"]
    assert other["protected"] is None
    status = {(c.account_id, c.region): c.status for c in result.coverage}
    assert status[(OTHER, DEFAULT_REGION)] == "partial"
    assert status[("333333333333", DEFAULT_REGION)] == "not_audited"
    levels = {(f.account_id, f.details["level"]) for f in result.findings if f.rule_id == "BKP-090"}
    assert (OTHER, "operations") in levels and ("333333333333", "account") in levels
    assert result.summary["unknown"] == 1 and result.summary["coverage"]["not_audited"] == 1
    assert any(e.get("kind") == "collection" and e["operation"] == "AssumeRole" for e in result.errors)


def test_source_existence_is_judged_only_where_its_listing_was_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(OTHER)
    mine = f"arn:aws:ec2:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:volume/vol-0gone"
    theirs = f"arn:aws:ec2:{DEFAULT_REGION}:{OTHER}:volume/vol-0unknown"
    outside = f"arn:aws:ec2:{DEFAULT_REGION}:444444444444:volume/vol-0elsewhere"
    for src in (mine, theirs, outside):
        b.recovery_point(src, "EBS")  # all stored in the default account's vault
    b.error("ec2", "DescribeVolumes", account_id=OTHER)
    result = _evaluate(b, tmp_path)
    assert _ids(result, "BKP-014") == [mine]
    (finding,) = [f for f in result.findings if f.rule_id == "BKP-014"]
    assert (
        finding.details["judged_by"] == f"ec2.DescribeVolumes collected in {DEFAULT_ACCOUNT}/{DEFAULT_REGION}"
    )
    assert result.summary["recovery_point_sources_not_judged"] == {"recovery_points": 2, "sources": 2}


def test_plans_list_protected_and_blocked_arns(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    aurora = b.rds_cluster("orders", engine="aurora-mysql", tags={"backup": "yes"})
    efs = b.efs("fs-0data", tags={"backup": "yes"})
    plan = b.plan("daily", [{"DeleteAfterDays": None}])
    b.selection(plan, "tagged", list_of_tags=[("backup", "yes")])
    result = _evaluate(b, tmp_path)
    (p,) = result.plans
    assert p["plan_id"] == plan and p["rules"][0]["delete_after_days"] is None
    (sel,) = p["selections"]
    assert sel["protected_arns"] == [efs] and sel["blocked_arns"] == [aurora]
    by_arn = {r["arn"]: r for r in result.resources}
    assert by_arn[efs]["protected"] is True and by_arn[efs]["selections"][0]["selection_name"] == "tagged"
    assert by_arn[aurora]["protected"] is False and by_arn[aurora]["selections"] == []
    assert result.summary["effective_protection_rate"] == 0.5
    assert result.summary["resources_by_type"]["Aurora"] == {"protected": 0, "unprotected": 1, "unknown": 0}


def test_findings_are_sorted_by_severity_and_every_message_names_its_scope(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EFS", False)
    b.efs("fs-0a")
    b.rbin_rule("EBS_SNAPSHOT")
    b.recovery_point(b.ebs_volume("vol-0a"), "EBS", status="EXPIRED")
    result = _evaluate(b, tmp_path)
    ranks = [f.severity.rank for f in result.findings]
    assert ranks == sorted(ranks, reverse=True) and len(ranks) >= 4
    for f in result.findings:
        assert f.account_id is None or f.account_id in f.message
        assert f.region is None or f.region in f.message


class _Boom:
    """A rule double that yields one finding and then fails (run_rules must keep both facts)."""

    metadata = rules.get("BKP-012").metadata

    def evaluate(self, ctx: RuleContext) -> Iterator[Finding]:
        yield rules.get("BKP-012").finding(account_id="1", region="r", message="before the failure")
        raise ZeroDivisionError("boom")


def test_a_failing_rule_is_reported_and_does_not_stop_the_others(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    inventory = load_inventory(read_bundle(b.build(tmp_path / "b")))
    ctx = RuleContext(inventory, resolve(inventory), datetime(2026, 11, 20, tzinfo=UTC))
    run = run_rules(ctx, [_Boom, rules.get("BKP-002")])  # type: ignore[list-item]  # duck-typed double
    assert [f.rule_id for f in run.findings].count("BKP-002") == 1
    mine = [f for f in run.findings if f.rule_id == "BKP-012"]
    assert {f.message for f in mine} >= {"before the failure"}
    (failed,) = [f for f in mine if "rule_error" in f.details]
    assert failed.severity is Severity.HIGH and "ZeroDivisionError: boom" in failed.message
    assert len(run.failures) == 1 and "ZeroDivisionError" in run.failures[0].traceback


def test_coverage_reasons_do_not_repeat_the_error_code(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.assume_role_denied(OTHER)
    b.error("backup", "ListBackupJobs", code="Throttling", message="Rate exceeded")
    result = _evaluate(b, tmp_path)
    cov = {c.account_id: c for c in result.coverage}
    assert "backup.ListBackupJobs: Throttling: Rate exceeded" in cov[DEFAULT_ACCOUNT].reasons
    denied = cov[OTHER].reasons
    assert denied and all(r.count("AccessDenied") == 1 and ": sts.AssumeRole: " in r for r in denied), denied
