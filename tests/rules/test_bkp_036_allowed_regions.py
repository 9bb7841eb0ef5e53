"""BKP-036 with ``destination-regions``: only copy jobs to those Regions decide, and a failed job
to an allowed Region is the cause only when the plan copies to an allowed Region (mutation-run
survivors of bkp_036's ``evaluate``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from auditor.controls import Control, Controls, CrossRegionParams
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

A, R = DEFAULT_ACCOUNT, DEFAULT_REGION
DAY = timedelta(days=1)
US = f"arn:aws:backup:us-east-1:{A}:backup-vault:dr"
EU = f"arn:aws:backup:eu-central-1:{A}:backup-vault:dr"


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    control = Control(CrossRegionParams(("us-east-1",)))
    settings = RuleSettings(controls=replace(Controls(), bkp_036=control))
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-036", settings)


def _copying(b: BundleBuilder, resource: str, *destinations: str) -> None:
    plan = b.plan("dr", [{"CopyActions": [{"DestinationBackupVaultArn": d} for d in destinations]}])
    b.selection(plan, "s", resources=[resource])


def test_a_failed_job_to_a_region_not_allowed_does_not_decide(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    _copying(b, table, US, EU)
    b.copy_job(table, "DynamoDB", US, state="COMPLETED", created=COLLECTED_AT - DAY)
    b.copy_job(table, "DynamoDB", EU, state="FAILED", created=COLLECTED_AT - DAY / 2)
    assert _found(b, tmp_path) == []


def test_a_failed_job_is_no_cause_when_the_plan_copies_to_no_allowed_region(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    _copying(b, table, EU)
    b.copy_job(table, "DynamoDB", US, state="FAILED", created=COLLECTED_AT - DAY / 2)
    (finding,) = _found(b, tmp_path)
    assert finding.details["cause"] == "no cross-Region copy action"
