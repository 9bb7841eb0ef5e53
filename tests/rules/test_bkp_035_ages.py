"""BKP-035 (last recovery point too old) from its documented semantics: the newest COMPLETED
recovery point in the resource's own account and Region (or its EC2 instance's, for an attached
volume) against the allowed age, and the oldest protecting plan when there is none. See the rule's
docstring and https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html
("Last recovery point was created")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from auditor.controls import Control, Controls, ControlScope, Duration, RecoveryPointAgeParams
from auditor.evidence import read_bundle
from auditor.model.results import Finding
from auditor.rules._common import flag
from auditor.rules.base import RuleSettings
from auditor.rules.bkp_035_last_recovery_point_too_old import LastRecoveryPointTooOld
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_context, rule_findings

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WHERE = f"(account {DEFAULT_ACCOUNT}, {DEFAULT_REGION})"


def _found(b: BundleBuilder, tmp_path: Path, control: Control[Any] | None = None) -> list[Finding]:
    settings = RuleSettings(controls=replace(Controls(), bkp_035=control or Controls().bkp_035))
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-035", settings)


def _by_arn(found: list[Finding]) -> dict[str | None, Finding]:
    return {f.resource_arn: f for f in found}


def test_a_stale_recovery_point_finding_says_how_old_and_what_is_allowed(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0old")
    b.selection(b.plan("daily", created=COLLECTED_AT - 100 * DAY), "files", resources=[fs])
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - 30 * HOUR - timedelta(minutes=18))
    (finding,) = _found(b, tmp_path)
    assert (finding.account_id, finding.region, finding.resource_type) == (
        DEFAULT_ACCOUNT,
        DEFAULT_REGION,
        "EFS",
    )
    assert finding.message == (
        f"EFS {fs} {WHERE} has its newest completed recovery point 30.3 hours old (allowed: 1 day)."
    )
    assert finding.details["age_hours"] == 30.3
    assert finding.details["max_age_hours"] == 24
    assert (
        finding.details["newest_recovery_point"]
        == (COLLECTED_AT - 30 * HOUR - timedelta(minutes=18)).isoformat()
    )
    assert finding.details["oldest_protecting_plan"] == "daily"
    assert finding.details["plan_created"] == (COLLECTED_AT - 100 * DAY).isoformat()
    assert finding.details["scope"] == "all"


def test_no_recovery_point_under_an_old_plan_names_the_plan(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.selection(b.plan("weekly", created=COLLECTED_AT - 10 * DAY), "tables", resources=[table])
    (finding,) = _found(b, tmp_path, Control(RecoveryPointAgeParams(Duration(12, "hours"))))
    assert finding.message == (
        f"DynamoDB {table} {WHERE} has no completed recovery point, while plan weekly protecting it "
        "is older than 12 hours."
    )
    assert finding.details["newest_recovery_point"] is None and finding.details["age_hours"] is None
    assert finding.details["max_age_hours"] == 12
    assert finding.details["plan_created"] == (COLLECTED_AT - 10 * DAY).isoformat()


def test_only_completed_recovery_points_count(tmp_path: Path) -> None:
    """A newer recovery point that is not COMPLETED (failed, partial, expired) is no restore point
    inside the objective: the age is the newest COMPLETED one's."""
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    table = b.dynamodb_table("t")
    b.selection(b.plan("daily"), "all", resources=[fs, table])
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - 3 * DAY)
    b.recovery_point(fs, "EFS", status="FAILED", created=COLLECTED_AT - HOUR)
    b.recovery_point(fs, "EFS", status="PARTIAL", created=COLLECTED_AT - 2 * HOUR)
    b.recovery_point(table, "DynamoDB", status="EXPIRED", created=COLLECTED_AT - HOUR)
    found = _by_arn(_found(b, tmp_path))
    assert sorted(found, key=str) == sorted([fs, table])
    assert found[fs].details["age_hours"] == 72.0
    assert found[table].details["age_hours"] is None


def test_the_newest_completed_recovery_point_decides(tmp_path: Path) -> None:
    b = BundleBuilder()
    fresh = b.efs("fs-0fresh")
    stale = b.efs("fs-0stale")
    b.selection(b.plan("daily"), "all", resources=[fresh, stale])
    for arn, ages in ((fresh, (5 * DAY, 2 * HOUR, 3 * DAY)), (stale, (4 * DAY, 2 * DAY))):
        for age in ages:
            b.recovery_point(arn, "EFS", created=COLLECTED_AT - age)
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == stale and finding.details["age_hours"] == 48.0


