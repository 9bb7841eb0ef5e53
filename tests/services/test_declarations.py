"""Service declarations: validated when built, and the contract derived from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

import auditor.services as services
from auditor.collect.engine import service_regions
from auditor.services import (
    CallContext,
    DeclarationError,
    Operation,
    ResourceKind,
    Scope,
    Service,
)
from auditor.services.redshift_serverless import SERVERLESS_READING

CONTEXT = CallContext("aws-cn", "111122223333", "cn-north-1", datetime(2026, 11, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"service": "Backup"}, "boto3 client name"),
        ({"name": "list_backup_plans"}, "API operation name"),
        ({"parent": "backup.ListBackupPlans"}, "'parent' and 'items' go together"),
        ({"items": "BackupPlansList"}, "'parent' and 'items' go together"),
        ({"item_params": {"BackupPlanId": "{item}"}}, "'item_params' is for"),
        (
            {"parent": "backup.ListBackupPlans", "items": "BackupPlansList"},
            "'item_params' is for",
        ),
        (
            {
                "parent": "backup.ListBackupPlans",
                "items": "BackupPlansList",
                "item_params": {"BackupPlanId": "{plan[BackupPlanId]}"},
            },
            "unknown field",
        ),
        (
            {
                "parent": "backup.ListBackupPlans",
                "items": "BackupPlansList",
                "item_params": {"BackupPlanId": "{item[BackupPlanId]}"},
                "params": ({"MaxResults": 1},),
            },
            "takes 'item_params', not 'params'",
        ),
        ({"per_account": True, "item_params": {"TargetId": "{account}"}}, "only organization-scope"),
        ({"page_size": (1, 10)}, "page_size"),
        ({"page_size": (0, 0)}, "page_size"),
        ({"page_size": (100, 1), "paginated": True}, "page_size"),
        ({"since": 0}, "since"),
        ({"token_paged": True}, "token_paged"),
    ],
)
def test_operation_declarations_are_checked(fields: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = {"service": "backup", "name": "GetBackupPlan"}
    values.update(fields)
    with pytest.raises(DeclarationError, match=message):
        Operation(**values)


def _plans() -> Operation:
    return Operation("backup", "ListBackupPlans", page_size=(1000, 1))


def _plan() -> Operation:
    return Operation(
        "backup",
        "GetBackupPlan",
        parent="backup.ListBackupPlans",
        items="BackupPlansList",
        item_params={"BackupPlanId": "{item[BackupPlanId]}"},
    )


def test_service_declarations_are_checked() -> None:
    with pytest.raises(DeclarationError, match="declared in service 'rds'"):
        Service("rds", operations=(_plans(),))
    with pytest.raises(DeclarationError, match="declared twice"):
        Service("backup", operations=(_plans(), _plans()))
    with pytest.raises(DeclarationError, match="must be declared before it"):
        Service("backup", operations=(_plan(), _plans()))
    with pytest.raises(DeclarationError, match="another scope"):
        Service("backup", operations=(Operation("backup", "ListBackupPlans", Scope.ORGANIZATION), _plan()))
    kind = ResourceKind("EFS", "elasticfilesystem", "arn:{partition}:elasticfilesystem:x", "efs.Nope", "Tags")
    with pytest.raises(DeclarationError, match=r"listed by undeclared efs\.Nope"):
        Service("efs", operations=(Operation("efs", "DescribeFileSystems"),), kinds=(kind,))
    wrong_arn = ResourceKind(
        "EFS", "efs", "arn:{partition}:elasticfilesystem:x", "efs.DescribeFileSystems", "T"
    )
    with pytest.raises(DeclarationError, match="ARN form"):
        Service("efs", operations=(Operation("efs", "DescribeFileSystems"),), kinds=(wrong_arn,))


def test_iam_action_defaults_to_the_service_prefix() -> None:
    efs = Service(
        "efs", iam_prefix="elasticfilesystem", operations=(Operation("efs", "DescribeFileSystems"),)
    )
    assert efs.operation("DescribeFileSystems").iam_action == "elasticfilesystem:DescribeFileSystems"
    backup = Service("backup", operations=(Operation("backup", "ListTags", iam_action="backup:ListTags*"),))
    assert backup.iam_prefix == "backup"
    assert backup.operation("ListTags").iam_action == "backup:ListTags*"
    with pytest.raises(KeyError):
        backup.operation("ListBackupPlans")


def test_parameters_of_calls() -> None:
    jobs = services.operation("backup.ListBackupJobs")
    assert jobs.calls(CONTEXT) == ({"ByCreatedAfter": CONTEXT.window_start},)
    rules = services.operation("rbin.ListRules")
    assert [dict(p) for p in rules.calls(CONTEXT)] == [
        {"ResourceType": "EBS_SNAPSHOT"},
        {"ResourceType": "EC2_IMAGE"},
    ]
    selection = services.operation("backup.GetBackupSelection")
    assert selection.call_for({"SelectionId": "s-1"}, {"BackupPlanId": "p-1"}, CONTEXT) == {
        "BackupPlanId": "p-1",
        "SelectionId": "s-1",
    }
    tags = services.operation("dynamodb.ListTagsOfResource")
    assert tags.call_for("orders", {}, CONTEXT) == {
        "ResourceArn": "arn:aws-cn:dynamodb:cn-north-1:111122223333:table/orders"
    }
    policy = services.operation("organizations.DescribeEffectivePolicy")
    assert policy.per_account
    assert policy.call_for(None, {}, CONTEXT) == {"PolicyType": "BACKUP_POLICY", "TargetId": "111122223333"}


def test_item_calls_filter_on_a_member_and_are_made_once_per_parameters() -> None:
    describe = services.operation("backup.DescribeProtectedResource")
    testing = {"RestoreTestingPlanArn": "arn:aws:backup:us-east-1:1:restore-testing-plan:p"}
    listed = {
        "RestoreJobs": [
            {"SourceResourceArn": "arn:a", "CreatedBy": testing},
            {"SourceResourceArn": "arn:b"},
            {"SourceResourceArn": "arn:c", "CreatedBy": {}},
            {"SourceResourceArn": "arn:a", "CreatedBy": testing},
            {"SourceResourceArn": "arn:d", "CreatedBy": testing},
        ]
    }
    assert describe.item_calls(listed, {}, CONTEXT) == [{"ResourceArn": "arn:a"}, {"ResourceArn": "arn:d"}]
    with pytest.raises(DeclarationError, match="item_when"):
        Operation("backup", "DescribeProtectedResource", item_when="CreatedBy.X")


def test_contract_derived_from_the_declarations() -> None:
    assert services.PARENT_OPERATIONS == {
        "backup.GetBackupPlan": "backup.ListBackupPlans",
        "backup.ListBackupSelections": "backup.ListBackupPlans",
        "backup.GetBackupSelection": "backup.ListBackupSelections",
        "backup.GetBackupVaultAccessPolicy": "backup.ListBackupVaults",
        "backup.ListRecoveryPointsByBackupVault": "backup.ListBackupVaults",
        "dynamodb.DescribeTable": "dynamodb.ListTables",
        "dynamodb.ListTagsOfResource": "dynamodb.ListTables",
        "s3.GetBucketTagging": "s3.ListBuckets",
        "s3.GetBucketVersioning": "s3.ListBuckets",
        "s3.GetBucketLifecycleConfiguration": "s3.ListBuckets",
        "cloudformation.ListStackResources": "cloudformation.DescribeStacks",
        "organizations.ListOrganizationalUnitsForParent": "organizations.ListRoots",
        "organizations.ListAccountsForParent": "organizations.ListRoots",
        "timestream-write.ListTables": "timestream-write.ListDatabases",
        "timestream-write.ListTagsForResource": "timestream-write.ListTables",
        "redshift-serverless.ListTagsForResource": "redshift-serverless.ListNamespaces",
        # backups made outside AWS Backup (BKP-017)
        "dynamodb.DescribeContinuousBackups": "dynamodb.ListTables",
        "dlm.GetLifecyclePolicy": "dlm.GetLifecyclePolicies",
        # S3 region fallback (bundle version 3)
        "s3.GetBucketLocation": "s3.ListBuckets",
        # restore testing, protected resources, Audit Manager (bundle v3)
        "backup.ListRestoreTestingSelections": "backup.ListRestoreTestingPlans",
        "backup.GetRestoreTestingSelection": "backup.ListRestoreTestingSelections",
        "backup.DescribeProtectedResource": "backup.ListRestoreJobs",
        "backup.DescribeFramework": "backup.ListFrameworks",
        # issue 9: Storage Gateway, VMware VMs, SAP HANA
        "storagegateway.ListTagsForResource": "storagegateway.ListVolumes",
        "backup-gateway.ListTagsForResource": "backup-gateway.ListVirtualMachines",
        "ssm-sap.ListDatabases": "ssm-sap.ListApplications",
        "ssm-sap.GetDatabase": "ssm-sap.ListDatabases",
    }
    assert services.chain("backup.GetBackupSelection") == (
        "backup.ListBackupPlans",
        "backup.ListBackupSelections",
        "backup.GetBackupSelection",
    )
    assert [op.key for op in services.descendants("backup.ListBackupPlans")] == [
        "backup.GetBackupPlan",
        "backup.ListBackupSelections",
        "backup.GetBackupSelection",
    ]
    v2 = (
        "s3.ListBuckets",
        "s3.GetBucketTagging",
        "s3.GetBucketVersioning",
        "s3.GetBucketLifecycleConfiguration",
        "redshift.DescribeClusters",
        "cloudformation.DescribeStacks",
        "cloudformation.ListStackResources",
    )
    # Version 3: backups made outside AWS Backup (BKP-017).
    v3_own_backup = (
        "dynamodb.DescribeContinuousBackups",
        "dynamodb.ListBackups",
        "dlm.GetLifecyclePolicies",
        "dlm.GetLifecyclePolicy",
    )
    v3 = tuple(k for k in services.regional_keys() if services.operation(k).since == 3)
    assert set(v3_own_backup) <= set(v3)
    # Version 3: Storage Gateway volumes, VMware virtual machines, SAP HANA databases (issue 9).
    v3_gateways_sap = (
        "storagegateway.ListGateways",
        "storagegateway.ListVolumes",
        "storagegateway.ListTagsForResource",
        "backup-gateway.ListVirtualMachines",
        "backup-gateway.ListTagsForResource",
        "ssm-sap.ListApplications",
        "ssm-sap.ListDatabases",
        "ssm-sap.GetDatabase",
    )
    assert tuple(k for k in v3 if k in v3_gateways_sap) == v3_gateways_sap
    # Version 2 collectors call these; a version 1 bundle may lack them (evidence not collected).
    assert len(services.regional_keys()) == 27 + len(v3) and services.optional_keys() == ()
    assert services.regional_keys(1) == tuple(k for k in services.regional_keys() if k not in v2 + v3)
    assert services.optional_keys(1) == tuple(k for k in services.regional_keys() if k in v2 + v3)
    assert services.optional_keys(2) == v3
    assert all(
        services.operation(k).token_paged
        for k in ("timestream-write.ListDatabases", "timestream-write.ListTables")
    )
    assert {
        "backup.ListRestoreJobs",
        "backup.ListRestoreTestingPlans",
        "backup.ListRestoreTestingSelections",
        "backup.GetRestoreTestingSelection",
        "backup.ListProtectedResources",
        "backup.DescribeProtectedResource",
        "backup.ListFrameworks",
        "backup.DescribeFramework",
        "backup.ListReportPlans",
    } <= set(v3)  # restore testing, protected resources, Audit Manager
    assert services.some_region_services() == {
        "timestream-write",
        "storagegateway",
        "backup-gateway",
        "ssm-sap",
    }
    assert services.extra_iam_actions() == ("timestream:DescribeEndpoints",)
    assert "backup.ListCopyJobs" in v3  # copy jobs (BKP-022/036/037)
    assert services.operation("backup.DescribeGlobalSettings").scope is services.Scope.ORGANIZATION
    assert all(services.operation(k).account_wide for k in v2[:4])
    assert services.REGIONAL_SERVICES == (
        "backup",
        "rds",
        "dynamodb",
        "efs",
        "fsx",
        "dlm",  # backups made outside AWS Backup (BKP-017)
        "ec2",
        "s3",
        "redshift",
        "cloudformation",
        "timestream-write",
        "redshift-serverless",
        "storagegateway",
        "backup-gateway",
        "ssm-sap",
        "rbin",
    )
    assert {op.key for op in services.DISCOVERY_OPERATIONS} == {
        "sts.GetCallerIdentity",
        "sts.AssumeRole",
        "ec2.DescribeRegions",
    }
    assert services.tag_operations() == {
        "DynamoDB": ("dynamodb.ListTagsOfResource",),
        "S3": ("s3.GetBucketTagging",),
        "Timestream": ("timestream-write.ListTagsForResource",),
        "Redshift Serverless": ("redshift-serverless.ListTagsForResource",),
        "Storage Gateway": ("storagegateway.ListTagsForResource",),
        "VirtualMachine": ("backup-gateway.ListTagsForResource",),
        "SAP HANA on Amazon EC2": ("ssm-sap.GetDatabase",),
    }
    assert services.always_opt_in_types() == {"Aurora", "Neptune", "DocumentDB"}
    assert services.resource_types() == (
        "RDS",
        "Aurora",
        "Neptune",
        "DocumentDB",
        "DynamoDB",
        "EFS",
        "FSx",
        "EC2",
        "EBS",
        "S3",
        "Redshift",
        "CloudFormation",
        "Timestream",
        "Redshift Serverless",
        "Storage Gateway",
        "VirtualMachine",
        "SAP HANA on Amazon EC2",
    )
    assert ("s3", "", "s3.ListBuckets") in services.source_operations()
    assert ("timestream", "database/", "timestream-write.ListTables") in services.source_operations()
    assert ("ssm-sap", "HANA/", "ssm-sap.ListDatabases") in services.source_operations()
    assert ("backup-gateway", "vm/", "backup-gateway.ListVirtualMachines") in services.source_operations()
    assert ("storagegateway", "gateway/", "storagegateway.ListVolumes") in services.source_operations()
    readings = services.kind_readings()
    assert readings["Redshift Serverless"] == (SERVERLESS_READING,)
    assert set(readings) == {
        "Redshift Serverless",
        "Storage Gateway",
        "VirtualMachine",
        "SAP HANA on Amazon EC2",
    }
    assert ("elasticfilesystem", "file-system/", "efs.DescribeFileSystems") in services.source_operations()
    assert "elasticfilesystem:DescribeFileSystems" in services.iam_actions()
    assert "sts:AssumeRole" not in services.iam_actions(include_discovery=False)
    with pytest.raises(KeyError, match=r"no service declares the operation 's3\.ListObjectsV2'"):
        services.operation("s3.ListObjectsV2")


def test_the_contract_does_not_import_the_collector_frames_or_rules() -> None:
    """The contract imports no collector, rules, frames or pandas: a service's loader uses only the
    row types, shape accessors and loading context of ``auditor.model`` (no frames are built)."""
    import subprocess
    import sys

    code = (
        "import sys, auditor.services; "
        "print(sorted(m for m in sys.modules if m.startswith(('auditor.collect', 'auditor.model.frames', "
        "'auditor.rules', 'auditor.protection', 'aioboto3', 'pandas'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Operation("s3", "ListBuckets", required=False), "names the bundle version that adds it"),
        (
            lambda: Operation("organizations", "ListRoots", Scope.ORGANIZATION, account_wide=True),
            "only regional operations are account-wide",
        ),
        (
            lambda: Service(
                "s3",
                operations=(
                    Operation("s3", "ListBuckets", account_wide=True, since=2, required=False),
                    Operation(
                        "s3",
                        "GetBucketVersioning",
                        parent="s3.ListBuckets",
                        items="Buckets",
                        item_params={"Bucket": "{item[Name]}"},
                    ),
                ),
            ),
            "its parent s3.ListBuckets has another scope",
        ),
    ],
)
def test_optional_and_account_wide_declarations_are_checked(
    build: Callable[[], object], message: str
) -> None:
    with pytest.raises(DeclarationError, match=message):
        build()


def test_gateway_and_sap_services_are_services_of_some_regions() -> None:
    """Storage Gateway, AWS Backup gateway and Systems Manager for SAP exist in some Regions only:
    declared ``some_regions`` (the collector asks botocore's endpoint data, the manifest records
    the Regions skipped); every other service but Timestream is called in every Region."""
    assert services.some_region_services() == {
        "timestream-write",
        "storagegateway",
        "backup-gateway",
        "ssm-sap",
    }
    for service in ("storagegateway", "backup-gateway", "ssm-sap"):
        assert "us-east-1" in service_regions(service, "aws")
    # botocore lists no backup-gateway or ssm-sap endpoint in the China partition.
    assert "cn-north-1" not in service_regions("backup-gateway", "aws-cn")
    assert "cn-north-1" not in service_regions("ssm-sap", "aws-cn")
    assert "cn-north-1" in service_regions("storagegateway", "aws-cn")
