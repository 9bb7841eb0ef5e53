"""Amazon S3 buckets: account-wide listing, Region attribution, versioning, lifecycle; old bundles."""

from __future__ import annotations

import math
from pathlib import Path
from typing import cast

import pytest

from auditor import services
from auditor.evaluate import evaluate_bundle
from auditor.evidence import Call, read_bundle
from auditor.model.frames import load_inventory
from auditor.not_evaluated import NOT_COLLECTED
from auditor.services.s3 import bucket_region
from tests.builders import BundleBuilder

A = "111111111111"


@pytest.mark.parametrize(
    ("location", "region"),
    [(None, "us-east-1"), ("", "us-east-1"), ("EU", "eu-west-1"), ("ap-south-1", "ap-south-1")],
)
def test_bucket_region_reads_null_and_eu_as_aws_documents(location: str | None, region: str) -> None:
    assert bucket_region(location) == region


def _two_regions() -> BundleBuilder:
    b = BundleBuilder()
    b.account(A, ["eu-west-1", "us-east-1"])
    return b


def test_buckets_are_listed_once_per_account_and_land_in_their_own_region(tmp_path: Path) -> None:
    b = _two_regions()
    b.s3_bucket("logs", tags={"team": "ops"}, noncurrent_days=30)
    b.s3_bucket("legacy", location="EU", versioning="Suspended")
    b.s3_bucket("raw", region="us-east-1", versioning=None)
    # Listed by the account but in a Region this run does not audit: not a resource.
    listed = [
        {"Name": "logs", "BucketRegion": "eu-west-1"},
        {"Name": "far", "BucketRegion": "ap-south-1"},
        {"Name": "legacy", "BucketRegion": "EU"},
        {"Name": "raw"},  # no BucketRegion: us-east-1
    ]
    b.raw_calls("s3", "ListBuckets", [Call({}, {"Buckets": listed})])
    root = b.build(tmp_path / "b")
    assert sorted(p.parent.name for p in root.rglob("s3.ListBuckets.json")) == ["eu-west-1"]
    inv = load_inventory(read_bundle(root))
    s3 = inv.resources[inv.resources["resource_type"] == "S3"].set_index("arn")
    assert sorted(s3.index) == ["arn:aws:s3:::legacy", "arn:aws:s3:::logs", "arn:aws:s3:::raw"]
    assert s3.loc["arn:aws:s3:::logs", "region"] == "eu-west-1"
    assert s3.loc["arn:aws:s3:::legacy", "region"] == "eu-west-1"
    assert s3.loc["arn:aws:s3:::raw", "region"] == "us-east-1"
    assert s3.loc["arn:aws:s3:::logs", "tags"] == {"team": "ops"}
    assert s3.loc["arn:aws:s3:::raw", "tags"] == {}
    assert list(s3["versioning"]) == ["Enabled", "Suspended", "Disabled"]
    assert s3.loc["arn:aws:s3:::logs", "noncurrent_expiration_days"] == 30
    assert math.isnan(cast(float, s3.loc["arn:aws:s3:::legacy", "noncurrent_expiration_days"]))
    # The account-wide coverage holds in both regions.
    cov = inv.coverage[inv.coverage["operation"] == "s3.ListBuckets"]
    assert sorted(cov["region"]) == ["eu-west-1", "us-east-1"] and cov["collected"].all()


def test_a_failed_listing_leaves_every_region_of_the_account_partial_for_s3(tmp_path: Path) -> None:
    b = _two_regions()
    b.error("s3", "ListBuckets", code="AccessDenied", region="eu-west-1")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    assert {c.region: c.status for c in result.coverage} == {"eu-west-1": "partial", "us-east-1": "partial"}
    assert all("s3.ListBuckets" in c.missing for c in result.coverage)
    assert any(f.rule_id == "BKP-090" for f in result.findings)


def test_lifecycle_rules_count_only_when_enabled_and_expiring_noncurrent_versions(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.s3_bucket(
        "media",
        lifecycle_rules=[
            {"ID": "off", "Status": "Disabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 5}},
            {"ID": "current", "Status": "Enabled", "Expiration": {"Days": 90}},
            {"ID": "long", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 60}},
            {"ID": "short", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 14}},
        ],
    )
    b.s3_bucket(
        "archive", lifecycle_rules=[{"ID": "current", "Status": "Enabled", "Expiration": {"Days": 9}}]
    )
    inv = load_inventory(read_bundle(b.build(tmp_path / "b")))
    days = dict(zip(inv.resources["arn"], inv.resources["noncurrent_expiration_days"], strict=True))
    assert days["arn:aws:s3:::media"] == 14
    assert math.isnan(days["arn:aws:s3:::archive"])


def test_a_version_1_bundle_says_s3_was_not_collected_and_is_neither_partial_nor_protected(
    tmp_path: Path,
) -> None:
    b = BundleBuilder(version=1)
    b.account(A, ["eu-west-1", "us-east-1"])
    b.s3_bucket("logs")  # a version 1 collector never called S3: nothing of it is written
    plan = b.plan("daily")
    b.selection(plan, "all-s3", resources=["arn:aws:s3:::*"])
    root = b.build(tmp_path / "b")
    assert not list(root.rglob("s3.*"))
    bundle = read_bundle(root)
    assert bundle.manifest.version == 1
    inv = load_inventory(bundle)
    assert tuple(k for k in inv.not_collected if k.startswith("s3.")) == (
        "s3.ListBuckets",
        "s3.GetBucketTagging",
        "s3.GetBucketVersioning",
        "s3.GetBucketLifecycleConfiguration",
    )
    organization = {op.key for op in services.ORGANIZATION_OPERATIONS if not services.expected(op, 1)}
    assert set(inv.not_collected) == set(services.optional_keys(1)) | organization
    result = evaluate_bundle(bundle)
    assert {c.status for c in result.coverage} == {"audited"}
    assert not [f for f in result.findings if f.rule_id in ("BKP-090", "BKP-015", "BKP-016")]
    assert not [r for r in result.resources if r["resource_type"] == "S3"]
    s3 = [e for e in result.summary["not_evaluated"] if e["resource_type"] == "S3"]
    assert s3 == [
        {
            "resource_type": "S3",
            "why": NOT_COLLECTED,
            "operations": ["s3.ListBuckets"],
            "listed_in_account_regions": 2,
            "opted_in_account_regions": 2,
        }
    ]


def test_a_version_2_bundle_without_s3_files_is_partial(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.omit("s3", "ListBuckets")
    result = evaluate_bundle(read_bundle(b.build(tmp_path / "b")))
    assert [c.status for c in result.coverage] == ["partial"]
    assert "s3.ListBuckets" in result.coverage[0].missing
    assert not [e for e in result.summary["not_evaluated"] if e["resource_type"] == "S3"]
