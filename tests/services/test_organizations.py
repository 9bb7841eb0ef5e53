"""Organizations loader: effective backup policy validation (BKP-043's evidence)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.errors import BundleError
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from tests.builders import DEFAULT_ACCOUNT, BundleBuilder

A = DEFAULT_ACCOUNT
ERRORS_FILE = "organization/organizations.ListEffectivePolicyValidationErrors.json"


def test_listed_accounts_and_their_errors_become_rows(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.vault("Default")  # the default account first
    b.account("222222222222", ["eu-west-1"])
    b.invalid_policy(
        A, {"ErrorCode": "E1", "ErrorMessage": "m", "PathToError": "plans.p", "ContributingPolicies": ["p-1"]}
    )
    b.invalid_policy("222222222222")
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    rows = inv.policy_validation.sort_values("account_id").to_dict("records")
    assert [(r["account_id"], r["error_code"], r["listed_invalid"]) for r in rows] == [
        (A, "E1", True),
        ("222222222222", None, True),
    ]
    assert rows[0]["contributing_policies"] == ("p-1",) and rows[0]["path_to_error"] == "plans.p"
    assert rows[0]["account_name"] == "account-1111"
    assert inv.not_collected == ()


def test_errors_of_an_account_not_listed_are_kept_as_not_listed(tmp_path: Path) -> None:
    root = BundleBuilder().build(tmp_path / "bundle")
    path = root / ERRORS_FILE
    calls = json.loads(path.read_text())
    calls[0]["response"]["EffectivePolicyValidationErrors"] = [{"ErrorCode": "E2"}]
    path.write_text(json.dumps(calls))
    inv = load_inventory(read_bundle(root))
    assert inv.policy_validation[["account_id", "error_code", "listed_invalid"]].values.tolist() == [
        [A, "E2", False]
    ]


def test_a_malformed_validation_file_names_the_file_and_member(tmp_path: Path) -> None:
    root = BundleBuilder().build(tmp_path / "bundle")
    path = root / ERRORS_FILE
    calls = json.loads(path.read_text())
    calls[0]["response"]["EffectivePolicyValidationErrors"] = [{"ErrorCode": 7}]
    path.write_text(json.dumps(calls))
    with pytest.raises(BundleError) as caught:
        load_inventory(read_bundle(root))
    assert "ListEffectivePolicyValidationErrors" in str(caught.value)
    assert "EffectivePolicyValidationErrors[0].ErrorCode" in str(caught.value)


def test_a_version_2_bundle_lacks_the_operations_as_not_collected(tmp_path: Path) -> None:
    inv = load_inventory(read_bundle(BundleBuilder(version=2).build(tmp_path / "bundle")))
    assert set(inv.not_collected) >= {
        "organizations.ListAccountsWithInvalidEffectivePolicy",
        "organizations.ListEffectivePolicyValidationErrors",
    }
    assert inv.policy_validation.empty
