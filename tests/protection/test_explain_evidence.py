"""What ``explain`` says it could not read, which readings it applied, and why a bucket is unsupported.

Each test builds a bundle with :class:`BundleBuilder`, resolves it and explains one resource.
"""

from __future__ import annotations

from pathlib import Path

from auditor import services
from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.explain import Explanation, explain, render_text
from auditor.protection.patterns import LIST_OF_TAGS_READING, MISSING_KEY_READING
from auditor.protection.resolver import resolve
from tests.builders import DEFAULT_ACCOUNT, BundleBuilder

OTHER_REGION = "us-east-1"


def _explain(b: BundleBuilder, tmp_path: Path, arn: str) -> Explanation:
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    return explain(inv, resolve(inv), arn)


def test_missing_tag_listing_of_the_resources_type_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    b.error("dynamodb", "ListTagsOfResource")
    e = _explain(b, tmp_path, table)
    assert e.protected is None
    assert e.missing_operations == ("dynamodb.ListTagsOfResource",)
    assert (e.name, e.resource_type) == ("orders", "DynamoDB")


def test_parent_listing_counts_only_for_a_resource_that_has_parents(tmp_path: Path) -> None:
    b = BundleBuilder()
    vol = b.ebs_volume("vol-0data", attached_to="i-0web")
    alone = b.ebs_volume("vol-0alone")
    b.error("backup", "ListBackupSelections")
    b.error("ec2", "DescribeInstances")
    e = _explain(b, tmp_path, vol)
    assert e.missing_operations == ("backup.ListBackupSelections", "ec2.DescribeInstances")
    assert _explain(b, tmp_path / "alone", alone).missing_operations == ("backup.ListBackupSelections",)


def test_own_backup_signal_unread_is_per_account_region(tmp_path: Path) -> None:
    """DescribeContinuousBackups read in one Region says nothing of a table in another."""
    b = BundleBuilder()
    here = b.dynamodb_table("here")
    there = b.dynamodb_table("there", region=OTHER_REGION)
    b.error("dynamodb", "DescribeContinuousBackups", region=OTHER_REGION)
    assert _explain(b, tmp_path, here).own_backup_not_collected == ()
    e = _explain(b, tmp_path / "there", there)
    assert e.own_backup_not_collected == ("dynamodb.DescribeContinuousBackups",)
    assert "own backup not read: dynamodb.DescribeContinuousBackups not collected" in render_text(e)


def test_both_readings_are_named_when_both_decide(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders", tags={"backup": "yes"})
    pid = b.plan("daily")
    b.selection(pid, "not-scratch", conditions=[("StringNotEquals", "aws:ResourceTag/tier", "scratch")])
    b.selection(
        pid,
        "mix",
        resources=["arn:aws:dynamodb:*:*:table/*"],
        list_of_tags=[("backup", "yes")],
        conditions=[("StringEquals", "aws:ResourceTag/env", "prod")],
    )
    readings = _explain(b, tmp_path, table).readings
    assert MISSING_KEY_READING in readings and LIST_OF_TAGS_READING in readings


def test_bucket_without_versioning_is_unsupported_in_explain(tmp_path: Path) -> None:
    b = BundleBuilder()
    bucket = b.s3_bucket("logs", versioning="Suspended")
    b.selection(b.plan("daily"), "all-s3", resources=["arn:aws:s3:::*"])
    e = _explain(b, tmp_path, bucket)
    assert e.unsupported == "s3-versioning"
    assert e.protected is False
    assert e.account_id == DEFAULT_ACCOUNT


def test_a_kinds_readings_of_aws_docs_are_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    ns = b.redshift_serverless_namespace("analytics")
    readings = _explain(b, tmp_path, ns).readings
    assert set(services.kind_readings()["Redshift Serverless"]) <= set(readings)


def test_missing_key_reading_only_when_the_missing_key_alone_decides(tmp_path: Path) -> None:
    b = BundleBuilder()
    dev = b.dynamodb_table("dev", tags={"env": "dev", "backup": "no"})
    prod = b.dynamodb_table("prod", tags={"env": "prod", "backup": "no"})
    b.selection(
        b.plan("daily"),
        "prod-not-scratch",
        conditions=[
            ("StringNotEquals", "aws:ResourceTag/tier", "scratch"),
            ("StringEquals", "aws:ResourceTag/env", "prod"),
        ],
        list_of_tags=[("backup", "yes")],
    )
    # env=dev fails whatever the reading: the missing tier key decides nothing
    assert MISSING_KEY_READING not in _explain(b, tmp_path, dev).readings
    # env=prod holds: only the missing tier key keeps the selection from selecting it
    assert MISSING_KEY_READING in _explain(b, tmp_path / "prod", prod).readings
