"""Copies and air-gapped vaults (BKP-022, BKP-036, BKP-037, BKP-039): AWS's semantics, parameter
and scope edge cases, evidence across accounts, and older bundles (evidence not collected)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from auditor.config import load_config
from auditor.controls import (
    AirGappedParams,
    Control,
    Controls,
    ControlScope,
    CrossAccountParams,
    CrossRegionParams,
    Duration,
)
from auditor.errors import ConfigError
from auditor.evaluate import evaluate_bundle
from auditor.evidence import read_bundle
from auditor.model.results import EvaluationResult, Finding
from auditor.report import OutputFormat, render
from auditor.rules.base import RuleSettings
from auditor.summary import summarize
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
B = "222222222222"
"""An audited backup account."""
C = "333333333333"
"""An account whose audit role could not be assumed."""
LAG = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
DAY = timedelta(days=1)


def _result(b: BundleBuilder, tmp_path: Path, **controls: Control[Any]) -> EvaluationResult:
    settings = RuleSettings(controls=replace(Controls(), **controls))
    return evaluate_bundle(read_bundle(b.build(tmp_path / "bundle")), settings=settings)


def _findings(rule_id: str, b: BundleBuilder, tmp_path: Path, **controls: Control[Any]) -> list[Finding]:
    """The findings of ``rule_id`` alone, as ``_of(_result(...), rule_id)`` gives them (``tests/rules/one_rule.py``)."""
    settings = RuleSettings(controls=replace(Controls(), **controls))
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id, settings)


def _of(result: EvaluationResult, rule_id: str) -> list[Finding]:
    return [f for f in result.findings if f.rule_id == rule_id]


def _by_arn(findings: list[Finding]) -> dict[str | None, Finding]:
    return {f.resource_arn: f for f in findings}


def _vault(account_id: str, vault: str, region: str = R) -> str:
    return f"arn:aws:backup:{region}:{account_id}:backup-vault:{vault}"


def _copying(b: BundleBuilder, name: str, *destinations: str, resources: list[str]) -> str:
    plan = b.plan(name, [{"CopyActions": [{"DestinationBackupVaultArn": d} for d in destinations]}])
    b.selection(plan, name, resources=resources)
    return plan


# -- BKP-036 -------------------------------------------------------------------------------


def test_bkp036_same_region_copy_does_not_count_and_allowed_regions_filter(tmp_path: Path) -> None:
    """Audit Manager: the copy must go to another Region; with crossRegionList, to one of them."""
    b = BundleBuilder()
    local, frankfurt, virginia = (b.dynamodb_table(n) for n in ("local", "frankfurt", "virginia"))
    _copying(b, "same-region", _vault(A, "other"), resources=[local])
    _copying(b, "to-frankfurt", _vault(A, "dr", "eu-central-1"), resources=[frankfurt])
    _copying(b, "to-virginia", _vault(A, "dr", "us-east-1"), resources=[virginia])
    assert set(_by_arn(_findings("BKP-036", b, tmp_path / "any"))) == {local}
    only_us = Control(CrossRegionParams(("us-east-1",)))
    found = _by_arn(_findings("BKP-036", b, tmp_path / "us", bkp_036=only_us))
    assert set(found) == {local, frankfurt}
    assert found[frankfurt].details["copy_destinations"] == [_vault(A, "dr", "eu-central-1")]
    assert found[frankfurt].details["destination_regions"] == ["us-east-1"]


def test_bkp036_latest_job_decides_and_unprotected_resources_are_not_judged(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.dynamodb_table("unprotected")
    dest = _vault(A, "dr", "us-east-1")
    _copying(b, "dr", dest, resources=[table])
    b.copy_job(table, "DynamoDB", dest, state="FAILED", created=COLLECTED_AT - 2 * DAY)
    b.copy_job(table, "DynamoDB", dest, state="COMPLETED", created=COLLECTED_AT - DAY)
    # A failed copy within the same Region is no cross-Region copy job: it does not count.
    b.copy_job(table, "DynamoDB", _vault(A, "local"), state="FAILED", created=COLLECTED_AT - DAY / 2)
    assert _findings("BKP-036", b, tmp_path / "ok") == []
    b.copy_job(table, "DynamoDB", dest, state="FAILED", status_message="KMS", created=COLLECTED_AT - DAY / 4)
    [finding] = _findings("BKP-036", b, tmp_path / "failed")
    assert finding.details["cause"] == "latest cross-Region copy job failed"
    assert "KMS" in finding.message


def test_bkp036_volume_counts_its_instances_copy_action_and_scope(tmp_path: Path) -> None:
    b = BundleBuilder()
    instance = b.ec2_instance("i-0web", tags={"Env": "prod"})
    volume = b.ebs_volume("vol-0web", attached_to="i-0web", tags={"Env": "prod"})
    table = b.dynamodb_table("dev", tags={"Env": "dev"})
    _copying(b, "web", _vault(A, "dr", "us-east-1"), resources=[instance])
    b.selection(b.plan("local"), "dev", resources=[table])
    assert set(_by_arn(_findings("BKP-036", b, tmp_path / "all"))) == {table}
    prod = Control(CrossRegionParams(), scope=ControlScope(tag_key="Env", tag_value="prod"))
    assert _findings("BKP-036", b, tmp_path / "prod", bkp_036=prod) == []
    assert volume.startswith("arn:aws:ec2:")


# -- BKP-037 -------------------------------------------------------------------------------


def _cross_account(b: BundleBuilder) -> tuple[str, str]:
    b.account(B, [R])
    b.vault("dr", account_id=B)
    fs = b.efs("fs-0data")
    other = b.efs("fs-0other")
    _copying(b, "to-b", _vault(B, "dr"), resources=[fs, other])
    return fs, other


def test_bkp037_copy_counts_only_when_seen_in_the_destination_vault(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs, other = _cross_account(b)
    b.recovery_point(fs, "EFS", vault="dr", account_id=B)
    # A recovery point still being copied (not COMPLETED) is no copy yet.
    b.recovery_point(other, "EFS", vault="dr", account_id=B, status="PARTIAL")
    found = _by_arn(_findings("BKP-037", b, tmp_path))
    assert set(found) == {other}
    assert found[other].details["cause"] == "copy never arrived"
    assert found[other].details["result"] == "non-compliant"


def test_bkp037_a_copy_in_the_same_account_is_not_cross_account(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0data")
    _copying(b, "local-copy", _vault(A, "dr", "us-east-1"), resources=[fs])
    b.recovery_point(fs, "EFS", vault="dr", region="us-east-1")
    [finding] = _findings("BKP-037", b, tmp_path)
    assert finding.details["cause"] == "no copy to another account"


def test_bkp037_allowed_accounts_parameter(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs, other = _cross_account(b)
    for arn in (fs, other):
        b.recovery_point(arn, "EFS", vault="dr", account_id=B)
    assert _findings("BKP-037", b, tmp_path / "any") == []
    elsewhere = Control(CrossAccountParams(("444444444444",)))
    found = _findings("BKP-037", b, tmp_path / "other", bkp_037=elsewhere)
    assert {f.resource_arn for f in found} == {fs, other}
    assert found[0].details["destination_accounts"] == ["444444444444"]
    assert "one of the accounts 444444444444" in found[0].message


def test_bkp037_unknown_when_the_destination_was_not_audited_never_passed(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0data")
    b.assume_role_denied(C, [R])
    _copying(b, "to-c", _vault(C, "dr"), resources=[fs])
    [finding] = _findings("BKP-037", b, tmp_path / "denied")
    assert finding.details["result"] == "unknown"
    assert finding.details["destinations_not_audited"] == [f"{C}/{R}"]
    assert finding.message.split(": ", 1)[1].startswith("UNKNOWN, not compliant")
    # An audited account whose recovery point listing failed is not readable either.
    b2 = BundleBuilder()
    fs2 = b2.efs("fs-0data")
    b2.account(B, [R])
    b2.vault("dr", account_id=B)
    b2.error("backup", "ListRecoveryPointsByBackupVault", account_id=B, region=R)
    _copying(b2, "to-b", _vault(B, "dr"), resources=[fs2])
    [partial] = _findings("BKP-037", b2, tmp_path / "partial")
    assert partial.details["result"] == "unknown"


def test_bkp037_organization_setting(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.global_settings({"isCrossAccountBackupEnabled": "false", "isMpaEnabled": "false"})
    [finding] = _findings("BKP-037", b, tmp_path / "off")
    assert (finding.account_id, finding.region, finding.resource_arn) == (A, None, None)
    assert finding.details["cause"] == "cross-account backup disabled"
    b.global_settings({"isCrossAccountBackupEnabled": "true"})
    assert _findings("BKP-037", b, tmp_path / "on") == []
    off = Control(CrossAccountParams(), enabled=False)
    b.global_settings({"isCrossAccountBackupEnabled": "false"})
    assert _findings("BKP-037", b, tmp_path / "disabled", bkp_037=off) == []


def test_bkp037_latest_cross_account_job_failed_beats_an_older_copy(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs, other = _cross_account(b)
    for arn in (fs, other):
        b.recovery_point(arn, "EFS", vault="dr", account_id=B, created=COLLECTED_AT - 5 * DAY)
    b.copy_job(fs, "EFS", _vault(B, "dr"), state="FAILED", created=COLLECTED_AT - DAY)
    found = _findings("BKP-037", b, tmp_path)
    assert [(f.resource_arn, f.details["cause"]) for f in found] == [
        (fs, "latest cross-account copy job failed")
    ]


# -- BKP-039 -------------------------------------------------------------------------------


def _air_gapped(b: BundleBuilder) -> str:
    b.account(B, [R])
    b.vault("lag", account_id=B, vault_type=LAG, locked=True, min_retention_days=7, max_retention_days=35)
    vol = b.ebs_volume("vol-0data")
    _copying(b, "to-lag", _vault(B, "lag"), resources=[vol])
    return vol


@pytest.mark.parametrize(
    ("age", "max_age", "fires"),
    [
        (6 * DAY, Duration(7, "days"), False),
        (8 * DAY, Duration(7, "days"), True),
        (30 * 3600 * timedelta(seconds=1), Duration(24, "hours"), True),
        (20 * 3600 * timedelta(seconds=1), Duration(24, "hours"), False),
        (60 * DAY, Duration(91, "days"), False),
    ],
)
def test_bkp039_window_hours_and_days(tmp_path: Path, age: timedelta, max_age: Duration, fires: bool) -> None:
    b = BundleBuilder()
    vol = _air_gapped(b)
    b.recovery_point(vol, "EBS", vault="lag", account_id=B, created=COLLECTED_AT - age)
    found = _findings("BKP-039", b, tmp_path, bkp_039=Control(AirGappedParams(max_age)))
    assert [f.resource_arn for f in found] == ([vol] if fires else [])


def test_bkp039_standard_vault_and_failed_points_do_not_count(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = _air_gapped(b)
    b.vault("dr", account_id=B)
    b.recovery_point(vol, "EBS", vault="dr", account_id=B)
    b.recovery_point(vol, "EBS", vault="lag", account_id=B, status="FAILED")
    [finding] = _findings("BKP-039", b, tmp_path)
    assert finding.details["newest_air_gapped_recovery_point"] is None
    assert finding.details["result"] == "non-compliant"


def test_bkp039_air_gapped_vault_of_the_own_account_counts_and_unknown(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0own")
    far = b.ebs_volume("vol-0far")
    b.vault("own-lag", vault_type=LAG, locked=True)
    b.selection(b.plan("local"), "own", resources=[vol])
    b.recovery_point(vol, "EBS", vault="own-lag")
    b.assume_role_denied(C, [R])
    _copying(b, "to-c", _vault(C, "lag"), resources=[far])
    [finding] = _findings("BKP-039", b, tmp_path)
    assert (finding.resource_arn, finding.details["result"]) == (far, "unknown")


# -- BKP-022 -------------------------------------------------------------------------------


def test_bkp022_window_partial_and_scope(tmp_path: Path) -> None:
    b = BundleBuilder()
    old = b.ebs_volume("vol-0old")
    partial = b.ebs_volume("vol-0partial")
    failed = b.ebs_volume("vol-0failed", tags={"Env": "prod"})
    dest = _vault(B, "dr")
    # Outside the 14-day job window: not judged.
    b.copy_job(old, "EBS", dest, state="FAILED", created=COLLECTED_AT - 20 * DAY)
    b.copy_job(partial, "EBS", dest, state="PARTIAL", created=COLLECTED_AT - DAY)
    b.copy_job(failed, "EBS", dest, state="FAILED", created=COLLECTED_AT - DAY)
    assert [f.resource_arn for f in _findings("BKP-022", b, tmp_path / "all")] == [failed]
    dev = Control(Controls().bkp_022.params, scope=ControlScope(tag_key="Env", tag_value="dev"))
    assert _findings("BKP-022", b, tmp_path / "dev", bkp_022=dev) == []


# -- older bundles and collection failures -------------------------------------------------------


def test_a_version_2_bundle_leaves_the_copy_controls_not_evaluated(tmp_path: Path) -> None:
    b = BundleBuilder(version=2)
    fs = b.efs("fs-0data")
    b.selection(b.plan("daily"), "fs", resources=[fs])
    b.copy_job(fs, "EFS", _vault(B, "dr"), state="FAILED")  # a version 2 collector never wrote it
    b.global_settings({"isCrossAccountBackupEnabled": "false"})
    result = _result(b, tmp_path)
    assert not [f for f in result.findings if f.rule_id in ("BKP-022", "BKP-036", "BKP-037", "BKP-090")]
    listed = {r["rule_id"]: r for r in result.summary["rules_not_evaluated"]}
    assert listed["BKP-022"]["operations"] == ["backup.ListCopyJobs"]
    assert listed["BKP-036"]["why"] == "evidence not collected"
    assert listed["BKP-037"]["operations"] == ["backup.ListCopyJobs", "backup.DescribeGlobalSettings"]
    assert "BKP-039" not in listed  # vault types and recovery points are version 1 evidence
    summary = summarize(result)
    line = "\n".join(summary.lines())
    # the Lambda's summary.json (RunSummary.to_json) names them too
    assert summary.to_json()["rules_not_evaluated"] == ["BKP-022", "BKP-023", "BKP-036", "BKP-037", "BKP-038"]
    # (the restore controls BKP-023 / BKP-038 read version 3 operations too)
    expected = "BKP-022, BKP-023, BKP-036, BKP-037, BKP-038"
    assert f"rules not evaluated (evidence not collected): {expected}" in line
    assert f"Rules not evaluated (evidence not collected): {expected}" in render(
        result, OutputFormat.MARKDOWN
    )
    assert 'id="rules-not-evaluated"' in render(result, OutputFormat.HTML)


def test_a_current_bundle_lists_no_rule_as_not_evaluated(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0data")
    b.selection(b.plan("daily"), "fs", resources=[fs])
    result = _result(b, tmp_path)
    assert "rules_not_evaluated" not in result.summary
    assert "rules_not_evaluated" not in summarize(result).to_json()
    assert {f.rule_id for f in result.findings} >= {"BKP-036", "BKP-037", "BKP-039"}


def test_a_denied_copy_job_listing_is_bkp090_and_not_judged(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0data")
    b.selection(b.plan("daily"), "fs", resources=[fs])
    b.error("backup", "ListCopyJobs")
    result = _result(b, tmp_path)
    assert not [f for f in result.findings if f.rule_id in ("BKP-022", "BKP-036", "BKP-037")]
    [gap] = _of(result, "BKP-090")
    assert gap.details["operations"] == ["backup.ListCopyJobs"]


# -- configuration -------------------------------------------------------------------------------


def test_copy_controls_read_from_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "backup-auditor.toml"
    path.write_text(
        '[controls.BKP-036]\ndestination-regions = ["us-east-1", "eu-central-1"]\n'
        '[controls.BKP-037]\ndestination-accounts = "222222222222"\ntag-key = "dr"\n'
        "[controls.BKP-039]\nmax-age-hours = 48\n"
        '[controls.BKP-022]\nresource-types = ["EBS"]\n',
        encoding="utf-8",
    )
    c = load_config(env={}, config_file=path).controls
    assert c.bkp_036.params.destination_regions == ("us-east-1", "eu-central-1")
    assert c.bkp_037.params.destination_accounts == ("222222222222",)
    assert c.bkp_037.scope == ControlScope(tag_key="dr")
    assert c.bkp_039.params.max_age == Duration(48, "hours")
    assert c.bkp_022.scope.resource_types == ("EBS",)
    assert Controls().bkp_039.params.max_age == Duration(7, "days")
    assert Controls().bkp_036.params.destination_regions == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[controls.BKP-036]\ndestination-regions = ["Frankfurt"]\n', "not AWS Region names: Frankfurt"),
        ("[controls.BKP-036]\ndestination-regions = []\n", "expected a non-empty list of strings"),
        ('[controls.BKP-037]\ndestination-accounts = ["12345"]\n', "not 12-digit account ids: 12345"),
        (
            "[controls.BKP-037]\ndestination-accounts = "
            '["111111111111","222222222222","333333333333","444444444444","555555555555","666666666666"]\n',
            "at most 5 values, got 6",
        ),
        ("[controls.BKP-039]\nmax-age-hours = 23\n", "expected a whole number from 24 to 2184, got 23"),
        ("[controls.BKP-039]\nmax-age-days = 92\n", "expected a whole number from 1 to 91, got 92"),
        ("[controls.BKP-039]\nmax-age-days = 7\nmax-age-hours = 48\n", "give max-age-hours or max-age-days"),
        ("[controls.BKP-022]\nmax-age-days = 7\n", "unknown key 'controls.BKP-022.max-age-days'"),
        ('[controls.BKP-036]\ndestination-region = ["us-east-1"]\n', "did you mean 'destination-regions'?"),
    ],
)
def test_bad_copy_control_values_name_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "backup-auditor.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(env={}, config_file=path)
    assert str(info.value).startswith(f"{path}: ")
    assert expected in str(info.value)
