"""BKP-090's words: what each finding says about the calls that failed, at the level of an
operation group, an account-Region and a whole account (mutation-run survivors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.services import regional_keys
from tests.builders import DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

OTHER = "222222222222"


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-090")


def test_one_listing_and_the_one_call_it_kept_from_being_made_feed_more_than_one_thing(
    tmp_path: Path,
) -> None:
    """One failed listing plus one per-item call never made: two calls, "they feed"."""
    b = BundleBuilder()
    b.error("dlm", "GetLifecyclePolicies", code="AccessDeniedException", message="no dlm")
    b.omit("dlm", "GetLifecyclePolicy")
    (finding,) = _found(b, tmp_path)
    assert finding.message == (
        f"dlm.GetLifecyclePolicies could not be collected in account {DEFAULT_ACCOUNT}, {DEFAULT_REGION} "
        "(permission denied: dlm.GetLifecyclePolicies: AccessDeniedException: no dlm); so "
        "dlm.GetLifecyclePolicy could not be called for its items: what they feed is not audited there. "
        "Grant the audit role dlm:GetLifecyclePolicies and run again."
    )


def test_one_failed_call_alone_feeds_one_thing(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.error("backup", "ListBackupJobs", code="AccessDeniedException", message="no jobs")
    (finding,) = _found(b, tmp_path)
    assert finding.message == (
        f"backup.ListBackupJobs could not be collected in account {DEFAULT_ACCOUNT}, {DEFAULT_REGION} "
        "(permission denied: backup.ListBackupJobs: AccessDeniedException: no jobs): what it feeds is "
        "not audited there. Grant the audit role backup:ListBackupJobs and run again."
    )


def test_several_calls_of_one_cause_show_three_reasons_and_every_call(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.selection(b.plan("daily"), "all", resources=["*"])
    for op, message in [
        ("ListBackupPlans", "m1"),
        ("ListBackupJobs", "m2"),
        ("ListCopyJobs", "m3"),
        ("ListRestoreJobs", "m4"),
    ]:
        b.error("backup", op, code="AccessDeniedException", message=message)
    for op in ("GetBackupPlan", "ListBackupSelections", "GetBackupSelection"):
        b.omit("backup", op)
    (finding,) = _found(b, tmp_path)
    assert finding.details["reasons"] == [
        "backup.ListBackupJobs: AccessDeniedException: m2",
        "backup.ListBackupPlans: AccessDeniedException: m1",
        "backup.ListCopyJobs: AccessDeniedException: m3",
        "backup.ListRestoreJobs: AccessDeniedException: m4",
    ]
    assert finding.message == (
        "backup.ListBackupJobs, backup.ListBackupPlans, backup.ListCopyJobs, backup.ListRestoreJobs "
        f"could not be collected in account {DEFAULT_ACCOUNT}, {DEFAULT_REGION} (permission denied: "
        "backup.ListBackupJobs: AccessDeniedException: m2; backup.ListBackupPlans: AccessDeniedException: m1; "
        "backup.ListCopyJobs: AccessDeniedException: m3); so backup.GetBackupPlan, backup.GetBackupSelection, "
        "backup.ListBackupSelections could not be called for its items: what they feed is not audited there. "
        "Grant the audit role backup:ListBackupJobs, backup:ListBackupPlans, backup:ListCopyJobs, "
        "backup:ListRestoreJobs and run again."
    )


def _fail_every_regional_call(b: BundleBuilder, account_id: str, region: str) -> list[str]:
    """Every regional operation of ``account_id`` in ``region`` fails: the first throttled, the others
    denied, each with its own message; returns the operation keys in that order."""
    keys = sorted(regional_keys())
    for i, key in enumerate(keys):
        service, _, operation = key.partition(".")
        code = "Throttling" if i == 0 else "AccessDeniedException"
        b.error(service, operation, code=code, account_id=account_id, region=region, message=f"r{i}")
    return keys


def _expected_reasons(keys: list[str], collected: list[str]) -> list[str]:
    """The reason lines of the ``collected`` (listed in coverage) calls of ``keys``: denied calls
    first (cause order), then the throttled one."""
    lines = [
        f"{k}: {'Throttling' if i == 0 else 'AccessDeniedException'}: r{i}"
        for i, k in enumerate(keys)
        if k in collected
    ]
    return [*lines[1:], lines[0]]


def test_a_region_where_every_call_failed_is_one_finding_for_that_account_region(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, "me-south-1"])
    keys = _fail_every_regional_call(b, DEFAULT_ACCOUNT, "me-south-1")
    (finding,) = _found(b, tmp_path)
    assert (finding.account_id, finding.region) == (DEFAULT_ACCOUNT, "me-south-1")
    assert finding.details["level"] == "account-region"
    assert finding.details["causes"] == ["permission", "throttling"]
    operations = finding.details["operations"]
    assert operations == sorted(operations) and "backup.ListBackupJobs" in operations
    assert set(operations) <= set(keys)
    reasons = finding.details["reasons"]
    assert reasons == _expected_reasons(keys, operations)
    assert finding.message.startswith(
        f"account {DEFAULT_ACCOUNT}, me-south-1 was not audited: no operation could be collected "
        f"({'; '.join(reasons[:3])}). Its results are unknown, not compliant. Grant the audit role "
    )
    assert reasons[3] not in finding.message
    # the advice of each cause, one after the other
    assert finding.message.endswith(
        " and run again. AWS throttled the calls, no permission is missing: run again later or with a "
        "lower --max-concurrency / --per-region-concurrency."
    )


def test_an_account_where_every_call_failed_names_its_own_reasons(tmp_path: Path) -> None:
    """No account-wide error recorded for the account: the reasons are those of its failed calls,
    not the organization-level error recorded in the same manifest (``account_id`` and ``region``
    both null)."""
    b = BundleBuilder()
    b.efs("fs-0data")
    b.account(OTHER, [DEFAULT_REGION])
    keys = _fail_every_regional_call(b, OTHER, DEFAULT_REGION)
    path = b.build(tmp_path / "bundle")
    manifest = json.loads((path / "manifest.json").read_text())
    org: dict[str, Any] = {"account_id": None, "region": None, "service": "organizations"}
    manifest["errors"].append({**org, "operation": "ListPolicies", "code": "AccessDenied", "message": "x"})
    (path / "manifest.json").write_text(json.dumps(manifest))
    found = rule_findings(read_bundle(path), "BKP-090")
    (account,) = [f for f in found if f.details["level"] == "account"]
    assert (account.account_id, account.region) == (OTHER, None)
    assert account.details["causes"] == ["permission", "throttling"]
    reasons = account.details["reasons"]
    assert reasons == _expected_reasons(keys, [r.split(":")[0] for r in reasons])
    assert not any("organizations.ListPolicies" in r for r in reasons)
    assert account.message.startswith(
        f"Account {OTHER} was not audited: nothing could be collected in 1 Region(s) "
        f"({'; '.join(reasons[:3])}). Its results are unknown, not compliant. Grant the audit role "
    )
    assert reasons[3] not in account.message


def _with_org_errors(b: BundleBuilder, tmp_path: Path, errors: list[dict[str, Any]]) -> list[Finding]:
    """Build, then add organization-level errors (``account_id`` null) to the manifest on disk."""
    path = b.build(tmp_path / "bundle")
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["errors"].extend(errors)
    (path / "manifest.json").write_text(json.dumps(manifest))
    return rule_findings(read_bundle(path), "BKP-090")


def _org_error(operation: str, code: str, message: str, region: str | None = None) -> dict[str, Any]:
    return {
        "account_id": None,
        "region": region,
        "service": "organizations",
        "operation": operation,
        "code": code,
        "message": message,
    }


def test_organization_findings_one_per_cause_and_region(tmp_path: Path) -> None:
    """Errors with and without a Region under one cause are grouped apart (and ordered without
    comparing a missing Region with a Region name)."""
    b = BundleBuilder()
    b.efs("fs-0data")
    found = _with_org_errors(
        b,
        tmp_path,
        [
            _org_error("ListRoots", "EndpointConnectionError", "unreachable"),
            _org_error("ListPolicies", "AccessDenied", "no", region="us-west-2"),
            _org_error("ListAccounts", "AccessDenied", "no", region="eu-west-1"),
            _org_error("DescribeOrganization", "AccessDenied", "no"),
        ],
    )
    assert sorted((f.details["cause"], f.region or "") for f in found) == [
        ("endpoint", ""),
        ("permission", ""),
        ("permission", "eu-west-1"),
        ("permission", "us-west-2"),
    ]
    # causes in label order where the findings' order does not say otherwise (same Region)
    assert [f.details["cause"] for f in found if f.region is None] == ["permission", "endpoint"]


def test_organization_finding_names_three_reasons_and_the_management_account_principal(
    tmp_path: Path,
) -> None:
    b = BundleBuilder()
    b.efs("fs-0data")
    ops = ["ListPolicies", "DescribeOrganization", "ListAccounts", "ListRoots"]
    (found,) = _with_org_errors(b, tmp_path, [_org_error(op, "AccessDenied", f"m-{op}") for op in ops])
    reasons = [f"organizations.{op}: AccessDenied: m-{op}" for op in ops]
    assert found.details["reasons"] == reasons
    assert found.message == (
        f"Organization-level call(s) failed (permission denied: {'; '.join(reasons[:3])}): what they feed "
        "is not audited. Grant the auditing principal (in the management account) "
        "organizations:DescribeOrganization, organizations:ListAccounts, organizations:ListPolicies, "
        "organizations:ListRoots and run again."
    )


def test_an_account_not_audited_does_not_hide_the_next_accounts_gaps(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.efs("fs-0data")
    b.assume_role_denied("100000000000")  # sorts before the default account
    b.error("backup", "ListBackupJobs", code="AccessDeniedException", message="no jobs")
    found = _found(b, tmp_path)
    assert sorted((f.account_id, f.details["level"]) for f in found) == [
        ("100000000000", "account"),
        (DEFAULT_ACCOUNT, "operations"),
    ]
