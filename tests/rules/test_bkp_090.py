"""BKP-090 (issue 11 item 6): one finding per cause and account-Region, advice that fits the
cause, and the same grouping in SARIF and ASFF."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import EvaluationResult, Finding
from auditor.report.asff import AsffFormat
from auditor.report.sarif import SarifFormat
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

PLAN_ITEMS = ("GetBackupPlan", "ListBackupSelections", "GetBackupSelection")


def _bkp090(b: BundleBuilder, tmp_path: Path) -> tuple[EvaluationResult, list[Finding]]:
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")))
    return result, [f for f in result.findings if f.rule_id == "BKP-090"]


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    """BKP-090's findings alone (``tests/rules/one_rule.py``)."""
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-090")


def _deny_plan_listing(
    b: BundleBuilder, code: str = "AccessDeniedException", message: str = "denied"
) -> None:
    """What collect writes when ListBackupPlans fails: the error, and no file for the listing or for
    the per-item calls it would have led to."""
    b.selection(b.plan("daily"), "all", resources=["*"])
    b.error("backup", "ListBackupPlans", code=code, message=message)
    for op in PLAN_ITEMS:
        b.omit("backup", op)


def test_a_denied_listing_is_one_finding_with_the_calls_it_kept_from_being_made(tmp_path: Path) -> None:
    b = BundleBuilder()
    _deny_plan_listing(b)
    (finding,) = _found(b, tmp_path)
    assert (finding.account_id, finding.region) == (DEFAULT_ACCOUNT, DEFAULT_REGION)
    assert finding.details["cause"] == "permission"
    assert finding.details["operations"] == ["backup.ListBackupPlans"]
    assert finding.details["not_reached"] == [
        "backup.GetBackupPlan",
        "backup.GetBackupSelection",
        "backup.ListBackupSelections",
    ]
    assert "Grant the audit role backup:ListBackupPlans and run again." in finding.message
    assert "backup:GetBackupPlan" not in finding.message, "no permission asked for a call never made"


@pytest.mark.parametrize(
    ("code", "cause", "says"),
    [
        ("ThrottlingException", "throttling", "AWS throttled the calls"),
        ("TooManyRequestsException", "throttling", "AWS throttled the calls"),
        ("ReadTimeoutError", "timeout", "The calls timed out"),
        ("DeadlineExceeded", "timeout", "The calls timed out"),
        ("EndpointConnectionError", "endpoint", "endpoint could not be reached"),
        ("ResponseParserError", "endpoint", "endpoint could not be reached"),
        ("ServiceUnavailable", "endpoint", "endpoint could not be reached"),
        ("SomethingNew", "error", "Read the error above"),
    ],
)
def test_advice_matches_the_error_and_never_asks_for_a_permission(
    tmp_path: Path, code: str, cause: str, says: str
) -> None:
    b = BundleBuilder()
    b.efs("fs-0data")
    b.error("backup", "ListBackupJobs", code=code, message="it failed")
    (finding,) = _found(b, tmp_path)
    assert finding.details["cause"] == cause and finding.details["operations"] == ["backup.ListBackupJobs"]
    assert says in finding.message
    assert "Grant" not in finding.message and "grant" not in finding.message


def test_one_finding_per_cause_in_an_account_region(tmp_path: Path) -> None:
    b = BundleBuilder()
    _deny_plan_listing(b)
    b.error("backup", "ListBackupJobs", code="AccessDeniedException", message="denied")
    b.error("rds", "DescribeDBInstances", code="Throttling", message="Rate exceeded")
    b.error("ec2", "DescribeVolumes", code="ReadTimeoutError", message="Read timeout on endpoint URL")
    b.omit("fsx", "DescribeVolumes")  # no error recorded, file absent: not collected
    found = _found(b, tmp_path)
    by_cause = {f.details["cause"]: f for f in found}
    assert list(by_cause) == ["permission", "throttling", "timeout", "not-collected"]
    assert by_cause["permission"].details["operations"] == ["backup.ListBackupJobs", "backup.ListBackupPlans"]
    assert (
        "Grant the audit role backup:ListBackupJobs, backup:ListBackupPlans" in by_cause["permission"].message
    )
    assert by_cause["throttling"].details["operations"] == ["rds.DescribeDBInstances"]
    assert by_cause["not-collected"].details["operations"] == ["fsx.DescribeVolumes"]
    assert "collect again" in by_cause["not-collected"].message


