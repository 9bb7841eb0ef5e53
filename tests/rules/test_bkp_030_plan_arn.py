"""BKP-030's subject for a plan listed without ``BackupPlanArn`` (optional in ListBackupPlans'
``BackupPlansListMember``): an ARN built from its account, Region and id (mutation-run survivors
of bkp_030's ``evaluate``); a ``resource-arns`` scope (the only scope BKP-030 takes) judges the
plans with those ARNs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.controls import Control, Controls, ControlScope, PlanFrequencyParams
from auditor.evidence import read_bundle
from auditor.rules.base import RuleSettings
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def test_a_plan_without_an_arn_is_named_by_a_built_one(tmp_path: Path) -> None:
    b = BundleBuilder()
    pid = b.plan("short", [b.rule(DeleteAfterDays=7)])
    del b._ar(A, R).plans[-1]["BackupPlanArn"]
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-030")
    assert finding.resource_arn == f"arn:aws:backup:{R}:{A}:backup-plan:{pid}"


def test_a_resource_arns_scope_judges_those_plans(tmp_path: Path) -> None:
    b = BundleBuilder()
    prod = b.plan("prod", [b.rule(DeleteAfterDays=7)])
    b.plan("dev", [b.rule(DeleteAfterDays=7)])
    arn = f"arn:aws:backup:{R}:{A}:backup-plan:{prod}"
    control = Control(PlanFrequencyParams(), scope=ControlScope(resource_arns=(arn,)))
    settings = RuleSettings(controls=replace(Controls(), bkp_030=control))
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-030", settings)
    assert finding.resource_arn == arn and finding.details["scope"] == "1 resource ARN(s)"