def test_the_allowed_age_is_inclusive(tmp_path: Path) -> None:
    """Reported when created *longer* ago than the allowed age: exactly that age still passes, for
    the recovery point and for the plan of a resource that has none."""
    b = BundleBuilder()
    at_limit = b.efs("fs-0limit")
    past_limit = b.efs("fs-0past")
    table = b.dynamodb_table("young")
    b.selection(b.plan("daily"), "files", resources=[at_limit, past_limit])
    b.selection(b.plan("new", created=COLLECTED_AT - DAY), "tables", resources=[table])
    b.recovery_point(at_limit, "EFS", created=COLLECTED_AT - DAY)
    b.recovery_point(past_limit, "EFS", created=COLLECTED_AT - DAY - timedelta(seconds=36))
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == past_limit and finding.details["age_hours"] == 24.01
    b.selection(b.plan("older", created=COLLECTED_AT - DAY - HOUR), "tables", resources=[table])
    assert sorted(f.resource_arn or "" for f in _found(b, tmp_path / "older")) == sorted([past_limit, table])


def test_only_recovery_points_in_the_resources_own_account_and_region_count(tmp_path: Path) -> None:
    """A copy in another Region or account keeps the source's ResourceArn
    (ListRecoveryPointsByBackupVault): it is not the resource's own backup."""
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, "us-east-1"])
    b.account("222222222222", [DEFAULT_REGION])
    fs = b.efs("fs-0home")
    b.selection(b.plan("daily"), "files", resources=[fs])
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - 3 * DAY)
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - HOUR, region="us-east-1")
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - HOUR, account_id="222222222222")
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == fs and finding.details["age_hours"] == 72.0


def test_the_oldest_protecting_plan_decides_and_is_named(tmp_path: Path) -> None:
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    b.selection(b.plan("new", created=COLLECTED_AT - HOUR), "a", resources=[table])
    b.selection(b.plan("old", created=COLLECTED_AT - 40 * DAY), "b", resources=[table])
    b.selection(b.plan("middle", created=COLLECTED_AT - 5 * DAY), "c", resources=[table])
    (finding,) = _found(b, tmp_path)
    assert finding.details["oldest_protecting_plan"] == "old"
    assert finding.details["plan_created"] == (COLLECTED_AT - 40 * DAY).isoformat()
    assert "while plan old protecting it" in finding.message


def test_an_attached_volume_counts_the_newer_of_its_own_and_its_instances(tmp_path: Path) -> None:
    b = BundleBuilder()
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0data", attached_to="i-0app")
    b.selection(b.plan("daily"), "by-arn", resources=[instance])
    b.recovery_point(instance, "EC2", created=COLLECTED_AT - 30 * HOUR)
    b.recovery_point(volume, "EBS", created=COLLECTED_AT - 50 * HOUR)
    found = _by_arn(_found(b, tmp_path))
    assert found[volume].details["age_hours"] == 30.0, "the instance's recovery point is newer"
    assert found[instance].details["age_hours"] == 30.0
    b.recovery_point(volume, "EBS", created=COLLECTED_AT - 26 * HOUR)
    found = _by_arn(_found(b, tmp_path / "own"))
    assert found[volume].details["age_hours"] == 26.0, "now the volume's own recovery point is newer"
    b.recovery_point(instance, "EC2", created=COLLECTED_AT - 2 * HOUR)
    assert _found(b, tmp_path / "fresh") == [], "the instance's fresh recovery point covers its volume"


def test_a_volume_recovery_point_does_not_cover_its_instance(tmp_path: Path) -> None:
    b = BundleBuilder()
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0data", attached_to="i-0app")
    b.selection(b.plan("daily"), "by-arn", resources=[instance])
    b.recovery_point(volume, "EBS", created=COLLECTED_AT - 2 * HOUR)
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == instance and finding.details["age_hours"] is None


def test_findings_come_in_account_region_arn_order(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, "ap-south-1"])
    b.account("000000000009", [DEFAULT_REGION])
    made = []
    for account, region, name in (
        (DEFAULT_ACCOUNT, DEFAULT_REGION, "fs-0b"),
        (DEFAULT_ACCOUNT, DEFAULT_REGION, "fs-0a"),
        (DEFAULT_ACCOUNT, "ap-south-1", "fs-0z"),
        ("000000000009", DEFAULT_REGION, "fs-0y"),
    ):
        fs = b.efs(name, account_id=account, region=region)
        b.selection(
            b.plan(f"p-{name}", account_id=account, region=region),
            "s",
            resources=[fs],
            account_id=account,
            region=region,
        )
        made.append((account, region, fs))
    found = _found(b, tmp_path)
    assert [(f.account_id, f.region, f.resource_arn) for f in found] == sorted(made)


