"""BKP-034's words: the lock bounds that fall short, every plan rule of the resource, and a plan
without rules (mutation-run survivors of bkp_034)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from auditor.controls import Control, Controls, VaultLockParams
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION


def _findings(b: BundleBuilder, tmp_path: Path, params: VaultLockParams) -> list[Finding]:
    settings = RuleSettings(controls=replace(Controls(), bkp_034=Control(params)))
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-034", settings)


def _protected_by_two_rules(b: BundleBuilder) -> str:
    """An EFS file system whose plan has two rules into a vault locked for 3 to 400 days."""
    b.vault("locked", locked=True, min_retention_days=3, max_retention_days=400)
    fs = b.efs("fs-0data")
    plan = b.plan(
        "plan",
        [
            b.rule(RuleName="daily", TargetBackupVaultName="locked"),
            b.rule(RuleName="weekly", TargetBackupVaultName="locked"),
        ],
    )
    b.selection(plan, "sel", resources=[fs])
    return fs


def test_a_lock_minimum_below_the_parameter_is_shown_for_every_rule(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = _protected_by_two_rules(b)
    (finding,) = _findings(b, tmp_path, VaultLockParams(min_retention_days=7))
    problem = "lock minimum retention 3 days, below the required 7 days"
    assert finding.message == (
        f"EFS {fs} (account {A}, {R}) is protected by no plan rule targeting a locked vault "
        f"(plan/daily -> locked: {problem}; plan/weekly -> locked: {problem})."
    )
    assert [
        (r["rule"], r["locked"], r["min_retention_days"], r["max_retention_days"], r["problem"])
        for r in finding.details["plan_rules"]
    ] == [("daily", True, 3, 400, problem), ("weekly", True, 3, 400, problem)]


def test_a_lock_maximum_above_the_parameter(tmp_path: Path) -> None:
    b = BundleBuilder()
    _protected_by_two_rules(b)
    (finding,) = _findings(b, tmp_path, VaultLockParams(max_retention_days=365))
    assert [r["problem"] for r in finding.details["plan_rules"]] == [
        "lock maximum retention 400 days, above the allowed 365 days"
    ] * 2


def test_a_lock_without_the_bound_asked_about_shows_none(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.vault("locked", locked=True)
    fs = b.efs("fs-0data")
    b.selection(b.plan("plan", [b.rule(TargetBackupVaultName="locked")]), "sel", resources=[fs])
    (finding,) = _findings(b, tmp_path, VaultLockParams(min_retention_days=7, max_retention_days=365))
    (rule,) = finding.details["plan_rules"]
    assert (rule["min_retention_days"], rule["max_retention_days"]) == (None, None)
    assert rule["problem"] == "lock minimum retention none, below the required 7 days"
    (finding,) = _findings(b, tmp_path / "max", VaultLockParams(max_retention_days=365))
    assert (
        finding.details["plan_rules"][0]["problem"]
        == "lock maximum retention none, above the allowed 365 days"
    )


def test_a_plan_without_rules_is_said_so(tmp_path: Path) -> None:
    """A ``GetBackupPlan`` answer whose ``Rules`` list is empty selects the resource but targets no
    vault at all."""
    b = BundleBuilder()
    fs = b.efs("fs-0data")
    b.selection(b.plan("empty", []), "sel", resources=[fs])
    (finding,) = _findings(b, tmp_path, VaultLockParams())
    assert finding.message == (
        f"EFS {fs} (account {A}, {R}) is protected by no plan rule targeting a locked vault "
        "(no plan rule found)."
    )
    assert finding.details["plan_rules"] == []
