"""Every operation the sandbox adds or overrides, called over real HTTP with boto3, checked against
botocore's output shape (parsed value and raw wire body). Plus tests of the validator itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from auditor.sandbox import Sandbox, start_sandbox
from auditor.sandbox.control import add_backup_job, add_copy_job, add_recovery_point
from auditor.sandbox.seed import deny_audit_role
from auditor.sandbox.shapes import validate_parsed, validate_wire
from tests.sandbox.helpers import RecordingClient

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"


@pytest.fixture(scope="module")
def isolated() -> Iterator[Sandbox]:
    """Its own process: nothing else writes to this sandbox's state."""
    with start_sandbox(own_process=True) as running:
        yield running


def test_backup_operations_match_botocore(isolated: Sandbox) -> None:
    backup = RecordingClient(isolated.endpoint_url, "backup")
    settings = backup.check("DescribeRegionSettings")
    assert settings["ResourceTypeOptInPreference"]["Aurora"] is True
    backup.check(
        "UpdateRegionSettings",
        ResourceTypeOptInPreference={"Aurora": False},
        ResourceTypeManagementPreference={"DynamoDB": False},
    )
    settings = backup.check("DescribeRegionSettings")
    assert settings["ResourceTypeOptInPreference"]["Aurora"] is False
    assert settings["ResourceTypeManagementPreference"]["DynamoDB"] is False

    backup.client.create_backup_vault(BackupVaultName="shapes")
    [vault] = backup.check("ListBackupVaults")["BackupVaultList"]
    assert vault["VaultType"] == "BACKUP_VAULT" and vault["EncryptionKeyArn"].startswith("arn:aws:kms:")
    plan = backup.client.create_backup_plan(
        BackupPlan={
            "BackupPlanName": "shapes",
            "Rules": [
                {"RuleName": "daily", "TargetBackupVaultName": "shapes", "Lifecycle": {"DeleteAfterDays": 35}}
            ],
        }
    )
    plans = backup.check("ListBackupPlans", MaxResults=1)
    assert [p["BackupPlanId"] for p in plans["BackupPlansList"]] == [plan["BackupPlanId"]]

    created = backup.check(
        "CreateBackupSelection",
        BackupPlanId=plan["BackupPlanId"],
        BackupSelection={
            "SelectionName": "everything-tagged",
            "IamRoleArn": ROLE,
            "Resources": ["arn:aws:ec2:*:*:volume/*"],
            "NotResources": ["arn:aws:ec2:*:*:volume/vol-0excluded"],
            "ListOfTags": [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "yes"}
            ],
            "Conditions": {
                "StringLike": [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod*"}]
            },
        },
    )
    got = backup.check(
        "GetBackupSelection", BackupPlanId=plan["BackupPlanId"], SelectionId=created["SelectionId"]
    )
    assert got["BackupSelection"]["NotResources"] == ["arn:aws:ec2:*:*:volume/vol-0excluded"]
    listed = backup.check("ListBackupSelections", BackupPlanId=plan["BackupPlanId"])
    assert [s["SelectionId"] for s in listed["BackupSelectionsList"]] == [created["SelectionId"]]

    backup.check(
        "PutBackupVaultAccessPolicy",
        BackupVaultName="shapes",
        Policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
    )
    policy = backup.check("GetBackupVaultAccessPolicy", BackupVaultName="shapes")
    assert json.loads(policy["Policy"]) == {"Version": "2012-10-17", "Statement": []}
    backup.check("DeleteBackupVaultAccessPolicy", BackupVaultName="shapes")
    with pytest.raises(ClientError) as missing:
        backup.client.get_backup_vault_access_policy(BackupVaultName="shapes")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"

    now = datetime.now(tz=UTC)
    volume = "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"
    point = add_recovery_point(
        isolated.endpoint_url,
        account_id="123456789012",
        region="us-east-1",
        vault_name="shapes",
        resource_arn=volume,
        status="EXPIRED",
        creation_date=now - timedelta(days=2),
        delete_after_days=35,
        plan_id=plan["BackupPlanId"],
    )
    add_backup_job(
        isolated.endpoint_url,
        account_id="123456789012",
        region="us-east-1",
        vault_name="shapes",
        resource_arn=volume,
        state="FAILED",
        status_message="Backup job failed",
        creation_date=now - timedelta(days=1),
        plan_id=plan["BackupPlanId"],
    )
    points = backup.check("ListRecoveryPointsByBackupVault", BackupVaultName="shapes")
    assert [p["RecoveryPointArn"] for p in points["RecoveryPoints"]] == [point]
    assert points["RecoveryPoints"][0]["Status"] == "EXPIRED"
    jobs = backup.check("ListBackupJobs", ByCreatedAfter=now - timedelta(days=14))
    assert [j["State"] for j in jobs["BackupJobs"]] == ["FAILED"]

    backup.check(
        "DeleteBackupSelection", BackupPlanId=plan["BackupPlanId"], SelectionId=created["SelectionId"]
    )
    assert (
        backup.check("ListBackupSelections", BackupPlanId=plan["BackupPlanId"])["BackupSelectionsList"] == []
    )


