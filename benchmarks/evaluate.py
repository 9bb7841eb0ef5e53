"""Evaluation speed and memory on a large synthetic evidence bundle, with the controls on and off.

Generates (in a temporary directory, unless ``--bundle`` names one to reuse or keep) a bundle of
ACCOUNTS x REGIONS account-regions with RESOURCES resources each (default 1,000 x 4 x 250 =
1,000,000 resources; two EBS volumes in three attached to an instance). Each account-region has:

* 6 plans (one rule each) with 8 mixed tag / ARN / condition selections, created 200 days ago:
  ``daily`` (target the locked ``prod-vault``, copies to the vault account's ``central-vault`` and
  logically air-gapped ``lag-vault`` of the account's next Region), ``prod`` (lifecycle cold after
  30 / delete after 365 days, copies to ``prod-vault`` of the next Region), ``gold``
  (``rate(12 hours)``, copies to the vault account's ``lag-vault`` of the same Region),
  ``everything`` (daily, 35 days, into ``prod-vault``, copies to ``lag-vault`` of the next Region),
  ``databases`` (weekly, 7 days, into ``Default``: BKP-030 fires for it) and ``org-baseline``, the
  plan of the organization backup policy (missing in 1 account-region in 20, drifted schedule in 1
  in 10). One account-region in 25 is *misconfigured*: its ``everything`` targets the unlocked
  ``Default`` vault (BKP-033, BKP-034) and its restore testing covers only DynamoDB and five RDS
  instances (BKP-038);
* vaults ``Default`` (unlocked, no access policy) and ``prod-vault`` (locked 7-3650 days, access
  policy denying manual deletion); the vault account (the management account) also has
  ``central-vault`` (locked) and ``lag-vault`` (logically air-gapped, locked 7-35 days) per Region;
* recovery points as an audited organization has them: every resource a plan protects (the
  generator mirrors the selections; an attached volume without a selection of its own is backed up
  with its instance) has ``--recovery-points`` recovery points (default 1: the newest, 6 hours
  old, completed, encrypted, kept 35 days (365 for ``prod``); each further one a day older) in the
  target vault of the first plan protecting it (daily, prod, gold, everything, databases), and
  its newest one is copied to every destination its plans copy to (35 days; 365 for ``prod``), a
  COMPLETED copy job per copy in the source account-region. So about 1 + 1.6 recovery points per
  protected resource at the default (2.4M at 1M resources). The protected resources not
  compliant, by disjoint buckets of their position (each control should find about these rates):
  3 % newest recovery point 54 hours old (BKP-035), 1 % no recovery point nor copy at all
  (BKP-035, BKP-037, BKP-039), 2 % newest not encrypted (BKP-031), 3 % kept 7 days (BKP-032), 3 %
  whose latest copy job (to the last destination) FAILED, no copy there (BKP-022, BKP-036,
  BKP-037 / BKP-039), 2 % whose last copy never arrived and no copy job says so (BKP-037 /
  BKP-039); the vault account's own resources have no copy in another account (BKP-037);
* one restore testing plan with a selection of every resource per type (the misconfigured
  account-regions: every DynamoDB table, the first 5 RDS instances by ARN), restore jobs of the
  newest recovery points of the first 6 DynamoDB tables and 4 RDS instances (1 in 10 FAILED), each such
  resource described (``DescribeProtectedResource``) with ``LatestRestoreExecutionTimeMinutes``
  20-125; ``ListProtectedResources`` (every source of a completed recovery point); one Audit
  Manager framework with two controls; one on-demand backup job per kind (Aurora's FAILED) and,
  for each protected resource, a COMPLETED backup job by every other plan protecting it (so BKP-091
  finds only the resources with no recovery point);
* organization files: the organization, its accounts under one root, global settings (cross-account
  backup on), the effective backup policy of every account (plan ``org-baseline`` in all its
  Regions), 1 account in 100 reported with an invalid effective policy.

Every operation the collector writes is present (no BKP-090, nothing "not evaluated"). Then, each in
a fresh child process so peak memory is not inflated by generation:

1. ``load_inventory`` then ``resolve`` (wall seconds per phase, peak RSS);
2. ``auditor.evaluate.evaluate_bundle`` end to end, with the controls on (the defaults), then off
   (every ``[controls.BKP-NNN]`` ``enabled = false``, and the policy rules BKP-040..043, which have
   no switch, left out), and the ratio of the two (target: within 1.3x, under 4 GB).

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

import psutil

from auditor.evidence import AccountEntry, BundleWriter, Call, Manifest, OrganizationInfo, ToolInfo
from auditor.services import account_wide_keys, regional_keys

if TYPE_CHECKING:
    from auditor.rules.base import Rule, RuleSettings

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
VAULT_ACCOUNT = f"{100000000000:012d}"
"""The management account doubles as the vault account: central and logically air-gapped vaults."""
PROD_VAULT, CENTRAL_VAULT, LAG_VAULT = "prod-vault", "central-vault", "lag-vault"
OWN_VAULTS = ("Default", PROD_VAULT)
LAG_TYPE = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"
POLICY_PLAN = "org-baseline"
"""The plan the organization backup policy deploys in every account-region."""
RESTORE_TESTED = {"dynamodb": 6, "rds": 4}
"""Restore testing jobs: of the first N recovery points of these kinds."""
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
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each resource's tags by ARN (what the selections read)."""
    parents: dict[str, str] = field(default_factory=dict)
    """Attached volume ARN -> its instance's ARN (backed up with the instance)."""
    next_index: int = 0

    def add(self, kind: str, arn: str, tags: list[dict[str, str]]) -> None:
        self.arns_by_kind[kind].append(arn)
        self.tags[arn] = {t["Key"]: t["Value"] for t in tags}


