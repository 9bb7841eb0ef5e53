"""Every v1 evidence operation (docs/evidence-bundle.md), against every auditable account and region
of the seeded organization, answers in botocore's output shape (moto's own operations included)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from auditor.sandbox.org import DEMO_ORG
from auditor.sandbox.seed import SeededOrg
from tests.sandbox.helpers import RecordingClient, client_as


def test_organization_operations(seeded_org: SeededOrg) -> None:
    org = RecordingClient(seeded_org.endpoint_url, "organizations")
    org.check("DescribeOrganization")
    org.check("ListAccounts")
    org.check("ListPolicies", Filter="BACKUP_POLICY")
    # The demo's backup policy is attached to these accounts (the others have no effective policy).
    for key in DEMO_ORG.backup_policy_targets:
        org.check("DescribeEffectivePolicy", PolicyType="BACKUP_POLICY", TargetId=seeded_org.account_id(key))
    org.check("ListAccountsWithInvalidEffectivePolicy", PolicyType="BACKUP_POLICY")
    for key in ("prod", "dev"):  # a valid and an invalid effective policy (BKP-043)
        org.check(
            "ListEffectivePolicyValidationErrors",
            AccountId=seeded_org.account_id(key),
            PolicyType="BACKUP_POLICY",
        )
    # copies: the management account's global settings (cross-account backup on in the demo)
    settings = RecordingClient(seeded_org.endpoint_url, "backup").check("DescribeGlobalSettings")
    assert settings["GlobalSettings"]["isCrossAccountBackupEnabled"] == "true"


def test_regional_operations_of_every_auditable_account_region(seeded_org: SeededOrg) -> None:
    calls = 0
    new_kinds = 0
    since = datetime.now(tz=UTC) - timedelta(days=14)
    for account_id in seeded_org.auditable_account_ids:
        for region in seeded_org.regions:

            def client(service: str, account_id: str = account_id, region: str = region) -> RecordingClient:
                return client_as(seeded_org, account_id, service, region)

            backup = client("backup")
            backup.check("DescribeRegionSettings")
            for plan in backup.check("ListBackupPlans")["BackupPlansList"]:
                backup.check("GetBackupPlan", BackupPlanId=plan["BackupPlanId"])
                listed = backup.check("ListBackupSelections", BackupPlanId=plan["BackupPlanId"])
                for selection in listed["BackupSelectionsList"]:
                    backup.check(
                        "GetBackupSelection",
                        BackupPlanId=plan["BackupPlanId"],
                        SelectionId=selection["SelectionId"],
                    )
                    calls += 1
            for vault in backup.check("ListBackupVaults")["BackupVaultList"]:
                backup.check("ListRecoveryPointsByBackupVault", BackupVaultName=vault["BackupVaultName"])
            backup.check("ListBackupJobs", ByCreatedAfter=since)
            backup.check("ListCopyJobs", ByCreatedAfter=since)  # copies (bundle v3)
            backup.check("ListBackupVaults", ByVaultType="LOGICALLY_AIR_GAPPED_BACKUP_VAULT")
            rds = client("rds")
            rds.check("DescribeDBInstances")
            rds.check("DescribeDBClusters")
            dynamodb = client("dynamodb")
            for table in dynamodb.check("ListTables")["TableNames"]:
                arn = dynamodb.check("DescribeTable", TableName=table)["Table"]["TableArn"]
                dynamodb.check("ListTagsOfResource", ResourceArn=arn)
            client("efs").check("DescribeFileSystems")
            fsx = client("fsx")
            fsx.check("DescribeFileSystems")
            fsx.check("DescribeVolumes")
            ec2 = client("ec2")
            ec2.check("DescribeInstances")
            ec2.check("DescribeVolumes")
            client("redshift").check("DescribeClusters", MaxRecords=100)
            cfn = client("cloudformation")
            for stack in cfn.check("DescribeStacks")["Stacks"]:
                cfn.check("ListStackResources", StackName=stack["StackId"])
                calls += 1
            calls += _gateways_sap(client)  # issue 9: Storage Gateway, Backup gateway, SSM for SAP
            rbin = client("rbin")
            rbin.check("ListRules", ResourceType="EBS_SNAPSHOT")
            rbin.check("ListRules", ResourceType="EC2_IMAGE")
            calls += 1
            # Timestream and Redshift Serverless (issue 9; sandbox extensions).
            timestream = client("timestream-write")
            for database in timestream.check("ListDatabases", MaxResults=20)["Databases"]:
                listed = timestream.check("ListTables", DatabaseName=database["DatabaseName"], MaxResults=20)
                for table in listed["Tables"]:
                    timestream.check("ListTagsForResource", ResourceARN=table["Arn"])
                    new_kinds += 1
            serverless = client("redshift-serverless")
            for namespace in serverless.check("ListNamespaces", maxResults=100)["namespaces"]:
                serverless.check("ListTagsForResource", resourceArn=namespace["namespaceArn"])
                new_kinds += 1
    assert calls >= len(seeded_org.auditable_account_ids) * len(seeded_org.regions)
    assert new_kinds == 4  # the demo's Timestream tables and Serverless namespaces (auditable accounts)


def test_restore_testing_and_audit_manager_operations_of_every_auditable_account_region(
    seeded_org: SeededOrg,
) -> None:
    """The bundle v3 operations (restore jobs, restore testing, protected resources, frameworks,
    report plans), called as the collector calls them."""
    since = datetime.now(tz=UTC) - timedelta(days=14)
    described = 0
    for account_id in seeded_org.auditable_account_ids:
        for region in seeded_org.regions:
            backup = client_as(seeded_org, account_id, "backup", region)
            jobs = backup.check("ListRestoreJobs", ByCreatedAfter=since)["RestoreJobs"]
            for plan in backup.check("ListRestoreTestingPlans")["RestoreTestingPlans"]:
                name = plan["RestoreTestingPlanName"]
                listed = backup.check("ListRestoreTestingSelections", RestoreTestingPlanName=name)
                for sel in listed["RestoreTestingSelections"]:
                    backup.check(
                        "GetRestoreTestingSelection",
                        RestoreTestingPlanName=name,
                        RestoreTestingSelectionName=sel["RestoreTestingSelectionName"],
                    )
            backup.check("ListProtectedResources")
            for arn in {
                j["SourceResourceArn"] for j in jobs if j.get("CreatedBy", {}).get("RestoreTestingPlanArn")
            }:
                backup.check("DescribeProtectedResource", ResourceArn=arn)
                described += 1
            for framework in backup.check("ListFrameworks", MaxResults=1000)["Frameworks"]:
                backup.check("DescribeFramework", FrameworkName=framework["FrameworkName"])
            backup.check("ListReportPlans", MaxResults=1000)
    assert described >= 2  # vol-web and eu-table were restore tested


def _gateways_sap(client: Callable[[str], RecordingClient]) -> int:
    """Issue 9's operations of one account-region; returns the number of per-item calls."""
    calls = 0
    sgw = client("storagegateway")
    sgw.check("ListGateways", Limit=100)
    for volume in sgw.check("ListVolumes", Limit=100)["VolumeInfos"]:
        sgw.check("ListTagsForResource", ResourceARN=volume["VolumeARN"])
        calls += 1
    bgw = client("backup-gateway")
    for vm in bgw.check("ListVirtualMachines")["VirtualMachines"]:
        bgw.check("ListTagsForResource", ResourceArn=vm["ResourceArn"])
        calls += 1
    sap = client("ssm-sap")
    for app in sap.check("ListApplications", MaxResults=50)["Applications"]:
        for db in sap.check("ListDatabases", ApplicationId=app["Id"], MaxResults=50)["Databases"]:
            sap.check(
                "GetDatabase",
                ApplicationId=db["ApplicationId"],
                ComponentId=db["ComponentId"],
                DatabaseId=db["DatabaseId"],
            )
            calls += 1
    return calls
