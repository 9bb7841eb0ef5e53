"""Evaluation speed and memory on a large synthetic evidence bundle.

Generates (in a temporary directory, unless ``--bundle`` names one to reuse or keep) a bundle of
ACCOUNTS x REGIONS account-regions with RESOURCES resources each (default 1,000 x 4 x 250 =
1,000,000 resources; two EBS volumes in three attached to an instance), 5 plans per
account-region with mixed tag / ARN / condition selections, and
RECOVERY_POINTS recovery points per resource type per account-region. Then, each in a fresh child
process so peak memory is not inflated by generation:

1. ``load_inventory`` then ``resolve`` (wall seconds per phase, peak RSS);
2. ``auditor.evaluate.evaluate_bundle`` end to end, when that module exists (wall, peak RSS).

Target: under 60 s and under 4 GB on a 2-core machine. Usage::

    python benchmarks/evaluate.py                      # full size
    python benchmarks/evaluate.py --accounts 50        # scaled down
    python benchmarks/evaluate.py --bundle /tmp/big    # keep (or reuse) the generated bundle
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

from auditor.evidence import AccountEntry, BundleWriter, Call, Manifest, OrganizationInfo, ToolInfo
from auditor.services import account_wide_keys, regional_keys

COLLECTED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
REGIONS = ("eu-west-1", "eu-central-1", "us-east-1", "us-west-2", "ap-southeast-2", "sa-east-1")
OPT_IN = {
    "Aurora": True,
    "DocumentDB": True,
    "DynamoDB": True,
    "EBS": True,
    "EC2": True,
    "EFS": True,
    "FSx": True,
    "Neptune": True,
    "RDS": True,
    "S3": True,
}
# Share of each resource kind in an account-region (sums to 1.0).
MIX = (
    ("ec2", 0.36),
    ("ebs", 0.24),
    ("dynamodb", 0.12),
    ("rds", 0.08),
    ("aurora", 0.04),
    ("efs", 0.06),
    ("fsx_windows", 0.02),
    ("ontap_volume", 0.08),
)
RP_TYPES = {
    "ec2": "EC2",
    "ebs": "EBS",
    "dynamodb": "DynamoDB",
    "rds": "RDS",
    "aurora": "Aurora",
    "efs": "EFS",
    "fsx_windows": "FSx",
    "ontap_volume": "FSx",
}


def _tags(i: int) -> list[dict[str, str]]:
    tags = [
        {"Key": "env", "Value": ("prod", "dev", "staging", "prod-eu")[i % 4]},
        {"Key": "team", "Value": f"team-{i % 7}"},
    ]
    if i % 3 == 0:
        tags.append({"Key": "backup", "Value": "daily"})
    if i % 11 == 0:
        tags.append({"Key": "tier", "Value": "gold"})
    return tags


def _iso(dt: datetime) -> str:
    return dt.isoformat()


@dataclass
class _Inventory:
    """The resources of one account-region as the listing calls return them, built kind by kind."""

    instances: list[dict[str, Any]] = field(default_factory=list)
    volumes: list[dict[str, Any]] = field(default_factory=list)
    tables: list[tuple[str, str, list[dict[str, str]]]] = field(default_factory=list)
    db_instances: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    efs: list[dict[str, Any]] = field(default_factory=list)
    fsx_fs: list[dict[str, Any]] = field(default_factory=list)
    fsx_vols: list[dict[str, Any]] = field(default_factory=list)
    arns_by_kind: dict[str, list[str]] = field(default_factory=lambda: {k: [] for k, _ in MIX})
    next_index: int = 0


def _add_compute(inv: _Inventory, a: str, r: str, counts: dict[str, int]) -> None:
    instances, volumes, tables, arns_by_kind = inv.instances, inv.volumes, inv.tables, inv.arns_by_kind
    i = inv.next_index
    for _ in range(counts["ec2"]):
        iid = f"i-{i:017x}"
        instances.append({"InstanceId": iid, "State": {"Code": 16, "Name": "running"}, "Tags": _tags(i)})
        arns_by_kind["ec2"].append(f"arn:aws:ec2:{r}:{a}:instance/{iid}")
        i += 1
    instance_ids = [x["InstanceId"] for x in instances]
    for k in range(counts["ebs"]):
        vid = f"vol-{i:017x}"
        volume: dict[str, Any] = {"VolumeId": vid, "State": "available", "Size": 8, "Tags": _tags(i)}
        if instance_ids and k % 3 != 2:
            # Two volumes in three are attached (data volumes of the instances): their verdict
            # depends on their instance's when no selection of their own protects them.
            volume["State"] = "in-use"
            volume["Attachments"] = [
                {"InstanceId": instance_ids[k % len(instance_ids)], "State": "attached", "VolumeId": vid}
            ]
        volumes.append(volume)
        arns_by_kind["ebs"].append(f"arn:aws:ec2:{r}:{a}:volume/{vid}")
        i += 1
    for _ in range(counts["dynamodb"]):
        name = f"table-{i}"
        arn = f"arn:aws:dynamodb:{r}:{a}:table/{name}"
        tables.append((name, arn, _tags(i)))
        arns_by_kind["dynamodb"].append(arn)
        i += 1
    inv.next_index = i


def _add_databases(inv: _Inventory, a: str, r: str, counts: dict[str, int]) -> None:
    db_instances, clusters, arns_by_kind = inv.db_instances, inv.clusters, inv.arns_by_kind
    i = inv.next_index
    subnet = [
        {
            "SubnetIdentifier": "subnet-1",
            "SubnetAvailabilityZone": {"Name": f"{r}a"},
            "SubnetStatus": "Active",
        }
    ]
    for _ in range(counts["rds"]):
        ident = f"db-{i}"
        arn = f"arn:aws:rds:{r}:{a}:db:{ident}"
        db_instances.append(
            {
                "DBInstanceIdentifier": ident,
                "DBInstanceArn": arn,
                "Engine": "postgres",
                "BackupRetentionPeriod": 7,
                "DBSubnetGroup": {"DBSubnetGroupName": "default", "Subnets": subnet},
                "TagList": _tags(i),
            }
        )
        arns_by_kind["rds"].append(arn)
        i += 1
    for _ in range(counts["aurora"]):
        ident = f"aurora-{i}"
        arn = f"arn:aws:rds:{r}:{a}:cluster:{ident}"
        clusters.append(
            {
                "DBClusterIdentifier": ident,
                "DBClusterArn": arn,
                "Engine": "aurora-mysql",
                "BackupRetentionPeriod": 7,
                "DBClusterMembers": [{"DBInstanceIdentifier": f"{ident}-1", "IsClusterWriter": True}],
                "TagList": _tags(i),
            }
        )
        db_instances.append(
            {
                "DBInstanceIdentifier": f"{ident}-1",
                "DBInstanceArn": f"arn:aws:rds:{r}:{a}:db:{ident}-1",
                "Engine": "aurora-mysql",
                "DBClusterIdentifier": ident,
                "DBSubnetGroup": {"DBSubnetGroupName": "default", "Subnets": subnet},
                "TagList": [],
            }
        )
        arns_by_kind["aurora"].append(arn)
        i += 1
    inv.next_index = i


def _add_file_systems(inv: _Inventory, a: str, r: str, counts: dict[str, int]) -> None:
    efs, fsx_fs, fsx_vols, arns_by_kind = inv.efs, inv.fsx_fs, inv.fsx_vols, inv.arns_by_kind
    i = inv.next_index
    for _ in range(counts["efs"]):
        fid = f"fs-{i:017x}"
        arn = f"arn:aws:elasticfilesystem:{r}:{a}:file-system/{fid}"
        efs.append(
            {"FileSystemId": fid, "FileSystemArn": arn, "LifeCycleState": "available", "Tags": _tags(i)}
        )
        arns_by_kind["efs"].append(arn)
        i += 1
    for _ in range(counts["fsx_windows"]):
        fid = f"fs-{i:017x}"
        arn = f"arn:aws:fsx:{r}:{a}:file-system/{fid}"
        fsx_fs.append(
            {"FileSystemId": fid, "FileSystemType": "WINDOWS", "ResourceARN": arn, "Tags": _tags(i)}
        )
        arns_by_kind["fsx_windows"].append(arn)
        i += 1
    ontap = f"fs-{i:017x}"
    fsx_fs.append(
        {
            "FileSystemId": ontap,
            "FileSystemType": "ONTAP",
            "ResourceARN": f"arn:aws:fsx:{r}:{a}:file-system/{ontap}",
            "Tags": [{"Key": "backup", "Value": "daily"}],
        }
    )
    i += 1
    for _ in range(counts["ontap_volume"]):
        vid = f"fsvol-{i:017x}"
        arn = f"arn:aws:fsx:{r}:{a}:volume/{ontap}/{vid}"
        fsx_vols.append(
            {
                "FileSystemId": ontap,
                "VolumeId": vid,
                "VolumeType": "ONTAP",
                "ResourceARN": arn,
                "Tags": _tags(i + 1),
            }
        )
        arns_by_kind["ontap_volume"].append(arn)
        i += 1
    inv.next_index = i


def _selections(a: str, r: str, arns_by_kind: dict[str, list[str]]) -> list[tuple[str, dict[str, Any]]]:
    """(plan name, selection body) of the seven selections the five plans hold."""
    exact = arns_by_kind["rds"][:5] + arns_by_kind["aurora"][:3]
    selections: list[tuple[str, dict[str, Any]]] = [
        (
            "daily",
            {
                "Conditions": {
                    "StringEquals": [{"ConditionKey": "aws:ResourceTag/backup", "ConditionValue": "daily"}]
                }
            },
        ),
        (
            "daily",
            {
                "Resources": ["arn:aws:ec2:*:*:instance/*"],
                "NotResources": [f"arn:aws:ec2:{r}:{a}:instance/i-00000000000000000*"],
            },
        ),
        (
            "prod",
            {
                "Resources": ["arn:aws:dynamodb:*:*:table/*", "arn:aws:elasticfilesystem:*"],
                "Conditions": {
                    "StringLike": [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod*"}],
                    "StringNotEquals": [{"ConditionKey": "aws:ResourceTag/team", "ConditionValue": "team-3"}],
                },
            },
        ),
        (
            "gold",
            {
                "ListOfTags": [
                    {"ConditionType": "STRINGEQUALS", "ConditionKey": "tier", "ConditionValue": "gold"}
                ]
            },
        ),
        ("databases", {"Resources": exact}),
        ("databases", {"Resources": ["arn:aws:rds:*:*:cluster:*"], "ListOfTags": []}),
        ("everything", {"Resources": ["*"], "NotResources": ["arn:aws:ec2:*:*:volume/*"]}),
    ]
    return selections


def _plans(
    a: str, r: str, arns_by_kind: dict[str, list[str]]
) -> tuple[list[dict[str, Any]], list[Call], list[Call], list[Call], dict[str, str]]:
    """Five plans with mixed selections: plans, plan details, selection lists and details, ids."""
    plans, plan_details, sel_lists, sel_details = [], [], [], []
    selections = _selections(a, r, arns_by_kind)
    plan_ids: dict[str, str] = {}
    for name in ("daily", "prod", "gold", "databases", "everything"):
        pid = f"{a}-{r}-{name}"
        plan_ids[name] = pid
        plans.append(
            {
                "BackupPlanId": pid,
                "BackupPlanName": name,
                "BackupPlanArn": f"arn:aws:backup:{r}:{a}:backup-plan:{pid}",
                "VersionId": "v1",
            }
        )
        plan_details.append(
            Call(
                {"BackupPlanId": pid},
                {
                    "BackupPlanId": pid,
                    "BackupPlan": {
                        "BackupPlanName": name,
                        "Rules": [
                            {
                                "RuleName": "r",
                                "RuleId": f"{pid}-r",
                                "TargetBackupVaultName": "Default",
                                "ScheduleExpression": "cron(0 5 ? * * *)",
                                "StartWindowMinutes": 60,
                                "CompletionWindowMinutes": 180,
                                "Lifecycle": {"DeleteAfterDays": 35},
                            }
                        ],
                    },
                },
            )
        )
    by_plan: dict[str, list[dict[str, Any]]] = {pid: [] for pid in plan_ids.values()}
    for n, (plan, body) in enumerate(selections):
        pid, sid = plan_ids[plan], f"{plan_ids[plan]}-s{n}"
        by_plan[pid].append({"SelectionId": sid, "SelectionName": f"sel-{n}", "BackupPlanId": pid})
        sel_details.append(
            Call(
                {"BackupPlanId": pid, "SelectionId": sid},
                {
                    "BackupPlanId": pid,
                    "SelectionId": sid,
                    "BackupSelection": {
                        "SelectionName": f"sel-{n}",
                        "IamRoleArn": f"arn:aws:iam::{a}:role/backup",
                        **body,
                    },
                },
            )
        )
    sel_lists = [Call({"BackupPlanId": pid}, {"BackupSelectionsList": s}) for pid, s in by_plan.items()]
    return plans, plan_details, sel_lists, sel_details, plan_ids


def _recovery_points(
    a: str, r: str, arns_by_kind: dict[str, list[str]], rp_per_type: int, plan_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``rp_per_type`` recovery points per resource kind, and one backup job per kind present."""
    created = COLLECTED_AT - timedelta(days=2)
    rps, jobs = [], []
    for kind, arns in arns_by_kind.items():
        for k in range(rp_per_type):
            src = arns[k % len(arns)] if arns else f"arn:aws:ec2:{r}:{a}:instance/i-gone{k}"
            rps.append(
                {
                    "RecoveryPointArn": f"arn:aws:backup:{r}:{a}:recovery-point:{kind}-{k}",
                    "BackupVaultName": "Default",
                    "ResourceArn": src,
                    "ResourceType": RP_TYPES[kind],
                    "Status": "COMPLETED" if k % 10 else "EXPIRED",
                    "CreationDate": _iso(created),
                    "CompletionDate": _iso(created + timedelta(minutes=20)),
                    "BackupSizeInBytes": 1024**3,
                    "Lifecycle": {"DeleteAfterDays": 35},
                    "CalculatedLifecycle": {"DeleteAt": _iso(created + timedelta(days=35))},
                    "IsEncrypted": True,
                    "CreatedBy": {"BackupPlanId": plan_id},
                }
            )
        if arns:
            jobs.append(
                {
                    "BackupJobId": f"job-{kind}",
                    "ResourceArn": arns[0],
                    "ResourceType": RP_TYPES[kind],
                    "State": "FAILED" if kind == "aurora" else "COMPLETED",
                    "CreationDate": _iso(created),
                    "BackupVaultName": "Default",
                }
            )
    return rps, jobs


