"""Create the demo organization of ``org.py`` in a sandbox, through the AWS APIs over HTTP.

The management account is the one the fake credentials map to; every member account is created
with Organizations CreateAccount and entered by sts:AssumeRole of its ``OrganizationAccountAccessRole``,
as in a real organization (moto keeps state per account id of the credentials).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from botocore.config import Config

from auditor.controls import Controls, parse_controls
from auditor.sandbox import control
from auditor.sandbox.faults import FaultPlan, FaultRule
from auditor.sandbox.org import (
    AUDIT_ROLE,
    BACKUP_ROLE,
    DEMO_ORG,
    OUS,
    REGIONS,
    VERDICT_NAMES,
    Account,
    DemoOrg,
    DlmPolicy,
    Gap,
    Plan,
    Region,
    Resource,
    Selection,
)
from auditor.sandbox.server import FAKE_CREDENTIALS

UNTRUSTED_ACCOUNT = "999999999999"
"""The only principal the denied account's audit role trusts (not the management account)."""
_PASSWORD = "sandbox-password-1"
_IMAGE_ID = "ami-760aaa0f"
"""An Amazon Linux AMI of moto's catalogue (moto does not validate AMI ids by default; listing its
catalogue with DescribeImages costs seconds)."""
_CONFIG = Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=60)
_BACKUP_TYPE = {
    "ec2-instance": "EC2",
    "ebs-volume": "EBS",
    "dynamodb-table": "DynamoDB",
    "efs": "EFS",
    "aurora": "Aurora",
    "neptune": "Neptune",
    "docdb": "DocumentDB",
    "multi-az": "RDS",
    "rds": "RDS",
    "rds-custom": "RDS",
    "rds-outposts": "RDS",
    "ontap": "FSx",
    "ontap-volume": "FSx",
    "s3-bucket": "S3",
    "cfn-stack": "CloudFormation",
    "redshift": "Redshift",
    "timestream-table": "Timestream",
    "serverless-namespace": "Redshift Serverless",
    # -- issue 9
    "sgw-volume": "Storage Gateway",
    "vmware-vm": "VirtualMachine",
    "sap-hana-db": "SAP HANA on Amazon EC2",
}


class SeedError(RuntimeError):
    """The sandbox could not be seeded (message names the account, region and step)."""


@dataclass(frozen=True)
class ExpectedGap:
    """A planted gap with the real ids: the finding it stands for has exactly this rule, account,
    region, subject ARN and resource type."""

    rule_id: str
    account_id: str
    region: str | None
    resource_arn: str | None
    note: str
    resource_type: str | None = None

    @property
    def key(self) -> tuple[str, str | None, str | None, str | None, str | None]:
        return (self.rule_id, self.account_id, self.region, self.resource_arn, self.resource_type)


@dataclass(frozen=True)
class SeededAccount:
    key: str
    account_id: str
    name: str
    status: str
    """ACTIVE or SUSPENDED."""
    regions: tuple[str, ...]
    denied: bool


@dataclass(frozen=True)
class SeededResource:
    account_key: str
    account_id: str
    region: str
    key: str
    kind: str
    resource_type: str
    """AWS Backup resource type."""
    arn: str
    deleted: bool
    verdict: str = ""
    """Expected verdict (``org.PROTECTED`` / ``UNPROTECTED`` / ``UNKNOWN`` / ``ABSENT``)."""


@dataclass(frozen=True)
class SeededOrg:
    organization_id: str
    management_account_id: str
    member_account_ids: tuple[str, ...]
    """Every member, ACTIVE or not (the denied one included, the suspended one included)."""
    regions: tuple[str, ...]
    audit_role_name: str
    denied_account_id: str
    suspended_account_id: str
    expected: tuple[ExpectedGap, ...]
    accounts: tuple[SeededAccount, ...]
    resources: tuple[SeededResource, ...]
    clean_arns: tuple[str, ...]
    """Resources protected with no finding expected."""
    endpoint_url: str
    controls: Controls = field(default_factory=Controls)
    """The ``[controls]`` the demo audit runs with (``DemoOrg.controls``)."""
    faults: FaultPlan = field(default_factory=FaultPlan)
    """What the demo audit runs under: a ``denied`` rule per ``DemoOrg.denied_operations``, with
    the real account ids. Seeding does not inject it (the sandbox stays fully readable for other
    uses); who audits the demo does: ``Sandbox.set_faults(seeded.faults)``."""

    @property
    def active_account_ids(self) -> tuple[str, ...]:
        return tuple(a.account_id for a in self.accounts if a.status == "ACTIVE")

    @property
    def auditable_account_ids(self) -> tuple[str, ...]:
        """ACTIVE accounts whose audit role can be assumed (management included)."""
        return tuple(a.account_id for a in self.accounts if a.status == "ACTIVE" and not a.denied)

    def account_id(self, key: str) -> str:
        return next(a.account_id for a in self.accounts if a.key == key)

    def arn(self, account_key: str, region: str, key: str) -> str:
        return next(
            r.arn
            for r in self.resources
            if r.account_key == account_key and r.region == region and r.key == key
        )

    def role_arn(self, account_id: str) -> str:
        return f"arn:aws:iam::{account_id}:role/{self.audit_role_name}"

    def summary(self) -> str:
        lines = [
            f"endpoint      {self.endpoint_url}",
            f"organization  {self.organization_id} (management account {self.management_account_id})",
            f"audit role    {self.audit_role_name}",
            f"regions       {', '.join(self.regions)}",
            "accounts:",
        ]
        for account in self.accounts:
            flags = []
            if account.account_id == self.management_account_id:
                flags.append("management")
            if account.denied:
                flags.append("audit role denied")
            if account.status != "ACTIVE":
                flags.append(account.status)
            lines.append(
                f"  {account.account_id}  {account.key:<11} {account.name}"
                + (f"  [{', '.join(flags)}]" if flags else "")
            )
        lines.append(f"expected gaps ({len(self.expected)}):")
        for gap in self.expected:
            where = f"{gap.account_id}/{gap.region or '-'}"
            lines.append(f"  {gap.rule_id}  {where:<24} {gap.resource_arn or '-'}")
            lines.append(f"           {gap.note}")
        lines.append(f"clean resources ({len(self.clean_arns)}): {', '.join(self.clean_arns)}")
        return "\n".join(lines)