def _add_compute(inv: _Inventory, a: str, r: str, counts: dict[str, int]) -> None:
    instances, volumes, tables = inv.instances, inv.volumes, inv.tables
    i = inv.next_index
    for _ in range(counts["ec2"]):
        iid = f"i-{i:017x}"
        instances.append({"InstanceId": iid, "State": {"Code": 16, "Name": "running"}, "Tags": _tags(i)})
        inv.add("ec2", f"arn:aws:ec2:{r}:{a}:instance/{iid}", _tags(i))
        i += 1
    instance_ids = [x["InstanceId"] for x in instances]
    for k in range(counts["ebs"]):
        vid = f"vol-{i:017x}"
        volume: dict[str, Any] = {"VolumeId": vid, "State": "available", "Size": 8, "Tags": _tags(i)}
        if instance_ids and k % 3 != 2:
            # Two volumes in three are attached (data volumes of the instances): their verdict
            # depends on their instance's when no selection of their own protects them.
            volume["State"] = "in-use"
            iid = instance_ids[k % len(instance_ids)]
            volume["Attachments"] = [{"InstanceId": iid, "State": "attached", "VolumeId": vid}]
            inv.parents[f"arn:aws:ec2:{r}:{a}:volume/{vid}"] = f"arn:aws:ec2:{r}:{a}:instance/{iid}"
        volumes.append(volume)
        inv.add("ebs", f"arn:aws:ec2:{r}:{a}:volume/{vid}", _tags(i))
        i += 1
    for _ in range(counts["dynamodb"]):
        name = f"table-{i}"
        arn = f"arn:aws:dynamodb:{r}:{a}:table/{name}"
        tables.append((name, arn, _tags(i)))
        inv.add("dynamodb", arn, _tags(i))
        i += 1
    inv.next_index = i


def _add_databases(inv: _Inventory, a: str, r: str, counts: dict[str, int]) -> None:
    db_instances, clusters = inv.db_instances, inv.clusters
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
        inv.add("rds", arn, _tags(i))
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
        inv.add("aurora", arn, _tags(i))
        i += 1
    inv.next_index = i