def _account_region(a: str, r: str, n_resources: int, rp_per_type: int) -> dict[str, list[Call]]:
    """All operation files of one account-region."""
    counts = {kind: round(share * n_resources) for kind, share in MIX}
    counts["ec2"] += n_resources - sum(counts.values())
    inv = _Inventory()
    _add_compute(inv, a, r, counts)
    _add_databases(inv, a, r, counts)
    _add_file_systems(inv, a, r, counts)
    instances, volumes, tables, db_instances = inv.instances, inv.volumes, inv.tables, inv.db_instances
    clusters, efs, fsx_fs, fsx_vols = inv.clusters, inv.efs, inv.fsx_fs, inv.fsx_vols
    plans, plan_details, sel_lists, sel_details, plan_ids = _plans(a, r, inv.arns_by_kind)
    rps, jobs = _recovery_points(a, r, inv.arns_by_kind, rp_per_type, plan_ids["daily"])
    return {
        "backup.DescribeRegionSettings": [
            Call(
                {},
                {
                    "ResourceTypeOptInPreference": OPT_IN,
                    "ResourceTypeManagementPreference": {"DynamoDB": True, "EFS": True},
                },
            )
        ],
        "backup.ListBackupPlans": [Call({}, {"BackupPlansList": plans})],
        "backup.GetBackupPlan": plan_details,
        "backup.ListBackupSelections": sel_lists,
        "backup.GetBackupSelection": sel_details,
        "backup.ListBackupVaults": [
            Call(
                {},
                {
                    "BackupVaultList": [
                        {
                            "BackupVaultName": "Default",
                            "BackupVaultArn": f"arn:aws:backup:{r}:{a}:backup-vault:Default",
                            "NumberOfRecoveryPoints": len(rps),
                            "Locked": False,
                        }
                    ]
                },
            )
        ],
        "backup.GetBackupVaultAccessPolicy": [],
        "backup.ListRecoveryPointsByBackupVault": [
            Call({"BackupVaultName": "Default"}, {"RecoveryPoints": rps})
        ],
        "backup.ListBackupJobs": [
            Call({"ByCreatedAfter": _iso(COLLECTED_AT - timedelta(days=14))}, {"BackupJobs": jobs})
        ],
        "rds.DescribeDBInstances": [Call({}, {"DBInstances": db_instances})],
        "rds.DescribeDBClusters": [Call({}, {"DBClusters": clusters})],
        "dynamodb.ListTables": [Call({}, {"TableNames": [t[0] for t in tables]})],
        "dynamodb.DescribeTable": [
            Call({"TableName": n}, {"Table": {"TableName": n, "TableArn": arn, "TableStatus": "ACTIVE"}})
            for n, arn, _ in tables
        ],
        "dynamodb.ListTagsOfResource": [Call({"ResourceArn": arn}, {"Tags": t}) for _, arn, t in tables],
        "efs.DescribeFileSystems": [Call({}, {"FileSystems": efs})],
        "fsx.DescribeFileSystems": [Call({}, {"FileSystems": fsx_fs})],
        "fsx.DescribeVolumes": [Call({}, {"Volumes": fsx_vols})],
        "ec2.DescribeInstances": [Call({}, {"Reservations": [{"OwnerId": a, "Instances": instances}]})],
        "ec2.DescribeVolumes": [Call({}, {"Volumes": volumes})],
        "rbin.ListRules": [
            Call({"ResourceType": "EBS_SNAPSHOT"}, {"Rules": []}),
            Call({"ResourceType": "EC2_IMAGE"}, {"Rules": []}),
        ],
        # Services of bundle version 2 and later, empty here: no buckets, clusters or stacks.
        "s3.ListBuckets": [Call({"MaxBuckets": 10000}, {"Buckets": []})],
        "s3.GetBucketTagging": [],
        "s3.GetBucketVersioning": [],
        "s3.GetBucketLifecycleConfiguration": [],
        "redshift.DescribeClusters": [Call({}, {"Clusters": []})],
        "cloudformation.DescribeStacks": [Call({}, {"Stacks": []})],
        "cloudformation.ListStackResources": [],
    }