def test_only_resources_without_a_recent_completed_point_are_aged(tmp_path: Path) -> None:
    """``_not_fresh`` (what ``_ages`` reads): the protected resources without a COMPLETED recovery
    point of their own, or of the EC2 instance they are backed up with, created at the cutoff or
    later; every other one is fresh and cannot be stale."""
    b = BundleBuilder()
    fresh, stale, failed, bare, at_cutoff = (
        b.efs(f"fs-0{n}") for n in ("fresh", "stale", "failed", "bare", "cutoff")
    )
    b.selection(b.plan("daily"), "files", resources=[fresh, stale, failed, bare, at_cutoff])
    new_instance, old_instance = b.ec2_instance("i-0new"), b.ec2_instance("i-0old")
    b.ebs_volume("vol-0new", attached_to="i-0new")
    old_volume = b.ebs_volume("vol-0old", attached_to="i-0old")
    b.selection(b.plan("servers"), "by-arn", resources=[new_instance, old_instance])
    for arn, rtype, age in (
        (new_instance, "EC2", 2 * HOUR),
        (old_instance, "EC2", 3 * DAY),
        (fresh, "EFS", 2 * HOUR),
        (stale, "EFS", 3 * DAY),
        (at_cutoff, "EFS", DAY),
    ):
        b.recovery_point(arn, rtype, created=COLLECTED_AT - age)
    b.recovery_point(failed, "EFS", status="FAILED", created=COLLECTED_AT - HOUR)
    ctx = rule_context(read_bundle(b.build(tmp_path / "bundle")))
    verdicts = ctx.protection.verdicts
    protected = verdicts[flag(verdicts["protected"])][["account_id", "region", "arn", "resource_type"]]
    cutoff = pd.Timestamp(COLLECTED_AT - DAY)
    kept = LastRecoveryPointTooOld._not_fresh(ctx, protected, cutoff)
    assert sorted(kept["arn"]) == sorted([stale, failed, bare, old_instance, old_volume])
    assert LastRecoveryPointTooOld._not_fresh(ctx, protected.iloc[:0], cutoff).empty


def test_a_stack_member_is_judged_on_its_own_nested_recovery_point(tmp_path: Path) -> None:
    """A stack backup is a composite recovery point (the stack's ARN) with a nested recovery point
    of each supported resource (its own ARN):
    https://docs.aws.amazon.com/aws-backup/latest/devguide/applicationstackbackups.html. A
    resource protected through its stack is fresh only by its own nested recovery point."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    stack = b.cloudformation_stack(
        "orders-app", tags={"backup": "daily"}, resources=[("AWS::DynamoDB::Table", "orders")]
    )
    b.selection(b.plan("daily"), "tagged", list_of_tags=[("backup", "daily")])
    b.recovery_point(stack, "CloudFormation", created=COLLECTED_AT - 2 * HOUR)
    b.recovery_point(table, "DynamoDB", created=COLLECTED_AT - 3 * DAY)
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == table and finding.details["age_hours"] == 72.0
    b.recovery_point(table, "DynamoDB", created=COLLECTED_AT - 2 * HOUR)
    assert _found(b, tmp_path / "nested") == []


def test_a_recovery_point_of_unknown_creation_proves_nothing(tmp_path: Path) -> None:
    """A COMPLETED recovery point without ``CreationDate`` (optional in botocore's
    ``RecoveryPointByBackupVault``) does not make its resource fresh."""
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    b.selection(b.plan("daily"), "files", resources=[fs])
    b.recovery_point(fs, "EFS", CreationDate=None)
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == fs and finding.details["age_hours"] is None


def test_the_age_is_in_hours_rounded_to_two_decimals(tmp_path: Path) -> None:
    b = BundleBuilder()
    fs = b.efs("fs-0a")
    b.selection(b.plan("daily"), "files", resources=[fs])
    b.recovery_point(fs, "EFS", created=COLLECTED_AT - timedelta(hours=50, minutes=20, seconds=10))
    (finding,) = _found(b, tmp_path)
    assert finding.details["age_hours"] == 50.34
    assert "has its newest completed recovery point 50.34 hours old (allowed: 1 day)." in finding.message


def test_a_tag_scope_judges_only_the_resources_with_the_tag(tmp_path: Path) -> None:
    """``[controls.BKP-035] tag-key / tag-value``: Audit Manager's control scope by tag."""
    b = BundleBuilder()
    prod = b.efs("fs-0prod", tags={"Env": "prod"})
    dev = b.efs("fs-0dev", tags={"Env": "dev"})
    b.selection(b.plan("daily"), "files", resources=[prod, dev])
    prod_only = Control(RecoveryPointAgeParams(), scope=ControlScope(tag_key="Env", tag_value="prod"))
    (finding,) = _found(b, tmp_path, prod_only)
    assert finding.resource_arn == prod and finding.details["scope"] == "tag Env=prod"