def _add_file_systems(inv: _Inventory, a: str, r: str, counts: dict[str, int]) -> None:
    efs, fsx_fs, fsx_vols = inv.efs, inv.fsx_fs, inv.fsx_vols
    i = inv.next_index
    for _ in range(counts["efs"]):
        fid = f"fs-{i:017x}"
        arn = f"arn:aws:elasticfilesystem:{r}:{a}:file-system/{fid}"
        efs.append(
            {"FileSystemId": fid, "FileSystemArn": arn, "LifeCycleState": "available", "Tags": _tags(i)}
        )
        inv.add("efs", arn, _tags(i))
        i += 1
    for _ in range(counts["fsx_windows"]):
        fid = f"fs-{i:017x}"
        arn = f"arn:aws:fsx:{r}:{a}:file-system/{fid}"
        fsx_fs.append(
            {"FileSystemId": fid, "FileSystemType": "WINDOWS", "ResourceARN": arn, "Tags": _tags(i)}
        )
        inv.add("fsx_windows", arn, _tags(i))
        i += 1
    ontap = f"fs-{i:017x}"
    ontap_tags = [{"Key": "backup", "Value": "daily"}]
    fsx_fs.append(
        {
            "FileSystemId": ontap,
            "FileSystemType": "ONTAP",
            "ResourceARN": f"arn:aws:fsx:{r}:{a}:file-system/{ontap}",
            "Tags": ontap_tags,
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
        inv.add("ontap_volume", arn, _tags(i + 1))
        i += 1
    inv.next_index = i


def _selections(a: str, r: str, arns_by_kind: dict[str, list[str]]) -> list[tuple[str, dict[str, Any]]]:
    """(plan name, selection body) of the eight selections the six plans hold."""
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
        (
            POLICY_PLAN,
            {
                "IamRoleArn": f"arn:aws:iam::{a}:role/service-role/AWSBackupDefaultServiceRole",
                "ListOfTags": [
                    {
                        "ConditionType": "STRINGEQUALS",
                        "ConditionKey": "org-backup",
                        "ConditionValue": "baseline",
                    }
                ],
            },
        ),
    ]
    return selections


@dataclass(frozen=True)
class _Place:
    """One account-region being generated: who it is and where its plans copy to."""

    account: str
    region: str
    other_region: str
    """The Region of the same account that cross-Region copies go to."""
    index: int
    """Position of the account-region in the bundle (drives the drifted / missing policy plans)."""

    def vault_arn(self, name: str, account: str | None = None, region: str | None = None) -> str:
        return f"arn:aws:backup:{region or self.region}:{account or self.account}:backup-vault:{name}"

    @property
    def cross_region(self) -> str:
        return self.vault_arn(PROD_VAULT, region=self.other_region)

    @property
    def air_gapped(self) -> str:
        return self.vault_arn(LAG_VAULT, account=VAULT_ACCOUNT)

    @property
    def central_dr(self) -> str:
        """The vault account's ``central-vault`` in the next Region (cross-Region and -account)."""
        return self.vault_arn(CENTRAL_VAULT, account=VAULT_ACCOUNT, region=self.other_region)

    @property
    def air_gapped_dr(self) -> str:
        """The vault account's ``lag-vault`` in the next Region (cross-Region, -account, air-gapped)."""
        return self.vault_arn(LAG_VAULT, account=VAULT_ACCOUNT, region=self.other_region)


def _copy(arn: str, days: int = 35) -> dict[str, Any]:
    return {"DestinationBackupVaultArn": arn, "Lifecycle": {"DeleteAfterDays": days}}


def _misconfigured(place: _Place) -> bool:
    """One account-region in 25 runs ``everything`` into the unlocked ``Default`` vault (BKP-033,
    BKP-034) and has the restore testing plan of old (DynamoDB and five RDS instances: BKP-038)."""
    return place.index % 25 == 11


def _plan_rules(place: _Place) -> dict[str, dict[str, Any]]:
    """Each plan's one rule: target vault, schedule, lifecycle and copy actions (in the order the
    generator gives a resource its recovery point: the first plan protecting it makes it)."""
    return {
        "daily": {
            "TargetBackupVaultName": PROD_VAULT,
            "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"DeleteAfterDays": 35},
            "CopyActions": [_copy(place.central_dr), _copy(place.air_gapped_dr)],
        },
        "prod": {
            "TargetBackupVaultName": PROD_VAULT,
            "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"MoveToColdStorageAfterDays": 30, "DeleteAfterDays": 365},
            "CopyActions": [_copy(place.cross_region, 365)],
        },
        "gold": {
            "TargetBackupVaultName": PROD_VAULT,
            "ScheduleExpression": "rate(12 hours)",
            "Lifecycle": {"DeleteAfterDays": 35},
            "CopyActions": [_copy(place.air_gapped)],
        },
        "everything": {
            "TargetBackupVaultName": "Default" if _misconfigured(place) else PROD_VAULT,
            "ScheduleExpression": "cron(0 5 ? * * *)",
            "Lifecycle": {"DeleteAfterDays": 35},
            "CopyActions": [_copy(place.air_gapped_dr)],
        },
        "databases": {
            "TargetBackupVaultName": "Default",
            "ScheduleExpression": "cron(0 3 ? * SUN *)",
            "Lifecycle": {"DeleteAfterDays": 7},
        },
        POLICY_PLAN: {
            "TargetBackupVaultName": PROD_VAULT,
            # One account-region in ten runs a drifted copy of the policy plan (BKP-041).
            "ScheduleExpression": "cron(0 6 ? * * *)" if place.index % 10 == 9 else "cron(0 5 ? * * *)",
            "StartWindowMinutes": 60,
            "CompletionWindowMinutes": 480,
            "Lifecycle": {"DeleteAfterDays": 35},
            "CopyActions": [],
            "ScheduleExpressionTimezone": "Etc/UTC",
        },
    }


def _plan_deployed(place: _Place, name: str) -> bool:
    """One account-region in twenty lacks the organization policy's plan (BKP-040)."""
    return name != POLICY_PLAN or place.index % 20 != 7


def _plans(
    place: _Place, arns_by_kind: dict[str, list[str]]
) -> tuple[list[dict[str, Any]], list[Call], list[Call], list[Call], dict[str, str]]:
    """Six plans with mixed selections: plans, plan details, selection lists and details, ids."""
    a, r = place.account, place.region
    plans, plan_details, sel_details = [], [], []
    selections = _selections(a, r, arns_by_kind)
    plan_ids: dict[str, str] = {}
    for name, rule in _plan_rules(place).items():
        if not _plan_deployed(place, name):
            continue
        pid = f"{a}-{r}-{name}"
        plan_ids[name] = pid
        plans.append(
            {
                "BackupPlanId": pid,
                "BackupPlanName": name,
                "BackupPlanArn": f"arn:aws:backup:{r}:{a}:backup-plan:{pid}",
                "VersionId": "v1",
                "CreationDate": _iso(COLLECTED_AT - timedelta(days=200)),
            }
        )
        body = {"RuleName": "daily" if name == POLICY_PLAN else "r", "RuleId": f"{pid}-r"}
        body |= {"StartWindowMinutes": 60, "CompletionWindowMinutes": 180} | rule
        plan_details.append(
            Call(
                {"BackupPlanId": pid},
                {"BackupPlanId": pid, "BackupPlan": {"BackupPlanName": name, "Rules": [body]}},
            )
        )
    by_plan: dict[str, list[dict[str, Any]]] = {pid: [] for pid in plan_ids.values()}
    for n, (plan, body) in enumerate(selections):
        if plan not in plan_ids:
            continue
        pid, sid = plan_ids[plan], f"{plan_ids[plan]}-s{n}"
        name = "baseline" if plan == POLICY_PLAN else f"sel-{n}"
        by_plan[pid].append({"SelectionId": sid, "SelectionName": name, "BackupPlanId": pid})
        sel_details.append(
            Call(
                {"BackupPlanId": pid, "SelectionId": sid},
                {
                    "BackupPlanId": pid,
                    "SelectionId": sid,
                    "BackupSelection": {
                        "SelectionName": name,
                        "IamRoleArn": f"arn:aws:iam::{a}:role/backup",
                        **body,
                    },
                },
            )
        )
    sel_lists = [Call({"BackupPlanId": pid}, {"BackupSelectionsList": s}) for pid, s in by_plan.items()]
    return plans, plan_details, sel_lists, sel_details, plan_ids


def _point(
    arn: str, vault: str, src: str, rtype: str, created: datetime, days: int, **extra: Any
) -> dict[str, Any]:
    return {
        "RecoveryPointArn": arn,
        "BackupVaultName": vault,
        "ResourceArn": src,
        "ResourceType": rtype,
        "Status": "COMPLETED",
        "CreationDate": _iso(created),
        "CompletionDate": _iso(created + timedelta(minutes=20)),
        "BackupSizeInBytes": 1024**3,
        "Lifecycle": {"DeleteAfterDays": days},
        "CalculatedLifecycle": {"DeleteAt": _iso(created + timedelta(days=days))},
        "IsEncrypted": True,
        **extra,
    }


@dataclass
class _Backups:
    """The recovery points, jobs and copies of one account-region."""

    points: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {v: [] for v in OWN_VAULTS})
    jobs: list[dict[str, Any]] = field(default_factory=list)
    copy_jobs: list[dict[str, Any]] = field(default_factory=list)
    restore_jobs: list[dict[str, Any]] = field(default_factory=list)
    copies: dict[tuple[str, str, str], list[dict[str, Any]]] = field(default_factory=dict)
    """Copy recovery points by destination (account, Region, vault): they land in other listings."""
    restored: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Source ARN -> (resource type, minutes of its latest restore)."""


# Non-compliance of the protected resources, by bucket of their position k in the account-region
# (37 k % 100, spread over the resource kinds): disjoint buckets, so each rate is what the controls
# should find (see the module docstring).
STALE = range(3)
"""3 %: the last two daily backups did not complete: the newest recovery point is 54 hours old."""
NO_POINT = range(3, 4)
"""1 %: no recovery point at all (nor copies), its plans 200 days old."""
UNENCRYPTED = range(10, 12)
"""2 %: the newest recovery point is not encrypted."""
SHORT = range(20, 23)
"""3 %: the newest recovery point is kept 7 days (35 required)."""
COPY_FAILED = range(30, 33)
"""3 %: the copy job to the last destination FAILED (the latest copy job): no copy there."""
COPY_MISSING = range(40, 42)
"""2 %: the copy to the last destination never arrived, and no copy job of the window says so."""
PLAN_ORDER = ("daily", "prod", "gold", "everything", "databases")
"""The plans that protect resources, in the order they make a resource's recovery point."""


