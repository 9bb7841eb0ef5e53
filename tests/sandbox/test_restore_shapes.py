"""The restore testing, restore job, protected resource and Audit Manager operations the sandbox adds
(extensions/backup_restore.py), called over real HTTP with boto3 and checked against botocore's
output shape (parsed value and raw wire body)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError

from auditor.sandbox import Sandbox, start_sandbox
from auditor.sandbox.control import add_recovery_point, add_restore_job
from tests.sandbox.helpers import RecordingClient

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"
VOLUME = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


@pytest.fixture(scope="module")
def isolated() -> Iterator[Sandbox]:
    with start_sandbox(own_process=True) as running:
        yield running


def test_restore_testing_plans_and_selections(isolated: Sandbox) -> None:
    backup = RecordingClient(isolated.endpoint_url, "backup")
    backup.check(
        "CreateRestoreTestingPlan",
        RestoreTestingPlan={
            "RestoreTestingPlanName": "weekly",
            "ScheduleExpression": "cron(0 5 ? * SUN *)",
            "RecoveryPointSelection": {
                "Algorithm": "LATEST_WITHIN_WINDOW",
                "IncludeVaults": ["*"],
                "RecoveryPointTypes": ["SNAPSHOT"],
            },
        },
    )
    backup.check(
        "CreateRestoreTestingSelection",
        RestoreTestingPlanName="weekly",
        RestoreTestingSelection={
            "RestoreTestingSelectionName": "gold",
            "IamRoleArn": ROLE,
            "ProtectedResourceType": "EBS",
            "ProtectedResourceArns": ["*"],
            "ProtectedResourceConditions": {
                "StringEquals": [{"Key": "aws:ResourceTag/tier", "Value": "gold"}]
            },
        },
    )
    [plan] = backup.check("ListRestoreTestingPlans", MaxResults=10)["RestoreTestingPlans"]
    assert plan["RestoreTestingPlanName"] == "weekly"
    [listed] = backup.check("ListRestoreTestingSelections", RestoreTestingPlanName="weekly")[
        "RestoreTestingSelections"
    ]
    assert "ProtectedResourceConditions" not in listed
    got = backup.check(
        "GetRestoreTestingSelection", RestoreTestingPlanName="weekly", RestoreTestingSelectionName="gold"
    )["RestoreTestingSelection"]
    assert got["ProtectedResourceConditions"]["StringEquals"] == [
        {"Key": "aws:ResourceTag/tier", "Value": "gold"}
    ]
    with pytest.raises(ClientError) as missing:
        backup.client.get_restore_testing_selection(
            RestoreTestingPlanName="weekly", RestoreTestingSelectionName="nope"
        )
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_restore_jobs_and_protected_resources(isolated: Sandbox) -> None:
    backup = RecordingClient(isolated.endpoint_url, "backup")
    backup.client.create_backup_vault(BackupVaultName="restore-shapes")
    backup.check(
        "CreateRestoreTestingPlan",
        RestoreTestingPlan={
            "RestoreTestingPlanName": "daily",
            "ScheduleExpression": "cron(0 6 ? * * *)",
            "RecoveryPointSelection": {"Algorithm": "RANDOM_WITHIN_WINDOW", "IncludeVaults": ["*"]},
        },
    )
    url, account, region = isolated.endpoint_url, "123456789012", "us-east-1"
    add_recovery_point(
        url, account_id=account, region=region, vault_name="restore-shapes", resource_arn=VOLUME
    )
    add_recovery_point(
        url, account_id=account, region=region, vault_name="restore-shapes", resource_arn=TABLE
    )
    now = datetime.now(tz=UTC)
    add_restore_job(
        url,
        account_id=account,
        region=region,
        resource_arn=VOLUME,
        testing_plan="daily",
        creation_date=now - timedelta(days=2),
        minutes=30,
    )
    add_restore_job(
        url,
        account_id=account,
        region=region,
        resource_arn=VOLUME,
        testing_plan="daily",
        creation_date=now - timedelta(days=1),
        minutes=95,
    )
    add_restore_job(
        url,
        account_id=account,
        region=region,
        resource_arn=TABLE,
        status="FAILED",
        status_message="Restore failed: table exists",
        creation_date=now - timedelta(hours=3),
    )
    jobs = backup.check("ListRestoreJobs", ByCreatedAfter=now - timedelta(days=14), MaxResults=2)
    assert len(jobs["RestoreJobs"]) == 2 and "NextToken" in jobs
    every = backup.check("ListRestoreJobs", ByCreatedAfter=now - timedelta(days=14))["RestoreJobs"]
    assert [j["Status"] for j in every] == ["FAILED", "COMPLETED", "COMPLETED"]
    assert every[1]["CreatedBy"]["RestoreTestingPlanArn"].startswith("arn:aws:backup:us-east-1:")
    listed = backup.check("ListProtectedResources")["Results"]
    assert {r["ResourceArn"] for r in listed} >= {VOLUME, TABLE}
    described = backup.check("DescribeProtectedResource", ResourceArn=VOLUME)
    assert described["LatestRestoreExecutionTimeMinutes"] == 95
    assert "LatestRestoreExecutionTimeMinutes" not in backup.check(
        "DescribeProtectedResource", ResourceArn=TABLE
    )
    with pytest.raises(ClientError) as missing:
        backup.client.describe_protected_resource(ResourceArn=VOLUME.replace("0123", "9999"))
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_frameworks_and_report_plans(isolated: Sandbox) -> None:
    backup = RecordingClient(isolated.endpoint_url, "backup")
    backup.check(
        "CreateFramework",
        FrameworkName="org_controls",
        FrameworkControls=[
            {
                "ControlName": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
                "ControlInputParameters": [{"ParameterName": "minRetentionDays", "ParameterValue": "7"}],
                "ControlScope": {"ComplianceResourceTypes": ["EBS"]},
            }
        ],
    )
    [listed] = backup.check("ListFrameworks", MaxResults=1000)["Frameworks"]
    assert listed["NumberOfControls"] == 1
    framework = backup.check("DescribeFramework", FrameworkName="org_controls")
    assert (
        framework["FrameworkControls"][0]["ControlName"] == "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK"
    )
    backup.check("ListReportPlans", MaxResults=1000)
