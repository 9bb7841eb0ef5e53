"""Collection speed against the sandbox with network latency injected at the server.

Starts the sandbox in its own process (so its CPU is not the collector's) with LATENCY ms added to
every request, seeds a synthetic organization of ACCOUNTS member accounts (plus the management
account) x REGIONS regions, then:

1. runs ``collect_to_bundle`` (the async collector) and prints wall seconds, API calls, calls/s,
   the collector process's CPU milliseconds per API call (target <= 1.9 ms), and the critical-path
   bound: the longest chain of calls that had to wait for each other x LATENCY; with
   ``--repeat N`` it collects N times from the same sandbox and prints each run's CPU per call,
   their median and the load average at each run (the machine may be shared: CPU time is
   steadier than wall time, but still rises with the load);
2. collects the same evidence the way single-threaded tools do (plain boto3, one call at a time,
   account after account, region after region) and prints its wall time and the speed-up.

Usage::

    python benchmarks/collect.py                          # 10 accounts x 3 regions, 50 ms
    python benchmarks/collect.py --accounts 30 --regions 4 --latency-ms 20
    python benchmarks/collect.py --skip-sequential        # only the async collector
    python benchmarks/collect.py --skip-sequential --repeat 5   # median CPU per call of 5 runs

Every declared service has something to list in every account-region (or, in a Region that lacks
it, is recorded as not available there): DynamoDB tables, S3 buckets, CloudFormation stacks,
provisioned and Serverless Redshift, Timestream, Storage Gateway volumes, VMware virtual machines,
SAP HANA databases, Data Lifecycle Manager policies; the others answer empty listings.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aioboto3
import boto3
import psutil
from aiobotocore.config import AioConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from auditor.collect.clients import tune_session
from auditor.collect.engine import collect_to_bundle, service_regions
from auditor.config import SESSION_NAME, AuditConfig
from auditor.sandbox import start_sandbox
from auditor.services import REGIONAL_SERVICES
from auditor.services.rbin import RESOURCE_TYPES as RBIN_RESOURCE_TYPES

ALL_REGIONS = ("us-east-1", "eu-west-1", "eu-central-1", "us-west-2", "ap-southeast-2", "sa-east-1")
ROLE = "OrganizationAccountAccessRole"
ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
}
# Per account-region: vaults, plans (one selection each), tables, recovery points (first vault),
# S3 buckets; Timestream tables (one database, in the Regions that have Timestream) and Redshift
# Serverless namespaces.
VAULTS, PLANS, TABLES, RECOVERY_POINTS, BUCKETS = 2, 2, 2, 3, 2
TIMESTREAM_TABLES, NAMESPACES = 2, 1
# Per account-region (issue 9): Storage Gateway volumes, VMware virtual machines, SAP HANA databases
# (one application), each read again per item (tags / GetDatabase).
GATEWAY_VOLUMES, VIRTUAL_MACHINES, SAP_DATABASES = 2, 2, 2
# Per account-region: CloudFormation stacks (one DynamoDB table each, listed per stack), provisioned
# Redshift clusters, Data Lifecycle Manager policies (read one by one).
STACKS, CLUSTERS, DLM_POLICIES = 1, 1, 1
TARGET_MS_PER_CALL = 1.9
SEED_THREADS = 24


def _env() -> None:
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_REGION"):
        os.environ.pop(key, None)
    os.environ.update(ENV)


def _session_for(url: str, account: str, management: str) -> boto3.Session:
    if account == management:
        return boto3.Session()
    sts = boto3.client("sts", endpoint_url=url)
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="bench-seed")[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _post(url: str, action: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"{url}/_sandbox/{action}", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()


def _seed_region(url: str, session: boto3.Session, account: str, region: str) -> None:
    backup = session.client("backup", region_name=region, endpoint_url=url)
    for v in range(VAULTS):
        backup.create_backup_vault(BackupVaultName=f"vault-{v}")
    for p in range(PLANS):
        plan = backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": f"plan-{p}",
                "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "vault-0"}],
            }
        )
        backup.create_backup_selection(
            BackupPlanId=plan["BackupPlanId"],
            BackupSelection={
                "SelectionName": f"sel-{p}",
                "IamRoleArn": f"arn:aws:iam::{account}:role/backup",
                "Resources": ["arn:aws:dynamodb:*:*:table/*"],
            },
        )
    dynamodb = session.client("dynamodb", region_name=region, endpoint_url=url)
    for t in range(TABLES):
        dynamodb.create_table(
            TableName=f"table-{t}",
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    # S3: BUCKETS buckets per account-region, listed once per account (ListBuckets is account-wide)
    # and read bucket by bucket (tags, versioning, lifecycle).
    s3 = session.client("s3", region_name=region, endpoint_url=url)
    for b in range(BUCKETS):
        name = f"bucket-{account}-{region}-{b}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            where: dict[str, Any] = {"CreateBucketConfiguration": {"LocationConstraint": region}}
            s3.create_bucket(Bucket=name, **where)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "backup", "Value": "daily"}]})
    if region in service_regions("timestream-write", "aws"):
        timestream = session.client("timestream-write", region_name=region, endpoint_url=url)
        timestream.create_database(DatabaseName="metrics")
        for t in range(TIMESTREAM_TABLES):
            timestream.create_table(
                DatabaseName="metrics", TableName=f"series-{t}", Tags=[{"Key": "backup", "Value": "daily"}]
            )
    serverless = session.client("redshift-serverless", region_name=region, endpoint_url=url)
    for n in range(NAMESPACES):
        serverless.create_namespace(namespaceName=f"ns-{n}", tags=[{"key": "backup", "value": "daily"}])
    _seed_stacks_clusters_dlm(session, url, account, region)
    _seed_gateways_sap(url, account, region)
    for r in range(RECOVERY_POINTS):
        _post(
            url,
            "backup/recovery-points",
            {
                "account_id": account,
                "region": region,
                "vault_name": "vault-0",
                "resource_arn": f"arn:aws:dynamodb:{region}:{account}:table/table-{r % TABLES}",
            },
        )


def _seed_stacks_clusters_dlm(session: boto3.Session, url: str, account: str, region: str) -> None:
    """CloudFormation stacks (each creating one DynamoDB table), Redshift clusters, DLM policies."""
    cloudformation = session.client("cloudformation", region_name=region, endpoint_url=url)
    for n in range(STACKS):
        table = {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": f"stack-{n}-table",
                "BillingMode": "PAY_PER_REQUEST",
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            },
        }
        cloudformation.create_stack(
            StackName=f"stack-{n}",
            TemplateBody=json.dumps({"Resources": {"Table": table}}),
            Tags=[{"Key": "backup", "Value": "daily"}],
        )
    redshift = session.client("redshift", region_name=region, endpoint_url=url)
    for n in range(CLUSTERS):
        redshift.create_cluster(
            ClusterIdentifier=f"dw-{n}",
            NodeType="ra3.xlplus",
            ClusterType="single-node",
            MasterUsername="admin",
            MasterUserPassword="Sandbox-password-1",
            Tags=[{"Key": "backup", "Value": "daily"}],
        )
    dlm = session.client("dlm", region_name=region, endpoint_url=url)
    for n in range(DLM_POLICIES):
        dlm.create_lifecycle_policy(
            ExecutionRoleArn=f"arn:aws:iam::{account}:role/AWSDataLifecycleManagerDefaultRole",
            Description=f"daily snapshots {n}",
            State="ENABLED",
            PolicyDetails={
                "PolicyType": "EBS_SNAPSHOT_MANAGEMENT",
                "ResourceTypes": ["VOLUME"],
                "TargetTags": [{"Key": "snapshots", "Value": "daily"}],
                "Schedules": [
                    {
                        "Name": "daily",
                        "CreateRule": {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]},
                        "RetainRule": {"Count": 7},
                    }
                ],
            },
        )


def _seed_gateways_sap(url: str, account: str, region: str) -> None:
    """Issue 9's resources, through the sandbox's control actions (no AWS API creates them)."""
    where = {"account_id": account, "region": region}
    for v in range(GATEWAY_VOLUMES):
        _post(
            url,
            "storagegateway/volumes",
            {**where, "gateway_id": "sgw-0000000A", "volume_id": f"vol-0000000{v}"},
        )
    for m in range(VIRTUAL_MACHINES):
        _post(url, "backup-gateway/virtual-machines", {**where, "vm_id": f"vm-0000000000000000{m}"})
    for d in range(SAP_DATABASES):
        _post(url, "ssm-sap/databases", {**where, "application_id": "ERP", "database_id": f"DB{d}"})


def seed(url: str, accounts: int, regions: tuple[str, ...]) -> list[str]:
    """An organization of ``accounts`` members (+ management), every account-region populated."""
    org = boto3.client("organizations", endpoint_url=url)
    org.create_organization(FeatureSet="ALL")
    management = boto3.client("sts", endpoint_url=url).get_caller_identity()["Account"]

    def create(i: int) -> str:
        status = org.create_account(Email=f"bench{i}@example.com", AccountName=f"bench-{i}")
        return str(status["CreateAccountStatus"]["AccountId"])

    with ThreadPoolExecutor(SEED_THREADS) as pool:
        members = list(pool.map(create, range(accounts)))
        ids = [management, *members]
        sessions = dict(zip(ids, pool.map(lambda a: _session_for(url, a, management), ids), strict=True))
        jobs = [pool.submit(_seed_region, url, sessions[a], a, r) for a in ids for r in regions]
        for job in jobs:
            job.result()
    return ids


# ---------------------------------------------------------------- the single-threaded way


@dataclass
class Sequential:
    """Plain boto3, one call at a time: what a single-threaded tool does."""

    url: str
    regions: tuple[str, ...]
    calls: int = 0

    def _pages(self, client: Any, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        if client.can_paginate(operation):
            for page in client.get_paginator(operation).paginate(**params):
                self.calls += 1
                yield page
        else:
            self.calls += 1
            yield getattr(client, operation)(**params)

    def _all(self, client: Any, operation: str, key: str, **params: Any) -> list[Any]:
        return [item for page in self._pages(client, operation, **params) for item in page.get(key, [])]

    def _try(self, client: Any, operation: str, **params: Any) -> Any:
        """The first page of a call that may fail (no vault policy, no effective policy), else None;
        counted by ``_pages``."""
        try:
            return next(self._pages(client, operation, **params))
        except ClientError:
            return None

    def run(self) -> dict[str, Any]:
        config = Config(retries={"mode": "standard", "max_attempts": 3})
        evidence: dict[str, Any] = {}
        sts = boto3.client("sts", endpoint_url=self.url, config=config)
        me = next(self._pages(sts, "get_caller_identity"))["Account"]
        org = boto3.client("organizations", endpoint_url=self.url, config=config)
        evidence["org"] = next(self._pages(org, "describe_organization"))
        accounts = [a for a in self._all(org, "list_accounts", "Accounts") if a["Status"] == "ACTIVE"]
        evidence["policies"] = self._all(org, "list_policies", "Policies", Filter="BACKUP_POLICY")
        for account in sorted(a["Id"] for a in accounts):
            evidence[account] = self._try(
                org, "describe_effective_policy", PolicyType="BACKUP_POLICY", TargetId=account
            )
            keys: dict[str, str] = {}
            if account != me:
                creds = next(
                    self._pages(
                        sts,
                        "assume_role",
                        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}",
                        RoleSessionName=SESSION_NAME,
                    )
                )["Credentials"]
                keys = {
                    "aws_access_key_id": creds["AccessKeyId"],
                    "aws_secret_access_key": creds["SecretAccessKey"],
                    "aws_session_token": creds["SessionToken"],
                }
            session = boto3.Session(
                aws_access_key_id=keys.get("aws_access_key_id"),
                aws_secret_access_key=keys.get("aws_secret_access_key"),
                aws_session_token=keys.get("aws_session_token"),
            )
            evidence[f"{account}/s3"] = self._buckets(session, config)
            for region in self.regions:
                evidence[f"{account}/{region}"] = self._region(session, account, region, config)
        return evidence

    def _buckets(self, session: boto3.Session, config: Config) -> dict[str, Any]:
        """S3, once per account: the buckets, then each one's tags, versioning and lifecycle."""
        s3 = session.client("s3", region_name=self.regions[0], endpoint_url=self.url, config=config)
        out: dict[str, Any] = {}
        for bucket in self._all(s3, "list_buckets", "Buckets", MaxBuckets=10000):
            name = bucket["Name"]
            out[f"tags/{name}"] = self._try(s3, "get_bucket_tagging", Bucket=name)
            out[f"versioning/{name}"] = next(self._pages(s3, "get_bucket_versioning", Bucket=name))
            out[f"lifecycle/{name}"] = self._try(s3, "get_bucket_lifecycle_configuration", Bucket=name)
        return out

    def _region(self, session: boto3.Session, account: str, region: str, config: Config) -> dict[str, Any]:
        def client(name: str) -> Any:
            return session.client(name, region_name=region, endpoint_url=self.url, config=config)  # type: ignore[call-overload]

        out: dict[str, Any] = {}
        backup = client("backup")
        out["settings"] = next(self._pages(backup, "describe_region_settings"))
        plans = self._all(backup, "list_backup_plans", "BackupPlansList")
        for plan in plans:
            pid = plan["BackupPlanId"]
            out[pid] = next(self._pages(backup, "get_backup_plan", BackupPlanId=pid))
            for sel in self._all(backup, "list_backup_selections", "BackupSelectionsList", BackupPlanId=pid):
                out[sel["SelectionId"]] = next(
                    self._pages(
                        backup, "get_backup_selection", BackupPlanId=pid, SelectionId=sel["SelectionId"]
                    )
                )
        for vault in self._all(backup, "list_backup_vaults", "BackupVaultList"):
            name = vault["BackupVaultName"]
            out[f"policy/{name}"] = self._try(backup, "get_backup_vault_access_policy", BackupVaultName=name)
            out[f"points/{name}"] = self._all(
                backup, "list_recovery_points_by_backup_vault", "RecoveryPoints", BackupVaultName=name
            )
        since = datetime.now(UTC) - timedelta(days=14)
        out["jobs"] = self._all(backup, "list_backup_jobs", "BackupJobs", ByCreatedAfter=since)
        rds = client("rds")
        out["instances"] = self._all(rds, "describe_db_instances", "DBInstances")
        out["clusters"] = self._all(rds, "describe_db_clusters", "DBClusters")
        dynamodb = client("dynamodb")
        for name in self._all(dynamodb, "list_tables", "TableNames"):
            out[f"table/{name}"] = next(self._pages(dynamodb, "describe_table", TableName=name))
            arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
            out[f"tags/{name}"] = self._all(dynamodb, "list_tags_of_resource", "Tags", ResourceArn=arn)
            # backups made outside AWS Backup (BKP-017)
            out[f"pitr/{name}"] = next(self._pages(dynamodb, "describe_continuous_backups", TableName=name))
        out["user-backups"] = next(self._pages(dynamodb, "list_backups", BackupType="USER"))
        dlm = client("dlm")
        for policy in next(self._pages(dlm, "get_lifecycle_policies"))["Policies"]:
            out[f"dlm/{policy['PolicyId']}"] = next(
                self._pages(dlm, "get_lifecycle_policy", PolicyId=policy["PolicyId"])
            )
        out["efs"] = self._all(client("efs"), "describe_file_systems", "FileSystems")
        fsx = client("fsx")
        out["fsx"] = self._all(fsx, "describe_file_systems", "FileSystems")
        out["fsx-volumes"] = self._all(fsx, "describe_volumes", "Volumes")
        ec2 = client("ec2")
        out["ec2"] = self._all(ec2, "describe_instances", "Reservations")
        out["ebs"] = self._all(ec2, "describe_volumes", "Volumes")
        rbin = client("rbin")
        for kind in RBIN_RESOURCE_TYPES:
            out[f"rbin/{kind}"] = self._all(rbin, "list_rules", "Rules", ResourceType=kind)
        if region in service_regions("timestream-write", "aws"):
            out.update(self._timestream(client("timestream-write"), account, region))
        serverless = client("redshift-serverless")
        for ns in self._all(serverless, "list_namespaces", "namespaces"):
            arn = ns["namespaceArn"]
            out[f"ns/{arn}"] = next(self._pages(serverless, "list_tags_for_resource", resourceArn=arn))
        out["redshift"] = self._all(client("redshift"), "describe_clusters", "Clusters")
        cloudformation = client("cloudformation")
        for stack in self._all(cloudformation, "describe_stacks", "Stacks"):
            out[f"stack/{stack['StackId']}"] = self._all(
                cloudformation, "list_stack_resources", "StackResourceSummaries", StackName=stack["StackId"]
            )
        out.update(self._gateways_sap(client, region))
        return out

    def _tokens(self, client: Any, operation: str, key: str, **params: Any) -> list[Any]:
        """Every item of a listing botocore has no paginator for (``NextToken`` followed)."""
        items: list[Any] = []
        token: str | None = None
        while True:
            page = next(self._pages(client, operation, **params, **({"NextToken": token} if token else {})))
            items.extend(page.get(key, []))
            token = page.get("NextToken")
            if not token:
                return items

    def _timestream(self, timestream: Any, account: str, region: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for db in self._tokens(timestream, "list_databases", "Databases", MaxResults=20):
            name = db["DatabaseName"]
            for table in self._tokens(timestream, "list_tables", "Tables", DatabaseName=name, MaxResults=20):
                arn = f"arn:aws:timestream:{region}:{account}:database/{name}/table/{table['TableName']}"
                out[f"ts/{arn}"] = next(self._pages(timestream, "list_tags_for_resource", ResourceARN=arn))
        return out

    def _gateways_sap(self, client: Any, region: str) -> dict[str, Any]:
        """Issue 9's services, where botocore lists them."""
        out: dict[str, Any] = {}
        if region in service_regions("storagegateway", "aws"):
            sgw = client("storagegateway")
            out["gateways"] = self._all(sgw, "list_gateways", "Gateways")
            for volume in self._all(sgw, "list_volumes", "VolumeInfos"):
                arn = volume["VolumeARN"]
                out[f"sgw-tags/{arn}"] = self._all(sgw, "list_tags_for_resource", "Tags", ResourceARN=arn)
        if region in service_regions("backup-gateway", "aws"):
            bgw = client("backup-gateway")
            for vm in self._all(bgw, "list_virtual_machines", "VirtualMachines"):
                arn = vm["ResourceArn"]
                out[f"vm-tags/{arn}"] = next(self._pages(bgw, "list_tags_for_resource", ResourceArn=arn))
        if region in service_regions("ssm-sap", "aws"):
            sap = client("ssm-sap")
            for app in self._all(sap, "list_applications", "Applications"):
                for db in self._all(sap, "list_databases", "Databases", ApplicationId=app["Id"]):
                    ids = {k: db[k] for k in ("ApplicationId", "ComponentId", "DatabaseId")}
                    out[f"sap/{db['Arn']}"] = next(self._pages(sap, "get_database", **ids))
        return out


# ---------------------------------------------------------------- cost breakdown


async def _client_costs(rounds: int = 5) -> tuple[float, float]:
    """(CPU s to load every service model once, CPU s to create one account-region's clients)."""
    session = aioboto3.Session()
    tune_session(session)  # as the collector does
    config = AioConfig(retries={"mode": "adaptive", "max_attempts": 3}, proxies={})
    keys = {"aws_access_key_id": "a", "aws_secret_access_key": "b", "aws_session_token": "c"}
    start = time.process_time()
    for service in (*REGIONAL_SERVICES, "sts", "organizations"):
        async with session.client(service, region_name="us-east-1", config=config, **keys):  # type: ignore[call-overload]
            pass
    loading = time.process_time() - start
    gc.freeze()  # as the collector does once the models are loaded
    start = time.process_time()
    try:
        for i in range(rounds):
            for service in REGIONAL_SERVICES:
                region = ALL_REGIONS[i % len(ALL_REGIONS)]
                async with session.client(service, region_name=region, config=config, **keys):  # type: ignore[call-overload]
                    pass
    finally:
        gc.unfreeze()
    return loading, (time.process_time() - start) / rounds


# ---------------------------------------------------------------- main


def _collect_once(config: AuditConfig, me: psutil.Process) -> tuple[float, float, Any, float]:
    """(wall s, CPU s of this process, manifest, 1-minute load average before) of one collection."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        cpu0 = me.cpu_times()
        wall0 = time.perf_counter()
        _path, manifest = collect_to_bundle(config, Path(tmp) / "bundle", progress=False)
        wall = time.perf_counter() - wall0
        cpu1 = me.cpu_times()
    return wall, (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system), manifest, load


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=10, help="member accounts (default 10)")
    parser.add_argument(
        "--regions", type=int, default=3, help=f"regions, at most {len(ALL_REGIONS)} (default 3)"
    )
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added to every request (default 50)")
    parser.add_argument("--max-concurrency", type=int, default=64)
    parser.add_argument("--per-region-concurrency", type=int, default=8)
    parser.add_argument(
        "--skip-sequential", action="store_true", help="do not run the single-threaded collection"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="collect this many times; print the median CPU per call"
    )
    args = parser.parse_args(argv)
    regions = ALL_REGIONS[: max(1, min(args.regions, len(ALL_REGIONS)))]
    _env()

    with start_sandbox(own_process=True, latency_ms=args.latency_ms) as sandbox:
        url = sandbox.endpoint_url
        started = time.monotonic()
        ids = seed(url, args.accounts, regions)
        print(
            f"seeded {len(ids)} accounts x {len(regions)} regions in {time.monotonic() - started:.1f}s "
            f"(sandbox {url}, own process, +{args.latency_ms:g} ms per request)",
            file=sys.stderr,
        )
        config = AuditConfig(
            endpoint_url=url,
            regions=regions,
            max_concurrency=args.max_concurrency,
            per_account_region_concurrency=min(args.per_region_concurrency, args.max_concurrency),
            quiet=True,
        )
        me = psutil.Process()
        gc.collect()
        rss_before_mb = me.memory_info().rss / 2**20
        runs = [_collect_once(config, me) for _ in range(max(1, args.repeat))]
        wall, cpu_s, manifest, _load = runs[0]
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        loading_s, per_region_clients_s = asyncio.run(_client_costs())
        stats = manifest.extra["collection"]
        calls = int(stats["calls"])
        depth = int(stats["critical_path_calls"])
        print(
            f"\nasync collector ({args.max_concurrency} in flight, {config.per_account_region_concurrency} per account-region)"
        )
        print(
            f"  account-regions     {sum(len(a.regions) for a in manifest.accounts)}  ({len(ids)} accounts)"
        )
        print(f"  errors              {len(manifest.errors)}")
        print(f"  wall seconds        {wall:.2f}")
        print(f"  API calls           {calls}")
        print(f"  calls/s             {calls / wall:.0f}")
        regions_done = sum(len(a.regions) for a in manifest.accounts)
        clients_s = per_region_clients_s * regions_done
        print(f"  CPU seconds         {cpu_s:.2f}  (collector process; the sandbox runs in its own)")
        print(f"  CPU ms per call     {1000 * cpu_s / calls:.2f}  (target <= {TARGET_MS_PER_CALL} ms)")
        print(
            f"    of which          {1000 * loading_s / calls:.2f} loading service models once per run, "
            f"{1000 * clients_s / calls:.2f} creating clients "
            f"({1000 * per_region_clients_s:.1f} ms per account-region for {len(REGIONAL_SERVICES)} clients)"
        )
        one, five, fifteen = os.getloadavg()
        print(f"  load average        {one:.2f} {five:.2f} {fifteen:.2f}  (1, 5, 15 min, after the runs)")
        steady = (cpu_s - loading_s) / calls
        print(f"  CPU ms per call     {1000 * steady:.2f}  without the once-per-run model loading")
        print(
            f"  RSS                 {rss_before_mb:.0f} MB before, peak {rss_mb:.0f} MB (benchmark process)"
        )
        print(
            f"  critical path       {depth} dependent calls x {args.latency_ms:g} ms = {depth * args.latency_ms / 1000:.2f} s"
        )
        floor = calls * args.latency_ms / 1000 / args.max_concurrency
        print(
            f"  concurrency bound   {calls} calls x {args.latency_ms:g} ms / {args.max_concurrency} = {floor:.2f} s"
        )
        if len(runs) > 1:
            per_call = [1000 * cpu / int(m.extra["collection"]["calls"]) for _, cpu, m, _ in runs]
            print(
                f"  CPU ms per call     median {statistics.median(per_call):.2f} of {len(runs)} runs "
                f"(target <= {TARGET_MS_PER_CALL} ms): "
                + ", ".join(
                    f"{ms:.2f} (load {load:.1f})" for ms, (_, _, _, load) in zip(per_call, runs, strict=True)
                )
            )
        for error in manifest.errors[:5]:
            print(
                f"  error: {error.account_id} {error.region} {error.service}.{error.operation}: {error.code}"
            )

        if not args.skip_sequential:
            sequential = Sequential(url, regions)
            wall0 = time.perf_counter()
            sequential.run()
            seq_wall = time.perf_counter() - wall0
            print("\nsingle-threaded boto3 (one call at a time, account after account)")
            print(f"  wall seconds        {seq_wall:.2f}")
            print(f"  API calls           {sequential.calls}")
            print(f"  calls/s             {sequential.calls / seq_wall:.0f}")
            print(f"  speed-up            {seq_wall / wall:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