# ---- clients ----------------------------------------------------------------------------------


class _Account:
    """Clients of one account (management credentials or an assumed role)."""

    def __init__(
        self, session: boto3.Session, endpoint_url: str, account_id: str, credentials: dict[str, str]
    ) -> None:
        self.session = session
        """Shared by every account: one botocore loader, service models parsed once."""
        self.endpoint_url = endpoint_url
        self.account_id = account_id
        self.credentials = credentials
        self._clients: dict[tuple[str, str], Any] = {}

    def client(self, service: str, region: str = "us-east-1") -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self.session.client(  # type: ignore[call-overload]  # any service name
                service,
                region_name=region,
                endpoint_url=self.endpoint_url,
                config=_CONFIG,
                aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
                aws_session_token=self.credentials.get("AWS_SESSION_TOKEN"),
            )
        return self._clients[key]


def _assume(management: _Account, account_id: str, role_name: str = AUDIT_ROLE) -> _Account:
    answer = management.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}", RoleSessionName="sandbox-seed"
    )
    credentials = answer["Credentials"]
    return _Account(
        management.session,
        management.endpoint_url,
        account_id,
        {
            "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
            "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
            "AWS_SESSION_TOKEN": credentials["SessionToken"],
        },
    )


def _tag_list(pairs: tuple[tuple[str, str], ...], **extra: str) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (*pairs, *extra.items())]


# ---- resources --------------------------------------------------------------------------------


