"""Build valid evidence bundles (format v2, or v1 with ``version=1``) from Python, for tests and fixtures.

``BundleBuilder`` writes through :class:`auditor.evidence.BundleWriter`, so what it produces is
exactly what ``collect`` would write. Responses use botocore's output member names
(``GetBackupSelection`` -> ``BackupSelection.Resources`` ...). Defaults make every account-region
fully collected and consistent: every required operation file of
:func:`auditor.services.regional_keys` is written (an empty listing when nothing was
added), every resource type is opted in, so a test states only what matters to it::

    b = BundleBuilder()                                   # account 111111111111, eu-west-1
    b.opt_in("Aurora", False)
    arn = b.rds_cluster("orders", engine="aurora-mysql", tags={"backup": "daily"})
    plan = b.plan("daily")
    b.selection(plan, "tagged", conditions=[("StringEquals", "aws:ResourceTag/backup", "daily")])
    bundle = read_bundle(b.build(tmp_path / "bundle"))

Every method takes ``account_id=`` / ``region=`` (default: the builder's defaults); an account or
region is added to the manifest the first time it is used.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from auditor.evidence import (
    BUNDLE_VERSION,
    AccountEntry,
    BundleWriter,
    Call,
    CollectionError,
    Manifest,
    OrganizationInfo,
    ToolInfo,
)
from auditor.services import OPERATIONS, regional_keys

#: Operations a collector calls once per account (in its first Region): ``s3.ListBuckets`` ...
ACCOUNT_WIDE: frozenset[str] = frozenset(k for k, op in OPERATIONS.items() if op.account_wide)

#: Operations of the backups made outside AWS Backup (BKP-017), written by ``_own_backup_calls``.
_OWN_BACKUP_KEYS: frozenset[str] = frozenset(
    {
        "dynamodb.DescribeContinuousBackups",
        "dynamodb.ListBackups",
        "dlm.GetLifecyclePolicies",
        "dlm.GetLifecyclePolicy",
    }
)

DEFAULT_ACCOUNT = "111111111111"
DEFAULT_REGION = "eu-west-1"
COLLECTED_AT = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)

#: Resource types ``DescribeRegionSettings`` lists in ``ResourceTypeOptInPreference``.
OPT_IN_TYPES: tuple[str, ...] = (
    "Aurora",
    "CloudFormation",
    "DocumentDB",
    "DynamoDB",
    "EBS",
    "EC2",
    "EFS",
    "FSx",
    "Neptune",
    "RDS",
    "Redshift",
    "S3",
    "SAP HANA on Amazon EC2",
    "Storage Gateway",
    "Timestream",
    "VirtualMachine",
)
#: ``ResourceTypeManagementPreference`` (full AWS Backup management) as AWS reports it.
MANAGEMENT_TYPES: tuple[str, ...] = ("DynamoDB", "EFS")

Tags = Mapping[str, str]
Condition = tuple[str, str, str]
"""``(operator, key, value)``, operator one of StringEquals/StringNotEquals/StringLike/StringNotLike."""


def _tag_list(tags: Tags | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _created_by(plan_id: str, plan_version: str | None, rule_id: str | None) -> dict[str, str]:
    """A job's or recovery point's ``CreatedBy``: the plan id, and its version and rule when given."""
    out = {"BackupPlanId": plan_id}
    if plan_version is not None:
        out["BackupPlanVersion"] = plan_version
    if rule_id is not None:
        out["BackupRuleId"] = rule_id
    return out


def plan_version_of(plan_id: str) -> str:
    """The ``VersionId`` :meth:`BundleBuilder.plan` gives a plan."""
    return _uuid("version", plan_id)


def rule_id_of(plan_id: str, index: int = 0) -> str:
    """The ``RuleId`` :meth:`BundleBuilder.plan` gives the plan's rule number ``index``."""
    return _uuid("rule", plan_id, str(index))


def _stable_digits(text: str, digits: int = 8) -> str:
    """``digits`` decimal digits derived from ``text``, the same in every process (``hash()`` of
    a str is salted per process unless PYTHONHASHSEED is fixed)."""
    value = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
    return f"{value % 10**digits:0{digits}d}"


#: Members :meth:`BundleBuilder.rule` always writes: a fragment holding all of them is a built
#: rule and is used as it is (its missing ``Lifecycle`` means keep forever).
_BUILT_RULE_MEMBERS = frozenset(
    {
        "RuleName",
        "TargetBackupVaultName",
        "ScheduleExpression",
        "StartWindowMinutes",
        "CompletionWindowMinutes",
        "CopyActions",
    }
)

#: Members of a restore testing selection that only ``GetRestoreTestingSelection`` returns.
_SELECTION_GET_ONLY = frozenset(
    {"ProtectedResourceArns", "ProtectedResourceConditions", "RestoreMetadataOverrides"}
)
#: Members of a protected resource that ``ListProtectedResources`` returns.
_PROTECTED_LISTED = frozenset({"ResourceArn", "ResourceType", "LastBackupTime", "LastBackupVaultArn"})


@dataclass
class _Region:
    """Everything one account-region holds, as response fragments."""

    opt_in: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(OPT_IN_TYPES, True))
    management: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(MANAGEMENT_TYPES, True))
    plans: list[dict[str, Any]] = field(default_factory=list)
    plan_details: dict[str, dict[str, Any]] = field(default_factory=dict)
    selections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    selection_details: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    vaults: list[dict[str, Any]] = field(default_factory=list)
    vault_policies: dict[str, str] = field(default_factory=dict)
    recovery_points: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    copy_jobs: list[dict[str, Any]] = field(default_factory=list)
    db_instances: list[dict[str, Any]] = field(default_factory=list)
    db_clusters: list[dict[str, Any]] = field(default_factory=list)
    tables: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    efs: list[dict[str, Any]] = field(default_factory=list)
    fsx_file_systems: list[dict[str, Any]] = field(default_factory=list)
    fsx_volumes: list[dict[str, Any]] = field(default_factory=list)
    ec2_instances: list[dict[str, Any]] = field(default_factory=list)
    ebs_volumes: list[dict[str, Any]] = field(default_factory=list)
    rbin_rules: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {"EBS_SNAPSHOT": [], "EC2_IMAGE": []}
    )
    buckets: list[dict[str, Any]] = field(default_factory=list)
    """S3 buckets of this Region (written in the account's first Region: ListBuckets is account-wide)."""
    redshift_clusters: list[dict[str, Any]] = field(default_factory=list)
    stacks: list[dict[str, Any]] = field(default_factory=list)
    stack_resources: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Stack ARN -> its ``StackResourceSummaries``."""
    timestream_tables: list[tuple[str, str, dict[str, str], str]] = field(default_factory=list)
    """Timestream (database, table, tags, TableStatus); a database without tables has no entry
    (see ``timestream_databases``)."""
    timestream_databases: list[str] = field(default_factory=list)
    serverless_namespaces: list[dict[str, Any]] = field(default_factory=list)
    """Redshift Serverless namespaces, each with its ``tags`` (ListTagsForResource)."""
    # -- backups made outside AWS Backup (BKP-017) --
    continuous_backups: dict[str, bool] = field(default_factory=dict)
    """Table name -> point-in-time recovery enabled (DescribeContinuousBackups)."""
    user_backups: list[dict[str, Any]] = field(default_factory=list)
    """DynamoDB ``BackupSummaries`` of ``BackupType`` ``USER`` (ListBackups)."""
    dlm_policies: list[dict[str, Any]] = field(default_factory=list)
    """Data Lifecycle Manager ``Policy`` objects (GetLifecyclePolicy)."""
    # --
    # restore jobs, restore testing, protected resources, Audit Manager (bundle v3)
    restore_jobs: list[dict[str, Any]] = field(default_factory=list)
    restore_plans: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Restore testing plan name -> its selections (``GetRestoreTestingSelection`` bodies)."""
    protected: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Resource ARN -> its ``DescribeProtectedResource`` response (``ListProtectedResources`` lists
    the members it shares)."""
    frameworks: list[dict[str, Any]] = field(default_factory=list)
    report_plans: list[dict[str, Any]] = field(default_factory=list)
    # -- issue 9: Storage Gateway volumes, VMware virtual machines, SAP HANA databases
    gateways: list[dict[str, Any]] = field(default_factory=list)
    gateway_volumes: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    """(``VolumeInfo``, tags) per volume."""
    virtual_machines: list[tuple[dict[str, Any], dict[str, str]]] = field(default_factory=list)
    """(``VirtualMachine``, tags) per machine."""
    sap_applications: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Application id -> its ``Databases`` (``DatabaseSummary`` with ``Tags``)."""
    # -- end of issue 9 (Storage Gateway, VMs, SAP HANA)
    omitted: set[str] = field(default_factory=set)
    """``service.Operation`` keys whose file is not written."""
    raw: dict[str, list[Call]] = field(default_factory=dict)
    """``service.Operation`` -> calls written verbatim instead of the built ones."""


@dataclass
class _Account:
    name: str
    status: str
    regions: list[str]
    write_files: bool = True


