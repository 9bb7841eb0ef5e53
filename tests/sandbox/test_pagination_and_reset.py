"""Each listing the sandbox adds paginates for real; reset clears what the sandbox adds."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from auditor.sandbox import Sandbox, start_sandbox
from auditor.sandbox.control import ControlError, add_backup_job, add_recovery_point
from tests.sandbox.helpers import RecordingClient

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole"
N = 5


@pytest.fixture(scope="module")
def isolated() -> Iterator[Sandbox]:
    with start_sandbox(own_process=True) as running:
        yield running


def _pages(client: RecordingClient, operation: str, key: str, **params: Any) -> list[list[Any]]:
    """Every page of ``operation`` at page size 2, each page's shape checked."""
    pages: list[list[Any]] = []
    token: str | None = None
    page_param = "MaxResults"
    while True:
        request = {**params, page_param: 2}
        if token:
            request["NextToken"] = token
        answer = client.check(operation, **request)
        pages.append(answer[key])
        token = answer.get("NextToken")
        if not token:
            return pages
        assert len(pages) < 50, "pagination does not end"


def _assert_paginates(pages: list[list[Any]], identity: Callable[[Any], str], total: int) -> None:
    assert len(pages) == (total + 1) // 2, [len(p) for p in pages]
    assert all(len(page) == 2 for page in pages[:-1])
    ids = [identity(item) for page in pages for item in page]
    assert len(ids) == total and len(set(ids)) == total


def test_backup_listings_paginate(isolated: Sandbox) -> None:
    backup = RecordingClient(isolated.endpoint_url, "backup", "eu-west-1")
    for i in range(N - 1):
        backup.client.create_backup_vault(BackupVaultName=f"more-{i}")
    backup.client.create_backup_vault(BackupVaultName="pages")
    vaults = _pages(backup, "ListBackupVaults", "BackupVaultList")
    _assert_paginates(vaults, lambda v: v["BackupVaultArn"], N)
    assert all(v["EncryptionKeyArn"].startswith("arn:aws:kms:eu-west-1:") for page in vaults for v in page)
    plan_ids = [
        backup.client.create_backup_plan(
            BackupPlan={
                "BackupPlanName": f"plan-{i}",
                "Rules": [{"RuleName": "r", "TargetBackupVaultName": "pages"}],
            }
        )["BackupPlanId"]
        for i in range(N)
    ]
    _assert_paginates(_pages(backup, "ListBackupPlans", "BackupPlansList"), lambda p: p["BackupPlanId"], N)
    for i in range(N):
        backup.client.create_backup_selection(
            BackupPlanId=plan_ids[0],
            BackupSelection={"SelectionName": f"s{i}", "IamRoleArn": ROLE, "Resources": ["*"]},
        )
    pages = _pages(backup, "ListBackupSelections", "BackupSelectionsList", BackupPlanId=plan_ids[0])
    _assert_paginates(pages, lambda s: s["SelectionId"], N)
    now = datetime.now(tz=UTC)
    for i in range(N):
        resource = f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t{i}"
        add_recovery_point(
            isolated.endpoint_url,
            account_id=ACCOUNT,
            region="eu-west-1",
            vault_name="pages",
            resource_arn=resource,
            creation_date=now - timedelta(hours=i),
        )
        add_backup_job(
            isolated.endpoint_url,
            account_id=ACCOUNT,
            region="eu-west-1",
            vault_name="pages",
            resource_arn=resource,
            state="COMPLETED",
            creation_date=now - timedelta(hours=i),
        )
    pages = _pages(backup, "ListRecoveryPointsByBackupVault", "RecoveryPoints", BackupVaultName="pages")
    _assert_paginates(pages, lambda p: p["RecoveryPointArn"], N)
    pages = _pages(backup, "ListBackupJobs", "BackupJobs", ByCreatedAfter=now - timedelta(days=14))
    _assert_paginates(pages, lambda j: j["BackupJobId"], N)
    window = backup.check("ListBackupJobs", ByCreatedAfter=now - timedelta(hours=2, minutes=30))
    assert len(window["BackupJobs"]) == 3  # created 0, 1 and 2 hours ago
    with pytest.raises(ClientError) as bad:
        backup.client.list_backup_plans(NextToken="not-a-token")
    assert bad.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_timestream_and_redshift_serverless_listings_paginate(isolated: Sandbox) -> None:
    timestream = RecordingClient(isolated.endpoint_url, "timestream-write", "eu-west-1")
    for i in range(N):
        timestream.client.create_database(DatabaseName=f"db-{i}")
        timestream.client.create_table(DatabaseName="db-0", TableName=f"t-{i}")
    _assert_paginates(_pages(timestream, "ListDatabases", "Databases"), lambda d: d["Arn"], N)
    _assert_paginates(_pages(timestream, "ListTables", "Tables", DatabaseName="db-0"), lambda t: t["Arn"], N)
    serverless = RecordingClient(isolated.endpoint_url, "redshift-serverless", "eu-west-1")
    for i in range(N):
        serverless.client.create_namespace(namespaceName=f"ns-{i}")
    pages: list[list[Any]] = []
    token: str | None = None
    while True:
        answer = serverless.check("ListNamespaces", maxResults=2, **({"nextToken": token} if token else {}))
        pages.append(answer["namespaces"])
        token = answer.get("nextToken")
        if not token:
            break
    _assert_paginates(pages, lambda n: n["namespaceArn"], N)