def test_a_region_that_is_not_enabled_is_said_so(tmp_path: Path) -> None:
    from auditor.services import regional_keys

    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, "me-south-1"])
    for key in regional_keys():
        service, _, operation = key.partition(".")
        b.error(service, operation, code="AuthFailure", region="me-south-1", message="not validated")
    (finding,) = _found(b, tmp_path)
    assert finding.region == "me-south-1" and finding.details["level"] == "account-region"
    assert finding.details["causes"] == ["region-not-enabled"]
    assert "enable it for the account, or leave it out of --regions" in finding.message
    assert "Grant" not in finding.message


def _with_errors(
    b: BundleBuilder, tmp_path: Path, edit: Callable[[list[dict[str, Any]]], None]
) -> list[Finding]:
    """Build, then edit the manifest's errors on disk (what the builder has no method for)."""
    path = b.build(tmp_path / "bundle")
    manifest = json.loads((path / "manifest.json").read_text())
    edit(manifest["errors"])
    (path / "manifest.json").write_text(json.dumps(manifest))
    return rule_findings(read_bundle(path), "BKP-090")


def test_throttled_assume_role_is_not_told_to_fix_the_trust_policy(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.assume_role_denied("333333333333")
    (denied,) = _found(b, tmp_path)
    assert "trust policy" in denied.message and denied.details["causes"] == ["permission"]

    def throttle(errors: list[dict[str, Any]]) -> None:
        (error,) = errors
        error.update(code="Throttling", message="Rate exceeded")

    (throttled,) = _with_errors(b, tmp_path / "throttled", throttle)
    assert throttled.account_id == "333333333333" and throttled.details["causes"] == ["throttling"]
    assert "trust policy" not in throttled.message and "AWS throttled the calls" in throttled.message


def test_organization_errors_are_one_finding_per_cause(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0data")

    def org_errors(errors: list[dict[str, Any]]) -> None:
        failures = [
            ("ListPolicies", "AccessDeniedException"),
            ("DescribeOrganization", "AccessDenied"),
            ("ListAccounts", "TooManyRequestsException"),
        ]
        for op, code in failures:
            where = {"account_id": None, "region": None, "service": "organizations", "operation": op}
            errors.append({**where, "code": code, "message": "no"})

    found = _with_errors(b, tmp_path, org_errors)
    assert [(f.details["level"], f.details["cause"]) for f in found] == [
        ("organization", "permission"),
        ("organization", "throttling"),
    ]
    assert found[0].details["operations"] == [
        "organizations.ListPolicies",
        "organizations.DescribeOrganization",
    ]
    assert "organizations:ListPolicies" in found[0].message and "Grant" not in found[1].message


def test_sarif_and_asff_carry_one_result_per_cause_with_distinct_ids(tmp_path: Path) -> None:
    b = BundleBuilder()
    _deny_plan_listing(b)
    b.error("rds", "DescribeDBInstances", code="Throttling", message="Rate exceeded")
    result, found = _bkp090(b, tmp_path)
    assert len(found) == 2
    sarif = json.loads(SarifFormat().render(result))
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "BKP-090"]
    assert sorted(r["properties"]["details"]["cause"] for r in results) == ["permission", "throttling"]
    assert len({r["partialFingerprints"]["backupAuditorSubject/v1"] for r in results}) == 2
    asff = json.loads(AsffFormat().render(result))
    ids = [a["Id"] for a in asff["Findings"] if a["GeneratorId"] == "BKP-090"]
    assert len(ids) == 2 and len(set(ids)) == 2, (
        "one Security Hub finding per cause, none overwriting another"
    )