def _protecting(kind: str, arn: str, tags: Mapping[str, str], exact: frozenset[str]) -> list[str]:
    """The plans whose selections (:func:`_selections`) take this resource, in ``PLAN_ORDER``."""
    plans = []
    if tags.get("backup") == "daily" or (kind == "ec2" and not arn.endswith("/i-00000000000000000")):
        plans.append("daily")
    if (
        kind in ("dynamodb", "efs")
        and tags.get("env", "").startswith("prod")
        and tags.get("team") != "team-3"
    ):
        plans.append("prod")
    if tags.get("tier") == "gold":
        plans.append("gold")
    if kind != "ebs":
        plans.append("everything")
    if kind == "aurora" or arn in exact:
        plans.append("databases")
    return plans


def _copies_of(
    place: _Place, b: _Backups, point: dict[str, Any], destinations: Sequence[tuple[str, int]], bucket: int
) -> None:
    """The copies of a resource's newest recovery point, one per destination vault ARN its plans
    copy to, each with its copy job in the source account-region (``COPY_FAILED`` /
    ``COPY_MISSING`` for the last one)."""
    a, r = place.account, place.region
    created = datetime.fromisoformat(point["CreationDate"]) + timedelta(hours=1)
    for n, (dest, days) in enumerate(destinations):
        ref = dest.split(":")
        dr, da, dv = ref[3], ref[4], ref[6]
        last = n == len(destinations) - 1
        if last and bucket in COPY_MISSING:
            continue
        failed = last and bucket in COPY_FAILED
        job_id = f"copy-{a}-{r}-{point['RecoveryPointArn'].rsplit(':', 1)[1]}-{n}"
        b.copy_jobs.append(
            {
                "AccountId": a,
                "CopyJobId": job_id,
                "SourceBackupVaultArn": place.vault_arn(point["BackupVaultName"]),
                "SourceRecoveryPointArn": point["RecoveryPointArn"],
                "DestinationBackupVaultArn": dest,
                "ResourceArn": point["ResourceArn"],
                "ResourceType": point["ResourceType"],
                "CreationDate": _iso(created + timedelta(minutes=n)),
                "State": "FAILED" if failed else "COMPLETED",
                **(
                    {"StatusMessage": "Copy failed: access denied to the destination vault"} if failed else {}
                ),
            }
        )
        if not failed:
            arn = f"arn:aws:backup:{dr}:{da}:recovery-point:{job_id}"
            copy = _point(arn, dv, point["ResourceArn"], point["ResourceType"], created, days)
            b.copies.setdefault((da, dr, dv), []).append(copy)


def _restore_job(place: _Place, b: _Backups, point: dict[str, Any], k: int) -> None:
    """A restore testing job of the recovery point: one in ten FAILED."""
    a, r = place.account, place.region
    created = datetime.fromisoformat(point["CreationDate"]) + timedelta(hours=3)
    minutes = 20 + 15 * (k % 8)
    failed = k % 10 == 3
    b.restore_jobs.append(
        {
            "AccountId": a,
            "RestoreJobId": f"restore-{a}-{r}-{k}-{point['ResourceType']}",
            "RecoveryPointArn": point["RecoveryPointArn"],
            "SourceResourceArn": point["ResourceArn"],
            "CreationDate": _iso(created),
            "CompletionDate": _iso(created + timedelta(minutes=minutes)),
            "Status": "FAILED" if failed else "COMPLETED",
            **(
                {"StatusMessage": "Restore failed: the restore role cannot create the resource"}
                if failed
                else {}
            ),
            "ResourceType": point["ResourceType"],
            "CreatedBy": {
                "RestoreTestingPlanArn": f"arn:aws:backup:{r}:{a}:restore-testing-plan:restore-tests-1"
            },
        }
    )
    b.restored[point["ResourceArn"]] = (point["ResourceType"], minutes)


def _created_by(plan_id: str) -> dict[str, str]:
    """``CreatedBy`` of a scheduled backup of the plan's one rule (its current version)."""
    return {"BackupPlanId": plan_id, "BackupPlanVersion": "v1", "BackupRuleId": f"{plan_id}-r"}


def _other_plans_jobs(
    point: Mapping[str, Any],
    plans: Sequence[str],
    rules: Mapping[str, Mapping[str, Any]],
    plan_ids: Mapping[str, str],
) -> list[dict[str, Any]]:
    """A COMPLETED backup job of the resource by each other plan protecting it, at the time of
    its newest recovery point: each plan's rule ran for it (BKP-091 finds nothing to report)."""
    return [
        {
            "BackupJobId": f"job-{point['RecoveryPointArn'].rsplit(':', 1)[1]}-{name}",
            "ResourceArn": point["ResourceArn"],
            "ResourceType": point["ResourceType"],
            "State": "COMPLETED",
            "CreationDate": point["CreationDate"],
            "BackupVaultName": rules[name]["TargetBackupVaultName"],
            "CreatedBy": _created_by(plan_ids[name]),
        }
        for name in plans
    ]