class _RegionSeeder:
    def __init__(self, account: _Account, account_def: Account, region: Region, now: datetime) -> None:
        self.account = account
        self.account_def = account_def
        self.region = region
        self.name = region.name
        self.now = now
        self.resources: dict[str, SeededResource] = {}
        self.subjects: dict[str, str] = {}
        """``vault:NAME``, ``plan:NAME`` and ``rbin:RESOURCE_TYPE`` -> ARN (finding subjects that are not resources)."""
        self.plan_ids: dict[str, str] = {}
        self._deferred_deletes: list[Resource] = []
        self._timestream_databases: set[str] = set()
        self.account_ids: dict[str, str] = {}
        """Account key -> id of every account of the organization (copy destinations)."""

    def c(self, service: str) -> Any:
        return self.account.client(service, self.name)

    def _add(self, key: str, kind: str, arn: str, deleted: bool = False) -> None:
        self.resources[key] = SeededResource(
            account_key=self.account_def.key,
            account_id=self.account.account_id,
            region=self.name,
            key=key,
            kind=kind,
            resource_type=_BACKUP_TYPE[kind],
            arn=arn,
            deleted=deleted,
        )

    def seed(self) -> None:
        backup = self.c("backup")
        if self.region.opt_in or self.region.management:
            backup.update_region_settings(
                ResourceTypeOptInPreference=dict(self.region.opt_in),
                ResourceTypeManagementPreference=dict(self.region.management),
            )
        for vault in self.region.vaults:
            created = backup.create_backup_vault(
                BackupVaultName=vault, BackupVaultTags={"managed-by": "sandbox-seed"}
            )
            self.subjects[f"vault:{vault}"] = created["BackupVaultArn"]
        for vault in self.region.lag_vaults:  # copies: logically air-gapped vaults
            created = backup.create_logically_air_gapped_backup_vault(
                BackupVaultName=vault, MinRetentionDays=7, MaxRetentionDays=35
            )
            self.subjects[f"vault:{vault}"] = created["BackupVaultArn"]
        for vault in self.region.vault_policies:
            backup.put_backup_vault_access_policy(BackupVaultName=vault, Policy=_vault_policy())
        for resource in self.region.resources:
            self._create(resource)
        for plan in self.region.plans:
            self._create_plan(plan)
        for point in self.region.recovery_points:
            target = self.resources[point.resource]
            plan = next(p for p in self.region.plans if p.name == point.plan)
            control.add_recovery_point(
                self.account.endpoint_url,
                account_id=self.account.account_id,
                region=self.name,
                vault_name=point.vault,
                resource_arn=target.arn,
                resource_type=target.resource_type,
                resource_name=target.key,
                status=point.status,
                creation_date=self.now - timedelta(days=point.age_days),
                delete_after_days=plan.delete_after_days,
                plan_id=self.plan_ids[point.plan],
                is_encrypted=point.encrypted,
            )
        for job in self.region.jobs:
            target = self.resources[job.resource]
            control.add_backup_job(
                self.account.endpoint_url,
                account_id=self.account.account_id,
                region=self.name,
                vault_name=job.vault,
                resource_arn=target.arn,
                resource_type=target.resource_type,
                resource_name=target.key,
                state=job.state,
                status_message=job.message,
                creation_date=self.now - timedelta(days=job.age_days),
                plan_id=self.plan_ids[job.plan],
                plan_version=job.plan_version,
                backup_size_bytes=5368709120 if job.state == "COMPLETED" else 0,
            )
        for rule in self.region.rbin_rules:
            created = self.c("rbin").create_rule(
                ResourceType=rule.resource_type,
                RetentionPeriod={"RetentionPeriodValue": rule.retention_days, "RetentionPeriodUnit": "DAYS"},
                Description=rule.description,
            )
            self.subjects[f"rbin:{rule.resource_type}"] = (
                f"arn:aws:rbin:{self.name}:{self.account.account_id}:rule/{created['Identifier']}"
            )
        # -- backups made outside AWS Backup (BKP-017) --
        for policy in self.region.dlm_policies:
            self._create_dlm_policy(policy)
        # --
        self._seed_locks_and_restore_testing(backup)
        for resource in self._deferred_deletes:
            self._delete(resource)

    def _create_dlm_policy(self, policy: DlmPolicy) -> None:
        """An ENABLED Data Lifecycle Manager snapshot policy: daily, keeping 7 snapshots."""
        self.c("dlm").create_lifecycle_policy(
            ExecutionRoleArn=f"arn:aws:iam::{self.account.account_id}:role/AWSDataLifecycleManagerDefaultRole",
            Description=policy.description,
            State="ENABLED",
            PolicyDetails={
                "PolicyType": "EBS_SNAPSHOT_MANAGEMENT",
                "ResourceTypes": [policy.resource_type],
                "TargetTags": _tag_list(policy.target_tags),
                "Schedules": [
                    {
                        "Name": "daily",
                        "CreateRule": {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]},
                        "RetainRule": {"Count": 7},
                    }
                ],
            },
        )

    def _seed_locks_and_restore_testing(self, backup: Any) -> None:
        """Vault locks, the restore testing plan ``restore-tests`` with its selections, and the
        restore jobs it started (BKP-023 / BKP-034 / BKP-038)."""
        for vault, low, high in self.region.vault_locks:
            backup.put_backup_vault_lock_configuration(
                BackupVaultName=vault, MinRetentionDays=low, MaxRetentionDays=high
            )
        if not self.region.restore_selections and not self.region.restore_jobs:
            return
        backup.create_restore_testing_plan(
            RestoreTestingPlan={
                "RestoreTestingPlanName": "restore-tests",
                "ScheduleExpression": "cron(0 6 ? * * *)",
                "RecoveryPointSelection": {
                    "Algorithm": "LATEST_WITHIN_WINDOW",
                    "IncludeVaults": ["*"],
                    "RecoveryPointTypes": ["SNAPSHOT"],
                },
            }
        )
        role = f"arn:aws:iam::{self.account.account_id}:role/{BACKUP_ROLE}"
        for sel in self.region.restore_selections:
            body: dict[str, Any] = {
                "RestoreTestingSelectionName": sel.name,
                "IamRoleArn": role,
                "ProtectedResourceType": sel.resource_type,
                "ProtectedResourceArns": [self._resolve(a) for a in sel.arns],
            }
            if sel.conditions:
                grouped: dict[str, list[dict[str, str]]] = {}
                for op, key, value in sel.conditions:
                    grouped.setdefault(op, []).append({"Key": key, "Value": value})
                body["ProtectedResourceConditions"] = grouped
            backup.create_restore_testing_selection(
                RestoreTestingPlanName="restore-tests", RestoreTestingSelection=body
            )
        for job in self.region.restore_jobs:
            target = self.resources[job.resource]
            control.add_restore_job(
                self.account.endpoint_url,
                account_id=self.account.account_id,
                region=self.name,
                resource_arn=target.arn,
                resource_type=target.resource_type,
                status=job.status,
                status_message=job.message,
                creation_date=self.now - timedelta(days=job.age_days),
                minutes=job.minutes,
                testing_plan="restore-tests",
            )

    # -- creation by kind

    def _create(self, resource: Resource) -> None:
        creator = getattr(self, "_create_" + resource.kind.replace("-", "_"))
        creator(resource)
        if resource.deleted:
            self._deferred_deletes.append(resource)

    def _subnet_id(self) -> str:
        subnets = self.c("ec2").describe_subnets()["Subnets"]
        return str(subnets[0]["SubnetId"])

    def _create_ec2_instance(self, resource: Resource) -> None:
        answer = self.c("ec2").run_instances(
            ImageId=_IMAGE_ID,
            InstanceType="t3.small",
            MinCount=1,
            MaxCount=1,
            TagSpecifications=[
                {"ResourceType": "instance", "Tags": _tag_list(resource.tags, Name=resource.key)},
                {"ResourceType": "volume", "Tags": _tag_list(resource.tags, Name=f"{resource.key}-root")},
            ],
        )
        instance_id = answer["Instances"][0]["InstanceId"]
        arn = f"arn:aws:ec2:{self.name}:{self.account.account_id}:instance/{instance_id}"
        self._add(resource.key, resource.kind, arn, resource.deleted)
        volumes = self.c("ec2").describe_volumes(
            Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}]
        )["Volumes"]
        for volume in volumes:
            root = f"arn:aws:ec2:{self.name}:{self.account.account_id}:volume/{volume['VolumeId']}"
            self._add(f"{resource.key}-root", "ebs-volume", root)

    def _create_ebs_volume(self, resource: Resource) -> None:
        answer = self.c("ec2").create_volume(
            AvailabilityZone=f"{self.name}a",
            Size=50,
            VolumeType="gp3",
            TagSpecifications=[
                {"ResourceType": "volume", "Tags": _tag_list(resource.tags, Name=resource.key)}
            ],
        )
        arn = f"arn:aws:ec2:{self.name}:{self.account.account_id}:volume/{answer['VolumeId']}"
        self._add(resource.key, resource.kind, arn, resource.deleted)
        if resource.attached_to is not None:
            instance = self.resources.get(resource.attached_to)
            if instance is None or instance.kind != "ec2-instance":
                raise SeedError(
                    f"{self.account_def.key}/{self.name}: volume {resource.key} is attached to "
                    f"{resource.attached_to}, which is not an EC2 instance declared before it"
                )
            self.c("ec2").attach_volume(
                VolumeId=answer["VolumeId"], InstanceId=instance.arn.rsplit("/", 1)[1], Device="/dev/sdf"
            )

    def _create_dynamodb_table(self, resource: Resource) -> None:
        params: dict[str, Any] = {
            "TableName": resource.key,
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        }
        if resource.tags:
            params["Tags"] = _tag_list(resource.tags)
        answer = self.c("dynamodb").create_table(**params)
        self._add(resource.key, resource.kind, answer["TableDescription"]["TableArn"], resource.deleted)
        if resource.pitr:  # a backup made outside AWS Backup (BKP-017)
            self.c("dynamodb").update_continuous_backups(
                TableName=resource.key, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )

    def _create_redshift(self, resource: Resource) -> None:
        """A single-node provisioned Redshift cluster."""
        params: dict[str, Any] = {
            "ClusterIdentifier": resource.key,
            "NodeType": "ra3.xlplus",
            "ClusterType": "single-node",
            "MasterUsername": "admin",
            "MasterUserPassword": "Sandbox-password-1",
            "AutomatedSnapshotRetentionPeriod": resource.retention_days,
        }
        if resource.tags:
            params["Tags"] = _tag_list(resource.tags)
        self.c("redshift").create_cluster(**params)
        arn = f"arn:aws:redshift:{self.name}:{self.account.account_id}:cluster:{resource.key}"
        self._add(resource.key, resource.kind, arn, resource.deleted)

    def _create_timestream_table(self, resource: Resource) -> None:
        """A Timestream table named by the key, in its database (created on first use)."""
        client = self.c("timestream-write")
        if resource.database not in self._timestream_databases:
            client.create_database(DatabaseName=resource.database)
            self._timestream_databases.add(resource.database)
        params: dict[str, Any] = {"DatabaseName": resource.database, "TableName": resource.key}
        if resource.tags:
            params["Tags"] = _tag_list(resource.tags)
        answer = client.create_table(**params)
        self._add(resource.key, resource.kind, answer["Table"]["Arn"], resource.deleted)

    def _create_serverless_namespace(self, resource: Resource) -> None:
        """A Redshift Serverless namespace named by the key (tags in the API's lower-case form)."""
        params: dict[str, Any] = {"namespaceName": resource.key}
        if resource.tags:
            params["tags"] = [{"key": k, "value": v} for k, v in resource.tags]
        answer = self.c("redshift-serverless").create_namespace(**params)
        self._add(resource.key, resource.kind, answer["namespace"]["namespaceArn"], resource.deleted)

    def _create_cfn_stack(self, resource: Resource) -> None:
        """A stack whose template creates untagged DynamoDB tables (``stack_tables``)."""
        template = {
            "Resources": {
                f"Table{n}": {
                    "Type": "AWS::DynamoDB::Table",
                    "Properties": {
                        "TableName": table,
                        "BillingMode": "PAY_PER_REQUEST",
                        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    },
                }
                for n, table in enumerate(resource.stack_tables)
            }
        }
        params: dict[str, Any] = {"StackName": resource.key, "TemplateBody": json.dumps(template)}
        if resource.tags:
            params["Tags"] = _tag_list(resource.tags)
        answer = self.c("cloudformation").create_stack(**params)
        self._add(resource.key, resource.kind, answer["StackId"], resource.deleted)
        for table in resource.stack_tables:
            arn = f"arn:aws:dynamodb:{self.name}:{self.account.account_id}:table/{table}"
            self._add(table, "dynamodb-table", arn)

    def _create_efs(self, resource: Resource) -> None:
        answer = self.c("efs").create_file_system(
            CreationToken=f"{self.account_def.key}-{resource.key}",
            PerformanceMode="generalPurpose",
            Encrypted=True,
            Tags=_tag_list(resource.tags, Name=resource.key),
        )
        self._add(resource.key, resource.kind, answer["FileSystemArn"], resource.deleted)

    def _create_s3_bucket(self, resource: Resource) -> None:
        s3 = self.c("s3")
        name = f"{self.account_def.key}-{resource.key}"
        where = (
            {}
            if self.name == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": self.name}}
        )
        s3.create_bucket(Bucket=name, **where)
        if resource.tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": _tag_list(resource.tags)})
        if resource.versioning is not None:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": resource.versioning})
        if resource.noncurrent_days is not None:
            rule = {
                "ID": "expire-noncurrent",
                "Filter": {"Prefix": ""},
                "Status": "Enabled",
                "NoncurrentVersionExpiration": {"NoncurrentDays": resource.noncurrent_days},
            }
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [rule]})
        self._add(resource.key, resource.kind, f"arn:aws:s3:::{name}", resource.deleted)

    def _create_cluster(self, resource: Resource) -> None:
        rds = self.c("rds")
        params: dict[str, Any] = {
            "DBClusterIdentifier": resource.key,
            "Engine": resource.engine,
            "BackupRetentionPeriod": resource.retention_days,
            "Tags": _tag_list(resource.tags),
        }
        if resource.engine != "neptune":
            params.update(MasterUsername="sandbox", MasterUserPassword=_PASSWORD)
        if resource.kind == "multi-az":
            params.update(
                DBClusterInstanceClass="db.m6gd.large", StorageType="io1", Iops=1000, AllocatedStorage=100
            )
        answer = rds.create_db_cluster(**params)
        for index in range(1, resource.members + 1):
            rds.create_db_instance(
                DBInstanceIdentifier=f"{resource.key}-{index}",
                DBClusterIdentifier=resource.key,
                Engine=resource.engine,
                DBInstanceClass="db.r6g.large",
            )
        self._add(resource.key, resource.kind, answer["DBCluster"]["DBClusterArn"], resource.deleted)

    _create_aurora = _create_cluster
    _create_neptune = _create_cluster
    _create_docdb = _create_cluster
    _create_multi_az = _create_cluster

    def _create_rds(self, resource: Resource, **extra: Any) -> None:
        answer = self.c("rds").create_db_instance(
            DBInstanceIdentifier=resource.key,
            Engine=resource.engine,
            DBInstanceClass="db.m5.large",
            AllocatedStorage=100,
            MasterUsername="sandbox",
            MasterUserPassword=_PASSWORD,
            BackupRetentionPeriod=resource.retention_days,
            Tags=_tag_list(resource.tags),
            **extra,
        )
        self._add(resource.key, resource.kind, answer["DBInstance"]["DBInstanceArn"], resource.deleted)

    def _create_rds_custom(self, resource: Resource) -> None:
        self._create_rds(resource, CustomIamInstanceProfile="AWSRDSCustomSQLServerInstanceRole")

    def _create_rds_outposts(self, resource: Resource) -> None:
        ec2 = self.c("ec2")
        vpc_id = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        outpost = f"arn:aws:outposts:{self.name}:{self.account.account_id}:outpost/op-0a1b2c3d4e5f60718"
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock="172.31.250.0/24",
            AvailabilityZone=f"{self.name}a",
            OutpostArn=outpost,
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": "outpost"}]}],
        )["Subnet"]
        group = f"{resource.key}-outpost"
        self.c("rds").create_db_subnet_group(
            DBSubnetGroupName=group,
            DBSubnetGroupDescription="Subnets on the Outpost",
            SubnetIds=[subnet["SubnetId"]],
        )
        self._create_rds(resource, DBSubnetGroupName=group)

    def _create_ontap(self, resource: Resource) -> None:
        fsx = self.c("fsx")
        file_system = fsx.create_file_system(
            FileSystemType="ONTAP",
            StorageCapacity=1024,
            StorageType="SSD",
            SubnetIds=[self._subnet_id()],
            OntapConfiguration={"DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 128},
            Tags=_tag_list(resource.tags, Name=resource.key),
        )["FileSystem"]
        self._add(resource.key, resource.kind, file_system["ResourceARN"], resource.deleted)
        svm = fsx.create_storage_virtual_machine(
            FileSystemId=file_system["FileSystemId"], Name=f"{resource.key.replace('-', '_')}_svm"
        )["StorageVirtualMachine"]
        for volume_key, volume_tags in resource.volumes:
            params: dict[str, Any] = {
                "VolumeType": "ONTAP",
                "Name": volume_key.replace("-", "_"),
                "OntapConfiguration": {
                    "StorageVirtualMachineId": svm["StorageVirtualMachineId"],
                    "SizeInMegabytes": 10240,
                    "JunctionPath": f"/{volume_key}",
                },
            }
            if volume_tags:
                params["Tags"] = _tag_list(volume_tags)
            volume = fsx.create_volume(**params)["Volume"]
            self._add(volume_key, "ontap-volume", volume["ResourceARN"])

    def _delete(self, resource: Resource) -> None:
        if resource.kind == "ebs-volume":
            volume_id = self.resources[resource.key].arn.rsplit("/", 1)[1]
            self.c("ec2").delete_volume(VolumeId=volume_id)
        elif resource.kind in ("aurora", "neptune", "docdb", "multi-az"):
            rds = self.c("rds")
            for index in range(1, resource.members + 1):
                rds.delete_db_instance(DBInstanceIdentifier=f"{resource.key}-{index}", SkipFinalSnapshot=True)
            rds.delete_db_cluster(DBClusterIdentifier=resource.key, SkipFinalSnapshot=True)
        else:
            raise SeedError(f"deleting a {resource.kind} ({resource.key}) is not modelled")

    # -- issue 9: Storage Gateway volumes, VMware virtual machines, SAP HANA databases. No AWS API
    # creates them without a gateway appliance, a hypervisor or an SAP discovery on an instance:
    # the sandbox's control actions do.

    def _create_sgw_volume(self, resource: Resource) -> None:
        """A cached volume (id derived from the key) of gateway ``parent``."""
        gateway = resource.parent or "volume-gateway"
        arn = control.add_gateway_volume(
            self.account.endpoint_url,
            account_id=self.account.account_id,
            region=self.name,
            gateway_id=f"sgw-{_hex_id(gateway, 8)}",
            gateway_name=gateway,
            volume_id=f"vol-{_hex_id(resource.key, 8)}",
            tags=dict(resource.tags),
        )
        self._add(resource.key, resource.kind, arn, resource.deleted)

    def _create_vmware_vm(self, resource: Resource) -> None:
        """A virtual machine named after the key (id derived from it)."""
        arn = control.add_virtual_machine(
            self.account.endpoint_url,
            account_id=self.account.account_id,
            region=self.name,
            vm_id=f"vm-{_hex_id(resource.key, 17)}",
            name=resource.key,
            tags=dict(resource.tags),
        )
        self._add(resource.key, resource.kind, arn, resource.deleted)

    def _create_sap_hana_db(self, resource: Resource) -> None:
        """Database ``DB`` of key ``APP-DB`` (SYSTEMDB: the system database) in application ``parent``."""
        database = resource.key.rsplit("-", 1)[-1].upper()
        arn = control.add_sap_hana_database(
            self.account.endpoint_url,
            account_id=self.account.account_id,
            region=self.name,
            application_id=resource.parent or "HANA",
            database_id=database,
            database_type="SYSTEM" if database == "SYSTEMDB" else "TENANT",
            tags=dict(resource.tags),
        )
        self._add(resource.key, resource.kind, arn, resource.deleted)

    # -- end of issue 9

    # -- plans

    def _resolve(self, pattern: str) -> str:
        if pattern.startswith("{arn:") and pattern.endswith("}"):
            return self.resources[pattern[5:-1]].arn
        return pattern

    def _create_plan(self, plan: Plan) -> None:
        backup = self.c("backup")
        answer = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": plan.name,
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": plan.vault,
                        "ScheduleExpression": plan.schedule,
                        "StartWindowMinutes": 60,
                        "CompletionWindowMinutes": 480,
                        "Lifecycle": {"DeleteAfterDays": plan.delete_after_days},
                        "CopyActions": [
                            {"DestinationBackupVaultArn": self._vault_arn(dest)} for dest in plan.copy_to
                        ],
                    }
                ],
            }
        )
        self.plan_ids[plan.name] = answer["BackupPlanId"]
        self.subjects[f"plan:{plan.name}"] = answer["BackupPlanArn"]
        for selection in plan.selections:
            created = backup.create_backup_selection(
                BackupPlanId=answer["BackupPlanId"], BackupSelection=self._selection(selection)
            )
            if selection.age_days:  # backdated: the demo's jobs ran under this selection
                control.set_selection_creation_date(
                    self.account.endpoint_url,
                    account_id=self.account.account_id,
                    region=self.name,
                    plan_id=answer["BackupPlanId"],
                    selection_id=created["SelectionId"],
                    creation_date=self.now - timedelta(days=selection.age_days),
                )

    def _vault_arn(self, dest: tuple[str, str, str]) -> str:
        """ARN of a copy destination (account key, region, vault name)."""
        account_key, region, vault = dest
        return _vault_arn(self.account_ids[account_key], region, vault)

    def _selection(self, selection: Selection) -> dict[str, Any]:
        body: dict[str, Any] = {
            "SelectionName": selection.name,
            "IamRoleArn": f"arn:aws:iam::{self.account.account_id}:role/{BACKUP_ROLE}",
        }
        if selection.resources:
            body["Resources"] = [self._resolve(p) for p in selection.resources]
        if selection.not_resources:
            body["NotResources"] = [self._resolve(p) for p in selection.not_resources]
        if selection.list_of_tags:
            body["ListOfTags"] = [
                {"ConditionType": "STRINGEQUALS", "ConditionKey": k, "ConditionValue": v}
                for k, v in selection.list_of_tags
            ]
        if selection.conditions:
            grouped: dict[str, list[dict[str, str]]] = {}
            for operator, key, value in selection.conditions:
                grouped.setdefault(operator, []).append({"ConditionKey": key, "ConditionValue": value})
            body["Conditions"] = grouped
        return body


