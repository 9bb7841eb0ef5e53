"""BKP-004's listed ARNs (cut at ``max_listed_arns``) and its findings in type order; BKP-023's
job window (both ends included), a tag scope, and its words for a job without status message
(mutation survivors)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from auditor.controls import Control, Controls, ControlScope, NoParams
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules.base import RuleSettings
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

DAY = timedelta(days=1)


def _findings(
    b: BundleBuilder, tmp_path: Path, rule_id: str, settings: RuleSettings | None = None
) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), rule_id, settings)


def test_bkp004_lists_at_most_max_listed_arns_and_reports_types_in_order(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("EFS", False)
    b.opt_in("EBS", False)
    b.efs("fs-0b")
    b.efs("fs-0a")
    b.efs("fs-0c")
    b.ebs_volume("vol-0a")  # the inventory lists EFS before EBS: the findings sort the types
    found = _findings(b, tmp_path, "BKP-004", RuleSettings(max_listed_arns=2))
    assert [f.resource_type for f in found] == ["EBS", "EFS"]
    efs = found[1]
    assert "where 3 EFS resource(s) exist" in efs.message
    assert efs.details["resource_count"] == 3
    listed = efs.details["resource_arns"]
    assert isinstance(listed, list) and len(listed) == 2


def test_bkp023_restore_jobs_in_window_are_those_of_the_last_days_up_to_as_of(tmp_path: Path) -> None:
    b = BundleBuilder()
    edge, old, new = b.ebs_volume("vol-0edge"), b.ebs_volume("vol-0old"), b.ebs_volume("vol-0new")
    b.restore_job(edge, "EBS", status="FAILED", created=COLLECTED_AT - 14 * DAY)
    b.restore_job(old, "EBS", status="FAILED", created=COLLECTED_AT - 14 * DAY - timedelta(seconds=1))
    b.restore_job(new, "EBS", status="FAILED", created=COLLECTED_AT)
    assert sorted(f.resource_arn or "" for f in _findings(b, tmp_path, "BKP-023")) == [edge, new]


def test_bkp023_a_tag_scope_and_a_job_without_status_message(tmp_path: Path) -> None:
    b = BundleBuilder()
    prod = b.ebs_volume("vol-0prod", tags={"Env": "prod"})
    dev = b.ebs_volume("vol-0dev", tags={"Env": "dev"})
    job = b.restore_job(prod, "EBS", status="FAILED", created=COLLECTED_AT - DAY)
    b.restore_job(dev, "EBS", status="FAILED", created=COLLECTED_AT - DAY)
    scope = Control(NoParams(), scope=ControlScope(tag_key="Env", tag_value="prod"))
    settings = RuleSettings(controls=replace(Controls(), bkp_023=scope))
    (finding,) = _findings(b, tmp_path, "BKP-023", settings)
    assert finding.resource_arn == prod
    assert (
        f"The latest restore job of EBS {prod} (account {DEFAULT_ACCOUNT}, {DEFAULT_REGION}), started by a "
        f"person or another service, FAILED (job {job}: no status message)."
    ) in finding.message


def test_bkp004_an_aurora_opt_in_off_skips_clusters_however_selected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.opt_in("Aurora", False)
    b.rds_cluster("orders", engine="aurora-mysql")
    (finding,) = _findings(b, tmp_path, "BKP-004")
    assert "AWS Backup skips them however they are selected. Turn on the Aurora opt-in" in finding.message


def test_bkp005_every_account_region_judged_and_an_unreported_preference_named(tmp_path: Path) -> None:
    """The first account-Region (sorted) has the features on and is skipped; the next one's
    ``DescribeRegionSettings`` does not report DynamoDB: it is named so, and its tables are listed
    up to ``max_listed_arns``."""
    other = "222222222222"
    b = BundleBuilder()
    b.dynamodb_table("on")
    b.account(other, [DEFAULT_REGION])
    b.management("DynamoDB", None, account_id=other)
    for name in ("a", "b", "c"):
        b.dynamodb_table(name, account_id=other)
    (finding,) = _findings(b, tmp_path, "BKP-005", RuleSettings(max_listed_arns=2))
    assert finding.account_id == other
    assert finding.details["management_preference"] == "not reported by DescribeRegionSettings"
    assert "advanced DynamoDB backup features are not reported by DescribeRegionSettings." in finding.message
    listed = finding.details["table_arns"]
    assert finding.details["table_count"] == 3 and isinstance(listed, list) and len(listed) == 2


def test_bkp023_a_job_without_resource_type_names_a_resource(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0a")
    b.restore_job(vol, None, status="FAILED", created=COLLECTED_AT - DAY)
    (finding,) = _findings(b, tmp_path, "BKP-023")
    assert finding.message.startswith(f"The latest restore job of resource {vol} (account {DEFAULT_ACCOUNT}")