class BundleBuilder:
    """Collects account-regions' contents and writes a bundle (version ``version``) with :meth:`build`."""

    def __init__(
        self,
        account_id: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        *,
        collected_at: datetime = COLLECTED_AT,
        organization: tuple[str, str] | None = ("o-exampleorg1", DEFAULT_ACCOUNT),
        compress: bool = False,
        version: int = BUNDLE_VERSION,
    ) -> None:
        self.account_id = account_id
        self.version = version
        """Bundle version written: the operations files are those a collector of that version
        writes (``regional_keys(version)``); ``version=1`` builds a bundle older than S3."""
        self.region = region
        self.collected_at = collected_at
        self.organization = organization
        self.compress = compress
        self._accounts: dict[str, _Account] = {}
        self._regions: dict[tuple[str, str], _Region] = {}
        self._errors: list[CollectionError] = []
        self._unavailable: set[tuple[str, str]] = set()
        self._policies: dict[str, dict[str, Any]] = {}
        self._invalid_policies: dict[str, list[dict[str, Any]]] = {}
        self._org_omitted: set[str] = set()
        self._counter = 0
        self._global_settings: dict[str, str] | None = {
            "isCrossAccountBackupEnabled": "true",
            "isMpaEnabled": "false",
        }
        """``backup.DescribeGlobalSettings`` (organization level, version 3 on); None: not written."""

    # -- scope -------------------------------------------------------------------------------

    def account(
        self,
        account_id: str,
        regions: Sequence[str] | None = None,
        *,
        name: str | None = None,
        status: str = "ACTIVE",
    ) -> str:
        """Add (or update) an account and its regions; returns the account id."""
        acct = self._accounts.get(account_id)
        if acct is None:
            acct = _Account(name=name or f"account-{account_id[-4:]}", status=status, regions=[])
            self._accounts[account_id] = acct
        else:
            acct.status = status
            if name is not None:
                acct.name = name
        for r in regions if regions is not None else [self.region]:
            self._ar(account_id, r)
        return account_id

    def _ar(self, account_id: str | None, region: str | None) -> _Region:
        a = account_id or self.account_id
        r = region or self.region
        if a not in self._accounts:
            self._accounts[a] = _Account(name=f"account-{a[-4:]}", status="ACTIVE", regions=[])
        if r not in self._accounts[a].regions:
            self._accounts[a].regions.append(r)
        return self._regions.setdefault((a, r), _Region())

    def _scope(self, account_id: str | None, region: str | None) -> tuple[str, str]:
        return account_id or self.account_id, region or self.region

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    # -- region settings ---------------------------------------------------------------------

    def opt_in(
        self, resource_type: str, enabled: bool, *, account_id: str | None = None, region: str | None = None
    ) -> None:
        """Set one type's ``ResourceTypeOptInPreference``."""
        self._ar(account_id, region).opt_in[resource_type] = enabled

    def drop_opt_in(
        self, resource_type: str, *, account_id: str | None = None, region: str | None = None
    ) -> None:
        """Leave a type out of ``ResourceTypeOptInPreference`` altogether."""
        self._ar(account_id, region).opt_in.pop(resource_type, None)

    def management(
        self,
        resource_type: str,
        enabled: bool | None,
        *,
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        """Set one type's ``ResourceTypeManagementPreference`` (None: the type left out)."""
        prefs = self._ar(account_id, region).management
        if enabled is None:
            prefs.pop(resource_type, None)
        else:
            prefs[resource_type] = enabled

    # -- plans and selections ----------------------------------------------------------------

    def plan(
        self,
        name: str,
        rules: Sequence[Mapping[str, Any]] | None = None,
        *,
        plan_id: str | None = None,
        created: datetime | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a backup plan (created 100 days before collection unless ``created``); returns its
        ``BackupPlanId``.

        ``rules`` are ``BackupRule`` fragments merged over a default daily rule into vault
        ``Default`` kept 35 days (``{"DeleteAfterDays": None}`` keeps forever), or rules built with
        :meth:`rule`, used as they are (``rule(DeleteAfterDays=None)`` keeps forever).
        """
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        pid = plan_id or _uuid("plan", a, r, name, str(self._next()))
        arn = f"arn:aws:backup:{r}:{a}:backup-plan:{pid}"
        version = plan_version_of(pid)
        built_rules = [
            dict(x) if x.keys() >= _BUILT_RULE_MEMBERS else self.rule(**dict(x))
            for x in (rules if rules is not None else [{}])
        ]
        for i, rule in enumerate(built_rules):
            rule.setdefault("RuleId", rule_id_of(pid, i))
        ar.plans.append(
            {
                "BackupPlanArn": arn,
                "BackupPlanId": pid,
                "CreationDate": created or self.collected_at - timedelta(days=100),
                "VersionId": version,
                "BackupPlanName": name,
            }
        )
        ar.plan_details[pid] = {
            "BackupPlan": {"BackupPlanName": name, "Rules": built_rules},
            "BackupPlanId": pid,
            "BackupPlanArn": arn,
            "VersionId": version,
            "CreationDate": created or self.collected_at - timedelta(days=100),
        }
        ar.selections[pid] = []
        return pid

    @staticmethod
    def rule(
        RuleName: str = "daily",
        TargetBackupVaultName: str = "Default",
        ScheduleExpression: str = "cron(0 5 ? * * *)",
        StartWindowMinutes: int = 60,
        CompletionWindowMinutes: int = 180,
        DeleteAfterDays: int | None = 35,
        MoveToColdStorageAfterDays: int | None = None,
        CopyActions: Sequence[Mapping[str, Any]] = (),
        **extra: Any,
    ) -> dict[str, Any]:
        """A ``BackupRule`` response fragment; ``DeleteAfterDays=None`` means keep forever."""
        lifecycle: dict[str, Any] = {}
        if DeleteAfterDays is not None:
            lifecycle["DeleteAfterDays"] = DeleteAfterDays
        if MoveToColdStorageAfterDays is not None:
            lifecycle["MoveToColdStorageAfterDays"] = MoveToColdStorageAfterDays
        out: dict[str, Any] = {
            "RuleName": RuleName,
            "TargetBackupVaultName": TargetBackupVaultName,
            "ScheduleExpression": ScheduleExpression,
            "StartWindowMinutes": StartWindowMinutes,
            "CompletionWindowMinutes": CompletionWindowMinutes,
            "CopyActions": [dict(c) for c in CopyActions],
        }
        if lifecycle:
            out["Lifecycle"] = lifecycle
        out.update(extra)
        return out

    def selection(
        self,
        plan_id: str,
        name: str,
        *,
        resources: Sequence[str] = (),
        not_resources: Sequence[str] = (),
        list_of_tags: Iterable[tuple[str, str]] = (),
        conditions: Iterable[Condition] = (),
        iam_role_arn: str | None = None,
        selection_id: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        created: datetime | None = None,
    ) -> str:
        """Add a selection to a plan (created 90 days before collection unless ``created``);
        returns its ``SelectionId``.

        ``list_of_tags`` holds ``(ConditionKey, ConditionValue)`` pairs (``STRINGEQUALS``);
        ``conditions`` holds ``(operator, ConditionKey, ConditionValue)`` triples.
        """
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        if plan_id not in ar.selections:
            raise ValueError(f"no plan {plan_id} in {a}/{r}")
        sid = selection_id or _uuid("selection", plan_id, name)
        role = iam_role_arn or f"arn:aws:iam::{a}:role/service-role/AWSBackupDefaultServiceRole"
        cond: dict[str, list[dict[str, str]]] = {
            "StringEquals": [],
            "StringNotEquals": [],
            "StringLike": [],
            "StringNotLike": [],
        }
        for op, key, value in conditions:
            cond.setdefault(op, []).append({"ConditionKey": key, "ConditionValue": value})
        ar.selections[plan_id].append(
            {
                "SelectionId": sid,
                "SelectionName": name,
                "BackupPlanId": plan_id,
                "CreationDate": created or self.collected_at - timedelta(days=90),
                "IamRoleArn": role,
            }
        )
        ar.selection_details.append(
            (
                plan_id,
                sid,
                {
                    "BackupSelection": {
                        "SelectionName": name,
                        "IamRoleArn": role,
                        "Resources": list(resources),
                        "ListOfTags": [
                            {"ConditionType": "STRINGEQUALS", "ConditionKey": k, "ConditionValue": v}
                            for k, v in list_of_tags
                        ],
                        "NotResources": list(not_resources),
                        "Conditions": cond,
                    },
                    "SelectionId": sid,
                    "BackupPlanId": plan_id,
                    "CreationDate": created or self.collected_at - timedelta(days=90),
                },
            )
        )
        return sid

    # -- vaults, recovery points, jobs -------------------------------------------------------

    def vault(
        self,
        name: str = "Default",
        *,
        locked: bool = False,
        min_retention_days: int | None = None,
        max_retention_days: int | None = None,
        encryption_key_arn: str | None = None,
        policy: Mapping[str, Any] | str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        vault_type: str = "BACKUP_VAULT",
    ) -> str:
        """Add a backup vault (idempotent by name); returns its ARN."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        arn = f"arn:aws:backup:{r}:{a}:backup-vault:{name}"
        if any(v["BackupVaultName"] == name for v in ar.vaults):
            return arn
        entry: dict[str, Any] = {
            "BackupVaultName": name,
            "BackupVaultArn": arn,
            "VaultType": vault_type,
            "VaultState": "AVAILABLE",
            "CreationDate": self.collected_at - timedelta(days=200),
            "EncryptionKeyArn": encryption_key_arn or f"arn:aws:kms:{r}:{a}:key/{_uuid('key', a, r)}",
            "NumberOfRecoveryPoints": 0,
            "Locked": locked,
        }
        if min_retention_days is not None:
            entry["MinRetentionDays"] = min_retention_days
        if max_retention_days is not None:
            entry["MaxRetentionDays"] = max_retention_days
        ar.vaults.append(entry)
        ar.recovery_points[name] = []
        if policy is not None:
            ar.vault_policies[name] = policy if isinstance(policy, str) else json.dumps(policy)
        return arn

    def recovery_point(
        self,
        resource_arn: str,
        resource_type: str | None,
        *,
        vault: str = "Default",
        status: str = "COMPLETED",
        created: datetime | None = None,
        size_bytes: int | None = 1024**3,
        delete_after_days: int | None = 35,
        plan_id: str | None = None,
        is_encrypted: bool = True,
        account_id: str | None = None,
        region: str | None = None,
        plan_version: str | None = None,
        rule_id: str | None = None,
        **extra: Any,
    ) -> str:
        """Add a recovery point (creating its vault if needed); returns its ARN (``size_bytes``
        None: ``BackupSizeInBytes`` left out; ``resource_type`` None: ``ResourceType`` left out)."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        vault_arn = self.vault(vault, account_id=a, region=r)
        n = self._next()
        created = created or self.collected_at - timedelta(days=1)
        service = resource_arn.split(":")[2] if resource_arn.count(":") >= 2 else "backup"
        if service == "ec2":
            rp_arn = f"arn:aws:ec2:{r}::image/ami-{n:017x}"
        elif service == "rds":
            rp_arn = f"arn:aws:rds:{r}:{a}:cluster-snapshot:awsbackup:job-{n:08d}"
        else:
            rp_arn = f"arn:aws:backup:{r}:{a}:recovery-point:{_uuid('rp', str(n))}"
        rp: dict[str, Any] = {
            "RecoveryPointArn": rp_arn,
            "BackupVaultName": vault,
            "BackupVaultArn": vault_arn,
            "ResourceArn": resource_arn,
            "ResourceType": resource_type,
            "IamRoleArn": f"arn:aws:iam::{a}:role/service-role/AWSBackupDefaultServiceRole",
            "Status": status,
            "CreationDate": created,
            "CompletionDate": created + timedelta(minutes=20),
            "BackupSizeInBytes": size_bytes,
            "IsEncrypted": is_encrypted,
        }
        if size_bytes is None:
            del rp["BackupSizeInBytes"]
        if resource_type is None:
            del rp["ResourceType"]
        if delete_after_days is not None:
            rp["Lifecycle"] = {"DeleteAfterDays": delete_after_days}
            rp["CalculatedLifecycle"] = {"DeleteAt": created + timedelta(days=delete_after_days)}
        if plan_id is not None:
            rp["CreatedBy"] = {
                **_created_by(plan_id, plan_version, rule_id),
                "BackupPlanArn": f"arn:aws:backup:{r}:{a}:backup-plan:{plan_id}",
            }
        rp.update(extra)
        ar.recovery_points[vault].append(rp)
        for v in ar.vaults:
            if v["BackupVaultName"] == vault:
                v["NumberOfRecoveryPoints"] += 1
        return rp_arn

    def job(
        self,
        resource_arn: str,
        resource_type: str | None,
        *,
        state: str = "COMPLETED",
        status_message: str | None = None,
        vault: str = "Default",
        created: datetime | None = None,
        plan_id: str | None = None,
        job_id: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
        plan_version: str | None = None,
        rule_id: str | None = None,
    ) -> str:
        """Add a backup job (``ListBackupJobs``); returns its ``BackupJobId``. ``CreatedBy`` holds
        ``plan_id`` and, when given, ``plan_version`` and ``rule_id`` (``resource_type`` None:
        ``ResourceType`` left out)."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        created = created or self.collected_at - timedelta(days=1)
        jid = job_id or _uuid("job", str(self._next()))
        entry: dict[str, Any] = {
            "AccountId": a,
            "BackupJobId": jid,
            "BackupVaultName": vault,
            "BackupVaultArn": f"arn:aws:backup:{r}:{a}:backup-vault:{vault}",
            "ResourceArn": resource_arn,
            "CreationDate": created,
            "State": state,
            "ResourceType": resource_type,
            "IamRoleArn": f"arn:aws:iam::{a}:role/service-role/AWSBackupDefaultServiceRole",
        }
        if resource_type is None:
            del entry["ResourceType"]
        if state in {"COMPLETED", "FAILED", "ABORTED", "EXPIRED"}:
            entry["CompletionDate"] = created + timedelta(hours=1)
        if status_message is not None:
            entry["StatusMessage"] = status_message
        if plan_id is not None:
            entry["CreatedBy"] = _created_by(plan_id, plan_version, rule_id)
        ar.jobs.append(entry)
        return jid

    # -- copies and global settings (BKP-022/036/037) ------------------------------------------

    def copy_job(
        self,
        resource_arn: str | None,
        resource_type: str | None,
        destination_vault_arn: str | None,
        *,
        state: str = "COMPLETED",
        status_message: str | None = None,
        vault: str = "Default",
        created: datetime | None = None,
        plan_id: str | None = None,
        job_id: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a copy job listed in its source account-region (``ListCopyJobs``); returns its id
        (``resource_arn`` None: the job names no resource, ``ResourceArn`` left out; likewise
        ``resource_type`` and ``destination_vault_arn``)."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        created = created or self.collected_at - timedelta(days=1)
        jid = job_id or _uuid("copy", str(self._next()))
        entry: dict[str, Any] = {
            "AccountId": a,
            "CopyJobId": jid,
            "SourceBackupVaultArn": f"arn:aws:backup:{r}:{a}:backup-vault:{vault}",
            "DestinationBackupVaultArn": destination_vault_arn,
            "ResourceArn": resource_arn,
            "CreationDate": created,
            "State": state,
            "ResourceType": resource_type,
        }
        if state in {"COMPLETED", "FAILED", "PARTIAL"}:
            entry["CompletionDate"] = created + timedelta(hours=1)
        for key, value in (
            ("ResourceArn", resource_arn),
            ("ResourceType", resource_type),
            ("DestinationBackupVaultArn", destination_vault_arn),
        ):
            if value is None:
                del entry[key]
        if status_message is not None:
            entry["StatusMessage"] = status_message
        if plan_id is not None:
            entry["CreatedBy"] = {"BackupPlanId": plan_id}
        ar.copy_jobs.append(entry)
        return jid

    def global_settings(self, flags: Mapping[str, str] | None) -> None:
        """Set the ``DescribeGlobalSettings`` answer (``None``: the file is not written)."""
        self._global_settings = None if flags is None else dict(flags)

    # -- restore jobs, restore testing, protected resources (bundle v3) ------------------------

    def restore_job(
        self,
        resource_arn: str,
        resource_type: str | None,
        *,
        status: str = "COMPLETED",
        status_message: str | None = None,
        created: datetime | None = None,
        minutes: int = 30,
        testing_plan: str | None = None,
        job_id: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a restore job (``ListRestoreJobs``) of ``resource_arn``, started by the restore
        testing plan ``testing_plan`` when given; returns its ``RestoreJobId`` (``resource_type`` None:
        ``ResourceType`` left out)."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        created = created or self.collected_at - timedelta(days=1)
        jid = job_id or _uuid("restore", str(self._next()))
        entry: dict[str, Any] = {
            "AccountId": a,
            "RestoreJobId": jid,
            "RecoveryPointArn": f"arn:aws:backup:{r}:{a}:recovery-point:{_uuid('rp', jid)}",
            "SourceResourceArn": resource_arn,
            "CreationDate": created,
            "Status": status,
            "ResourceType": resource_type,
            "IamRoleArn": f"arn:aws:iam::{a}:role/service-role/AWSBackupDefaultServiceRole",
        }
        if status in {"COMPLETED", "FAILED", "ABORTED"}:
            entry["CompletionDate"] = created + timedelta(minutes=minutes)
        if resource_type is None:
            del entry["ResourceType"]
        if status_message is not None:
            entry["StatusMessage"] = status_message
        if testing_plan is not None:
            entry["CreatedBy"] = {
                "RestoreTestingPlanArn": f"arn:aws:backup:{r}:{a}:restore-testing-plan:{testing_plan}"
            }
        ar.restore_jobs.append(entry)
        return jid

    def restore_testing_selection(
        self,
        plan: str,
        name: str,
        resource_type: str,
        *,
        arns: Sequence[str] = ("*",),
        conditions: Sequence[tuple[str, str, str]] = (),
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        """Add a restore testing selection (creating its plan); ``conditions`` are
        (``StringEquals`` / ``StringNotEquals``, tag key, value)."""
        a, r = self._scope(account_id, region)
        body: dict[str, Any] = {
            "CreationTime": self.collected_at - timedelta(days=30),
            "IamRoleArn": f"arn:aws:iam::{a}:role/service-role/AWSBackupDefaultServiceRole",
            "ProtectedResourceArns": list(arns),
            "ProtectedResourceType": resource_type,
            "RestoreTestingPlanName": plan,
            "RestoreTestingSelectionName": name,
            "ValidationWindowHours": 1,
        }
        if conditions:
            grouped: dict[str, list[dict[str, str]]] = {}
            for op, key, value in conditions:
                grouped.setdefault(op, []).append({"Key": key, "Value": value})
            body["ProtectedResourceConditions"] = grouped
        self._ar(a, r).restore_plans.setdefault(plan, []).append(body)

    def restore_testing_plan(
        self, plan: str, *, account_id: str | None = None, region: str | None = None
    ) -> None:
        """Add a restore testing plan without selections."""
        self._ar(account_id, region).restore_plans.setdefault(plan, [])

    def protected_resource(
        self,
        resource_arn: str,
        resource_type: str,
        *,
        restore_minutes: int | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        """List a resource as protected (``ListProtectedResources``), with its latest restore time
        (``DescribeProtectedResource``'s ``LatestRestoreExecutionTimeMinutes``) when given."""
        a, r = self._scope(account_id, region)
        body: dict[str, Any] = {
            "ResourceArn": resource_arn,
            "ResourceType": resource_type,
            "LastBackupTime": self.collected_at - timedelta(hours=12),
            "LastBackupVaultArn": f"arn:aws:backup:{r}:{a}:backup-vault:Default",
        }
        if restore_minutes is not None:
            body["LatestRestoreExecutionTimeMinutes"] = restore_minutes
            body["LatestRestoreJobCreationDate"] = self.collected_at - timedelta(days=1)
        self._ar(a, r).protected[resource_arn] = body

    def _restore_calls(self, ar: _Region, key: str) -> list[Call]:
        """The backup operations added with bundle version 3 (restore testing, Audit Manager)."""
        c = Call
        match key:
            case "backup.ListRestoreJobs":
                since = (self.collected_at - timedelta(days=14)).isoformat()
                return [c({"ByCreatedAfter": since}, {"RestoreJobs": ar.restore_jobs})]
            case "backup.ListRestoreTestingPlans":
                plans = [
                    {
                        "CreationTime": self.collected_at - timedelta(days=30),
                        "RestoreTestingPlanArn": f"arn:aws:backup:::restore-testing-plan:{name}",
                        "RestoreTestingPlanName": name,
                        "ScheduleExpression": "cron(0 5 ? * * *)",
                    }
                    for name in ar.restore_plans
                ]
                return [c({}, {"RestoreTestingPlans": plans})]
            case "backup.ListRestoreTestingSelections":
                return [
                    c(
                        {"RestoreTestingPlanName": plan},
                        {
                            "RestoreTestingSelections": [
                                {k: v for k, v in s.items() if k not in _SELECTION_GET_ONLY} for s in sels
                            ]
                        },
                    )
                    for plan, sels in ar.restore_plans.items()
                ]
            case "backup.GetRestoreTestingSelection":
                return [
                    c(
                        {
                            "RestoreTestingPlanName": plan,
                            "RestoreTestingSelectionName": s["RestoreTestingSelectionName"],
                        },
                        {"RestoreTestingSelection": s},
                    )
                    for plan, sels in ar.restore_plans.items()
                    for s in sels
                ]
            case "backup.ListProtectedResources":
                listed = [
                    {k: v for k, v in p.items() if k in _PROTECTED_LISTED} for p in ar.protected.values()
                ]
                return [c({}, {"Results": listed})]
            case "backup.DescribeProtectedResource":
                sources = dict.fromkeys(
                    j["SourceResourceArn"]
                    for j in ar.restore_jobs
                    if j.get("CreatedBy", {}).get("RestoreTestingPlanArn")
                )
                return [
                    c({"ResourceArn": arn}, ar.protected.get(arn, {"ResourceArn": arn})) for arn in sources
                ]
            case "backup.ListFrameworks":
                return [c({"MaxResults": 1000}, {"Frameworks": ar.frameworks})]
            case "backup.DescribeFramework":
                return [c({"FrameworkName": f["FrameworkName"]}, f) for f in ar.frameworks]
            case "backup.ListReportPlans":
                return [c({"MaxResults": 1000}, {"ReportPlans": ar.report_plans})]
        raise ValueError(f"BundleBuilder does not know how to write {key}")

    # -- resources ---------------------------------------------------------------------------

    def rds_instance(
        self,
        identifier: str,
        *,
        engine: str | None = "mysql",
        tags: Tags | None = None,
        cluster: str | None = None,
        outpost_arn: str | None = None,
        backup_retention: int | None = 7,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a DB instance (``DescribeDBInstances``); returns its ARN. ``outpost_arn`` puts its
        subnet group on an Outpost (``Subnets[].SubnetOutpost.Arn``); ``engine`` / ``backup_retention``
        None leave ``Engine`` / ``BackupRetentionPeriod`` out (both are optional in the API's shape)."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:rds:{r}:{a}:db:{identifier}"
        subnet: dict[str, Any] = {
            "SubnetIdentifier": f"subnet-{_stable_digits(identifier)}",
            "SubnetAvailabilityZone": {"Name": f"{r}a"},
            "SubnetStatus": "Active",
        }
        if outpost_arn is not None:
            subnet["SubnetOutpost"] = {"Arn": outpost_arn}
        entry: dict[str, Any] = {
            "DBInstanceIdentifier": identifier,
            "DBInstanceClass": "db.t3.micro",
            "Engine": engine,
            "DBInstanceStatus": "available",
            "BackupRetentionPeriod": backup_retention,
            "DBSubnetGroup": {
                "DBSubnetGroupName": "default",
                "DBSubnetGroupDescription": "default",
                "VpcId": "vpc-0example",
                "SubnetGroupStatus": "Complete",
                "Subnets": [subnet],
            },
            "DBInstanceArn": arn,
            "TagList": _tag_list(tags),
        }
        if cluster is not None:
            entry["DBClusterIdentifier"] = cluster
        if engine is None:
            del entry["Engine"]
        if backup_retention is None:
            del entry["BackupRetentionPeriod"]
        self._ar(a, r).db_instances.append(entry)
        return arn

    def rds_cluster(
        self,
        identifier: str,
        *,
        engine: str = "aurora-mysql",
        tags: Tags | None = None,
        backup_retention: int = 7,
        member_instances: int = 1,
        status: str = "available",
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a DB cluster (Aurora, Neptune, DocumentDB or Multi-AZ by ``engine``) and
        ``member_instances`` member DB instances; returns the cluster ARN."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:rds:{r}:{a}:cluster:{identifier}"
        members = []
        for i in range(member_instances):
            inst = f"{identifier}-instance-{i + 1}"
            self.rds_instance(inst, engine=engine, cluster=identifier, account_id=a, region=r)
            members.append({"DBInstanceIdentifier": inst, "IsClusterWriter": i == 0, "PromotionTier": 1})
        self._ar(a, r).db_clusters.append(
            {
                "BackupRetentionPeriod": backup_retention,
                "DBClusterIdentifier": identifier,
                "Status": status,
                "Engine": engine,
                "EngineMode": "provisioned",
                "DBClusterMembers": members,
                "DBClusterArn": arn,
                "TagList": _tag_list(tags),
            }
        )
        return arn

    def dynamodb_table(
        self,
        name: str,
        *,
        tags: Tags | None = None,
        pitr: bool = False,
        user_backups: int = 0,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a DynamoDB table (ListTables, DescribeTable, ListTagsOfResource); returns its ARN.
        ``pitr``: point-in-time recovery enabled (DescribeContinuousBackups); ``user_backups``:
        that many on-demand backups (ListBackups)."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:dynamodb:{r}:{a}:table/{name}"
        ar = self._ar(a, r)
        ar.tables.append((name, arn, dict(tags or {})))
        ar.continuous_backups[name] = pitr
        for n in range(user_backups):
            stamp = f"{1763600000000 + n:013d}-{_stable_digits(name + str(n))}"
            ar.user_backups.append(
                {
                    "TableName": name,
                    "TableArn": arn,
                    "BackupArn": f"{arn}/backup/{stamp}",
                    "BackupName": f"{name}-ondemand-{n + 1}",
                    "BackupCreationDateTime": self.collected_at - timedelta(days=n + 1),
                    "BackupStatus": "AVAILABLE",
                    "BackupType": "USER",
                    "BackupSizeBytes": 1024,
                }
            )
        return arn

    def dlm_policy(
        self,
        policy_id: str,
        *,
        resource_type: str = "VOLUME",
        target_tags: Tags | None = None,
        state: str = "ENABLED",
        default: bool = False,
        exclusions: Mapping[str, Any] | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a Data Lifecycle Manager EBS snapshot policy (GetLifecyclePolicies,
        GetLifecyclePolicy); ``default``: the default policy for EBS snapshots (``resource_type``
        is then ``PolicyDetails.ResourceType``). Returns its ARN."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:dlm:{r}:{a}:policy/{policy_id}"
        details: dict[str, Any] = {"PolicyType": "EBS_SNAPSHOT_MANAGEMENT"}
        if default:
            details |= {"PolicyLanguage": "SIMPLIFIED", "ResourceType": resource_type, "CreateInterval": 1}
            details["RetainInterval"] = 7
            if exclusions:
                details["Exclusions"] = dict(exclusions)
        else:
            details |= {
                "PolicyLanguage": "STANDARD",
                "ResourceTypes": [resource_type],
                "TargetTags": _tag_list(target_tags),
                "Schedules": [
                    {
                        "Name": "daily",
                        "CreateRule": {"Interval": 24, "IntervalUnit": "HOURS", "Times": ["03:00"]},
                        "RetainRule": {"Count": 7},
                    }
                ],
            }
        self._ar(a, r).dlm_policies.append(
            {
                "PolicyId": policy_id,
                "Description": f"{policy_id} snapshots",
                "State": state,
                "ExecutionRoleArn": f"arn:aws:iam::{a}:role/AWSDataLifecycleManagerDefaultRole",
                "DateCreated": self.collected_at - timedelta(days=60),
                "DateModified": self.collected_at - timedelta(days=60),
                "PolicyDetails": details,
                "PolicyArn": arn,
                "DefaultPolicy": default,
            }
        )
        return arn

    def efs(
        self,
        file_system_id: str,
        *,
        tags: Tags | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add an EFS file system; returns its ARN."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:elasticfilesystem:{r}:{a}:file-system/{file_system_id}"
        tag_list = _tag_list(tags)
        name = (tags or {}).get("Name")
        entry: dict[str, Any] = {
            "OwnerId": a,
            "CreationToken": file_system_id,
            "FileSystemId": file_system_id,
            "FileSystemArn": arn,
            "CreationTime": self.collected_at - timedelta(days=300),
            "LifeCycleState": "available",
            "NumberOfMountTargets": 1,
            "SizeInBytes": {"Value": 6144},
            "PerformanceMode": "generalPurpose",
            "Tags": tag_list,
        }
        if name is not None:
            entry["Name"] = name
        self._ar(a, r).efs.append(entry)
        return arn

    def fsx_file_system(
        self,
        file_system_id: str,
        *,
        kind: str = "ONTAP",
        tags: Tags | None = None,
        automatic_backup_retention_days: int | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add an FSx file system (``FileSystemType`` = ``kind``); returns its ARN.
        ``automatic_backup_retention_days``: its configuration's ``AutomaticBackupRetentionDays``
        (FSx's own daily backups; None: no configuration member written)."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:fsx:{r}:{a}:file-system/{file_system_id}"
        entry: dict[str, Any] = {
            "OwnerId": a,
            "CreationTime": self.collected_at - timedelta(days=300),
            "FileSystemId": file_system_id,
            "FileSystemType": kind,
            "Lifecycle": "AVAILABLE",
            "StorageCapacity": 1024,
            "ResourceARN": arn,
            "Tags": _tag_list(tags),
        }
        if automatic_backup_retention_days is not None:
            member = {"WINDOWS": "WindowsConfiguration", "LUSTRE": "LustreConfiguration"}.get(
                kind, "OpenZFSConfiguration" if kind == "OPENZFS" else "OntapConfiguration"
            )
            entry[member] = {"AutomaticBackupRetentionDays": automatic_backup_retention_days}
        self._ar(a, r).fsx_file_systems.append(entry)
        return arn

    def fsx_volume(
        self,
        file_system_id: str,
        volume_id: str,
        *,
        tags: Tags | None = None,
        name: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add an FSx for ONTAP volume of ``file_system_id``; returns its ARN."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:fsx:{r}:{a}:volume/{file_system_id}/{volume_id}"
        self._ar(a, r).fsx_volumes.append(
            {
                "CreationTime": self.collected_at - timedelta(days=300),
                "FileSystemId": file_system_id,
                "Lifecycle": "CREATED",
                "Name": name or volume_id,
                "ResourceARN": arn,
                "Tags": _tag_list(tags),
                "VolumeId": volume_id,
                "VolumeType": "ONTAP",
            }
        )
        return arn

    def ec2_instance(
        self,
        instance_id: str,
        *,
        tags: Tags | None = None,
        state: str = "running",
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add an EC2 instance (in its own reservation); returns its ARN."""
        a, r = self._scope(account_id, region)
        codes = {"pending": 0, "running": 16, "stopping": 64, "stopped": 80, "terminated": 48}
        self._ar(a, r).ec2_instances.append(
            {
                "ReservationId": f"r-{instance_id.removeprefix('i-')}",
                "OwnerId": a,
                "Groups": [],
                "Instances": [
                    {
                        "InstanceId": instance_id,
                        "ImageId": "ami-0example",
                        "InstanceType": "t3.micro",
                        "State": {"Code": codes.get(state, 16), "Name": state},
                        "LaunchTime": self.collected_at - timedelta(days=30),
                        "Placement": {"AvailabilityZone": f"{r}a"},
                        "Tags": _tag_list(tags),
                    }
                ],
            }
        )
        return f"arn:aws:ec2:{r}:{a}:instance/{instance_id}"

    def ebs_volume(
        self,
        volume_id: str,
        *,
        tags: Tags | None = None,
        size_gib: int = 8,
        attached_to: str | Sequence[str] = (),
        attachment_state: str = "attached",
        account_id: str | None = None,
        region: str | None = None,
        created: datetime | None = None,
    ) -> str:
        """Add an EBS volume (created 30 days before collection unless ``created``); returns its ARN. ``attached_to``: instance id(s) it is attached to
        (``Attachments[]`` with ``State`` = ``attachment_state``; several for Multi-Attach)."""
        a, r = self._scope(account_id, region)
        instances = [attached_to] if isinstance(attached_to, str) else list(attached_to)
        attachments = [
            {
                "AttachTime": self.collected_at - timedelta(days=30),
                "Device": f"/dev/sd{chr(ord('f') + n)}",
                "InstanceId": instance_id,
                "State": attachment_state,
                "VolumeId": volume_id,
                "DeleteOnTermination": False,
            }
            for n, instance_id in enumerate(instances)
        ]
        entry: dict[str, Any] = {
            "AvailabilityZone": f"{r}a",
            "CreateTime": created or self.collected_at - timedelta(days=30),
            "Encrypted": True,
            "Size": size_gib,
            "State": "in-use" if attachments else "available",
            "VolumeId": volume_id,
            "VolumeType": "gp3",
            "Tags": _tag_list(tags),
        }
        if attachments:
            entry["Attachments"] = attachments
            entry["MultiAttachEnabled"] = len(attachments) > 1
        self._ar(a, r).ebs_volumes.append(entry)
        return f"arn:aws:ec2:{r}:{a}:volume/{volume_id}"

    def s3_bucket(
        self,
        name: str,
        *,
        tags: Tags | None = None,
        versioning: str | None = "Enabled",
        noncurrent_days: int | None = None,
        lifecycle_rules: Sequence[Mapping[str, Any]] | None = None,
        location: str | None = None,
        location_constraint: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add an S3 bucket of ``region``; returns its ARN. ``versioning``: GetBucketVersioning's
        ``Status`` (``None``: never enabled, no member); ``noncurrent_days``: an enabled lifecycle
        rule expiring noncurrent versions (``lifecycle_rules`` replaces the rules; neither: no
        lifecycle configuration, NoSuchLifecycleConfiguration); ``location``: the ``BucketRegion``
        written (default the Region; ``""`` writes none, and GetBucketLocation then answers
        ``location_constraint``, by default the Region's: none for us-east-1)."""
        a, r = self._scope(account_id, region)
        rules = list(lifecycle_rules or ())
        if noncurrent_days is not None:
            rules.append(
                {
                    "ID": "expire-noncurrent",
                    "Filter": {"Prefix": ""},
                    "Status": "Enabled",
                    "NoncurrentVersionExpiration": {"NoncurrentDays": noncurrent_days},
                }
            )
        self._ar(a, r).buckets.append(
            {
                "Name": name,
                "BucketRegion": r if location is None else location,
                "LocationConstraint": location_constraint
                if location_constraint is not None
                else (None if r == "us-east-1" else r),
                "tags": dict(tags or {}),
                "versioning": versioning,
                "rules": rules if rules or lifecycle_rules is not None else None,
            }
        )
        return f"arn:aws:s3:::{name}"

    def redshift_cluster(
        self,
        identifier: str,
        *,
        tags: Tags | None = None,
        status: str = "available",
        snapshot_retention_days: int = 1,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a provisioned Redshift cluster (DescribeClusters); returns its ARN."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        ar.redshift_clusters.append(
            {
                "ClusterIdentifier": identifier,
                "NodeType": "ra3.xlplus",
                "ClusterStatus": status,
                "ClusterCreateTime": self.collected_at - timedelta(days=90),
                "AutomatedSnapshotRetentionPeriod": snapshot_retention_days,
                "NumberOfNodes": 1,
                "Tags": _tag_list(tags),
            }
        )
        return f"arn:aws:redshift:{r}:{a}:cluster:{identifier}"

    def cloudformation_stack(
        self,
        name: str,
        *,
        resources: Sequence[tuple[str, str]] = (),
        tags: Tags | None = None,
        status: str = "CREATE_COMPLETE",
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a CloudFormation stack (DescribeStacks, ListStackResources); ``resources``:
        (CloudFormation resource type, physical ID) of its resources. Returns its ARN."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:cloudformation:{r}:{a}:stack/{name}/{_uuid(a, r, name)}"
        ar = self._ar(a, r)
        ar.stacks.append(
            {
                "StackId": arn,
                "StackName": name,
                "CreationTime": self.collected_at - timedelta(days=60),
                "StackStatus": status,
                "Tags": _tag_list(tags),
            }
        )
        ar.stack_resources[arn] = [
            {
                "LogicalResourceId": f"Resource{n}",
                "PhysicalResourceId": physical_id,
                "ResourceType": cfn_type,
                "LastUpdatedTimestamp": self.collected_at - timedelta(days=60),
                "ResourceStatus": "CREATE_COMPLETE",
            }
            for n, (cfn_type, physical_id) in enumerate(resources)
        ]
        return arn

    def timestream_table(
        self,
        database: str,
        table: str,
        *,
        tags: Tags | None = None,
        status: str = "ACTIVE",
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a Timestream table (ListDatabases, ListTables, ListTagsForResource); returns its ARN."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        if database not in ar.timestream_databases:
            ar.timestream_databases.append(database)
        ar.timestream_tables.append((database, table, dict(tags or {}), status))
        return f"arn:aws:timestream:{r}:{a}:database/{database}/table/{table}"

    def redshift_serverless_namespace(
        self,
        name: str,
        *,
        tags: Tags | None = None,
        status: str = "AVAILABLE",
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a Redshift Serverless namespace (ListNamespaces, ListTagsForResource); returns its ARN."""
        a, r = self._scope(account_id, region)
        namespace_id = _uuid(a, r, "namespace", name)
        arn = f"arn:aws:redshift-serverless:{r}:{a}:namespace/{namespace_id}"
        self._ar(a, r).serverless_namespaces.append(
            {
                "namespaceArn": arn,
                "namespaceId": namespace_id,
                "namespaceName": name,
                "status": status,
                "creationDate": (self.collected_at - timedelta(days=30)).isoformat(),
                "tags": dict(tags or {}),
            }
        )
        return arn

    def unavailable(self, service: str, region: str | None = None) -> None:
        """Record ``service`` as not available in ``region`` (manifest ``unavailable``): no file of
        the service is written for any account of that region."""
        self._unavailable.add((service, region or self.region))

    def rbin_rule(
        self,
        resource_type: str = "EBS_SNAPSHOT",
        *,
        retention_days: int = 7,
        lock_state: str | None = None,
        identifier: str | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a Recycle Bin retention rule (``EBS_SNAPSHOT`` or ``EC2_IMAGE``); returns its id."""
        a, r = self._scope(account_id, region)
        ident = identifier or f"rule{self._next():08d}"
        entry: dict[str, Any] = {
            "Identifier": ident,
            "Description": "retention rule",
            "RetentionPeriod": {"RetentionPeriodValue": retention_days, "RetentionPeriodUnit": "DAYS"},
            "RuleArn": f"arn:aws:rbin:{r}:{a}:rule/{ident}",
        }
        if lock_state is not None:
            entry["LockState"] = lock_state
        self._ar(a, r).rbin_rules.setdefault(resource_type, []).append(entry)
        return ident

    def effective_policy(self, account_id: str, policy: Mapping[str, Any]) -> None:
        """Store an effective ``BACKUP_POLICY`` for an account (``DescribeEffectivePolicy``)."""
        self._policies[account_id] = dict(policy)

    def invalid_policy(self, account_id: str, *errors: Mapping[str, Any]) -> None:
        """List ``account_id`` in ``ListAccountsWithInvalidEffectivePolicy`` with these
        ``EffectivePolicyValidationErrors`` entries (``ErrorCode``, ``ErrorMessage``,
        ``PathToError``, ``ContributingPolicies``)."""
        self._invalid_policies[account_id] = [dict(e) for e in errors]

    # -- failures ----------------------------------------------------------------------------

    def error(
        self,
        service: str,
        operation: str,
        *,
        code: str = "AccessDeniedException",
        message: str = "User is not authorized to perform this action",
        account_id: str | None = None,
        region: str | None = None,
        account_wide: bool = False,
        keep_file: bool = False,
    ) -> None:
        """Record a failed call in the manifest; its file is omitted unless ``keep_file``.

        ``account_wide=True`` records ``region: null`` (the call failed for the whole account).
        """
        a, r = self._scope(account_id, region)
        self._ar(a, r)
        self._errors.append(
            CollectionError(
                account_id=a,
                region=None if account_wide else r,
                service=service,
                operation=operation,
                code=code,
                message=message,
            )
        )
        if not keep_file:
            regions = self._accounts[a].regions if account_wide else [r]
            for reg in regions:
                self._ar(a, reg).omitted.add(f"{service}.{operation}")

    def org_error(
        self,
        operation: str,
        *,
        code: str = "AccessDeniedException",
        message: str = "User is not authorized to perform this action",
        keep_file: bool = False,
    ) -> None:
        """Record a failed organization-level ``organizations`` call (``account_id`` and ``region``
        null in the manifest); its file is not written unless ``keep_file``. Only the operations
        of :meth:`invalid_policy` honour it."""
        self._errors.append(
            CollectionError(
                account_id=None,
                region=None,
                service="organizations",
                operation=operation,
                code=code,
                message=message,
            )
        )
        if not keep_file:
            self._org_omitted.add(operation)

    def assume_role_denied(
        self, account_id: str, regions: Sequence[str] | None = None, *, keep_files: bool = False
    ) -> None:
        """The account could not be entered: ``sts.AssumeRole`` error with ``region: null`` and,
        unless ``keep_files``, no files at all for the account."""
        self.account(account_id, regions)
        self._errors.append(
            CollectionError(
                account_id=account_id,
                region=None,
                service="sts",
                operation="AssumeRole",
                code="AccessDenied",
                message=f"User is not authorized to perform: sts:AssumeRole on arn:aws:iam::{account_id}:role/x",
            )
        )
        self._accounts[account_id].write_files = keep_files

    def omit(
        self, service: str, operation: str, *, account_id: str | None = None, region: str | None = None
    ) -> None:
        """Do not write this operation's file (as if collection stopped before it), no error."""
        self._ar(account_id, region).omitted.add(f"{service}.{operation}")

    def raw_calls(
        self,
        service: str,
        operation: str,
        calls: Sequence[Call],
        *,
        account_id: str | None = None,
        region: str | None = None,
    ) -> None:
        """Write these calls verbatim for one operation (for malformed-input tests)."""
        self._ar(account_id, region).raw[f"{service}.{operation}"] = list(calls)

    # -- output ------------------------------------------------------------------------------

    def _backup_calls(self, ar: _Region, key: str) -> list[Call]:
        c = Call
        match key:
            case "backup.DescribeRegionSettings":
                return [
                    c(
                        {},
                        {
                            "ResourceTypeOptInPreference": dict(ar.opt_in),
                            "ResourceTypeManagementPreference": dict(ar.management),
                        },
                    )
                ]
            case "backup.ListBackupPlans":
                return [c({}, {"BackupPlansList": ar.plans})]
            case "backup.GetBackupPlan":
                return [c({"BackupPlanId": pid}, d) for pid, d in ar.plan_details.items()]
            case "backup.ListBackupSelections":
                return [
                    c({"BackupPlanId": pid}, {"BackupSelectionsList": s}) for pid, s in ar.selections.items()
                ]
            case "backup.GetBackupSelection":
                return [c({"BackupPlanId": p, "SelectionId": s}, d) for p, s, d in ar.selection_details]
            case "backup.ListBackupVaults":
                return [c({}, {"BackupVaultList": ar.vaults})]
            case "backup.GetBackupVaultAccessPolicy":
                out = []
                for v in ar.vaults:
                    name = v["BackupVaultName"]
                    if name in ar.vault_policies:
                        out.append(
                            c(
                                {"BackupVaultName": name},
                                {
                                    "BackupVaultName": name,
                                    "BackupVaultArn": v["BackupVaultArn"],
                                    "Policy": ar.vault_policies[name],
                                },
                            )
                        )
                return out
            case "backup.ListRecoveryPointsByBackupVault":
                return [
                    c({"BackupVaultName": name}, {"RecoveryPoints": rps})
                    for name, rps in ar.recovery_points.items()
                ]
            case "backup.ListBackupJobs":
                since = (self.collected_at - timedelta(days=14)).isoformat()
                return [c({"ByCreatedAfter": since}, {"BackupJobs": ar.jobs})]
            case "backup.ListCopyJobs":
                since = (self.collected_at - timedelta(days=14)).isoformat()
                return [c({"ByCreatedAfter": since}, {"CopyJobs": ar.copy_jobs})]
        return self._restore_calls(ar, key)

    def _calls(self, ar: _Region, account_id: str, key: str) -> list[Call]:
        if key in ar.raw:
            return ar.raw[key]
        if key.startswith("backup."):
            return self._backup_calls(ar, key)
        c = Call
        match key:
            case "rds.DescribeDBInstances":
                return [c({}, {"DBInstances": ar.db_instances})]
            case "rds.DescribeDBClusters":
                return [c({}, {"DBClusters": ar.db_clusters})]
            case "dynamodb.ListTables":
                return [c({}, {"TableNames": [t[0] for t in ar.tables]})]
            case "dynamodb.DescribeTable":
                return [
                    c(
                        {"TableName": name},
                        {
                            "Table": {
                                "TableName": name,
                                "TableStatus": "ACTIVE",
                                "TableSizeBytes": 0,
                                "ItemCount": 0,
                                "TableArn": arn,
                            }
                        },
                    )
                    for name, arn, _ in ar.tables
                ]
            case "dynamodb.ListTagsOfResource":
                return [c({"ResourceArn": arn}, {"Tags": _tag_list(tags)}) for _, arn, tags in ar.tables]
            case "efs.DescribeFileSystems":
                return [c({}, {"FileSystems": ar.efs})]
            case "fsx.DescribeFileSystems":
                return [c({}, {"FileSystems": ar.fsx_file_systems})]
            case "fsx.DescribeVolumes":
                return [c({}, {"Volumes": ar.fsx_volumes})]
            case "ec2.DescribeInstances":
                return [c({}, {"Reservations": ar.ec2_instances})]
            case "ec2.DescribeVolumes":
                return [c({}, {"Volumes": ar.ebs_volumes})]
            case "rbin.ListRules":
                return [c({"ResourceType": t}, {"Rules": rules}) for t, rules in ar.rbin_rules.items()]
        return self._later_calls(ar, account_id, key)

    def _later_calls(self, ar: _Region, account_id: str, key: str) -> list[Call]:
        """The regional operations added after bundle version 1."""
        if key.startswith("s3."):
            return self._s3_calls(account_id, key)
        if key.split(".", 1)[0] in ("storagegateway", "backup-gateway", "ssm-sap"):
            return self._gateways_sap_calls(ar, key)
        return self._version_2_calls(ar, key)

    def _own_backup_calls(self, ar: _Region, key: str) -> list[Call]:
        """Backups made outside AWS Backup (BKP-017, bundle version 3): DynamoDB continuous and
        on-demand backups, Data Lifecycle Manager policies."""
        c = Call
        match key:
            case "dynamodb.DescribeContinuousBackups":
                return [
                    c(
                        {"TableName": name},
                        {
                            "ContinuousBackupsDescription": {
                                "ContinuousBackupsStatus": "ENABLED",
                                "PointInTimeRecoveryDescription": {
                                    "PointInTimeRecoveryStatus": "ENABLED"
                                    if ar.continuous_backups.get(name)
                                    else "DISABLED"
                                }
                                | ({"RecoveryPeriodInDays": 35} if ar.continuous_backups.get(name) else {}),
                            }
                        },
                    )
                    for name, _, _ in ar.tables
                ]
            case "dynamodb.ListBackups":
                return [c({"BackupType": "USER", "Limit": 100}, {"BackupSummaries": ar.user_backups})]
            case "dlm.GetLifecyclePolicies":
                summaries = [
                    {
                        "PolicyId": p["PolicyId"],
                        "Description": p["Description"],
                        "State": p["State"],
                        "PolicyType": p["PolicyDetails"]["PolicyType"],
                        "DefaultPolicy": p["DefaultPolicy"],
                    }
                    for p in ar.dlm_policies
                ]
                return [c({}, {"Policies": summaries})]
            case "dlm.GetLifecyclePolicy":
                return [c({"PolicyId": p["PolicyId"]}, {"Policy": p}) for p in ar.dlm_policies]
        raise ValueError(f"BundleBuilder does not know how to write {key}")

    def _version_2_calls(self, ar: _Region, key: str) -> list[Call]:
        """The regional operations added with bundle version 2 (Redshift, CloudFormation)."""
        c = Call
        match key:
            case "redshift.DescribeClusters":
                return [c({}, {"Clusters": ar.redshift_clusters})]
            case "cloudformation.DescribeStacks":
                return [c({}, {"Stacks": ar.stacks})]
            case "cloudformation.ListStackResources":
                return [
                    c({"StackName": arn}, {"StackResourceSummaries": rs})
                    for arn, rs in ar.stack_resources.items()
                ]
        return self._version_3_calls(ar, key)

    def _version_3_calls(self, ar: _Region, key: str) -> list[Call]:
        """The regional operations added with bundle version 3 (Timestream, Redshift Serverless)."""
        c = Call
        match key:
            case "timestream-write.ListDatabases":
                return [c({}, {"Databases": [{"DatabaseName": d} for d in ar.timestream_databases]})]
            case "timestream-write.ListTables":
                return [
                    c(
                        {"DatabaseName": d},
                        {
                            "Tables": [
                                {"TableName": t, "DatabaseName": d, "TableStatus": st}
                                for db, t, _, st in ar.timestream_tables
                                if db == d
                            ]
                        },
                    )
                    for d in ar.timestream_databases
                ]
            case "timestream-write.ListTagsForResource":
                return [
                    c({"ResourceARN": self._timestream_arn(ar, d, t)}, {"Tags": _tag_list(tags)})
                    for d, t, tags, _ in ar.timestream_tables
                ]
            case "redshift-serverless.ListNamespaces":
                return [
                    c(
                        {},
                        {
                            "namespaces": [
                                {k: v for k, v in n.items() if k != "tags"} for n in ar.serverless_namespaces
                            ]
                        },
                    )
                ]
            case "redshift-serverless.ListTagsForResource":
                return [
                    c(
                        {"resourceArn": n["namespaceArn"]},
                        {"tags": [{"key": k, "value": v} for k, v in n["tags"].items()]},
                    )
                    for n in ar.serverless_namespaces
                ]
        if key in _OWN_BACKUP_KEYS:
            return self._own_backup_calls(ar, key)
        raise ValueError(f"BundleBuilder does not know how to write {key}")

    def _timestream_arn(self, ar: _Region, database: str, table: str) -> str:
        (a, r), *_ = (k for k, v in self._regions.items() if v is ar)
        return f"arn:aws:timestream:{r}:{a}:database/{database}/table/{table}"

    # -- issue 9: Storage Gateway volumes, VMware virtual machines, SAP HANA databases ---------

    def storage_gateway_volume(
        self,
        volume_id: str,
        *,
        gateway_id: str = "sgw-12A3456B",
        gateway_name: str = "volume-gateway",
        tags: Tags | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a Volume Gateway volume (ListVolumes, its gateway in ListGateways once, its tags in
        ListTagsForResource); returns its ARN."""
        a, r = self._scope(account_id, region)
        ar = self._ar(a, r)
        gateway_arn = f"arn:aws:storagegateway:{r}:{a}:gateway/{gateway_id}"
        if not any(g["GatewayARN"] == gateway_arn for g in ar.gateways):
            ar.gateways.append(
                {
                    "GatewayId": gateway_id,
                    "GatewayARN": gateway_arn,
                    "GatewayType": "CACHED",
                    "GatewayOperationalState": "ACTIVE",
                    "GatewayName": gateway_name,
                }
            )
        arn = f"{gateway_arn}/volume/{volume_id}"
        info = {
            "VolumeARN": arn,
            "VolumeId": volume_id,
            "GatewayARN": gateway_arn,
            "GatewayId": gateway_id,
            "VolumeType": "CACHED iSCSI",
            "VolumeSizeInBytes": 107374182400,
            "VolumeAttachmentStatus": "ATTACHED",
        }
        ar.gateway_volumes.append((info, dict(tags or {})))
        return arn

    def virtual_machine(
        self,
        vm_id: str,
        *,
        name: str | None = None,
        tags: Tags | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add a VMware virtual machine of AWS Backup gateway (ListVirtualMachines, its tags in
        ListTagsForResource); returns its ARN."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:backup-gateway:{r}:{a}:vm/{vm_id}"
        vm = {
            "HostName": f"{name or vm_id}.corp.example.com",
            "HypervisorId": "hype-0123456789ABCDEF",
            "Name": name or vm_id,
            "Path": f"/datacenter/vm/{name or vm_id}",
            "ResourceArn": arn,
        }
        self._ar(a, r).virtual_machines.append((vm, dict(tags or {})))
        return arn

    def sap_hana_database(
        self,
        application_id: str,
        database_id: str,
        *,
        database_type: str = "TENANT",
        tags: Tags | None = None,
        account_id: str | None = None,
        region: str | None = None,
    ) -> str:
        """Add an SAP HANA database of an application registered with Systems Manager for SAP
        (ListApplications, ListDatabases, GetDatabase); returns its ARN."""
        a, r = self._scope(account_id, region)
        arn = f"arn:aws:ssm-sap:{r}:{a}:HANA/{application_id}/DB/{database_id}"
        self._ar(a, r).sap_applications.setdefault(application_id, []).append(
            {
                "ApplicationId": application_id,
                "ComponentId": "HDB-HDB00",
                "DatabaseId": database_id,
                "DatabaseType": database_type,
                "Arn": arn,
                "Tags": dict(tags or {}),
            }
        )
        return arn

    def _gateways_sap_calls(self, ar: _Region, key: str) -> list[Call]:
        c = Call
        match key:
            case "storagegateway.ListGateways":
                return [c({}, {"Gateways": ar.gateways})]
            case "storagegateway.ListVolumes":
                return [c({}, {"VolumeInfos": [info for info, _ in ar.gateway_volumes]})]
            case "storagegateway.ListTagsForResource":
                return [
                    c(
                        {"ResourceARN": info["VolumeARN"]},
                        {"ResourceARN": info["VolumeARN"], "Tags": _tag_list(t)},
                    )
                    for info, t in ar.gateway_volumes
                ]
            case "backup-gateway.ListVirtualMachines":
                return [c({}, {"VirtualMachines": [vm for vm, _ in ar.virtual_machines]})]
            case "backup-gateway.ListTagsForResource":
                return [
                    c(
                        {"ResourceArn": vm["ResourceArn"]},
                        {"ResourceArn": vm["ResourceArn"], "Tags": _tag_list(t)},
                    )
                    for vm, t in ar.virtual_machines
                ]
            case "ssm-sap.ListApplications":
                apps = [
                    {
                        "Id": app,
                        "DiscoveryStatus": "SUCCESS",
                        "Type": "HANA",
                        "Arn": f"{dbs[0]['Arn'].split('/DB/')[0]}",
                        "Tags": {},
                    }
                    for app, dbs in ar.sap_applications.items()
                ]
                return [c({}, {"Applications": apps})]
            case "ssm-sap.ListDatabases":
                return [
                    c({"ApplicationId": app}, {"Databases": dbs}) for app, dbs in ar.sap_applications.items()
                ]
            case "ssm-sap.GetDatabase":
                return [
                    c(
                        {k: d[k] for k in ("ApplicationId", "ComponentId", "DatabaseId")},
                        {
                            "Database": {
                                **{k: v for k, v in d.items() if k != "Tags"},
                                "DatabaseName": d["DatabaseId"],
                                "Status": "RUNNING",
                            },
                            "Tags": d["Tags"],
                        },
                    )
                    for dbs in ar.sap_applications.values()
                    for d in dbs
                ]
        raise ValueError(f"BundleBuilder does not know how to write {key}")

    # -- end of issue 9 (Storage Gateway, VMs, SAP HANA) ---------------------------------------

    def _s3_calls(self, account_id: str, key: str) -> list[Call]:
        """The account-wide S3 files: every bucket of every Region of the account."""
        buckets = [
            b for r in self._accounts[account_id].regions for b in self._regions[(account_id, r)].buckets
        ]
        c = Call
        match key:
            case "s3.ListBuckets":
                listed = [
                    {"Name": b["Name"], "CreationDate": "2026-01-05T10:00:00+00:00"}
                    | ({"BucketRegion": b["BucketRegion"]} if b["BucketRegion"] else {})
                    for b in buckets
                ]
                return [c({}, {"Buckets": listed, "Owner": {"ID": "owner"}})]
            case "s3.GetBucketTagging":
                return [
                    c({"Bucket": b["Name"]}, {"TagSet": _tag_list(b["tags"])}) for b in buckets if b["tags"]
                ]
            case "s3.GetBucketVersioning":
                return [
                    c({"Bucket": b["Name"]}, {"Status": b["versioning"]} if b["versioning"] else {})
                    for b in buckets
                ]
            case "s3.GetBucketLocation":
                return [
                    c(
                        {"Bucket": b["Name"]},
                        {"LocationConstraint": b["LocationConstraint"]} if b["LocationConstraint"] else {},
                    )
                    for b in buckets
                    if not b["BucketRegion"]
                ]
            case "s3.GetBucketLifecycleConfiguration":
                return [
                    c({"Bucket": b["Name"]}, {"Rules": b["rules"]}) for b in buckets if b["rules"] is not None
                ]
        raise ValueError(f"BundleBuilder does not know how to write {key}")

    def manifest(self) -> Manifest:
        org = None if self.organization is None else OrganizationInfo(*self.organization)
        return Manifest(
            collected_at=self.collected_at,
            tool=ToolInfo(name="backup-auditor", version="0.1.0"),
            organization=org,
            accounts=tuple(
                AccountEntry(id=a, name=acct.name, status=acct.status, regions=tuple(acct.regions))
                for a, acct in self._accounts.items()
            ),
            errors=tuple(self._errors),
            unavailable=tuple(sorted(self._unavailable)),
            version=self.version,
        )

    def build(self, path: Path | str, *, force: bool = False) -> Path:
        """Write the bundle to ``path`` (a new directory) and return it."""
        if not self._accounts:
            self._ar(None, None)
        keys = regional_keys(self.version)
        extra_keys = {k for ar in self._regions.values() for k in ar.raw} - set(keys)
        with BundleWriter(path, force=force, compress=self.compress) as writer:
            for (a, r), ar in self._regions.items():
                if not self._accounts[a].write_files:
                    continue
                first = r == self._accounts[a].regions[0]
                for key in (*keys, *sorted(extra_keys)):
                    if key in ar.omitted or (key in extra_keys and key not in ar.raw):
                        continue
                    if key in ACCOUNT_WIDE and not first and key not in ar.raw:
                        continue  # written once per account, in its first Region
                    if (key.split(".", 1)[0], r) in self._unavailable:
                        continue  # the service is not offered in the Region: never called
                    service, operation = key.split(".", 1)
                    writer.write_calls(a, r, service, operation, self._calls(ar, a, key))
            if self.organization is not None:
                writer.write_calls(
                    None,
                    None,
                    "organizations",
                    "DescribeOrganization",
                    [
                        Call(
                            {},
                            {
                                "Organization": {
                                    "Id": self.organization[0],
                                    "MasterAccountId": self.organization[1],
                                    "FeatureSet": "ALL",
                                }
                            },
                        )
                    ],
                )
                writer.write_calls(
                    None,
                    None,
                    "organizations",
                    "ListAccounts",
                    [
                        Call(
                            {},
                            {
                                "Accounts": [
                                    {
                                        "Id": a,
                                        "Arn": f"arn:aws:organizations::{self.organization[1]}:account/"
                                        f"{self.organization[0]}/{a}",
                                        "Name": acct.name,
                                        "Status": acct.status,
                                    }
                                    for a, acct in self._accounts.items()
                                ]
                            },
                        )
                    ],
                )
                writer.write_calls(
                    None,
                    None,
                    "organizations",
                    "DescribeEffectivePolicy",
                    [
                        Call(
                            {"PolicyType": "BACKUP_POLICY", "TargetId": a},
                            {
                                "EffectivePolicy": {
                                    "PolicyContent": json.dumps(p),
                                    "LastUpdatedTimestamp": self.collected_at,
                                    "TargetId": a,
                                    "PolicyType": "BACKUP_POLICY",
                                }
                            },
                        )
                        for a, p in self._policies.items()
                    ],
                )
                self._write_policy_validation(writer)
                if self._global_settings is not None and self.version >= 3:
                    writer.write_calls(
                        None,
                        None,
                        "backup",
                        "DescribeGlobalSettings",
                        [Call({}, {"GlobalSettings": dict(self._global_settings)})],
                    )
            return writer.commit(self.manifest())

    def _write_policy_validation(self, writer: BundleWriter) -> None:
        """ListAccountsWithInvalidEffectivePolicy and, per account, its validation errors (bundle
        version 3 on: the collector of an older version never called them)."""
        if self.version < 3:
            return
        if "ListAccountsWithInvalidEffectivePolicy" not in self._org_omitted:
            self._write_invalid_accounts(writer)
        if "ListEffectivePolicyValidationErrors" not in self._org_omitted:
            self._write_validation_errors(writer)

    def _write_invalid_accounts(self, writer: BundleWriter) -> None:
        writer.write_calls(
            None,
            None,
            "organizations",
            "ListAccountsWithInvalidEffectivePolicy",
            [
                Call(
                    {"PolicyType": "BACKUP_POLICY"},
                    {
                        "Accounts": [
                            {"Id": a, **({"Name": self._accounts[a].name} if a in self._accounts else {})}
                            for a in self._invalid_policies
                        ],
                        "PolicyType": "BACKUP_POLICY",
                    },
                )
            ],
        )

    def _write_validation_errors(self, writer: BundleWriter) -> None:
        writer.write_calls(
            None,
            None,
            "organizations",
            "ListEffectivePolicyValidationErrors",
            [
                Call(
                    {"AccountId": a, "PolicyType": "BACKUP_POLICY"},
                    {
                        "AccountId": a,
                        "PolicyType": "BACKUP_POLICY",
                        "EffectivePolicyValidationErrors": list(self._invalid_policies.get(a, [])),
                    },
                )
                for a in sorted({*self._accounts, *self._invalid_policies})
            ],
        )