def _vault_arn(account_id: str, region: str, vault: str) -> str:
    return f"arn:aws:backup:{region}:{account_id}:backup-vault:{vault}"


def _hex_id(key: str, length: int) -> str:
    """A stable upper-case hexadecimal id for ``key`` (issue 9's sandbox-created resources)."""
    return hashlib.sha256(key.encode()).hexdigest()[:length].upper()


def _vault_policy() -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyRecoveryPointDeletion",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "backup:DeleteRecoveryPoint",
                        "backup:UpdateRecoveryPointLifecycle",
                        "backup:PutBackupVaultAccessPolicy",
                    ],
                    "Resource": "*",
                }
            ],
        }
    )


def _distrust(account: _Account, role_name: str = AUDIT_ROLE) -> None:
    """Make the audit role trust another account only: AssumeRole from management is denied."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{UNTRUSTED_ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    account.client("iam").update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(trust))


def deny_audit_role(endpoint_url: str, account_id: str, role_name: str = AUDIT_ROLE) -> None:
    """From now on, sts:AssumeRole of ``role_name`` in member ``account_id`` by the management
    account answers AccessDenied (the role's trust policy names another account), as for a member
    whose audit role was never set up to trust the auditor."""
    management = _Account(boto3.Session(), endpoint_url, "", FAKE_CREDENTIALS)
    _distrust(_assume(management, account_id, role_name), role_name)


# ---- the organization -------------------------------------------------------------------------


DEMO_RANDOM_SEED = 20241205
"""Seeds the sandbox's id generator before the demo organization is created, so account ids and
resource ids are the same on every run (two demo runs can be compared)."""


def seed_demo_org(
    endpoint_url: str, org: DemoOrg = DEMO_ORG, random_seed: int = DEMO_RANDOM_SEED
) -> SeededOrg:
    """Create ``org`` (default: the demo organization) in the sandbox at ``endpoint_url``.
    The sandbox must be fresh (no organization yet); ``Sandbox.reset()`` gives a fresh one.
    Ids are deterministic: the sandbox's generator is seeded with ``random_seed`` first."""
    now = datetime.now(tz=UTC)
    _seed_random(endpoint_url, random_seed)
    management = _Account(boto3.Session(), endpoint_url, "", FAKE_CREDENTIALS)
    management.account_id = management.client("sts").get_caller_identity()["Account"]
    organization, policy_id = _create_organization(management, org)
    ids = _create_accounts(management, org)
    _attach_backup_policy(management, org, policy_id, ids)
    resources: list[SeededResource] = []
    subjects: dict[tuple[str, str, str], str] = {}
    seeded_accounts: list[SeededAccount] = []
    for account_def in org.accounts:
        seeded_accounts.append(
            _seed_account(management, account_def, ids[account_def.key], now, resources, subjects, ids)
        )
    resources = _with_verdicts(resources, org)
    by_key = {(r.account_key, r.region, r.key): r for r in resources}
    _seed_copies(management, org, ids, by_key, now)
    denied = next(a for a in org.accounts if a.denied)
    suspended = next(a for a in org.accounts if a.suspended)
    return SeededOrg(
        organization_id=organization["Id"],
        management_account_id=management.account_id,
        member_account_ids=tuple(ids[a.key] for a in org.accounts if not a.management),
        regions=REGIONS,
        audit_role_name=AUDIT_ROLE,
        denied_account_id=ids[denied.key],
        suspended_account_id=ids[suspended.key],
        expected=tuple(_expected_gap(gap, ids, by_key, subjects) for gap in org.gaps),
        accounts=tuple(seeded_accounts),
        resources=tuple(resources),
        clean_arns=tuple(by_key[key].arn for key in org.clean),
        endpoint_url=endpoint_url,
        controls=demo_controls(org),
        faults=demo_faults(org, ids),
    )


def demo_faults(org: DemoOrg, ids: Mapping[str, str]) -> FaultPlan:
    """AccessDenied for each call of ``org.denied_operations``, in its account and Region only
    (``ids``: account key -> account id)."""
    return FaultPlan(
        tuple(
            FaultRule("denied", service=service, operation=operation, account=ids[key], region=region)
            for key, region, service, operation in org.denied_operations
        )
    )


def _seed_random(endpoint_url: str, random_seed: int) -> None:
    """moto draws every generated id (account ids included) from one generator; seed it."""
    request = urllib.request.Request(f"{endpoint_url}/moto-api/seed?a={random_seed}", method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def _create_organization(management: _Account, org: DemoOrg) -> tuple[dict[str, Any], str | None]:
    """The organization, and the id of its backup policy when it is still to be attached to the
    accounts of ``org.backup_policy_targets`` (they do not exist yet)."""
    organizations = management.client("organizations")
    try:
        organization: dict[str, Any] = organizations.create_organization(FeatureSet="ALL")["Organization"]
    except organizations.exceptions.AlreadyInOrganizationException as error:
        raise SeedError(
            f"the sandbox at {management.endpoint_url} already has an organization; "
            "seed a fresh (reset) sandbox"
        ) from error
    root_id = organizations.list_roots()["Roots"][0]["Id"]
    organizations.enable_policy_type(RootId=root_id, PolicyType="BACKUP_POLICY")
    policy_id: str | None = None
    if org.backup_policy:
        policy = organizations.create_policy(
            Name="org-backup-baseline",
            Description="Daily backups of resources tagged org-backup=baseline",
            Type="BACKUP_POLICY",
            Content=org.backup_policy,
        )
        policy_id = policy["Policy"]["PolicySummary"]["Id"]
        if not org.backup_policy_targets:
            organizations.attach_policy(PolicyId=policy_id, TargetId=root_id)
            policy_id = None
        else:
            # Attached to accounts once they exist. moto draws every response's request id from
            # the seeded generator, so one call in place of the root attachment keeps the account
            # ids (and the README's example ARNs) what they were with the policy at the root.
            organizations.describe_policy(PolicyId=policy_id)
    return organization, policy_id


def _attach_backup_policy(
    management: _Account, org: DemoOrg, policy_id: str | None, ids: dict[str, str]
) -> None:
    """Attach the backup policy to the accounts of ``org.backup_policy_targets``, and create and
    attach ``org.other_backup_policies``."""
    organizations = management.client("organizations")
    attach = [(policy_id, key) for key in org.backup_policy_targets] if policy_id is not None else []
    for other in org.other_backup_policies:
        created = organizations.create_policy(
            Name=other.name, Description=other.name, Type="BACKUP_POLICY", Content=other.content
        )
        attach += [(created["Policy"]["PolicySummary"]["Id"], key) for key in other.targets]
    for pid, key in attach:
        if key not in ids:
            raise SeedError(f"a backup policy names {key!r}, which is not an account of the organization")
        organizations.attach_policy(PolicyId=pid, TargetId=ids[key])


def _create_accounts(management: _Account, org: DemoOrg) -> dict[str, str]:
    """Account key -> account id; members are created in declaration order."""
    organizations = management.client("organizations")
    ids: dict[str, str] = {}
    for account_def in org.accounts:
        if account_def.management:
            ids[account_def.key] = management.account_id
            continue
        status = organizations.create_account(AccountName=account_def.name, Email=account_def.email)
        ids[account_def.key] = status["CreateAccountStatus"]["AccountId"]
    _place_accounts(organizations, ids)
    return ids


def _place_accounts(organizations: Any, ids: Mapping[str, str]) -> None:
    """Create the organizational units of ``org.OUS`` and move each account into its unit."""
    root = organizations.list_roots()["Roots"][0]["Id"]
    units: dict[str, str] = {"": root}
    for key, path in OUS:
        if key not in ids:
            continue
        parent = ""
        for name in path.split("/"):
            here = f"{parent}/{name}".lstrip("/")
            if here not in units:
                created = organizations.create_organizational_unit(ParentId=units[parent], Name=name)
                units[here] = created["OrganizationalUnit"]["Id"]
            parent = here
        organizations.move_account(AccountId=ids[key], SourceParentId=root, DestinationParentId=units[path])


def _seed_account(
    management: _Account,
    account_def: Account,
    account_id: str,
    now: datetime,
    resources: list[SeededResource],
    subjects: dict[tuple[str, str, str], str],
    ids: dict[str, str] | None = None,
) -> SeededAccount:
    """Seed every region of one account; adds to ``resources`` and ``subjects``."""
    session = management if account_def.management else _assume(management, account_id)
    for region in account_def.regions:
        seeder = _RegionSeeder(session, account_def, region, now)
        seeder.account_ids = dict(ids or {})
        try:
            seeder.seed()
        except Exception as error:  # re-raised with where it happened
            raise SeedError(f"seeding {account_def.key} ({account_id}) {region.name}: {error}") from error
        resources.extend(seeder.resources.values())
        subjects.update({(account_def.key, region.name, k): arn for k, arn in seeder.subjects.items()})
    if account_def.denied:
        _distrust(session)
    if account_def.suspended:
        management.client("organizations").close_account(AccountId=account_id)
    return SeededAccount(
        key=account_def.key,
        account_id=account_id,
        name=account_def.name,
        status="SUSPENDED" if account_def.suspended else "ACTIVE",
        regions=tuple(r.name for r in account_def.regions),
        denied=account_def.denied,
    )


def _with_verdicts(resources: list[SeededResource], org: DemoOrg) -> list[SeededResource]:
    """Each resource with its expected verdict from ``org.verdicts``; every resource needs one."""
    table = {(a, r, key): v for a, r, pairs in org.verdicts for key, v in pairs}
    seeded = {(x.account_key, x.region, x.key) for x in resources}
    missing = sorted(seeded - table.keys())
    stray = sorted(table.keys() - seeded)
    wrong = sorted(k for k, v in table.items() if v not in VERDICT_NAMES)
    if missing or stray or wrong:
        raise SeedError(
            f"the organization's verdict table is inconsistent: no verdict for {missing}, "
            f"no such resource {stray}, unknown verdict for {wrong}"
        )
    return [replace(x, verdict=table[(x.account_key, x.region, x.key)]) for x in resources]


def _expected_gap(
    gap: Gap,
    ids: dict[str, str],
    resources: dict[tuple[str, str, str], SeededResource],
    subjects: dict[tuple[str, str, str], str],
) -> ExpectedGap:
    """The finding ``gap`` stands for, with real ids: a resource subject also fixes the type."""
    arn: str | None = None
    resource_type = gap.resource_type
    if gap.resource is not None:
        where = (gap.account, gap.region or "", gap.resource)
        if where in resources:
            arn, resource_type = resources[where].arn, resources[where].resource_type
        elif where in subjects:
            arn = subjects[where]
        elif gap.resource.startswith("vault:") and gap.region is not None:
            # A vault that should exist and does not (BKP-042): its ARN as AWS would give it.
            arn = f"arn:aws:backup:{gap.region}:{ids[gap.account]}:backup-vault:{gap.resource[6:]}"
        else:
            raise SeedError(
                f"gap {gap.rule_id} names {gap.account}/{gap.region}/{gap.resource}, which the seed did not create"
            )
    return ExpectedGap(
        rule_id=gap.rule_id,
        account_id=ids[gap.account],
        region=gap.region,
        resource_arn=arn,
        note=gap.note,
        resource_type=resource_type,
    )


# ---- copies and air-gapped vaults (BKP-022/036/037/039) ---------------------------------------


def _seed_copies(
    management: _Account,
    org: DemoOrg,
    ids: dict[str, str],
    resources: dict[tuple[str, str, str], SeededResource],
    now: datetime,
) -> None:
    """Copy recovery points in their destination vaults and copy jobs in their source
    account-regions (after every account: a copy names resources of other accounts), and the
    management account's cross-account backup setting."""
    url = management.endpoint_url
    for point in org.copies:
        source = resources[(point.source_account, point.source_region, point.resource)]
        control.add_recovery_point(
            url,
            account_id=ids[point.account],
            region=point.region,
            vault_name=point.vault,
            resource_arn=source.arn,
            resource_type=source.resource_type,
            resource_name=source.key,
            creation_date=now - timedelta(days=point.age_days),
            delete_after_days=point.delete_after_days,
        )
    for job in org.copy_jobs:
        source = resources[(job.account, job.region, job.resource)]
        control.add_copy_job(
            url,
            account_id=ids[job.account],
            region=job.region,
            vault_name=job.vault,
            resource_arn=source.arn,
            resource_type=source.resource_type,
            destination_vault_arn=_vault_arn(ids[job.destination[0]], *job.destination[1:]),
            state=job.state,
            status_message=job.message,
            creation_date=now - timedelta(days=job.age_days),
        )
    if org.cross_account_backup:
        management.client("backup").update_global_settings(
            GlobalSettings={"isCrossAccountBackupEnabled": "true"}
        )


def demo_controls(org: DemoOrg = DEMO_ORG) -> Controls:
    """The ``[controls]`` tables of ``org`` (TOML text) as :class:`Controls`."""
    raw = tomllib.loads(org.controls) if org.controls else {}
    return parse_controls(raw.get("controls", {}))
