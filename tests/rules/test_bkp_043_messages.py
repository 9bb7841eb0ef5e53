"""BKP-043's findings word for word: what AWS Organizations says of each invalid effective backup
policy (``ListEffectivePolicyValidationErrors``: ErrorCode, ErrorMessage, PathToError,
ContributingPolicies,
https://docs.aws.amazon.com/organizations/latest/APIReference/API_EffectivePolicyValidationError.html),
and when nothing is judged. ``test_org_policies.py`` covers the rule with the other policy rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
B = "222222222222"
HEAD = f"AWS Organizations reports the effective backup policy of account {A} (account-1111) as invalid"


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-043")


def _error(code: str | None, path: str | None, text: str | None, *policies: str) -> dict[str, Any]:
    e: dict[str, Any] = {"ContributingPolicies": list(policies)}
    for key, value in (("ErrorCode", code), ("PathToError", path), ("ErrorMessage", text)):
        if value is not None:
            e[key] = value
    return e


def test_the_message_shows_each_error_with_its_code_path_and_text(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    b.invalid_policy(
        A,
        _error("ELEMENTS_TOO_MANY", "plans.p.rules", "Too many rules.", "p-1", "p-2"),
        _error("INVALID_VALUE", "plans.q.regions", "Unknown Region.", "p-3"),
    )
    (finding,) = _found(b, tmp_path)
    assert (finding.account_id, finding.region, finding.resource_arn) == (A, None, None)
    assert finding.message == (
        f"{HEAD}: ELEMENTS_TOO_MANY at plans.p.rules: Too many rules.; INVALID_VALUE at plans.q.regions: "
        "Unknown Region."
    )
    assert finding.details == {
        "account_name": "account-1111",
        "errors": [
            {
                "error_code": "ELEMENTS_TOO_MANY",
                "error_message": "Too many rules.",
                "path_to_error": "plans.p.rules",
                "contributing_policies": ["p-1", "p-2"],
            },
            {
                "error_code": "INVALID_VALUE",
                "error_message": "Unknown Region.",
                "path_to_error": "plans.q.regions",
                "contributing_policies": ["p-3"],
            },
        ],
    }


def test_missing_parts_of_an_error_are_said_so_or_left_out(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    b.invalid_policy(
        A,
        _error(None, "plans.p", "No code."),
        _error("NO_PATH", None, "No path here"),
        _error("NO_TEXT", "plans.BackupPlanX", None),
        _error(None, "plans.s", None, "p-9"),  # neither code nor text: not an error to show
    )
    (finding,) = _found(b, tmp_path)
    assert finding.message == (
        f"{HEAD}: error at plans.p: No code.; NO_PATH at (no path): No path here; NO_TEXT at plans.BackupPlanX."
    )
    assert [e["error_code"] for e in finding.details["errors"]] == [None, "NO_PATH", "NO_TEXT"]
    assert [e["path_to_error"] for e in finding.details["errors"]] == ["plans.p", None, "plans.BackupPlanX"]
    assert [e["error_message"] for e in finding.details["errors"]] == ["No code.", "No path here", None]


def test_three_errors_are_shown_and_the_rest_counted(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    b.account(B, [R])
    b.invalid_policy(A, *(_error(f"E{i}", f"p{i}", f"m{i}") for i in range(5)))
    b.invalid_policy(B, *(_error(f"E{i}", f"p{i}", f"m{i}") for i in range(3)))
    first, second = _found(b, tmp_path)
    assert first.message == f"{HEAD}: E0 at p0: m0; E1 at p1: m1; E2 at p2: m2 (and 2 more)."
    assert len(first.details["errors"]) == 5
    assert second.account_id == B and second.message.endswith(": E0 at p0: m0; E1 at p1: m1; E2 at p2: m2.")


def test_an_account_whose_errors_were_not_read(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    b.invalid_policy(A)
    (finding,) = _found(b, tmp_path)
    assert finding.message == f"{HEAD}; its validation errors were not read."
    assert finding.details == {"account_name": "account-1111", "errors": []}


def test_accounts_in_order_and_only_those_listed(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    b.account(B, [R])
    b.account("000000000005", [R])
    b.invalid_policy(B, _error("E", "p", "m"))
    b.invalid_policy("000000000005", _error("E", "p", "m"))
    assert [f.account_id for f in _found(b, tmp_path)] == ["000000000005", B]


def test_another_organization_call_failing_does_not_stop_the_rule(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0a")
    b.invalid_policy(A, _error("E", "p", "m"))
    b.org_error("ListPolicies")
    assert [f.account_id for f in _found(b, tmp_path)] == [A]


def test_the_last_error_keeps_its_own_words_and_an_unnamed_account_its_id(tmp_path: Path) -> None:
    """Only the sentence's final period is dropped, whatever the message ends with; an account
    ListAccountsWithInvalidEffectivePolicy gives no name for is named by its id alone."""
    b = BundleBuilder()
    b.efs("fs-0a")
    b.invalid_policy("999999999999", _error("LIMIT", "plans.p.rules", "Rule count must not exceed MAX."))
    (finding,) = _found(b, tmp_path)
    assert finding.message == (
        "AWS Organizations reports the effective backup policy of account 999999999999 as invalid: "
        "LIMIT at plans.p.rules: Rule count must not exceed MAX."
    )
    assert finding.details["account_name"] is None
