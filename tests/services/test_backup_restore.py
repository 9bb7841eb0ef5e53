"""The bundle v3 backup operations (restore jobs, restore testing, protected resources, Audit
Manager frameworks and report plans) loaded into frames through a BundleBuilder bundle."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest

from auditor import services
from auditor.errors import BundleError
from auditor.evidence import Call, read_bundle
from auditor.model.frames import Inventory, load_inventory
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder

VOL = f"arn:aws:ec2:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:volume/vol-0a"
TABLE = f"arn:aws:dynamodb:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:table/orders"


def _covered(inv: Inventory, key: str) -> bool:
    cov = inv.coverage
    return bool(cov[cov["operation"] == key]["collected"].all())


def test_restore_jobs_selections_and_protected_resources_load(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.restore_job(VOL, "EBS", testing_plan="daily", minutes=95, created=COLLECTED_AT - timedelta(days=1))
    b.restore_job(VOL, "EBS", testing_plan="daily", status="FAILED", status_message="denied")
    b.restore_job(TABLE, "DynamoDB")  # not restore testing: no DescribeProtectedResource
    b.restore_testing_selection(
        "daily", "gold", "EBS", conditions=[("StringEquals", "aws:ResourceTag/tier", "gold")]
    )
    b.restore_testing_selection("daily", "orders", "DynamoDB", arns=[TABLE])
    b.protected_resource(VOL, "EBS", restore_minutes=95)
    b.protected_resource(TABLE, "DynamoDB")
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    jobs = inv.restore_jobs.sort_values("creation_date")
    assert list(jobs["status"]) == ["COMPLETED", "COMPLETED", "FAILED"] or set(jobs["status"]) == {
        "COMPLETED",
        "FAILED",
    }
    assert jobs["restore_testing_plan_arn"].notna().sum() == 2
    sels = inv.restore_selections.set_index("selection_name")
    assert sels.loc["gold", "conditions"] == (("StringEquals", "aws:ResourceTag/tier", "gold"),)
    assert sels.loc["gold", "resource_arns"] == ("*",)
    assert sels.loc["orders", "resource_arns"] == (TABLE,) and sels.loc["orders", "plan_name"] == "daily"
    pr = inv.protected_resources.set_index("arn")
    assert bool(pr.loc[VOL, "described"]) and pr.loc[VOL, "latest_restore_minutes"] == 95
    assert not bool(pr.loc[TABLE, "described"])
    assert math.isnan(pr["latest_restore_minutes"].to_dict()[TABLE])
    for key in services.optional_keys(2):
        assert _covered(inv, key), key


def test_a_selection_listed_but_not_fetched_leaves_the_operation_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.restore_testing_selection("daily", "gold", "EBS")
    b.raw_calls("backup", "GetRestoreTestingSelection", [])
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    assert not _covered(inv, "backup.GetRestoreTestingSelection")
    assert _covered(inv, "backup.ListRestoreTestingSelections")
    cov = inv.coverage
    why = cov[cov["operation"] == "backup.GetRestoreTestingSelection"]["error_message"].iloc[0]
    assert "gold of daily" in why


def test_a_restore_tested_resource_not_described_leaves_describe_not_collected(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.restore_job(VOL, "EBS", testing_plan="daily")
    b.raw_calls("backup", "DescribeProtectedResource", [])
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    assert not _covered(inv, "backup.DescribeProtectedResource")
    b2 = BundleBuilder()
    b2.restore_job(VOL, "EBS")  # no restore testing job: nothing to describe, nothing missing
    b2.raw_calls("backup", "DescribeProtectedResource", [])
    assert _covered(
        load_inventory(read_bundle(b2.build(tmp_path / "b2"))), "backup.DescribeProtectedResource"
    )


def test_a_malformed_response_names_the_file_and_member(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.raw_calls("backup", "ListRestoreJobs", [Call({}, {"RestoreJobs": [{"Status": "FAILED"}]})])
    with pytest.raises(BundleError) as info:
        load_inventory(read_bundle(b.build(tmp_path / "b")))
    assert "backup.ListRestoreJobs" in str(info.value) and "RestoreJobId" in str(info.value)


def test_a_version_2_bundle_has_none_of_them_and_says_so(tmp_path: Path) -> None:
    b = BundleBuilder(version=2)
    b.restore_job(VOL, "EBS", testing_plan="daily")  # a version 2 collector never called it
    root = b.build(tmp_path / "b")
    assert not list(root.rglob("backup.ListRestore*"))
    inv = load_inventory(read_bundle(root))
    assert inv.restore_jobs.empty and inv.protected_resources.empty
    assert set(services.optional_keys(2)) <= set(inv.not_collected)