def _recovery_points(
    place: _Place, inv: _Inventory, rp_per_resource: int, plan_ids: Mapping[str, str]
) -> _Backups:
    """Each protected resource's recovery points and copies (see the module docstring: the
    newest ``rp_per_resource`` in its first plan's target vault, then its copies), restore jobs,
    and one backup job per kind present."""
    a, r = place.account, place.region
    b = _Backups()
    rules = _plan_rules(place)
    exact = frozenset(inv.arns_by_kind["rds"][:5] + inv.arns_by_kind["aurora"][:3])
    k = 0  # position of the protected resource in the account-region
    restored = dict.fromkeys(RESTORE_TESTED, 0)
    for kind, arns in inv.arns_by_kind.items():
        for src in arns:
            plans = [p for p in _protecting(kind, src, inv.tags[src], exact) if p in plan_ids]
            if not plans:
                continue  # unprotected (an attached volume is backed up with its instance's points)
            k += 1
            bucket = k * 37 % 100
            if bucket in NO_POINT:
                continue
            rule = rules[plans[0]]
            age = 6 + (48 if bucket in STALE else 0)
            for n in range(rp_per_resource):
                created = COLLECTED_AT - timedelta(hours=age + 24 * n)
                point = _point(
                    f"arn:aws:backup:{r}:{a}:recovery-point:{kind}-{k}-{n}",
                    rule["TargetBackupVaultName"],
                    src,
                    RP_TYPES[kind],
                    created,
                    7 if bucket in SHORT else int(rule["Lifecycle"]["DeleteAfterDays"]),
                    CreatedBy=_created_by(plan_ids[plans[0]]),
                )
                point["IsEncrypted"] = n > 0 or k % 100 not in UNENCRYPTED
                b.points.setdefault(point["BackupVaultName"], []).append(point)
                if n > 0:
                    continue
                b.jobs.extend(_other_plans_jobs(point, plans[1:], rules, plan_ids))
                destinations = {
                    c["DestinationBackupVaultArn"]: int(c["Lifecycle"]["DeleteAfterDays"])
                    for p in plans
                    for c in rules[p].get("CopyActions", [])
                }
                _copies_of(place, b, point, list(destinations.items()), bucket)
                if kind in restored and restored[kind] < RESTORE_TESTED[kind]:
                    _restore_job(place, b, point, restored[kind])
                    restored[kind] += 1
        if arns:
            b.jobs.append(
                {
                    "BackupJobId": f"job-{kind}",
                    "ResourceArn": arns[0],
                    "ResourceType": RP_TYPES[kind],
                    "State": "FAILED" if kind == "aurora" else "COMPLETED",
                    "CreationDate": _iso(COLLECTED_AT - timedelta(days=2)),
                    "BackupVaultName": "Default",
                }
            )
    return b


def _vaults(place: _Place, points: Mapping[str, int]) -> list[dict[str, Any]]:
    """``Default`` (unlocked), ``prod-vault`` (locked, governance bounds); in the vault account
    also ``central-vault`` (locked) and ``lag-vault`` (logically air-gapped)."""
    out = []
    for name in points:
        vault: dict[str, Any] = {
            "BackupVaultName": name,
            "BackupVaultArn": place.vault_arn(name),
            "VaultType": LAG_TYPE if name == LAG_VAULT else "BACKUP_VAULT",
            "NumberOfRecoveryPoints": points[name],
            "Locked": name != "Default",
        }
        if name != "Default":
            vault |= {"MinRetentionDays": 7, "MaxRetentionDays": 35 if name == LAG_VAULT else 3650}
        out.append(vault)
    return out


