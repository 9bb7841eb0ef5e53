"""Organization backup policy rules BKP-040 ... BKP-042 and the policy reader they share."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from auditor.backup_policy import (
    PolicyError,
    PolicyLifecycle,
    parse_effective_policy,
    same_schedule,
    substitute,
    vault_arn_parts,
)
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
ROLE = "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole"


def _policy(**rule: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schedule_expression": "cron(0 5 ? * * *)",
        "target_backup_vault_name": "org-vault",
        "lifecycle": {"delete_after_days": "35"},
    }
    body.update(rule)
    return {
        "plans": {
            "org-baseline": {
                "regions": [R],
                "rules": {"daily": body},
                "selections": {
                    "tags": {"baseline": {"iam_role_arn": ROLE, "tag_key": "backup", "tag_value": ["daily"]}}
                },
            }
        }
    }


def _findings(b: BundleBuilder, tmp_path: Path, rule_id: str) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id)


def _deploy(b: BundleBuilder, role: str | None = None, **rule: Any) -> str:
    b.vault("org-vault")
    pid = b.plan("org-baseline", [b.rule(**{"TargetBackupVaultName": "org-vault", **rule})])
    b.selection(pid, "baseline", list_of_tags=[("backup", "daily")], iam_role_arn=role)
    return pid


# -- reading the policy ----------------------------------------------------------------------


def test_values_are_strings_and_read_as_numbers() -> None:
    doc = _policy(start_backup_window_minutes="60", enable_continuous_backup="true")
    plan = parse_effective_policy(A, doc).plans[0]
    rule = plan.rules[0]
    assert plan.name == "org-baseline" and plan.regions == (R,)
    assert rule.lifecycle == PolicyLifecycle(delete_after_days=35)
    assert rule.start_window_minutes == 60 and rule.continuous_backup is True
    sel = plan.selections[0]
    assert (sel.kind, sel.tag_key, sel.tag_values, sel.iam_role_arn) == ("tags", "backup", ("daily",), ROLE)


def test_assign_wrappers_are_unwrapped_and_child_operators_ignored() -> None:
    """AWS's own effective-policy example keeps copy actions' target ARN wrapped in @@assign."""
    copy = "arn:aws:backup:us-east-1:$account:backup-vault:secondary"
    doc = _policy(
        copy_actions={
            copy: {"target_backup_vault_arn": {"@@assign": copy}, "lifecycle": {"delete_after_days": "28"}}
        },
        schedule_expression={
            "@@assign": "cron(0 5 ? * * *)",
            "@@operators_allowed_for_child_policies": ["@@none"],
        },
    )
    rule = parse_effective_policy(A, doc).plans[0].rules[0]
    assert rule.schedule == "cron(0 5 ? * * *)"
    assert rule.copy_actions[0].target_vault_arn == copy
    assert rule.copy_actions[0].lifecycle.delete_after_days == 28


def test_copy_action_without_target_uses_the_key_in_lower_case() -> None:
    key = "arn:aws:backup:us-east-1:$account:backup-vault:Secondary"
    rule = parse_effective_policy(A, _policy(copy_actions={key: {}})).plans[0].rules[0]
    assert rule.copy_actions[0].target_vault_arn == key.lower()


def test_resource_selections_and_conditions() -> None:
    doc = _policy()
    doc["plans"]["org-baseline"]["selections"] = {
        "resources": {
            "volumes": {
                "iam_role_arn": ROLE,
                "resource_types": ["arn:aws:ec2:*:*:volume/*"],
                "not_resource_types": ["arn:aws:ec2:$region:$account:volume/vol-0scratch"],
                "conditions": {
                    "string_equals": {
                        "env": {"condition_key": "aws:ResourceTag/env", "condition_value": "prod"}
                    },
                    "string_not_like": {
                        "t": {"condition_key": "aws:ResourceTag/tier", "condition_value": "tmp*"}
                    },
                },
            }
        }
    }
    sel = parse_effective_policy(A, doc).plans[0].selections[0]
    assert sel.kind == "resources" and sel.resource_types == ("arn:aws:ec2:*:*:volume/*",)
    assert [(c.operator, c.key, c.value) for c in sel.conditions] == [
        ("StringEquals", "aws:ResourceTag/env", "prod"),
        ("StringNotLike", "aws:ResourceTag/tier", "tmp*"),
    ]


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (
            {"lifecycle": {"delete_after_days": "35 days"}},
            "plans.org-baseline.rules.daily.lifecycle.delete_after_days",
            "whole number",
        ),
        (
            {"lifecycle": {"delete_after_days": True}},
            "plans.org-baseline.rules.daily.lifecycle.delete_after_days",
            "whole number",
        ),
        (
            {"enable_continuous_backup": "yes"},
            "plans.org-baseline.rules.daily.enable_continuous_backup",
            "true or false",
        ),
        (
            {"target_backup_vault_name": ["a"]},
            "plans.org-baseline.rules.daily.target_backup_vault_name",
            "non-empty string",
        ),
        ({"lifecycle": ["35"]}, "plans.org-baseline.rules.daily.lifecycle", "must be an object"),
    ],
)
def test_a_malformed_value_names_account_and_key(change: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_effective_policy(A, _policy(**change))
    assert caught.value.account_id == A and caught.value.key == key
    assert problem in caught.value.problem and key in str(caught.value) and A in str(caught.value)


def test_plans_that_are_not_an_object_and_unknown_condition_operators() -> None:
    with pytest.raises(PolicyError, match="key 'plans'"):
        parse_effective_policy(A, {"plans": ["p"]})
    doc = _policy()
    doc["plans"]["org-baseline"]["selections"]["tags"]["baseline"]["conditions"] = {"string_matches": {}}
    with pytest.raises(PolicyError, match="string_matches"):
        parse_effective_policy(A, doc)


def test_substitution_and_vault_arns() -> None:
    arn = substitute("arn:aws:backup:$region:$account:backup-vault:v", A, R)
    assert arn == f"arn:aws:backup:{R}:{A}:backup-vault:v"
    assert vault_arn_parts(arn) == (R, A, "v")
    assert vault_arn_parts("arn:aws:backup:us-east-1:222222222222:vault:tertiary") == (
        "us-east-1",
        "222222222222",
        "tertiary",
    )
    assert vault_arn_parts("arn:aws:iam::1:role/x") is None


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("cron(0 5 ? * * *)", "cron(0 5 * * ? *)", True),
        ("cron(0 5 ? * * *)", "cron(0 5 ? * 1-7 *)", True),
        ("cron(0 5 ? * MON-FRI *)", "cron(0 5 ? * 2-6 *)", True),
        ("cron(0 5 ? * * *)", "cron(0 3 ? * * *)", False),
        ("cron(0 5 ? * * *)", "cron(0 5 ? * MON-FRI *)", False),
        ("cron(0 5 1 * ? *)", "cron(0 5 L * ? *)", False),
        ("rate(24 hours)", "rate(1 day)", True),
        ("rate(12 hours)", "rate(1 day)", False),
        ("cron(0 0/1 ? * * *)", "rate(1 hour)", False),
        ("not a schedule", "NOT  A schedule", True),
        ("not a schedule", "cron(0 5 ? * * *)", False),
    ],
)
def test_schedules_compare_by_when_they_run(a: str, b: str, same: bool) -> None:
    assert same_schedule(a, b, 2026) is same
    assert same_schedule(b, a, 2026) is same


# -- the rules over bundles ------------------------------------------------------------------


def test_bkp_040_only_in_audited_regions_and_unreadable_policy_is_one_finding(tmp_path: Path) -> None:
    b = BundleBuilder()
    doc = _policy()
    doc["plans"]["org-baseline"]["regions"] = [R, "us-east-1", "ap-south-1"]
    b.effective_policy(A, doc)
    b.vault("org-vault")
    b.vault("org-vault", region="us-east-1")
    b.effective_policy("222222222222", _policy(lifecycle={"delete_after_days": "forever"}))
    b.vault("Default", account_id="222222222222")
    found = _findings(b, tmp_path, "BKP-040")
    assert sorted((f.account_id, f.region) for f in found) == [
        ("111111111111", R),
        ("111111111111", "us-east-1"),
        ("222222222222", None),
    ]
    bad = next(f for f in found if f.region is None)
    assert bad.details["policy_key"] == "plans.org-baseline.rules.daily.lifecycle.delete_after_days"
    assert "forever" in bad.message


def test_bkp_040_plan_of_another_name_is_not_the_policy_plan(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, _policy())
    b.vault("org-vault")
    b.plan("Org-Baseline")  # names are compared exactly: AWS names the plan by the policy's key
    assert len(_findings(b, tmp_path, "BKP-040")) == 1


def test_bkp_041_orgs_prefixed_plan_is_matched_first(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, _policy())
    b.vault("org-vault")
    local = b.plan("org-baseline", [b.rule(TargetBackupVaultName="org-vault")], plan_id="0local")
    b.selection(local, "baseline", list_of_tags=[("backup", "daily")])
    orgs = b.plan(
        "org-baseline", [b.rule(TargetBackupVaultName="org-vault", DeleteAfterDays=7)], plan_id="orgs/abc"
    )
    b.selection(orgs, "baseline", list_of_tags=[("backup", "daily")])
    (found,) = _findings(b, tmp_path, "BKP-041")
    assert found.details["plan_id"] == "orgs/abc"
    assert "starts with 'orgs/'" in found.details["matched_because"]
    assert found.details["other_plans_of_that_name"] == ["0local"]
    assert found.details["differences"] == [
        {"part": "rule daily: lifecycle delete after days", "policy": 35, "deployed": 7}
    ]


def test_bkp_041_each_part_of_a_rule_and_selection(tmp_path: Path) -> None:
    b = BundleBuilder()
    copy = "arn:aws:backup:$region:$account:backup-vault:copies"
    b.effective_policy(
        A,
        _policy(
            start_backup_window_minutes="120",
            complete_backup_window_minutes="600",
            enable_continuous_backup="true",
            lifecycle={"delete_after_days": "200", "move_to_cold_storage_after_days": "100"},
            copy_actions={copy: {"target_backup_vault_arn": copy, "lifecycle": {"delete_after_days": "30"}}},
        ),
    )
    _deploy(
        b,
        role=f"arn:aws:iam::{A}:role/other",
        StartWindowMinutes=60,
        CompletionWindowMinutes=600,
        DeleteAfterDays=200,
        MoveToColdStorageAfterDays=90,
        CopyActions=[
            {
                "DestinationBackupVaultArn": f"arn:aws:backup:{R}:{A}:backup-vault:copies",
                "Lifecycle": {"DeleteAfterDays": 31},
            }
        ],
    )
    (found,) = _findings(b, tmp_path, "BKP-041")
    parts = {d["part"]: (d["policy"], d["deployed"]) for d in found.details["differences"]}
    assert parts == {
        "rule daily: lifecycle move to cold storage after days": (100, 90),
        "rule daily: start window minutes": (120, 60),
        "rule daily: continuous backup": (True, False),
        f"rule daily: copy to arn:aws:backup:{R}:{A}:backup-vault:copies: lifecycle delete after days": (
            30,
            31,
        ),
        "selection baseline: IAM role": (
            f"arn:aws:iam::{A}:role/service-role/AWSBackupDefaultServiceRole",
            f"arn:aws:iam::{A}:role/other",
        ),
    }


def test_bkp_041_missing_and_extra_rules_and_selections(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, _policy())
    b.vault("org-vault")
    pid = b.plan("org-baseline", [b.rule(RuleName="weekly", TargetBackupVaultName="org-vault")])
    b.selection(pid, "baseline", list_of_tags=[("backup", "daily"), ("backup", "weekly")])
    b.selection(pid, "extra", resources=["*"])
    (found,) = _findings(b, tmp_path, "BKP-041")
    assert found.details["differences"] == [
        {"part": "rule daily", "policy": "present", "deployed": "missing"},
        {"part": "rule weekly", "policy": "absent", "deployed": "present"},
        {
            "part": "selection baseline: tags (ListOfTags)",
            "policy": ["backup=daily"],
            "deployed": ["backup=daily", "backup=weekly"],
        },
        {"part": "selection extra", "policy": "absent", "deployed": "present"},
    ]


def test_bkp_041_rule_names_pair_ignoring_case_and_unset_windows_are_not_compared(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, _policy())
    _deploy(b, RuleName="Daily", StartWindowMinutes=480, CompletionWindowMinutes=10080)
    assert _findings(b, tmp_path, "BKP-041") == []


def test_bkp_042_copy_to_another_account_or_unaudited_region_is_not_judged(tmp_path: Path) -> None:
    b = BundleBuilder()
    elsewhere = "arn:aws:backup:ap-south-1:$account:backup-vault:far"
    central = "arn:aws:backup:us-east-1:222222222222:backup-vault:central"
    b.effective_policy(
        A,
        _policy(
            copy_actions={
                elsewhere: {"target_backup_vault_arn": elsewhere},
                central: {"target_backup_vault_arn": central},
            }
        ),
    )
    _deploy(b)
    assert _findings(b, tmp_path, "BKP-042") == []


def test_bkp_042_vaults_not_collected_are_not_judged(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.effective_policy(A, _policy())
    b.plan("org-baseline")
    b.error("backup", "ListBackupVaults")
    assert _findings(b, tmp_path, "BKP-042") == []


# -- BKP-043 ---------------------------------------------------------------------------------

_ERROR = {
    "ErrorCode": "ELEMENTS_TOO_MANY",
    "ErrorMessage": "Too many rules.",
    "PathToError": "plans.p.rules",
    "ContributingPolicies": ["p-1", "p-2"],
}


def test_bkp_043_one_finding_per_listed_account_with_all_its_errors(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account("222222222222", [R])
    b.invalid_policy(A, _ERROR, {**_ERROR, "PathToError": "plans.q.rules"})
    b.invalid_policy("222222222222")  # listed, no errors read
    found = sorted(_findings(b, tmp_path, "BKP-043"), key=lambda f: f.account_id or "")
    assert [f.account_id for f in found] == [A, "222222222222"]
    assert [e["path_to_error"] for e in found[0].details["errors"]] == ["plans.p.rules", "plans.q.rules"]
    assert found[0].details["errors"][0]["contributing_policies"] == ["p-1", "p-2"]
    assert found[1].details["errors"] == [] and "not read" in found[1].message


def test_bkp_043_older_bundle_is_not_evaluated_never_passed(tmp_path: Path) -> None:
    b = BundleBuilder(version=2)
    b.invalid_policy(A, _ERROR)  # a version 2 collector never called the operations
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))
    assert [f for f in result.findings if f.rule_id == "BKP-043"] == []
    records = [r for r in result.summary["not_evaluated"] if "BKP-043" in r["resource_type"]]
    assert records == [
        {
            "resource_type": "effective backup policy validation (BKP-043)",
            "why": "evidence not collected",
            "operations": [
                "organizations.ListAccountsWithInvalidEffectivePolicy",
                "organizations.ListEffectivePolicyValidationErrors",
            ],
            "listed_in_account_regions": 0,
            "opted_in_account_regions": 0,
        }
    ]
    assert not [f for f in result.findings if f.rule_id == "BKP-090"]


def test_bkp_043_a_current_bundle_has_no_not_evaluated_record(tmp_path: Path) -> None:
    result = evaluate_bundle(read_bundle(BundleBuilder().build(tmp_path / "bundle")))
    assert not [r for r in result.summary["not_evaluated"] if "BKP-043" in r["resource_type"]]


@pytest.mark.parametrize("keep_file", [False, True])
def test_bkp_043_listing_failed_is_not_judged(tmp_path: Path, keep_file: bool) -> None:
    """Whatever the listing's file holds, a recorded failure of it means nothing is judged."""
    b = BundleBuilder()
    b.invalid_policy(A, _ERROR)
    b.org_error("ListAccountsWithInvalidEffectivePolicy", keep_file=keep_file)
    assert _findings(b, tmp_path, "BKP-043") == []


