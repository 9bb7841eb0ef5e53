"""Seeding and helpers for the collection tests: a small organization in its own sandbox, and one bundle collected from it for the whole package.

The organization (regions us-east-1 and eu-west-1):
- management 123456789012 (the caller): one vault;
- alpha: many plans (with selections), vaults, recovery points, tables (DynamoDB and Timestream)
  and Redshift Serverless namespaces in eu-west-1, so every listing needs several pages at page
  size 2; one vault in us-east-1; one old and one recent job;
- beta: its own, differently named, resources;
- denied: its audit role exists and does not trust the caller (sts AssumeRole -> AccessDenied);
- external: its audit role trusts the caller only with ExternalId ``audit-ext-1``;
- closed: SUSPENDED (closed), so never audited;
- alpha/eu-west-1 also has Storage Gateway volumes on two gateways, VMware virtual machines and SAP
  HANA databases of three applications (created through the sandbox's control actions).
This package starts its own sandbox rather than the shared one: it creates an organization,
which would collide with another package's.
"""

from __future__ import annotations

import asyncio
import io
import json
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from auditor.collect.engine import collect
from auditor.collect.progress import Progress
from auditor.config import AuditConfig
from auditor.evidence import BundleWriter, Manifest

MANAGEMENT = "123456789012"
REGIONS = ("us-east-1", "eu-west-1")
EXTERNAL_ID = "audit-ext-1"
ROLE = "OrganizationAccountAccessRole"
PAGE_SIZE = 2
ALPHA_PLANS = 7
ALPHA_VAULTS = 5
ALPHA_RECOVERY_POINTS = 7
ALPHA_TABLES = 3
# issue 9: alpha/eu-west-1 also holds these, enough for several pages at page size 2.
ALPHA_VOLUMES = 3
ALPHA_VMS = 3
ALPHA_SAP_DATABASES = {"BW": ("SYSTEMDB",), "CRM": ("SYSTEMDB",), "ERP": ("SYSTEMDB", "HDB", "QAS")}

ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}


@dataclass(frozen=True)
class Org:
    endpoint_url: str
    alpha: str
    beta: str
    denied: str
    external: str
    closed: str

    @property
    def collectable(self) -> tuple[str, ...]:
        """Accounts whose resources a run with ``EXTERNAL_ID`` can read."""
        return (MANAGEMENT, self.alpha, self.beta, self.external)


@dataclass(frozen=True)
class Collected:
    path: Path
    manifest: Manifest
    stderr: str


def assumed(url: str, account: str, region: str) -> boto3.Session:
    sts = boto3.client("sts", endpoint_url=url)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="test-seed")[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=region,
    )


def sandbox_action(url: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/_sandbox/{action}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def _seed_resources(
    url: str, account: str, region: str, prefix: str, plans: int, vaults: int, tables: int
) -> None:
    session = assumed(url, account, region) if account != MANAGEMENT else boto3.Session(region_name=region)
    backup = session.client("backup", endpoint_url=url)
    for i in range(vaults):
        backup.create_backup_vault(BackupVaultName=f"{prefix}-vault-{i}")
    for i in range(plans):
        plan = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": f"{prefix}-plan-{i}",
                "Rules": [
                    {
                        "RuleName": "daily",
                        "TargetBackupVaultName": f"{prefix}-vault-0",
                        "ScheduleExpression": "cron(0 5 * * ? *)",
                    }
                ],
            }
        )
        backup.create_backup_selection(
            BackupPlanId=plan["BackupPlanId"],
            BackupSelection={
                "SelectionName": f"{prefix}-selection-{i}",
                "IamRoleArn": f"arn:aws:iam::{account}:role/service-role/AWSBackupDefaultServiceRole",
                "Resources": [f"arn:aws:dynamodb:{region}:{account}:table/{prefix}-table-0"],
            },
        )
    if tables:
        # One S3 bucket per seeded account-region: ListBuckets is account-wide, each bucket names
        # its Region.
        s3 = session.client("s3", endpoint_url=url)
        bucket = f"{prefix}-bucket-{account}".lower()
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            where: dict[str, Any] = {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=bucket, **where)
        s3.put_bucket_versioning(
            Bucket=f"{prefix}-bucket-{account}".lower(), VersioningConfiguration={"Status": "Enabled"}
        )
    if tables:
        # Timestream and Redshift Serverless (issue 9): as many tables and namespaces as DynamoDB
        # tables, so alpha's listings need two pages at page size 2.
        timestream = session.client("timestream-write", endpoint_url=url)
        timestream.create_database(DatabaseName=f"{prefix}-db")
        serverless = session.client("redshift-serverless", endpoint_url=url)
        for i in range(tables):
            owner = [{"Key": "owner", "Value": prefix}]
            timestream.create_table(DatabaseName=f"{prefix}-db", TableName=f"{prefix}-series-{i}", Tags=owner)
            serverless.create_namespace(
                namespaceName=f"{prefix}-ns-{i}", tags=[{"key": "owner", "value": prefix}]
            )
    dynamodb = session.client("dynamodb", endpoint_url=url)
    for i in range(tables):
        dynamodb.create_table(
            TableName=f"{prefix}-table-{i}",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            Tags=[{"Key": "owner", "Value": prefix}],
        )


