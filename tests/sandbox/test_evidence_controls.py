"""Sandbox control actions BKP-091's demo needs, over real HTTP: a selection backdated (no AWS API
sets ``CreationDate``) and a backup job that ran under an earlier plan version; the answers keep
botocore's output shapes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from auditor.sandbox import Sandbox, start_sandbox
from auditor.sandbox.control import ControlError, add_backup_job, set_selection_creation_date
from tests.sandbox.helpers import RecordingClient

ACCOUNT = "123456789012"  # the sandbox's default credentials
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
REGION = "eu-west-1"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """Its own sandbox: the session's holds the demo organization, which this must not change."""
    with start_sandbox(own_process=True) as running:
        yield running


def test_backdated_selection_and_a_job_of_an_earlier_plan_version(sandbox: Sandbox) -> None:
    backup = RecordingClient(sandbox.endpoint_url, "backup", REGION)
    backup.check("CreateBackupVault", BackupVaultName="evidence-vault")
    plan = backup.check(
        "CreateBackupPlan",
        BackupPlan={
            "BackupPlanName": "evidence-plan",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "evidence-vault",
                    "ScheduleExpression": "cron(0 5 ? * * *)",
                }
            ],
        },
    )
    pid = plan["BackupPlanId"]
    sel = backup.check(
        "CreateBackupSelection",
        BackupPlanId=pid,
        BackupSelection={"SelectionName": "by-arn", "IamRoleArn": ROLE, "Resources": ["*"]},
    )
    when = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    set_selection_creation_date(
        sandbox.endpoint_url,
        account_id=ACCOUNT,
        region=REGION,
        plan_id=pid,
        selection_id=sel["SelectionId"],
        creation_date=when,
    )
    got = backup.check("GetBackupSelection", BackupPlanId=pid, SelectionId=sel["SelectionId"])
    assert got["CreationDate"] == when
    [listed] = backup.check("ListBackupSelections", BackupPlanId=pid)["BackupSelectionsList"]
    assert listed["CreationDate"] == when
    with pytest.raises(ControlError, match="not found"):
        set_selection_creation_date(
            sandbox.endpoint_url,
            account_id=ACCOUNT,
            region=REGION,
            plan_id=pid,
            selection_id="nope",
            creation_date=when,
        )
    table = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/evidence"
    old = add_backup_job(
        sandbox.endpoint_url,
        account_id=ACCOUNT,
        region=REGION,
        vault_name="evidence-vault",
        resource_arn=table,
        state="COMPLETED",
        plan_id=pid,
        plan_version="an-earlier-version",
    )
    current = add_backup_job(
        sandbox.endpoint_url,
        account_id=ACCOUNT,
        region=REGION,
        vault_name="evidence-vault",
        resource_arn=table,
        plan_id=pid,
    )
    jobs = {j["BackupJobId"]: j for j in backup.check("ListBackupJobs", ByResourceArn=table)["BackupJobs"]}
    version = backup.check("GetBackupPlan", BackupPlanId=pid)["VersionId"]
    assert jobs[old]["CreatedBy"]["BackupPlanVersion"] == "an-earlier-version"
    assert jobs[current]["CreatedBy"]["BackupPlanVersion"] == version
    rule_id = backup.check("GetBackupPlan", BackupPlanId=pid)["BackupPlan"]["Rules"][0]["RuleId"]
    assert jobs[old]["CreatedBy"]["BackupRuleId"] == rule_id
