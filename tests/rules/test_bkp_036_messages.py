"""BKP-036's words, and which copy job counts: a failed copy job to another Region counts only for a
resource whose plan copies to such a Region (mutation-run survivors of bkp_036)."""

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


def _vault(vault: str, region: str = R) -> str:
    return f"arn:aws:backup:{region}:{A}:backup-vault:{vault}"


def _findings(
    b: BundleBuilder, tmp_path: Path, control: Control[CrossRegionParams] | None = None
) -> list[Finding]:
    controls = Controls() if control is None else replace(Controls(), bkp_036=control)
    return rule_findings(
        read_bundle(b.build(tmp_path / "bundle")), "BKP-036", RuleSettings(controls=controls)
    )


def _copying(b: BundleBuilder, table: str, destination: str) -> None:
    plan = b.plan("plan", [{"CopyActions": [{"DestinationBackupVaultArn": destination}]}])
    b.selection(plan, "sel", resources=[table])


def test_a_failed_job_to_another_region_is_no_copy_action_when_the_plan_copies_within_the_region(
    tmp_path: Path,
) -> None:
    """The plan copies to a vault of the same Region; a copy job to us-east-1 (made by hand) failed.
    The cause is the missing copy action, not that job."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    _copying(b, table, _vault("local"))
    b.copy_job(table, "DynamoDB", _vault("dr", "us-east-1"), state="FAILED", created=COLLECTED_AT - DAY)
    (finding,) = _findings(b, tmp_path)
    assert finding.details["cause"] == "no cross-Region copy action"
    assert finding.details["latest_copy_job"] is None
    assert finding.message == (
        f"DynamoDB {table} (account {A}, {R}): no plan rule protecting it copies its recovery points "
        "to another Region."
    )


def test_a_failed_job_to_an_allowed_region_names_the_allowed_regions(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    dest = _vault("dr", "us-east-1")
    _copying(b, table, dest)
    b.copy_job(
        table,
        "DynamoDB",
        dest,
        state="FAILED",
        status_message="KMS key disabled",
        job_id="job-1",
        created=COLLECTED_AT - DAY,
    )
    allowed = Control(CrossRegionParams(("us-east-1", "eu-central-1")))
    (finding,) = _findings(b, tmp_path, allowed)
    assert finding.details["cause"] == "latest cross-Region copy job failed"
    assert finding.details["latest_copy_job"] == "job-1"
    assert finding.message == (
        f"DynamoDB {table} (account {A}, {R}): its plan copies it to one of us-east-1, eu-central-1, "
        "but its latest copy job there FAILED (job job-1: KMS key disabled)."
    )
