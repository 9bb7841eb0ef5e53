"""BKP-023 (restore jobs), BKP-034 (vault lock) and BKP-038 (restore testing): parameters, scopes
and edge cases from AWS's documented semantics."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from auditor.controls import (
    Control,
    Controls,
    ControlScope,
    NoParams,
    RestoreTimeParams,
    VaultLockParams,
)
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from auditor.rules.bkp_034_no_locked_vault import lock_problem
from auditor.rules.bkp_038_restore_testing import condition_holds
from tests.builders import COLLECTED_AT, BundleBuilder
from tests.rules.one_rule import rule_findings


def _findings(
    b: BundleBuilder, tmp_path: Path, rule_id: str, *, job_window_days: int = 14, **controls: Control[Any]
) -> list[Finding]:
    settings = RuleSettings(controls=replace(Controls(), **controls), job_window_days=job_window_days)
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id, settings)


def _arns(findings: list[Finding]) -> list[str | None]:
    return sorted((f.resource_arn for f in findings), key=lambda arn: (arn is not None, arn or ""))


# -- BKP-034 ---------------------------------------------------------------------------------


def _lock(low: int | None = None, high: int | None = None, **scope: Any) -> Control[VaultLockParams]:
    return Control(VaultLockParams(low, high), scope=ControlScope(**scope))


@pytest.mark.parametrize(
    ("locked", "low", "high", "params", "problem"),
    [
        (False, 7, 365, VaultLockParams(), "not locked"),
        (True, float("nan"), float("nan"), VaultLockParams(), None),
        (True, 7, 365, VaultLockParams(7, 365), None),
        (True, 30, 100, VaultLockParams(7, 365), None),
        (True, 6, 365, VaultLockParams(7, None), "below the required 7 days"),
        (True, float("nan"), 365, VaultLockParams(7, None), "lock minimum retention none"),
        (True, 7, 366, VaultLockParams(None, 365), "above the allowed 365 days"),
        (True, 7, float("nan"), VaultLockParams(None, 365), "lock maximum retention none"),
    ],
)
def test_bkp034_lock_bounds_lie_within_the_parameters(
    locked: bool, low: float, high: float, params: VaultLockParams, problem: str | None
) -> None:
    found = lock_problem(locked, low, high, params)
    assert (found is None) if problem is None else (found is not None and problem in found)


def _two_plans(b: BundleBuilder, b_locked: bool = True) -> tuple[str, str]:
    """`fs-0a` backed up to vault `a` (locked 7-365), `fs-0b` to vault `b` (locked, no bounds)."""
    a = b.efs("fs-0a", tags={"Env": "prod"})
    bb = b.efs("fs-0b", tags={"Env": "dev"})
    b.vault("a", locked=True, min_retention_days=7, max_retention_days=365)
    b.vault("b", locked=b_locked)
    b.selection(b.plan("pa", [{"TargetBackupVaultName": "a"}]), "s", resources=[a])
    b.selection(b.plan("pb", [{"TargetBackupVaultName": "b"}]), "s", resources=[bb])
    return a, bb


def test_bkp034_unset_parameters_accept_any_lock_and_set_ones_need_the_bounds(tmp_path: Path) -> None:
    b = BundleBuilder()
    a, bb = _two_plans(b)
    assert _findings(b, tmp_path / "unset", "BKP-034") == []
    found = _findings(b, tmp_path / "min", "BKP-034", bkp_034=_lock(low=7))
    assert _arns(found) == [bb]
    [rule] = found[0].details["plan_rules"]
    assert rule["vault"] == "b" and rule["locked"] is True and "minimum retention none" in rule["problem"]
    assert found[0].details["min_retention_days"] == 7
    assert _arns(_findings(b, tmp_path / "min30", "BKP-034", bkp_034=_lock(low=30))) == sorted([a, bb])
    assert _arns(_findings(b, tmp_path / "max", "BKP-034", bkp_034=_lock(high=400))) == [bb]


def test_bkp034_one_locked_rule_among_several_is_enough_and_scope(tmp_path: Path) -> None:
    b = BundleBuilder()
    a, bb = _two_plans(b)
    b.vault("open")
    # fs-0b also in a plan targeting an unlocked vault: still one locked target, so it passes.
    b.selection(b.plan("po", [{"TargetBackupVaultName": "open"}]), "s", resources=[bb, a])
    assert _findings(b, tmp_path / "any", "BKP-034") == []
    b2 = BundleBuilder()
    a, bb = _two_plans(b2, b_locked=False)
    assert _arns(_findings(b2, tmp_path / "one", "BKP-034")) == [bb]
    assert _findings(b2, tmp_path / "tag", "BKP-034", bkp_034=_lock(tag_key="Env", tag_value="prod")) == []
    assert _arns(_findings(b2, tmp_path / "type", "BKP-034", bkp_034=_lock(resource_types=("EFS",)))) == [bb]
    assert _findings(b2, tmp_path / "rds", "BKP-034", bkp_034=_lock(resource_types=("RDS",))) == []


def test_bkp034_volume_follows_its_instance_and_missing_vault_and_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0data", attached_to="i-0app")
    b.selection(b.plan("daily", [{"TargetBackupVaultName": "gone"}]), "by-arn", resources=[instance])
    found = _findings(b, tmp_path / "gone", "BKP-034")
    assert _arns(found) == sorted([instance, volume])
    assert found[0].details["plan_rules"][0]["problem"] == "vault not found"
    b.vault("gone", locked=True)
    assert _findings(b, tmp_path / "locked", "BKP-034") == []
    b.error("backup", "ListBackupVaults")
    assert _findings(b, tmp_path / "denied", "BKP-034") == []


# -- BKP-023 ---------------------------------------------------------------------------------


def test_bkp023_latest_job_window_aborted_and_scope(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a", tags={"Env": "prod"})
    table = b.dynamodb_table("orders")
    old = COLLECTED_AT - timedelta(days=10)
    b.restore_job(vol, "EBS", status="FAILED", created=old, status_message="denied", testing_plan="t")
    b.restore_job(table, "DynamoDB", status="FAILED", created=old)
    b.restore_job(table, "DynamoDB", status="ABORTED", created=COLLECTED_AT - timedelta(days=1))
    found = _findings(b, tmp_path / "all", "BKP-023")
    assert _arns(found) == [vol]
    assert found[0].details["restore_testing_plan_arn"].endswith(":restore-testing-plan:t")
    assert "started by a restore testing plan" in found[0].message
    assert _findings(b, tmp_path / "window", "BKP-023", job_window_days=7) == []
    by_type = Control(NoParams(), scope=ControlScope(resource_types=("DynamoDB",)))
    assert _findings(b, tmp_path / "type", "BKP-023", bkp_023=by_type) == []
    b.restore_job(vol, "EBS", created=COLLECTED_AT - timedelta(days=2))
    assert _findings(b, tmp_path / "fixed", "BKP-023") == []


def test_bkp023_restore_jobs_of_another_person_count_and_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.restore_job(vol, "EBS", status="FAILED")
    found = _findings(b, tmp_path / "manual", "BKP-023")
    assert _arns(found) == [vol] and found[0].details["restore_testing_plan_arn"] is None
    b.error("backup", "ListRestoreJobs")
    assert _findings(b, tmp_path / "denied", "BKP-023") == []


# -- BKP-038 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operator", "tags", "holds"),
    [
        ("StringEquals", {"tier": "gold"}, True),
        ("StringEquals", {"tier": "silver"}, False),
        ("StringEquals", {}, False),
        ("StringNotEquals", {"tier": "gold"}, False),
        ("StringNotEquals", {"tier": "silver"}, True),
        ("StringNotEquals", {}, False),
    ],
)
def test_bkp038_condition_reading(operator: str, tags: dict[str, str], holds: bool) -> None:
    assert condition_holds(operator, "aws:ResourceTag/tier", "gold", tags) is holds


def _restore_minutes(minutes: int | None = None, **scope: Any) -> Control[RestoreTimeParams]:
    return Control(RestoreTimeParams(minutes), scope=ControlScope(**scope))


def test_bkp038_coverage_by_type_arn_and_conditions(tmp_path: Path) -> None:
    b = BundleBuilder()
    gold = b.ebs_volume("vol-0gold", tags={"tier": "gold"})
    plain = b.ebs_volume("vol-0plain")
    table = b.dynamodb_table("orders")
    other = b.dynamodb_table("other")
    fs = b.efs("fs-0a")
    b.selection(b.plan("daily"), "s", resources=[gold, plain, table, other, fs])
    b.restore_testing_selection(
        "p", "gold", "EBS", conditions=[("StringEquals", "aws:ResourceTag/tier", "gold")]
    )
    b.restore_testing_selection("p", "orders", "DynamoDB", arns=[table])
    # A selection of another type naming the file system's ARN does not cover it.
    b.restore_testing_selection("p", "wrong-type", "EBS", arns=[fs])
    found = _findings(b, tmp_path / "cov", "BKP-038")
    assert _arns(found) == sorted([plain, other, fs])
    assert all(f.details["why"] == "not covered" for f in found)
    assert _arns(
        _findings(b, tmp_path / "scope", "BKP-038", bkp_038=_restore_minutes(resource_types=("EFS",)))
    ) == [fs]


def test_bkp038_restore_time_target(tmp_path: Path) -> None:
    b = BundleBuilder()
    fast = b.ebs_volume("vol-0fast")
    slow = b.ebs_volume("vol-0slow")
    untested = b.ebs_volume("vol-0untested")
    b.selection(b.plan("daily"), "s", resources=[fast, slow, untested])
    b.restore_testing_selection("p", "all-ebs", "EBS")
    for arn, minutes in ((fast, 45), (slow, 180)):
        b.restore_job(arn, "EBS", testing_plan="p", minutes=minutes)
        b.protected_resource(arn, "EBS", restore_minutes=minutes)
    assert _findings(b, tmp_path / "unset", "BKP-038") == []  # unset: coverage only
    found = _findings(b, tmp_path / "120", "BKP-038", bkp_038=_restore_minutes(120))
    assert _arns(found) == [slow]
    assert found[0].details["why"] == "restore too slow"
    assert found[0].details["latest_restore_minutes"] == 180
    assert found[0].details["restore_testing_selections"] == ["p/all-ebs"]
    assert _arns(_findings(b, tmp_path / "30", "BKP-038", bkp_038=_restore_minutes(30))) == sorted(
        [fast, slow]
    )
    b.error("backup", "DescribeProtectedResource")
    assert _findings(b, tmp_path / "denied", "BKP-038", bkp_038=_restore_minutes(30)) == []


def test_bkp038_not_judged_where_restore_testing_was_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.selection(b.plan("daily"), "s", resources=[vol])
    assert _arns(_findings(b, tmp_path / "all", "BKP-038")) == [vol]
    b.error("backup", "GetRestoreTestingSelection")
    assert _findings(b, tmp_path / "denied", "BKP-038") == []


# -- an older bundle ---------------------------------------------------------------------------


def test_a_version_2_bundle_reads_the_restore_controls_as_not_evaluated(tmp_path: Path) -> None:
    b = BundleBuilder(version=2)
    vol = b.ebs_volume("vol-0a")
    b.selection(b.plan("daily"), "s", resources=[vol])
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))
    ids = {f.rule_id for f in result.findings}
    assert not ids & {"BKP-023", "BKP-038", "BKP-090"}
    assert "BKP-034" in ids  # vault lock fields come with ListBackupVaults (bundle v1)
    rules = {n["rule_id"]: n for n in result.summary["rules_not_evaluated"]}
    assert {"BKP-023", "BKP-038"} <= set(rules) and "BKP-034" not in rules
    assert rules["BKP-023"]["why"] == "evidence not collected"
    assert rules["BKP-023"]["operations"] == ["backup.ListRestoreJobs"]
    assert "backup.GetRestoreTestingSelection" in rules["BKP-038"]["operations"]
    assert {str(c.status) for c in result.coverage} == {"audited"}
