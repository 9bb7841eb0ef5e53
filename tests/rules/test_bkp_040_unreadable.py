"""BKP-040 on an effective backup policy that cannot be read: the key and the problem, in the
message and the details (mutation-run survivors of bkp_040)."""

from __future__ import annotations

from pathlib import Path

from auditor.backup_policy import PolicyError, parse_effective_policy
from auditor.evidence import read_bundle
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A = DEFAULT_ACCOUNT
KEY = "plans.org-baseline.rules.daily.lifecycle.delete_after_days"


def _policy() -> dict[str, object]:
    rule = {
        "schedule_expression": "cron(0 5 ? * * *)",
        "target_backup_vault_name": "org-vault",
        "lifecycle": {"delete_after_days": "forever"},
    }
    return {"plans": {"org-baseline": {"regions": [DEFAULT_REGION], "rules": {"daily": rule}}}}


def test_an_unreadable_policy_names_its_key_and_problem(tmp_path: Path) -> None:
    try:
        parse_effective_policy(A, _policy())
    except PolicyError as exc:
        problem = exc.problem
    else:
        raise AssertionError("the policy should not be readable")
    b = BundleBuilder()
    b.effective_policy(A, _policy())
    (finding,) = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-040")
    assert "forever" in problem
    assert (finding.account_id, finding.region) == (A, None)
    assert finding.details == {"policy_key": KEY, "problem": problem}
    assert finding.message == (
        f"The effective backup policy of account {A} cannot be read: key {KEY}: {problem}. "
        "BKP-040, BKP-041 and BKP-042 judge nothing of this account."
    )


def test_each_unreadable_policy_is_its_own_finding(tmp_path: Path) -> None:
    b = BundleBuilder()
    for account_id in ("333333333333", "222222222222"):
        b.account(account_id, [DEFAULT_REGION])
        b.effective_policy(account_id, _policy())
    found = rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-040")
    assert sorted((f.account_id, f.details["policy_key"]) for f in found) == [
        ("222222222222", KEY),
        ("333333333333", KEY),
    ]