def test_fsx_rbin_and_organizations_listings_paginate(isolated: Sandbox) -> None:
    fsx = RecordingClient(isolated.endpoint_url, "fsx", "eu-west-1")
    file_system = fsx.client.create_file_system(
        FileSystemType="ONTAP",
        StorageCapacity=1024,
        StorageType="SSD",
        SubnetIds=["subnet-0123456789abcdef0"],
        OntapConfiguration={"DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 128},
    )["FileSystem"]
    svm = fsx.client.create_storage_virtual_machine(FileSystemId=file_system["FileSystemId"], Name="svm")
    for i in range(N):
        fsx.client.create_volume(
            VolumeType="ONTAP",
            Name=f"vol_{i}",
            OntapConfiguration={
                "StorageVirtualMachineId": svm["StorageVirtualMachine"]["StorageVirtualMachineId"]
            },
        )
    _assert_paginates(_pages(fsx, "DescribeVolumes", "Volumes"), lambda v: v["VolumeId"], N)

    rbin = RecordingClient(isolated.endpoint_url, "rbin", "eu-west-1")
    for i in range(N):
        rbin.client.create_rule(
            ResourceType="EC2_IMAGE",
            RetentionPeriod={"RetentionPeriodValue": i + 1, "RetentionPeriodUnit": "DAYS"},
        )
    pages = _pages(rbin, "ListRules", "Rules", ResourceType="EC2_IMAGE")
    _assert_paginates(pages, lambda r: r["Identifier"], N)

    org = RecordingClient(isolated.endpoint_url, "organizations")
    try:
        org.client.create_organization(FeatureSet="ALL")
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AlreadyInOrganizationException"
    before = len(org.client.list_policies(Filter="BACKUP_POLICY")["Policies"])
    for i in range(N):
        org.client.create_policy(
            Name=f"paged-{i}", Description="d", Type="BACKUP_POLICY", Content=json.dumps({"plans": {}})
        )
    pages = _pages(org, "ListPolicies", "Policies", Filter="BACKUP_POLICY")
    _assert_paginates(pages, lambda p: p["Id"], before + N)


def test_reset_clears_sandbox_added_state() -> None:
    with start_sandbox(own_process=True) as sandbox:
        backup = RecordingClient(sandbox.endpoint_url, "backup")
        backup.client.update_region_settings(ResourceTypeOptInPreference={"Aurora": False})
        backup.client.create_backup_vault(BackupVaultName="v")
        backup.client.put_backup_vault_access_policy(
            BackupVaultName="v", Policy=json.dumps({"Statement": []})
        )
        plan = backup.client.create_backup_plan(
            BackupPlan={"BackupPlanName": "p", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "v"}]}
        )["BackupPlanId"]
        backup.client.create_backup_selection(
            BackupPlanId=plan, BackupSelection={"SelectionName": "s", "IamRoleArn": ROLE, "Resources": ["*"]}
        )
        resource = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-0123456789abcdef0"
        add_recovery_point(
            sandbox.endpoint_url,
            account_id=ACCOUNT,
            region="us-east-1",
            vault_name="v",
            resource_arn=resource,
        )
        add_backup_job(
            sandbox.endpoint_url,
            account_id=ACCOUNT,
            region="us-east-1",
            vault_name="v",
            resource_arn=resource,
            state="FAILED",
        )
        rbin = RecordingClient(sandbox.endpoint_url, "rbin")
        rbin.client.create_rule(
            ResourceType="EBS_SNAPSHOT",
            RetentionPeriod={"RetentionPeriodValue": 7, "RetentionPeriodUnit": "DAYS"},
        )
        serverless = RecordingClient(sandbox.endpoint_url, "redshift-serverless")
        serverless.client.create_namespace(namespaceName="dw-main")
        assert backup.client.list_backup_jobs()["BackupJobs"]

        sandbox.reset()

        assert serverless.client.list_namespaces()["namespaces"] == []

        settings = backup.client.describe_region_settings()
        assert settings["ResourceTypeOptInPreference"]["Aurora"] is True
        assert backup.client.list_backup_jobs()["BackupJobs"] == []
        assert backup.client.list_backup_plans()["BackupPlansList"] == []
        assert rbin.client.list_rules(ResourceType="EBS_SNAPSHOT")["Rules"] == []
        with pytest.raises(ClientError) as gone:
            backup.client.get_backup_vault_access_policy(BackupVaultName="v")
        assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
        backup.client.create_backup_vault(BackupVaultName="v")
        assert backup.client.list_recovery_points_by_backup_vault(BackupVaultName="v")["RecoveryPoints"] == []
        with pytest.raises(ClientError):
            backup.client.get_backup_vault_access_policy(BackupVaultName="v")
        with pytest.raises(ControlError, match="not found"):
            add_backup_job(
                sandbox.endpoint_url,
                account_id=ACCOUNT,
                region="us-east-1",
                vault_name="missing",
                resource_arn=resource,
                state="FAILED",
            )


_SEQUENTIAL = """
import boto3
from botocore.exceptions import ClientError
from auditor.sandbox import start_sandbox

def organizations(url):
    return boto3.client("organizations", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")

with start_sandbox() as first:
    assert first.in_process
    organizations(first.endpoint_url).create_organization(FeatureSet="ALL")
    first.reset()
    organizations(first.endpoint_url).create_organization(FeatureSet="ALL")  # reset emptied it
with start_sandbox() as second:
    assert second.in_process
    try:
        organizations(second.endpoint_url).describe_organization()
    except ClientError as error:
        print(error.response["Error"]["Code"])
"""


def test_sequential_in_process_sandboxes_start_empty() -> None:
    # In a fresh interpreter: in this one, other packages may hold in-process sandboxes open.
    done = subprocess.run(
        [sys.executable, "-c", _SEQUENTIAL], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "AWSOrganizationsNotInUseException"
