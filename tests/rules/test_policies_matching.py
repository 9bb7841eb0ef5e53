"""Which deployed plan stands for a policy plan, its ARN, and the order of the targets: the helpers
of ``auditor.rules._policies`` (mutation-run survivors), through BKP-040 / BKP-041."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules._policies import NAME_READING, plan_arn
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
ROLE = "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole"


def _policy_plan(regions: list[str]) -> dict[str, Any]:
    return {
        "regions": regions,
        "rules": {
            "daily": {
                "schedule_expression": "cron(0 5 ? * * *)",
                "target_backup_vault_name": "org-vault",
                "lifecycle": {"delete_after_days": "35"},
            }
        },
        "selections": {
            "tags": {"baseline": {"iam_role_arn": ROLE, "tag_key": "backup", "tag_value": ["daily"]}}
        },
    }


def _findings(b: BundleBuilder, tmp_path: Path, rule_id: str) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id)


def test_plan_arn_is_the_listed_one_whatever_its_partition() -> None:
    gov = "arn:aws-us-gov:backup:us-gov-west-1:111111111111:backup-plan:p-1"
    plan = {"plan_arn": gov, "region": "us-gov-west-1", "account_id": "111111111111", "plan_id": "p-1"}
    assert plan_arn(plan) == gov


def test_plan_arn_is_built_from_the_id_when_none_was_listed() -> None:
    built = "arn:aws:backup:eu-west-1:111111111111:backup-plan:p-1"
    for listed in (None, ""):
        plan = {"plan_arn": listed, "region": "eu-west-1", "account_id": "111111111111", "plan_id": "p-1"}
        assert plan_arn(plan) == built


def test_policy_plans_are_judged_in_name_order(tmp_path: Path) -> None:
    """Two policy plans, neither deployed: one BKP-040 finding each, in plan name order."""
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {"zeta": _policy_plan([R]), "alpha": _policy_plan([R])}})
    b.vault("org-vault")
    found = _findings(b, tmp_path, "BKP-040")
    assert [f.details["policy_plan"] for f in found] == ["alpha", "zeta"]


def test_among_plans_of_the_name_the_first_id_in_sort_order_is_compared(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {"org-baseline": _policy_plan([R])}})
    b.vault("org-vault")
    for pid, keep in (("b-plan", 7), ("c-plan", 8), ("a-plan", 9)):
        b.plan("org-baseline", [b.rule(TargetBackupVaultName="org-vault", DeleteAfterDays=keep)], plan_id=pid)
        b.selection(pid, "baseline", list_of_tags=[("backup", "daily")])
    (found,) = _findings(b, tmp_path, "BKP-041")
    assert found.details["plan_id"] == "a-plan"
    assert found.details["other_plans_of_that_name"] == ["b-plan", "c-plan"]
    assert found.details["matched_because"] == f"BackupPlanName 'org-baseline': {NAME_READING}"
    assert found.resource_arn == f"arn:aws:backup:{R}:{A}:backup-plan:a-plan"


def test_an_orgs_plan_says_both_why_it_was_taken(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {"org-baseline": _policy_plan([R])}})
    b.vault("org-vault")
    pid = b.plan(
        "org-baseline", [b.rule(TargetBackupVaultName="org-vault", DeleteAfterDays=7)], plan_id="orgs/x"
    )
    b.selection(pid, "baseline", list_of_tags=[("backup", "daily")])
    (found,) = _findings(b, tmp_path, "BKP-041")
    assert found.details["matched_because"] == (
        f"BackupPlanName 'org-baseline': {NAME_READING}; its BackupPlanId starts with 'orgs/', taken "
        "before plans of the same name"
    )


def test_a_deployed_plan_without_selections_misses_the_policy_selection(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {"org-baseline": _policy_plan([R])}})
    b.vault("org-vault")
    b.plan("org-baseline", [b.rule(TargetBackupVaultName="org-vault")])
    (found,) = _findings(b, tmp_path, "BKP-041")
    assert [d["part"] for d in found.details["differences"]] == ["selection baseline"]


def test_a_deployed_plan_without_rules_misses_the_policy_rule(tmp_path: Path) -> None:
    """A ``GetBackupPlan`` answer whose ``Rules`` list is empty (bad input is read, not a crash)."""
    b = BundleBuilder()
    b.effective_policy(A, {"plans": {"org-baseline": _policy_plan([R])}})
    b.vault("org-vault")
    pid = b.plan("org-baseline", [])
    b.selection(pid, "baseline", list_of_tags=[("backup", "daily")])
    (found,) = _findings(b, tmp_path, "BKP-041")
    assert [d["part"] for d in found.details["differences"]] == ["rule daily"]