def generate(path: Path, accounts: int, regions: int, resources: int, rp_per_type: int) -> None:
    keys = regional_keys()
    account_wide = account_wide_keys()
    entries = []
    with BundleWriter(path, force=True) as writer:
        for n in range(accounts):
            a = f"{100000000000 + n:012d}"
            regs = REGIONS[:regions]
            entries.append(AccountEntry(id=a, name=f"acct-{n}", status="ACTIVE", regions=tuple(regs)))
            for r in regs:
                files = _account_region(a, r, resources, rp_per_type)
                for key in keys:
                    if key in account_wide and r != regs[0]:
                        continue  # called once per account, in its first region
                    service, operation = key.split(".", 1)
                    writer.write_calls(a, r, service, operation, files[key])
        writer.commit(
            Manifest(
                collected_at=COLLECTED_AT,
                tool=ToolInfo("backup-auditor", "bench"),
                organization=OrganizationInfo("o-bench00001", f"{100000000000:012d}"),
                accounts=tuple(entries),
            )
        )


class PeakSampler:
    """Samples this process's RSS every 50 ms (ru_maxrss cannot be reset between phases)."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakSampler:
        self.peak = self.proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)


def _gb(n: float) -> str:
    return f"{n / 1024**3:.2f} GB"


def measure_resolve(path: Path) -> dict[str, Any]:
    from auditor.evidence import read_bundle
    from auditor.model.frames import load_inventory
    from auditor.protection.resolver import resolve

    out: dict[str, Any] = {}
    with PeakSampler() as s1:
        t0, c0 = time.perf_counter(), time.process_time()
        inventory = load_inventory(read_bundle(path))
        out["load_inventory_s"] = time.perf_counter() - t0
        out["load_inventory_cpu"] = time.process_time() - c0
    out["load_inventory_peak_rss"] = s1.peak
    with PeakSampler() as s2:
        t0, c0 = time.perf_counter(), time.process_time()
        protection = resolve(inventory)
        out["resolve_s"] = time.perf_counter() - t0
        out["resolve_cpu"] = time.process_time() - c0
    out["resolve_peak_rss"] = s2.peak
    out["resources"] = len(inventory.resources)
    out["selections"] = len(inventory.selections)
    out["recovery_points"] = len(inventory.recovery_points)
    out["matches"] = len(protection.matches)
    out["protected"] = int((protection.verdicts["protected"] == True).sum())  # noqa: E712
    out["ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def measure_evaluate(path: Path) -> dict[str, Any]:
    from auditor.evaluate import evaluate_bundle
    from auditor.evidence import read_bundle

    t0, c0 = time.perf_counter(), time.process_time()
    result = evaluate_bundle(read_bundle(path))
    return {
        "evaluate_s": time.perf_counter() - t0,
        "evaluate_cpu": time.process_time() - c0,
        "findings": len(result.findings),
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def _child(mode: str, path: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, f"--{mode}", str(path)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode} child failed:\n{proc.stderr}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=1000)
    p.add_argument("--regions", type=int, default=4, choices=range(1, len(REGIONS) + 1))
    p.add_argument("--resources", type=int, default=250, help="resources per account-region")
    p.add_argument("--recovery-points", type=int, default=20, help="per resource type per account-region")
    p.add_argument("--bundle", type=Path, help="keep the bundle here (reused if it already has a manifest)")
    p.add_argument("--skip-evaluate", action="store_true", help="only load_inventory + resolve")
    p.add_argument("--measure-resolve", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--measure-evaluate", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure_resolve:
        print(json.dumps(measure_resolve(args.measure_resolve)))
        return 0
    if args.measure_evaluate:
        print(json.dumps(measure_evaluate(args.measure_evaluate)))
        return 0

    tmp: str | None = None
    if args.bundle is None:
        tmp = tempfile.mkdtemp(prefix="bench-evaluate-")
        path = Path(tmp) / "bundle"
    else:
        path = args.bundle
    try:
        if (path / "manifest.json").is_file():
            print(f"reusing bundle {path}", file=sys.stderr)
        else:
            total = args.accounts * args.regions * args.resources
            print(
                f"generating {args.accounts} accounts x {args.regions} regions x {args.resources} resources "
                f"= {total:,} resources in {path} ...",
                file=sys.stderr,
            )
            t0 = time.perf_counter()
            generate(path, args.accounts, args.regions, args.resources, args.recovery_points)
            size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
            print(
                f"generated in {time.perf_counter() - t0:.1f} s, {size / 1024**2:,.0f} MB on disk",
                file=sys.stderr,
            )
        r = _child("measure-resolve", path)
        print(
            f"resources          {r['resources']:,} ({r['selections']:,} selections, {r['recovery_points']:,} recovery points)"
        )
        load1 = psutil.getloadavg()[0]
        print(f"load average       {load1:.1f} on {psutil.cpu_count()} CPUs (wall time stretches when above)")
        for label, key in (("load_inventory", "load_inventory"), ("resolve", "resolve")):
            print(
                f"{label:<18} {r[key + '_s']:7.1f} s wall {r[key + '_cpu']:7.1f} s CPU"
                f"   peak RSS {_gb(r[key + '_peak_rss'])}"
            )
        print(
            f"load + resolve     {r['load_inventory_s'] + r['resolve_s']:7.1f} s wall"
            f" {r['load_inventory_cpu'] + r['resolve_cpu']:7.1f} s CPU   ru_maxrss {_gb(r['ru_maxrss'])}"
        )
        print(f"                   {r['matches']:,} match rows, {r['protected']:,} resources protected")
        if args.skip_evaluate:
            pass
        elif importlib.util.find_spec("auditor.evaluate") is None:
            print("evaluate           (auditor.evaluate not available)")
        else:
            e = _child("measure-evaluate", path)
            print(
                f"evaluate (all)     {e['evaluate_s']:7.1f} s wall {e['evaluate_cpu']:7.1f} s CPU"
                f"   ru_maxrss {_gb(e['ru_maxrss'])}   {e['findings']:,} findings"
            )
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