def test_copy_jobs_global_settings_and_air_gapped_vaults_match_botocore(isolated: Sandbox) -> None:
    backup = RecordingClient(isolated.endpoint_url, "backup", region="eu-west-1")
    settings = backup.check("DescribeGlobalSettings")
    assert settings["GlobalSettings"]["isCrossAccountBackupEnabled"] == "false"
    backup.check("UpdateGlobalSettings", GlobalSettings={"isCrossAccountBackupEnabled": "true"})
    assert backup.check("DescribeGlobalSettings")["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"
    with pytest.raises(ClientError) as bad:
        backup.client.update_global_settings(GlobalSettings={"isCrossAccountBackupEnabled": "maybe"})
    assert bad.value.response["Error"]["Code"] == "InvalidParameterValueException"

    backup.client.create_backup_vault(BackupVaultName="copies-src")
    lag = backup.check(
        "CreateLogicallyAirGappedBackupVault",
        BackupVaultName="copies-lag",
        MinRetentionDays=7,
        MaxRetentionDays=35,
    )
    assert lag["VaultState"] == "AVAILABLE"
    listed = backup.check("ListBackupVaults")["BackupVaultList"]
    types = {v["BackupVaultName"]: v["VaultType"] for v in listed}
    assert types == {"copies-src": "BACKUP_VAULT", "copies-lag": "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"}
    [only] = backup.check("ListBackupVaults", ByVaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT")[
        "BackupVaultList"
    ]
    assert only["BackupVaultName"] == "copies-lag" and only["Locked"] is True
    assert only["MinRetentionDays"] == 7 and only["MaxRetentionDays"] == 35

    volume = "arn:aws:ec2:eu-west-1:123456789012:volume/vol-0copies0000000001"
    add_recovery_point(
        isolated.endpoint_url,
        account_id="123456789012",
        region="eu-west-1",
        vault_name="copies-lag",
        resource_arn=volume,
    )
    [point] = backup.check("ListRecoveryPointsByBackupVault", BackupVaultName="copies-lag")["RecoveryPoints"]
    assert point["VaultType"] == "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"

    now = datetime.now(tz=UTC)
    for state, age in (("COMPLETED", 3), ("FAILED", 1)):
        add_copy_job(
            isolated.endpoint_url,
            account_id="123456789012",
            region="eu-west-1",
            vault_name="copies-src",
            resource_arn=volume,
            destination_vault_arn="arn:aws:backup:us-east-1:210987654321:backup-vault:dr",
            state=state,
            status_message=None if state == "COMPLETED" else "Access denied to the destination vault",
            creation_date=now - timedelta(days=age),
        )
    jobs = backup.check("ListCopyJobs", ByCreatedAfter=now - timedelta(days=14))["CopyJobs"]
    assert [j["State"] for j in jobs] == ["FAILED", "COMPLETED"]
    assert (
        backup.check("ListCopyJobs", ByCreatedAfter=now - timedelta(days=2))["CopyJobs"][0]["State"]
        == "FAILED"
    )
    assert [j["State"] for j in backup.check("ListCopyJobs", ByState="COMPLETED")["CopyJobs"]] == [
        "COMPLETED"
    ]
    paged = backup.check("ListCopyJobs", MaxResults=1)
    assert len(paged["CopyJobs"]) == 1 and paged["NextToken"]


def test_organizations_and_sts_operations_match_botocore(isolated: Sandbox) -> None:
    org = RecordingClient(isolated.endpoint_url, "organizations")
    org.client.create_organization(FeatureSet="ALL")
    root = org.client.list_roots()["Roots"][0]["Id"]
    org.client.enable_policy_type(RootId=root, PolicyType="BACKUP_POLICY")
    account = org.client.create_account(AccountName="shapes", Email="shapes@example.com")
    account_id = account["CreateAccountStatus"]["AccountId"]
    content = {"plans": {"daily": {"regions": {"@@assign": ["us-east-1"]}}}}
    policy = org.check(
        "CreatePolicy", Name="backup", Description="daily", Type="BACKUP_POLICY", Content=json.dumps(content)
    )
    assert ":policy/" in policy["Policy"]["PolicySummary"]["Arn"]
    assert "/backup_policy/" in policy["Policy"]["PolicySummary"]["Arn"]
    org.check("AttachPolicy", PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=root)
    listed = org.check("ListPolicies", Filter="BACKUP_POLICY")
    assert [p["Type"] for p in listed["Policies"]] == ["BACKUP_POLICY"]
    effective = org.check("DescribeEffectivePolicy", PolicyType="BACKUP_POLICY", TargetId=account_id)
    assert json.loads(effective["EffectivePolicy"]["PolicyContent"]) == {
        "plans": {"daily": {"regions": ["us-east-1"]}}
    }
    _check_policy_validation(org, account_id, policy["Policy"]["PolicySummary"]["Id"])
    org.client.close_account(AccountId=account_id)
    accounts = org.check("ListAccounts")
    assert {a["Id"]: a["Status"] for a in accounts["Accounts"]}[account_id] == "SUSPENDED"

    sts = RecordingClient(isolated.endpoint_url, "sts")
    assumed = sts.check(
        "AssumeRole",
        RoleArn=f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole",
        RoleSessionName="shapes",
    )
    assert assumed["Credentials"]["AccessKeyId"]


def _check_policy_validation(org: RecordingClient, account_id: str, policy_id: str) -> None:
    """The root's policy (plan `daily` with regions only) is invalid for every account (sandbox
    validation: no rules, no selections); pages of one account follow NextToken."""
    first = org.check("ListAccountsWithInvalidEffectivePolicy", PolicyType="BACKUP_POLICY", MaxResults=1)
    second = org.check(
        "ListAccountsWithInvalidEffectivePolicy", PolicyType="BACKUP_POLICY", NextToken=first["NextToken"]
    )
    assert "NextToken" not in second
    assert account_id in {a["Id"] for a in first["Accounts"] + second["Accounts"]}
    errors = org.check(
        "ListEffectivePolicyValidationErrors", AccountId=account_id, PolicyType="BACKUP_POLICY"
    )
    assert errors["AccountId"] == account_id
    assert [e["PathToError"] for e in errors["EffectivePolicyValidationErrors"]] == [
        "plans.daily.rules",
        "plans.daily.selections",
    ]
    assert errors["EffectivePolicyValidationErrors"][0]["ContributingPolicies"] == [policy_id]
    with pytest.raises(ClientError) as missing:
        org.client.list_effective_policy_validation_errors(
            AccountId="999999999999", PolicyType="BACKUP_POLICY"
        )
    assert missing.value.response["Error"]["Code"] == "AccountNotFoundException"


def test_rds_and_ec2_operations_match_botocore(isolated: Sandbox) -> None:
    rds = RecordingClient(isolated.endpoint_url, "rds", "eu-west-1")
    ec2 = RecordingClient(isolated.endpoint_url, "ec2", "eu-west-1")
    cluster = rds.check(
        "CreateDBCluster",
        DBClusterIdentifier="docs",
        Engine="docdb",
        MasterUsername="admin",
        MasterUserPassword="password-1",
    )
    assert cluster["DBCluster"]["Engine"] == "docdb"
    assert cluster["DBCluster"]["Port"] == 27017
    rds.check(
        "CreateDBInstance",
        DBInstanceIdentifier="docs-1",
        DBClusterIdentifier="docs",
        Engine="docdb",
        DBInstanceClass="db.r6g.large",
    )
    custom = rds.check(
        "CreateDBInstance",
        DBInstanceIdentifier="custom-sql",
        Engine="custom-sqlserver-ee",
        DBInstanceClass="db.m5.xlarge",
        MasterUsername="admin",
        MasterUserPassword="password-1",
        AllocatedStorage=20,
        CustomIamInstanceProfile="AWSRDSCustomSQLServerInstanceRole",
    )
    assert custom["DBInstance"]["CustomIamInstanceProfile"] == "AWSRDSCustomSQLServerInstanceRole"
    vpc = ec2.client.describe_vpcs()["Vpcs"][0]["VpcId"]
    outpost = "arn:aws:outposts:eu-west-1:123456789012:outpost/op-0123456789abcdef0"
    subnet = ec2.check(
        "CreateSubnet",
        VpcId=vpc,
        CidrBlock="172.31.250.0/24",
        AvailabilityZone="eu-west-1a",
        OutpostArn=outpost,
    )
    group = rds.check(
        "CreateDBSubnetGroup",
        DBSubnetGroupName="on-outpost",
        DBSubnetGroupDescription="outpost subnets",
        SubnetIds=[subnet["Subnet"]["SubnetId"]],
    )
    assert group["DBSubnetGroup"]["Subnets"][0]["SubnetOutpost"]["Arn"] == outpost
    rds.check(
        "CreateDBInstance",
        DBInstanceIdentifier="edge",
        Engine="mysql",
        DBInstanceClass="db.m5.large",
        MasterUsername="admin",
        MasterUserPassword="password-1",
        AllocatedStorage=20,
        DBSubnetGroupName="on-outpost",
    )
    instances = rds.check("DescribeDBInstances")
    by_id = {i["DBInstanceIdentifier"]: i for i in instances["DBInstances"]}
    assert by_id["edge"]["DBSubnetGroup"]["Subnets"][0]["SubnetOutpost"]["Arn"] == outpost
    assert by_id["custom-sql"]["Engine"] == "custom-sqlserver-ee"
    assert by_id["docs-1"]["DBClusterIdentifier"] == "docs"
    enabled = {r["RegionName"]: r["OptInStatus"] for r in ec2.check("DescribeRegions")["Regions"]}
    everything = {
        r["RegionName"]: r["OptInStatus"] for r in ec2.check("DescribeRegions", AllRegions=True)["Regions"]
    }
    assert {"us-east-1", "eu-west-1"} <= set(enabled)
    assert "not-opted-in" not in enabled.values() and "not-opted-in" in everything.values()
    opted_out = ec2.check(
        "DescribeRegions", AllRegions=True, Filters=[{"Name": "opt-in-status", "Values": ["not-opted-in"]}]
    )
    assert {r["RegionName"] for r in opted_out["Regions"]} == set(everything) - set(enabled)
    clusters = rds.check("DescribeDBClusters")
    assert [c["Engine"] for c in clusters["DBClusters"]] == ["docdb"]
    assert rds.check("DescribeDBSubnetGroups", DBSubnetGroupName="on-outpost")["DBSubnetGroups"]


def test_fsx_and_rbin_operations_match_botocore(isolated: Sandbox) -> None:
    fsx = RecordingClient(isolated.endpoint_url, "fsx")
    file_system = fsx.client.create_file_system(
        FileSystemType="ONTAP",
        StorageCapacity=1024,
        StorageType="SSD",
        SubnetIds=["subnet-0123456789abcdef0"],
        OntapConfiguration={"DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 128},
        Tags=[{"Key": "backup", "Value": "yes"}],
    )["FileSystem"]
    svm = fsx.check("CreateStorageVirtualMachine", FileSystemId=file_system["FileSystemId"], Name="svm1")
    volume = fsx.check(
        "CreateVolume",
        VolumeType="ONTAP",
        Name="data",
        OntapConfiguration={
            "StorageVirtualMachineId": svm["StorageVirtualMachine"]["StorageVirtualMachineId"],
            "SizeInMegabytes": 2048,
        },
        Tags=[{"Key": "env", "Value": "prod"}],
    )
    volumes = fsx.check("DescribeVolumes")
    assert [v["VolumeId"] for v in volumes["Volumes"]] == [volume["Volume"]["VolumeId"]]
    assert volumes["Volumes"][0]["Tags"] == [{"Key": "env", "Value": "prod"}]
    assert volumes["Volumes"][0]["ResourceARN"].endswith(
        f":volume/{file_system['FileSystemId']}/{volume['Volume']['VolumeId']}"
    )

    rbin = RecordingClient(isolated.endpoint_url, "rbin")
    rule = rbin.check(
        "CreateRule",
        ResourceType="EBS_SNAPSHOT",
        RetentionPeriod={"RetentionPeriodValue": 14, "RetentionPeriodUnit": "DAYS"},
        Description="keep deleted snapshots",
    )
    assert rbin.check("GetRule", Identifier=rule["Identifier"])["Identifier"] == rule["Identifier"]
    rules = rbin.check("ListRules", ResourceType="EBS_SNAPSHOT")
    assert [r["Identifier"] for r in rules["Rules"]] == [rule["Identifier"]]
    assert rbin.check("ListRules", ResourceType="EC2_IMAGE")["Rules"] == []
    rbin.check("DeleteRule", Identifier=rule["Identifier"])
    assert rbin.check("ListRules", ResourceType="EBS_SNAPSHOT")["Rules"] == []


def test_own_backup_operations_match_botocore(isolated: Sandbox) -> None:
    """Backups made outside AWS Backup (BKP-017): Data Lifecycle Manager (a sandbox extension) and
    moto's DynamoDB continuous / on-demand backups."""
    dlm = RecordingClient(isolated.endpoint_url, "dlm", "eu-west-1")
    role = "arn:aws:iam::123456789012:role/AWSDataLifecycleManagerDefaultRole"
    custom = dlm.check(
        "CreateLifecyclePolicy",
        ExecutionRoleArn=role,
        Description="daily snapshots",
        State="ENABLED",
        PolicyDetails={
            "PolicyType": "EBS_SNAPSHOT_MANAGEMENT",
            "ResourceTypes": ["VOLUME"],
            "TargetTags": [{"Key": "dlm", "Value": "daily"}],
            "Schedules": [
                {
                    "Name": "daily",
                    "CreateRule": {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]},
                    "RetainRule": {"Count": 7},
                }
            ],
        },
    )["PolicyId"]
    default = dlm.check(
        "CreateLifecyclePolicy",
        ExecutionRoleArn=role,
        Description="default",
        State="DISABLED",
        DefaultPolicy="VOLUME",
        CreateInterval=1,
        RetainInterval=7,
        Exclusions={"ExcludeBootVolumes": True, "ExcludeVolumeTypes": ["io2"]},
    )["PolicyId"]
    summaries = dlm.check("GetLifecyclePolicies")["Policies"]
    assert [(p["PolicyId"], p["State"], p["DefaultPolicy"]) for p in summaries] == [
        (custom, "ENABLED", False),
        (default, "DISABLED", True),
    ]
    policy = dlm.check("GetLifecyclePolicy", PolicyId=custom)["Policy"]
    assert policy["PolicyDetails"]["TargetTags"] == [{"Key": "dlm", "Value": "daily"}]
    policy = dlm.check("GetLifecyclePolicy", PolicyId=default)["Policy"]
    assert policy["PolicyDetails"]["ResourceType"] == "VOLUME"
    assert policy["PolicyDetails"]["Exclusions"]["ExcludeVolumeTypes"] == ["io2"]
    with pytest.raises(ClientError) as missing:
        dlm.client.get_lifecycle_policy(PolicyId="policy-0000000000000000a")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert (
        RecordingClient(isolated.endpoint_url, "dlm", "us-east-1").check("GetLifecyclePolicies")["Policies"]
        == []
    )

    ddb = RecordingClient(isolated.endpoint_url, "dynamodb", "eu-west-1")
    ddb.client.create_table(
        TableName="pitr",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.client.update_continuous_backups(
        TableName="pitr", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    described = ddb.check("DescribeContinuousBackups", TableName="pitr")["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    ddb.client.create_backup(TableName="pitr", BackupName="ondemand")
    [summary] = ddb.check("ListBackups", BackupType="USER", Limit=100)["BackupSummaries"]
    assert (summary["TableName"], summary["BackupType"]) == ("pitr", "USER")


def test_denied_assume_role_is_access_denied_403(isolated: Sandbox) -> None:
    org = RecordingClient(isolated.endpoint_url, "organizations")
    try:
        org.client.create_organization(FeatureSet="ALL")
    except ClientError as error:
        assert error.response["Error"]["Code"] == "AlreadyInOrganizationException"
    account_id = org.client.create_account(AccountName="denied", Email="denied@example.com")[
        "CreateAccountStatus"
    ]["AccountId"]
    role_arn = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
    sts = RecordingClient(isolated.endpoint_url, "sts")
    assert sts.client.assume_role(RoleArn=role_arn, RoleSessionName="before")["Credentials"]
    deny_audit_role(isolated.endpoint_url, account_id)
    with pytest.raises(ClientError) as denied:
        sts.client.assume_role(RoleArn=role_arn, RoleSessionName="audit")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# ---- the validator itself can fail ------------------------------------------------------------


def _selection_list(**member: Any) -> dict[str, Any]:
    entry = {"SelectionId": "s-1", "SelectionName": "n", "CreationDate": datetime.now(tz=UTC), **member}
    return {"BackupSelectionsList": [entry]}


def test_validator_accepts_a_conforming_response() -> None:
    assert validate_parsed("backup", "ListBackupSelections", _selection_list()) == []


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (_selection_list(Unknown="x"), "not a member of BackupSelectionsListMember"),
        (_selection_list(SelectionName=3), "expected string"),
        (_selection_list(CreationDate="2026-11-20"), "expected timestamp"),
        (_selection_list(CreationDate=datetime(2026, 11, 20)), "without time zone"),
        ({"BackupSelectionsList": {"not": "a list"}}, "expected list"),
    ],
)
def test_validator_rejects_bad_parsed_responses(response: dict[str, Any], expected: str) -> None:
    problems = validate_parsed("backup", "ListBackupSelections", response)
    assert any(expected in p for p in problems), problems


def test_validator_checks_enums_integers_and_required_members() -> None:
    points = {"RecoveryPoints": [{"Status": "DONE", "BackupSizeInBytes": "12"}]}
    problems = validate_parsed("backup", "ListRecoveryPointsByBackupVault", points)
    assert any("'DONE' not in enum" in p for p in problems), problems
    assert any("expected long" in p for p in problems), problems
    rules = {"Rules": [{"Identifier": "r", "RetentionPeriod": {"RetentionPeriodValue": 7}}]}
    problems = validate_parsed("rbin", "ListRules", rules)
    assert any("RetentionPeriodUnit: required member" in p for p in problems), problems


def test_wire_validator_catches_members_botocore_would_drop() -> None:
    body = json.dumps({"BackupJobs": [], "NextToken": None, "Extra": 1}).encode()
    problems = validate_wire("backup", "ListBackupJobs", body)
    assert any("Extra: not a member" in p for p in problems), problems
    assert any("NextToken: null" in p for p in problems), problems
    xml = (
        b"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId>"
        b"<Bogus>1</Bogus></Credentials></AssumeRoleResult></AssumeRoleResponse>"
    )
    problems = validate_wire("sts", "AssumeRole", xml)
    assert any("Bogus: not a member" in p for p in problems), problems
    assert any("SecretAccessKey: required member" in p for p in problems), problems


def test_timestream_and_redshift_serverless_operations_match_botocore(isolated: Sandbox) -> None:
    timestream = RecordingClient(isolated.endpoint_url, "timestream-write", "eu-west-1")
    timestream.check("CreateDatabase", DatabaseName="metrics")
    # Created without a schema or magnetic store settings: listed in botocore's Table shape.
    timestream.client.create_table(
        DatabaseName="metrics", TableName="cpu", Tags=[{"Key": "backup", "Value": "daily"}]
    )
    (table,) = timestream.check("ListTables", DatabaseName="metrics", MaxResults=20)["Tables"]
    assert table["Arn"] == "arn:aws:timestream:eu-west-1:123456789012:database/metrics/table/cpu"
    assert table["MagneticStoreWriteProperties"] == {"EnableMagneticStoreWrites": False}
    assert timestream.check("ListTagsForResource", ResourceARN=table["Arn"])["Tags"] == [
        {"Key": "backup", "Value": "daily"}
    ]
    serverless = RecordingClient(isolated.endpoint_url, "redshift-serverless", "eu-west-1")
    created = serverless.check(
        "CreateNamespace", namespaceName="dw-main", tags=[{"key": "team", "value": "bi"}]
    )
    arn = created["namespace"]["namespaceArn"]
    namespace_id = created["namespace"]["namespaceId"]
    assert arn == f"arn:aws:redshift-serverless:eu-west-1:123456789012:namespace/{namespace_id}"
    assert serverless.check("GetNamespace", namespaceName="dw-main")["namespace"]["namespaceArn"] == arn
    assert [n["namespaceArn"] for n in serverless.check("ListNamespaces")["namespaces"]] == [arn]
    serverless.check("TagResource", resourceArn=arn, tags=[{"key": "backup", "value": "daily"}])
    assert serverless.check("ListTagsForResource", resourceArn=arn)["tags"] == [
        {"key": "team", "value": "bi"},
        {"key": "backup", "value": "daily"},
    ]
    with pytest.raises(ClientError) as missing:
        serverless.client.list_tags_for_resource(resourceArn=arn.replace(namespace_id, "nope"))
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    serverless.check("DeleteNamespace", namespaceName="dw-main")
    assert serverless.check("ListNamespaces")["namespaces"] == []
