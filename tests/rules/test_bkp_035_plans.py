"""BKP-035 (last recovery point too old) on unusual but loadable bundles: a plan key listed twice,
a selection of a plan ``ListBackupPlans`` does not list, and recovery points of an EBS volume's EC2
instance kept in another account or Region. See the rule's docstring and
https://docs.aws.amazon.com/aws-backup/latest/devguide/controls-and-remediation.html ("Last
recovery point was created")."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.evidence import Call, read_bundle
from auditor.model.results import Finding
from tests.builders import COLLECTED_AT, DEFAULT_ACCOUNT, DEFAULT_REGION, BundleBuilder
from tests.rules.one_rule import rule_findings

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WHERE = f"(account {DEFAULT_ACCOUNT}, {DEFAULT_REGION})"
OTHER_ACCOUNT = "222222222222"
OTHER_REGION = "us-east-1"


def _found(b: BundleBuilder, tmp_path: Path) -> list[Finding]:
    return rule_findings(read_bundle(b.build(tmp_path / "bundle")), "BKP-035")


def _listed(plan_id: str, name: str, created: datetime) -> dict[str, Any]:
    """A ``BackupPlansList`` entry of ListBackupPlans."""
    return {
        "BackupPlanArn": f"arn:aws:backup:{DEFAULT_REGION}:{DEFAULT_ACCOUNT}:backup-plan:{plan_id}",
        "BackupPlanId": plan_id,
        "CreationDate": created,
        "VersionId": f"v-{plan_id}",
        "BackupPlanName": name,
    }


def test_a_plan_listed_twice_counts_its_oldest_listing(tmp_path: Path) -> None:
    """A plan key on two ``ListBackupPlans`` rows (two pages listing the same plan) gives the
    resource one candidate plan per row: the older creation date decides, with its row's name."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    pid = "p-twice"
    b.plan("orders", plan_id=pid, created=COLLECTED_AT - HOUR)
    b.selection(pid, "tables", resources=[table])
    b.raw_calls(
        "backup",
        "ListBackupPlans",
        [
            Call(
                {}, {"BackupPlansList": [_listed(pid, "orders-now", COLLECTED_AT - HOUR)], "NextToken": "2"}
            ),
            Call(
                {"NextToken": "2"},
                {"BackupPlansList": [_listed(pid, "orders-before", COLLECTED_AT - 40 * DAY)]},
            ),
        ],
    )
    (finding,) = _found(b, tmp_path)
    assert finding.resource_arn == table
    assert finding.details["oldest_protecting_plan"] == "orders-before"
    assert finding.details["plan_created"] == (COLLECTED_AT - 40 * DAY).isoformat()
    assert "while plan orders-before protecting it is older than 1 day" in finding.message


def _unlisted_plan_bundle(listed: bool) -> tuple[BundleBuilder, str]:
    """A DynamoDB table selected by a plan that ListBackupPlans does not list (its selections
    and GetBackupPlan are in the bundle); with ``listed``, a young plan that is listed selects an
    EFS file system."""
    b = BundleBuilder()
    table = b.dynamodb_table("orders")
    hidden = b.plan("hidden", created=COLLECTED_AT - 40 * DAY)
    b.selection(hidden, "tables", resources=[table])
    shown: list[dict[str, Any]] = []
    if listed:
        fs = b.efs("fs-0young")
        young = b.plan("young", created=COLLECTED_AT - HOUR)
        b.selection(young, "files", resources=[fs])
        shown.append(_listed(young, "young", COLLECTED_AT - HOUR))
    b.raw_calls("backup", "ListBackupPlans", [Call({}, {"BackupPlansList": shown})])
    return b, table


def _assert_unknown_plan_finding(found: list[Finding], table: str) -> None:
    (finding,) = found
    assert finding.resource_arn == table
    assert finding.message == (
        f"DynamoDB {table} {WHERE} has no completed recovery point, while its plan protecting it "
        "is older than 1 day."
    )
    assert finding.details["oldest_protecting_plan"] is None
    assert finding.details["plan_created"] is None
    assert finding.details["age_hours"] is None


def test_a_plan_not_listed_has_no_name_nor_creation_date(tmp_path: Path) -> None:
    """A plan without a ListBackupPlans row has no known creation date, so nothing says it is too
    young to have run: its resource without a recovery point is reported, naming no plan."""
    b, table = _unlisted_plan_bundle(listed=True)
    _assert_unknown_plan_finding(_found(b, tmp_path), table)


def test_a_plan_not_listed_when_no_plan_is_listed_at_all(tmp_path: Path) -> None:
    """The same when ListBackupPlans lists no plan anywhere (the plans frame is empty): no rule
    error."""
    b, table = _unlisted_plan_bundle(listed=False)
    _assert_unknown_plan_finding(_found(b, tmp_path), table)


def test_an_instance_recovery_point_in_another_account_or_region_does_not_cover_its_volume(
    tmp_path: Path,
) -> None:
    """A copy keeps its source's ``ResourceArn`` (ListRecoveryPointsByBackupVault): a recent copy of
    the instance's recovery point in another account or Region is not the instance's own backup,
    so it makes neither the instance nor its attached volume fresh."""
    b = BundleBuilder()
    b.account(DEFAULT_ACCOUNT, [DEFAULT_REGION, OTHER_REGION])
    b.account(OTHER_ACCOUNT, [DEFAULT_REGION])
    instance = b.ec2_instance("i-0app")
    volume = b.ebs_volume("vol-0data", attached_to="i-0app")
    b.selection(b.plan("daily"), "by-arn", resources=[instance])
    b.recovery_point(instance, "EC2", created=COLLECTED_AT - 3 * DAY)
    b.recovery_point(instance, "EC2", created=COLLECTED_AT - HOUR, region=OTHER_REGION)
    b.recovery_point(instance, "EC2", created=COLLECTED_AT - HOUR, account_id=OTHER_ACCOUNT)
    found = {f.resource_arn: f for f in _found(b, tmp_path)}
    assert sorted(found, key=str) == sorted([instance, volume])
    assert found[volume].details["age_hours"] == 72.0
    assert found[instance].details["age_hours"] == 72.0
