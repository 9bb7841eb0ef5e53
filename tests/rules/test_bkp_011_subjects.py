"""BKP-011 judges Aurora clusters only, and only the selections that really back them up: an RDS
instance kept longer by its plan than by its automated backups, and an Aurora cluster whose only
selection AWS Backup skips (Aurora opt-in off), are not reported (mutation survivors)."""

from __future__ import annotations

from pathlib import Path

from auditor.evidence import read_bundle
from tests.builders import BundleBuilder
from tests.rules.one_rule import rule_findings


def _arns(b: BundleBuilder, tmp_path: Path) -> list[str | None]:
    return [f.resource_arn for f in rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-011")]


def test_an_rds_instance_is_not_an_aurora_cluster(tmp_path: Path) -> None:
    b = BundleBuilder()
    db = b.rds_instance("db", backup_retention=7)
    cluster = b.rds_cluster("orders", engine="aurora-mysql", backup_retention=7)
    b.selection(b.plan("daily", [{"DeleteAfterDays": 35}]), "by-arn", resources=[db, cluster])
    assert _arns(b, tmp_path) == [cluster]


def test_a_selection_aws_backup_skips_does_not_count(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    cluster = b.rds_cluster("orders", engine="aurora-mysql", backup_retention=7)
    b.selection(b.plan("daily", [{"DeleteAfterDays": 35}]), "by-arn", resources=[cluster])
    assert _arns(b, tmp_path) == []


def test_a_rule_reached_through_two_selections_of_its_plan_is_named_once(tmp_path: Path) -> None:
    b = BundleBuilder()
    cluster = b.rds_cluster("orders", engine="aurora-mysql", backup_retention=7, tags={"backup": "yes"})
    plan = b.plan("daily", [{"DeleteAfterDays": 35}])
    b.selection(plan, "by-arn", resources=[cluster])
    b.selection(plan, "tagged", list_of_tags=[("backup", "yes")])
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-011")
    assert finding.message.count("keeps 35 days") == 1
    plan_rules = finding.details["plan_rules"]
    assert isinstance(plan_rules, list) and len(plan_rules) == 1


def test_every_rule_that_keeps_longer_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    cluster = b.rds_cluster("orders", engine="aurora-mysql", backup_retention=7)
    plan = b.plan(
        "daily", [{"RuleName": "month", "DeleteAfterDays": 35}, {"RuleName": "ever", "DeleteAfterDays": None}]
    )
    b.selection(plan, "by-arn", resources=[cluster])
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-011")
    assert (
        "plan `daily` rule `ever` keeps forever; plan `daily` rule `month` keeps 35 days: those vault "
        "snapshots are billed"
    ) in finding.message