def _resource_policy() -> dict[str, Any]:
    doc = _policy()
    doc["plans"]["org-baseline"]["selections"] = {
        "resources": {
            "volumes": {
                "iam_role_arn": ROLE,
                "resource_types": ["arn:aws:ec2:$region:$account:volume/*"],
                "conditions": {
                    "string_equals": {
                        "env": {"condition_key": "aws:ResourceTag/env", "condition_value": "prod"}
                    }
                },
            }
        }
    }
    return doc


@pytest.mark.parametrize(("value", "drifted"), [("prod", False), ("dev", True)])
def test_bkp_041_resource_selection_with_region_substituted_and_conditions(
    tmp_path: Path, value: str, drifted: bool
) -> None:
    b = BundleBuilder()
    b.effective_policy(A, _resource_policy())
    b.vault("org-vault")
    pid = b.plan("org-baseline", [b.rule(TargetBackupVaultName="org-vault")])
    b.selection(
        pid,
        "volumes",
        resources=[f"arn:aws:ec2:{R}:{A}:volume/*"],
        conditions=[("StringEquals", "aws:ResourceTag/env", value)],
    )
    found = _findings(b, tmp_path, "BKP-041")
    if not drifted:
        assert found == []
        return
    (finding,) = found
    assert finding.details["differences"] == [
        {
            "part": "selection volumes: conditions",
            "policy": ["StringEquals aws:ResourceTag/env prod"],
            "deployed": ["StringEquals aws:ResourceTag/env dev"],
        }
    ]