def _vault_policy(place: _Place, name: str) -> Call:
    """An access policy denying manual deletion to everyone (BKP-033 passes for these vaults)."""
    statement = {
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
    return Call(
        {"BackupVaultName": name},
        {
            "BackupVaultName": name,
            "BackupVaultArn": place.vault_arn(name),
            "Policy": json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        },
    )


def _restore_testing(place: _Place, arns_by_kind: dict[str, list[str]], b: _Backups) -> dict[str, list[Call]]:
    """One restore testing plan: a selection of every resource per type restore testing accepts
    (in a misconfigured account-region, only every DynamoDB table and the first five RDS instances
    by ARN); each restore-tested resource described with its latest restore time."""
    a, r = place.account, place.region
    plan = "restore-tests"
    selections: list[dict[str, Any]] = [
        {
            "RestoreTestingSelectionName": f"all-{rtype.lower()}",
            "ProtectedResourceType": rtype,
            "ProtectedResourceArns": ["*"],
        }
        for rtype in sorted(set(RP_TYPES.values()))
    ]
    if _misconfigured(place):
        selections = [
            selections[[s["ProtectedResourceType"] for s in selections].index("DynamoDB")],
            {
                "RestoreTestingSelectionName": "some-rds",
                "ProtectedResourceType": "RDS",
                "ProtectedResourceArns": arns_by_kind["rds"][:5] or ["*"],
            },
        ]
    listed = [
        {k: v for k, v in s.items() if k != "ProtectedResourceArns"} | {"RestoreTestingPlanName": plan}
        for s in selections
    ]
    role = f"arn:aws:iam::{a}:role/service-role/AWSBackupDefaultServiceRole"
    return {
        "backup.ListRestoreTestingPlans": [
            Call(
                {},
                {
                    "RestoreTestingPlans": [
                        {
                            "RestoreTestingPlanArn": f"arn:aws:backup:{r}:{a}:restore-testing-plan:{plan}-1",
                            "RestoreTestingPlanName": plan,
                            "ScheduleExpression": "cron(0 6 ? * * *)",
                            "StartWindowHours": 24,
                        }
                    ]
                },
            )
        ],
        "backup.ListRestoreTestingSelections": [
            Call({"RestoreTestingPlanName": plan}, {"RestoreTestingSelections": listed})
        ],
        "backup.GetRestoreTestingSelection": [
            Call(
                {
                    "RestoreTestingPlanName": plan,
                    "RestoreTestingSelectionName": s["RestoreTestingSelectionName"],
                },
                {
                    "RestoreTestingSelection": s
                    | {"RestoreTestingPlanName": plan, "IamRoleArn": role, "ValidationWindowHours": 0}
                },
            )
            for s in selections
        ],
        "backup.DescribeProtectedResource": [
            Call(
                {"ResourceArn": arn},
                {
                    "ResourceArn": arn,
                    "ResourceType": rtype,
                    "LastBackupTime": _iso(COLLECTED_AT - timedelta(hours=6)),
                    "LatestRestoreExecutionTimeMinutes": minutes,
                    "LatestRestoreJobCreationDate": _iso(COLLECTED_AT - timedelta(days=1)),
                },
            )
            for arn, (rtype, minutes) in sorted(b.restored.items())
        ],
    }


def _protected_resources(b: _Backups) -> list[dict[str, Any]]:
    """``ListProtectedResources``: each source of a completed recovery point here, once."""
    seen: dict[str, dict[str, Any]] = {}
    for points in b.points.values():
        for p in points:
            if p["Status"] == "COMPLETED":
                seen[p["ResourceArn"]] = {
                    "ResourceArn": p["ResourceArn"],
                    "ResourceType": p["ResourceType"],
                    "LastBackupTime": p["CreationDate"],
                    "LastBackupVaultArn": p["RecoveryPointArn"].split(":recovery-point:")[0]
                    + f":backup-vault:{p['BackupVaultName']}",
                }
    return list(seen.values())


# Operations with nothing to list here, as an empty first page (child operations: no calls).
EMPTY: dict[str, tuple[dict[str, Any], str]] = {
    "dynamodb.ListBackups": ({"BackupType": "USER"}, "BackupSummaries"),
    "dlm.GetLifecyclePolicies": ({}, "Policies"),
    "s3.ListBuckets": ({"MaxBuckets": 10000}, "Buckets"),
    "redshift.DescribeClusters": ({}, "Clusters"),
    "cloudformation.DescribeStacks": ({}, "Stacks"),
    "timestream-write.ListDatabases": ({}, "Databases"),
    "redshift-serverless.ListNamespaces": ({}, "namespaces"),
    "storagegateway.ListGateways": ({}, "Gateways"),
    "storagegateway.ListVolumes": ({}, "VolumeInfos"),
    "backup-gateway.ListVirtualMachines": ({}, "VirtualMachines"),
    "ssm-sap.ListApplications": ({}, "Applications"),
}


def _account_region(
    place: _Place, n_resources: int, rp_per_resource: int
) -> tuple[dict[str, list[Call]], _Backups]:
    """All operation files of one account-region but its recovery point listings (copies from
    other account-regions land in them: :func:`generate` writes those), and its backups."""
    a, r = place.account, place.region
    counts = {kind: round(share * n_resources) for kind, share in MIX}
    counts["ec2"] += n_resources - sum(counts.values())
    inv = _Inventory()
    _add_compute(inv, a, r, counts)
    _add_databases(inv, a, r, counts)
    _add_file_systems(inv, a, r, counts)
    instances, volumes, tables, db_instances = inv.instances, inv.volumes, inv.tables, inv.db_instances
    clusters, efs, fsx_fs, fsx_vols = inv.clusters, inv.efs, inv.fsx_fs, inv.fsx_vols
    plans, plan_details, sel_lists, sel_details, plan_ids = _plans(place, inv.arns_by_kind)
    b = _recovery_points(place, inv, rp_per_resource, plan_ids)
    window = {"ByCreatedAfter": _iso(COLLECTED_AT - timedelta(days=14))}
    files: dict[str, list[Call]] = {
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
        "backup.ListBackupJobs": [Call(window, {"BackupJobs": b.jobs})],
        "backup.ListCopyJobs": [Call(window, {"CopyJobs": b.copy_jobs})],
        "backup.ListRestoreJobs": [Call(window, {"RestoreJobs": b.restore_jobs})],
        **_restore_testing(place, inv.arns_by_kind, b),
        "backup.ListProtectedResources": [Call({}, {"Results": _protected_resources(b)})],
        "backup.ListFrameworks": [
            Call(
                {"MaxResults": 1000},
                {
                    "Frameworks": [
                        {
                            "FrameworkName": "org_controls",
                            "FrameworkArn": f"arn:aws:backup:{r}:{a}:framework:org_controls-1",
                            "NumberOfControls": 2,
                            "DeploymentStatus": "COMPLETED",
                        }
                    ]
                },
            )
        ],
        "backup.DescribeFramework": [
            Call(
                {"FrameworkName": "org_controls"},
                {
                    "FrameworkName": "org_controls",
                    "FrameworkArn": f"arn:aws:backup:{r}:{a}:framework:org_controls-1",
                    "FrameworkControls": [
                        {"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"},
                        {
                            "ControlName": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
                            "ControlInputParameters": [
                                {"ParameterName": "requiredRetentionDays", "ParameterValue": "35"}
                            ],
                        },
                    ],
                    "DeploymentStatus": "COMPLETED",
                },
            )
        ],
        "backup.ListReportPlans": [Call({"MaxResults": 1000}, {"ReportPlans": []})],
        "rds.DescribeDBInstances": [Call({}, {"DBInstances": db_instances})],
        "rds.DescribeDBClusters": [Call({}, {"DBClusters": clusters})],
        "dynamodb.ListTables": [Call({}, {"TableNames": [t[0] for t in tables]})],
        "dynamodb.DescribeTable": [
            Call({"TableName": n}, {"Table": {"TableName": n, "TableArn": arn, "TableStatus": "ACTIVE"}})
            for n, arn, _ in tables
        ],
        "dynamodb.ListTagsOfResource": [Call({"ResourceArn": arn}, {"Tags": t}) for _, arn, t in tables],
        "dynamodb.DescribeContinuousBackups": [
            Call(
                {"TableName": n},
                {
                    "ContinuousBackupsDescription": {
                        "ContinuousBackupsStatus": "ENABLED",
                        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
                    }
                },
            )
            for n, _, _ in tables
        ],
        "efs.DescribeFileSystems": [Call({}, {"FileSystems": efs})],
        "fsx.DescribeFileSystems": [Call({}, {"FileSystems": fsx_fs})],
        "fsx.DescribeVolumes": [Call({}, {"Volumes": fsx_vols})],
        "ec2.DescribeInstances": [Call({}, {"Reservations": [{"OwnerId": a, "Instances": instances}]})],
        "ec2.DescribeVolumes": [Call({}, {"Volumes": volumes})],
        "rbin.ListRules": [
            Call({"ResourceType": "EBS_SNAPSHOT"}, {"Rules": []}),
            Call({"ResourceType": "EC2_IMAGE"}, {"Rules": []}),
        ],
        **{key: [Call(params, {member: []})] for key, (params, member) in EMPTY.items()},
    }
    return files, b


def _write_points(writer: BundleWriter, place: _Place, own: Mapping[str, list[dict[str, Any]]]) -> None:
    """The vaults of an account-region with their recovery points (its own and copies landed)."""
    named = [v for v in own if v != "Default"]
    writer.write_calls(
        place.account,
        place.region,
        "backup",
        "ListBackupVaults",
        [Call({}, {"BackupVaultList": _vaults(place, {v: len(p) for v, p in own.items()})})],
    )
    writer.write_calls(
        place.account,
        place.region,
        "backup",
        "GetBackupVaultAccessPolicy",
        [_vault_policy(place, v) for v in named],
    )
    writer.write_calls(
        place.account,
        place.region,
        "backup",
        "ListRecoveryPointsByBackupVault",
        [Call({"BackupVaultName": v}, {"RecoveryPoints": p}) for v, p in own.items()],
    )


VAULT_OPS = (
    "backup.ListBackupVaults",
    "backup.GetBackupVaultAccessPolicy",
    "backup.ListRecoveryPointsByBackupVault",
)


def _write_files(writer: BundleWriter, place: _Place, files: Mapping[str, list[Call]], first: bool) -> None:
    for key in regional_keys():
        if key in VAULT_OPS or (key in account_wide_keys() and not first):
            continue  # vaults: written by _write_points; account-wide: once, in the first Region
        service, operation = key.split(".", 1)
        writer.write_calls(place.account, place.region, service, operation, files.get(key, []))


def _policy_content(regions: Sequence[str]) -> str:
    """The organization backup policy every account inherits (its plan deployed as ``POLICY_PLAN``)."""
    plan = {
        "regions": list(regions),
        "rules": {
            "daily": {
                "schedule_expression": "cron(0 5 ? * * *)",
                "target_backup_vault_name": PROD_VAULT,
                "start_backup_window_minutes": "60",
                "complete_backup_window_minutes": "480",
                "lifecycle": {"delete_after_days": "35"},
            }
        },
        "selections": {
            "tags": {
                "baseline": {
                    "iam_role_arn": "arn:aws:iam::$account:role/service-role/AWSBackupDefaultServiceRole",
                    "tag_key": "org-backup",
                    "tag_value": ["baseline"],
                }
            }
        },
    }
    return json.dumps({"plans": {POLICY_PLAN: plan}})


def _write_organization(writer: BundleWriter, entries: Sequence[AccountEntry]) -> None:
    """Organization-level files: the organization, its accounts under one root, the backup policy
    every account inherits (one account in a hundred reported invalid), global settings."""
    org = "o-bench00001"
    accounts = [{"Id": e.id, "Name": e.name, "Status": "ACTIVE", "State": "ACTIVE"} for e in entries]
    invalid = [e for n, e in enumerate(entries) if n % 100 == 50]
    calls: dict[str, list[Call]] = {
        "organizations.DescribeOrganization": [
            Call({}, {"Organization": {"Id": org, "MasterAccountId": VAULT_ACCOUNT, "FeatureSet": "ALL"}})
        ],
        "organizations.ListAccounts": [Call({}, {"Accounts": accounts})],
        "organizations.ListPolicies": [
            Call(
                {"Filter": "BACKUP_POLICY"},
                {
                    "Policies": [
                        {
                            "Id": "p-bench001",
                            "Name": "org-backup-baseline",
                            "Type": "BACKUP_POLICY",
                            "AwsManaged": False,
                        }
                    ]
                },
            )
        ],
        "organizations.DescribeEffectivePolicy": [
            Call(
                {"PolicyType": "BACKUP_POLICY", "TargetId": e.id},
                {
                    "EffectivePolicy": {
                        "PolicyContent": _policy_content(e.regions),
                        "TargetId": e.id,
                        "PolicyType": "BACKUP_POLICY",
                    }
                },
            )
            for e in entries
        ],
        "organizations.ListRoots": [Call({}, {"Roots": [{"Id": "r-bench", "Name": "Root"}]})],
        "organizations.ListOrganizationalUnitsForParent": [
            Call({"ParentId": "r-bench"}, {"OrganizationalUnits": []})
        ],
        "organizations.ListAccountsForParent": [Call({"ParentId": "r-bench"}, {"Accounts": accounts})],
        "organizations.ListAccountsWithInvalidEffectivePolicy": [
            Call(
                {"PolicyType": "BACKUP_POLICY"},
                {"Accounts": [{"Id": e.id, "Name": e.name} for e in invalid], "PolicyType": "BACKUP_POLICY"},
            )
        ],
        "organizations.ListEffectivePolicyValidationErrors": [
            Call(
                {"AccountId": e.id, "PolicyType": "BACKUP_POLICY"},
                {
                    "AccountId": e.id,
                    "PolicyType": "BACKUP_POLICY",
                    "EffectivePolicyValidationErrors": [
                        {
                            "ErrorCode": "INVALID_VALUE",
                            "ErrorMessage": "lifecycle.delete_after_days must be a number",
                            "PathToError": "plans.org-baseline.rules.daily.lifecycle",
                        }
                    ],
                },
            )
            for e in invalid
        ],
        "backup.DescribeGlobalSettings": [
            Call({}, {"GlobalSettings": {"isCrossAccountBackupEnabled": "true", "isMpaEnabled": "false"}})
        ],
    }
    for key, org_calls in calls.items():
        service, operation = key.split(".", 1)
        writer.write_calls(None, None, service, operation, org_calls)


def generate(path: Path, accounts: int, regions: int, resources: int, rp_per_resource: int) -> None:
    """Write the bundle: account by account (the vault account, whose vaults receive copies from
    every account, last)."""
    regs = REGIONS[:regions]
    entries = [
        AccountEntry(id=f"{100000000000 + n:012d}", name=f"acct-{n}", status="ACTIVE", regions=regs)
        for n in range(accounts)
    ]
    landed: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    """Copies in the vault account's vaults, gathered from every account."""
    vault_account_own: dict[str, dict[str, list[dict[str, Any]]]] = {}
    with BundleWriter(path, force=True) as writer:
        for n, entry in enumerate(entries):
            backups: dict[str, _Backups] = {}
            for i, r in enumerate(regs):
                place = _Place(entry.id, r, regs[(i + 1) % len(regs)], n * len(regs) + i)
                files, backups[r] = _account_region(place, resources, rp_per_resource)
                _write_files(writer, place, files, first=i == 0)
            for b in backups.values():
                for (da, dr, dv), points in b.copies.items():
                    if da == entry.id and dr in backups:
                        backups[dr].points.setdefault(dv, []).extend(points)
                    else:
                        landed.setdefault((da, dr, dv), []).extend(points)
            for i, r in enumerate(regs):
                place = _Place(entry.id, r, regs[(i + 1) % len(regs)], n * len(regs) + i)
                own = backups[r].points
                if entry.id == VAULT_ACCOUNT:
                    vault_account_own[r] = own
                else:
                    _write_points(writer, place, own)
        for i, r in enumerate(regs):
            place = _Place(VAULT_ACCOUNT, r, regs[(i + 1) % len(regs)], i)
            own = vault_account_own.get(r, {v: [] for v in OWN_VAULTS})
            for vault in (CENTRAL_VAULT, LAG_VAULT):
                own[vault] = own.get(vault, []) + landed.pop((VAULT_ACCOUNT, r, vault), [])
            _write_points(writer, place, own)
        _write_organization(writer, entries)
        writer.commit(
            Manifest(
                collected_at=COLLECTED_AT,
                tool=ToolInfo("backup-auditor", "bench"),
                organization=OrganizationInfo("o-bench00001", VAULT_ACCOUNT),
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
    return f"{n / 1e9:.2f} GB ({n / 1024**3:.2f} GiB)"  # targets are decimal GB: 4 GB = 4e9 bytes


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


POLICY_RULES = ("BKP-040", "BKP-041", "BKP-042", "BKP-043")
"""Organization backup policy rules: no config switch; the benchmark leaves them out for "off"."""


def controls_off() -> tuple[RuleSettings, list[type[Rule]]]:
    """Settings with every control of ``[controls]`` disabled (``enabled = false``, as a config
    file turns them off), and the registry without the controls and the policy rules."""
    from auditor.controls import CONTROL_IDS, Controls
    from auditor.rules.base import RuleSettings
    from auditor.rules.registry import rules as registry

    off = Controls(**{f.name: replace(getattr(Controls(), f.name), enabled=False) for f in fields(Controls)})
    skipped = set(CONTROL_IDS) | set(POLICY_RULES)
    return RuleSettings(controls=off), [cls for cls in registry if cls.metadata.id not in skipped]


def measure_evaluate(path: Path, controls: bool = True) -> dict[str, Any]:
    """``evaluate_bundle`` end to end, with the controls (BKP-022/023/030-043) on or off."""
    import auditor.evaluate
    from auditor.evidence import read_bundle

    settings: RuleSettings | None = None
    rule_classes: list[type[Rule]] | None = None
    if not controls:
        settings, rule_classes = controls_off()
    run_rules = auditor.evaluate.run_rules
    with (
        mock.patch.object(auditor.evaluate, "run_rules", lambda ctx: run_rules(ctx, rule_classes)),
        PeakSampler() as sampler,
    ):
        t0, c0 = time.perf_counter(), time.process_time()
        result = auditor.evaluate.evaluate_bundle(read_bundle(path), settings=settings)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "evaluate_s": wall,
        "evaluate_cpu": cpu,
        "findings": len(result.findings),
        "peak_rss": sampler.peak,
        "ru_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def _child(mode: str, path: Path, *extra: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, __file__, f"--{mode}", str(path), *extra],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{mode} child failed:\n{proc.stderr}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _report_evaluate(path: Path) -> None:
    """Evaluate with the controls on, then off (each in a fresh process); print both and the ratio."""
    on = _child("measure-evaluate", path)
    off = _child("measure-evaluate", path, "--controls-off")
    for label, e in (("evaluate (all)", on), ("evaluate (no ctl)", off)):
        print(
            f"{label:<18} {e['evaluate_s']:7.1f} s wall {e['evaluate_cpu']:7.1f} s CPU"
            f"   ru_maxrss {_gb(e['ru_maxrss'])}   {e['findings']:,} findings"
        )
    print(
        f"controls on / off  {on['evaluate_s'] / off['evaluate_s']:7.2f}x wall"
        f" {on['evaluate_cpu'] / off['evaluate_cpu']:7.2f}x CPU"
        f"   ru_maxrss {on['ru_maxrss'] / off['ru_maxrss']:.2f}x"
        "   (target: within 1.3x, under 4 GB)"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--accounts", type=int, default=1000)
    p.add_argument("--regions", type=int, default=4, choices=range(1, len(REGIONS) + 1))
    p.add_argument("--resources", type=int, default=250, help="resources per account-region")
    p.add_argument(
        "--recovery-points",
        type=int,
        default=1,
        help="per protected resource in its plan's vault, a day apart (the newest is copied); default 1",
    )
    p.add_argument("--bundle", type=Path, help="keep the bundle here (reused if it already has a manifest)")
    p.add_argument("--skip-evaluate", action="store_true", help="only load_inventory + resolve")
    p.add_argument("--measure-resolve", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--measure-evaluate", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--controls-off", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.measure_resolve:
        print(json.dumps(measure_resolve(args.measure_resolve)))
        return 0
    if args.measure_evaluate:
        print(json.dumps(measure_evaluate(args.measure_evaluate, controls=not args.controls_off)))
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
            _report_evaluate(path)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