def _trust(principal_account: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{principal_account}:root"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def seed(url: str) -> Org:
    org = boto3.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    ids = {
        name: org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"][
            "AccountId"
        ]
        for name in ("alpha", "beta", "denied", "external", "closed")
    }
    _seed_resources(url, ids["alpha"], "eu-west-1", "alpha", ALPHA_PLANS, ALPHA_VAULTS, ALPHA_TABLES)
    _seed_resources(url, ids["alpha"], "us-east-1", "alpha-east", 0, 1, 0)
    _seed_resources(url, ids["beta"], "eu-west-1", "beta", 1, 1, 1)
    _seed_resources(url, MANAGEMENT, "us-east-1", "mgmt", 0, 1, 0)
    for i in range(ALPHA_RECOVERY_POINTS):
        sandbox_action(
            url,
            "backup/recovery-points",
            {
                "account_id": ids["alpha"],
                "region": "eu-west-1",
                "vault_name": "alpha-vault-0",
                "resource_arn": f"arn:aws:dynamodb:eu-west-1:{ids['alpha']}:table/alpha-table-{i % ALPHA_TABLES}",
            },
        )
    now = datetime.now(UTC)
    for age_days, job_id in ((1, "RECENT-JOB"), (40, "OLD-JOB")):
        sandbox_action(
            url,
            "backup/jobs",
            {
                "account_id": ids["alpha"],
                "region": "eu-west-1",
                "vault_name": "alpha-vault-0",
                "resource_arn": f"arn:aws:dynamodb:eu-west-1:{ids['alpha']}:table/alpha-table-0",
                "state": "COMPLETED",
                "creation_date": (now - timedelta(days=age_days)).isoformat(),
                "job_id": job_id,
            },
        )
        # (moto creates the role with each account; its trust policy is replaced here.)
    assumed(url, ids["denied"], "us-east-1").client("iam", endpoint_url=url).update_assume_role_policy(
        RoleName=ROLE, PolicyDocument=_trust("999999999999")
    )
    assumed(url, ids["external"], "us-east-1").client("iam", endpoint_url=url).update_assume_role_policy(
        RoleName=ROLE, PolicyDocument=_trust(MANAGEMENT, {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}})
    )
    org.close_account(AccountId=ids["closed"])
    _seed_gateways_sap(url, ids["alpha"], "eu-west-1")
    return Org(url, ids["alpha"], ids["beta"], ids["denied"], ids["external"], ids["closed"])


# -- issue 9: Storage Gateway volumes, VMware virtual machines, SAP HANA databases


def _seed_gateways_sap(url: str, account: str, region: str) -> None:
    where = {"account_id": account, "region": region}
    for i in range(ALPHA_VOLUMES):
        sandbox_action(
            url,
            "storagegateway/volumes",
            {
                **where,
                "gateway_id": f"sgw-0000000{i % 2}",
                "gateway_name": f"alpha-gw-{i % 2}",
                "volume_id": f"vol-0000000{i}",
                "tags": {"owner": "alpha"},
            },
        )
    for i in range(ALPHA_VMS):
        sandbox_action(
            url,
            "backup-gateway/virtual-machines",
            {
                **where,
                "vm_id": f"vm-0000000000000000{i}",
                "name": f"alpha-vm-{i}",
                "tags": {"owner": "alpha"},
            },
        )
    for app, databases in ALPHA_SAP_DATABASES.items():
        for database in databases:
            sandbox_action(
                url,
                "ssm-sap/databases",
                {**where, "application_id": app, "database_id": database, "tags": {"owner": "alpha"}},
            )


# -- end of issue 9


def base_config(org: Org, **changes: Any) -> AuditConfig:
    values: dict[str, Any] = {
        "endpoint_url": org.endpoint_url,
        "regions": REGIONS,
        "external_id": EXTERNAL_ID,
        "max_attempts": 2,
        "quiet": True,
    }
    values.update(changes)
    return AuditConfig(**values)


def run_collect(
    config: AuditConfig, target: Path, *, page_size: int | None = None, force: bool = False
) -> Collected:
    """Collect through the async API with stderr captured."""
    stream = io.StringIO()
    with BundleWriter(target, force=force, compress=config.compress) as writer:
        manifest = asyncio.run(
            collect(config, writer, Progress(enabled=False, stream=stream), page_size=page_size)
        )
        path = writer.commit(manifest)
    return Collected(path, manifest, stream.getvalue())
