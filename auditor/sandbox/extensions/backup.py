"""AWS Backup operations moto 5.2.5 lacks: region settings, selections, vault access policies,
recovery points and backup jobs (created through the control endpoint), real pagination."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from moto.backup import urls as backup_urls
from moto.backup.models import BackupBackend, backup_backends
from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.moto_api._internal import mock_random

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate, parse_timestamp, utcnow

# Resource types AWS Backup knows, and whether an account that started using AWS Backup around
# January 2022 has them opted in: types supported then are on, types added later are off until
# someone opts in (AWS Backup guide, "Getting started 1: Service opt-in").
DEFAULT_OPT_IN: dict[str, bool] = {
    "Aurora": True,
    "DocumentDB": True,
    "DynamoDB": True,
    "EBS": True,
    "EC2": True,
    "EFS": True,
    "FSx": True,
    "Neptune": True,
    "RDS": True,
    "Storage Gateway": True,
    "VirtualMachine": True,
    "S3": False,
    "CloudFormation": False,
    "Redshift": False,
    "SAP HANA on Amazon EC2": False,
    "Timestream": False,
    "Redshift Serverless": False,
    "DSQL": False,
    "EKS": False,
}
# Full AWS Backup management: on by default for DynamoDB for accounts that started after
# November 2021 (advanced DynamoDB backup features), always on for EFS.
DEFAULT_MANAGEMENT: dict[str, bool] = {
    "DynamoDB": True,
    "EFS": True,
    "CloudFormation": False,
    "DSQL": False,
}

JOB_HISTORY_DAYS = 30
"""ListBackupJobs only returns jobs of the last 30 days."""


@dataclass
class Selection:
    selection_id: str
    plan_id: str
    selection: dict[str, Any]
    creation_date: datetime
    creator_request_id: str | None


@dataclass
class RecoveryPoint:
    data: dict[str, Any]

    @property
    def creation_date(self) -> datetime:
        value: datetime = self.data["CreationDate"]
        return value


@dataclass
class BackupJob:
    data: dict[str, Any]


@dataclass
class BackupExtState:
    opt_in: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_OPT_IN))
    management: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_MANAGEMENT))
    selections: dict[str, dict[str, Selection]] = field(default_factory=dict)
    vault_policies: dict[str, str] = field(default_factory=dict)
    recovery_points: dict[str, list[RecoveryPoint]] = field(default_factory=dict)
    jobs: list[BackupJob] = field(default_factory=list)
    # -- copies, global settings, air-gapped vaults (BKP-022/036/037/039)
    copy_jobs: list[BackupJob] = field(default_factory=list)
    vault_types: dict[str, str] = field(default_factory=dict)
    """Vault name -> VaultType, for vaults that are not BACKUP_VAULT."""
    global_settings: dict[str, str] = field(
        default_factory=lambda: {"isCrossAccountBackupEnabled": "false", "isMpaEnabled": "false"}
    )
    global_settings_updated: datetime = field(default_factory=lambda: utcnow().replace(microsecond=0))
    """LastUpdateTime: when the settings last changed (not the time of the call)."""


def state(backend: BackupBackend) -> BackupExtState:
    return backend_state(backend, "backup", BackupExtState)


def _not_found(message: str) -> SandboxError:
    return SandboxError("ResourceNotFoundException", message)


def _invalid(message: str) -> SandboxError:
    return SandboxError("InvalidParameterValueException", message)


def _query(response: Any, wire_name: str) -> str | None:
    values = response.querystring.get(wire_name)
    if not values:
        return None
    return str(values[0])


def _max_results(response: Any) -> int | None:
    value = _query(response, "maxResults")
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError as error:
        raise _invalid(f"Invalid MaxResults: {value}") from error
    if not 1 <= number <= 1000:
        raise _invalid("MaxResults must be between 1 and 1000")
    return number


def _paged(self: Any, member: str, entries: Sequence[Any]) -> ActionResult:
    """One page of a Backup list operation: ``{member: page}`` plus ``NextToken`` when more follow
    (the request's ``maxResults`` / ``nextToken``, as the Backup REST API names them)."""
    page, token = paginate(entries, _max_results(self), _query(self, "nextToken"))
    result: dict[str, Any] = {member: page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


def _body(response: Any) -> dict[str, Any]:
    if not response.body:
        return {}
    parsed = json.loads(response.body)
    if not isinstance(parsed, dict):
        raise _invalid("Request body must be a JSON object")
    return parsed


def _path_parts(response: Any) -> list[str]:
    return [unquote(part) for part in response.path.split("/") if part]


def _plan(backend: BackupBackend, plan_id: str) -> Any:
    plan = backend.plans.get(plan_id)
    if plan is None or plan.deletion_date is not None:
        raise _not_found(f"Failed reading Backup plan with provided version: {plan_id}")
    return plan


def _vault(backend: BackupBackend, name: str) -> Any:
    vault = backend.vaults.get(name)
    if vault is None:
        raise _not_found(f"Backup vault {name} not found")
    return vault


# ---- region settings -------------------------------------------------------------------------


def describe_region_settings(self: Any) -> ActionResult:
    ext = state(self.backup_backend)
    return ActionResult(
        {
            "ResourceTypeOptInPreference": dict(ext.opt_in),
            "ResourceTypeManagementPreference": dict(ext.management),
        }
    )


def update_region_settings(self: Any) -> EmptyResult:
    ext = state(self.backup_backend)
    body = _body(self)
    opt_in = body.get("ResourceTypeOptInPreference") or {}
    management = body.get("ResourceTypeManagementPreference") or {}
    for key, value in opt_in.items():
        if key not in DEFAULT_OPT_IN or not isinstance(value, bool):
            raise _invalid(f"Invalid resource type opt-in preference: {key}={value!r}")
    for key, value in management.items():
        if key not in DEFAULT_MANAGEMENT or not isinstance(value, bool):
            raise _invalid(f"Invalid resource type management preference: {key}={value!r}")
    ext.opt_in.update(opt_in)
    ext.management.update(management)
    return EmptyResult()


# ---- backup plans (pagination) ---------------------------------------------------------------


def list_backup_plans(self: Any) -> ActionResult:
    include_deleted = (_query(self, "includeDeleted") or "").lower() == "true"
    plans = self.backup_backend.list_backup_plans(include_deleted=include_deleted)
    entries = []
    for plan in plans:
        entry = plan.to_list_dict()
        for key in ("CreationDate", "DeletionDate", "LastExecutionDate"):
            if entry.get(key) is not None:
                entry[key] = parse_timestamp(entry[key])
        if not entry.get("AdvancedBackupSettings"):
            entry.pop("AdvancedBackupSettings", None)
        entries.append(entry)
    return _paged(self, "BackupPlansList", entries)


def default_key_arn(vault: Any) -> str:
    """The AWS managed key (aws/backup) of the vault's account and region, stable per vault."""
    region, account = vault.backup_vault_arn.split(":")[3:5]
    return f"arn:aws:kms:{region}:{account}:key/{uuid.uuid5(uuid.NAMESPACE_URL, f'{account}/{region}/aws/backup')}"


def list_backup_vaults(self: Any) -> ActionResult:
    entries = []
    for vault in self.backup_backend.list_backup_vaults():
        entry = vault.to_list_dict()
        for key in ("CreationDate", "LockDate"):
            if entry.get(key) is not None:
                entry[key] = parse_timestamp(entry[key])
        entry.setdefault("EncryptionKeyArn", default_key_arn(vault))
        entry["VaultType"] = vault_type(self.backup_backend, vault.backup_vault_name)
        entry["VaultState"] = "AVAILABLE"
        entries.append(entry)
    wanted = _query(self, "vaultType")
    if wanted is not None:
        if wanted not in VAULT_TYPES:
            raise _invalid(f"Invalid VaultType: {wanted}")
        entries = [e for e in entries if e["VaultType"] == wanted]
    return _paged(self, "BackupVaultList", entries)


# ---- selections ------------------------------------------------------------------------------


_SELECTION_KEYS = {"SelectionName", "IamRoleArn", "Resources", "ListOfTags", "NotResources", "Conditions"}


def create_backup_selection(self: Any) -> ActionResult:
    parts = _path_parts(self)  # backup / plans / {id} / selections
    plan_id = parts[2]
    _plan(self.backup_backend, plan_id)
    body = _body(self)
    selection = body.get("BackupSelection")
    if not isinstance(selection, dict):
        raise _invalid("BackupSelection is required")
    unknown = set(selection) - _SELECTION_KEYS
    if unknown:
        raise _invalid(f"Unknown BackupSelection members: {sorted(unknown)}")
    for required in ("SelectionName", "IamRoleArn"):
        if not selection.get(required):
            raise _invalid(f"BackupSelection.{required} is required")
    for condition in selection.get("ListOfTags") or []:
        if condition.get("ConditionType") != "STRINGEQUALS":
            raise _invalid(f"Invalid ConditionType: {condition.get('ConditionType')}")
    ext = state(self.backup_backend)
    plan_selections = ext.selections.setdefault(plan_id, {})
    if any(s.selection["SelectionName"] == selection["SelectionName"] for s in plan_selections.values()):
        raise SandboxError("AlreadyExistsException", f"Selection {selection['SelectionName']} already exists")
    record = Selection(
        selection_id=str(mock_random.uuid4()),
        plan_id=plan_id,
        selection=selection,
        creation_date=utcnow(),
        creator_request_id=body.get("CreatorRequestId"),
    )
    plan_selections[record.selection_id] = record
    return ActionResult(
        {"SelectionId": record.selection_id, "BackupPlanId": plan_id, "CreationDate": record.creation_date}
    )


def _selection(self: Any) -> Selection:
    parts = _path_parts(self)  # backup / plans / {id} / selections / {sid}
    plan_id, selection_id = parts[2], parts[4]
    _plan(self.backup_backend, plan_id)
    record = state(self.backup_backend).selections.get(plan_id, {}).get(selection_id)
    if record is None:
        raise _not_found(f"Backup selection {selection_id} not found in plan {plan_id}")
    return record


def get_backup_selection(self: Any) -> ActionResult:
    record = _selection(self)
    result: dict[str, Any] = {
        "BackupSelection": record.selection,
        "SelectionId": record.selection_id,
        "BackupPlanId": record.plan_id,
        "CreationDate": record.creation_date,
    }
    if record.creator_request_id:
        result["CreatorRequestId"] = record.creator_request_id
    return ActionResult(result)


def list_backup_selections(self: Any) -> ActionResult:
    plan_id = _path_parts(self)[2]
    _plan(self.backup_backend, plan_id)
    records = list(state(self.backup_backend).selections.get(plan_id, {}).values())
    entries = []
    for record in records:
        entry: dict[str, Any] = {
            "SelectionId": record.selection_id,
            "SelectionName": record.selection["SelectionName"],
            "BackupPlanId": record.plan_id,
            "CreationDate": record.creation_date,
            "IamRoleArn": record.selection["IamRoleArn"],
        }
        if record.creator_request_id:
            entry["CreatorRequestId"] = record.creator_request_id
        entries.append(entry)
    return _paged(self, "BackupSelectionsList", entries)


def set_selection_creation_date(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Backdate a selection (no API sets ``CreationDate``): ``spec`` keys ``plan_id``,
    ``selection_id``, ``creation_date`` (ISO). The demo's selections predate its backup jobs."""
    backend: BackupBackend = backup_backends[account_id][region]
    plan_id, selection_id = str(spec["plan_id"]), str(spec["selection_id"])
    record = state(backend).selections.get(plan_id, {}).get(selection_id)
    if record is None:
        raise _not_found(f"Backup selection {selection_id} not found in plan {plan_id}")
    record.creation_date = parse_timestamp(str(spec["creation_date"]))
    return {"SelectionId": selection_id, "CreationDate": record.creation_date.isoformat()}


def delete_backup_selection(self: Any) -> EmptyResult:
    record = _selection(self)
    del state(self.backup_backend).selections[record.plan_id][record.selection_id]
    return EmptyResult()


# ---- vault access policy ---------------------------------------------------------------------


def get_backup_vault_access_policy(self: Any) -> ActionResult:
    name = _path_parts(self)[1]
    vault = _vault(self.backup_backend, name)
    policy = state(self.backup_backend).vault_policies.get(name)
    if policy is None:
        raise _not_found(f"Backup vault {name} has no access policy")
    return ActionResult({"BackupVaultName": name, "BackupVaultArn": vault.backup_vault_arn, "Policy": policy})


def put_backup_vault_access_policy(self: Any) -> EmptyResult:
    name = _path_parts(self)[1]
    _vault(self.backup_backend, name)
    policy = _body(self).get("Policy")
    if not isinstance(policy, str):
        raise _invalid("Policy is required")
    try:
        json.loads(policy)
    except ValueError as error:
        raise _invalid(f"Policy is not valid JSON: {error}") from error
    state(self.backup_backend).vault_policies[name] = policy
    return EmptyResult()


def delete_backup_vault_access_policy(self: Any) -> EmptyResult:
    name = _path_parts(self)[1]
    _vault(self.backup_backend, name)
    state(self.backup_backend).vault_policies.pop(name, None)
    return EmptyResult()


# ---- recovery points and jobs ----------------------------------------------------------------


def _time_filter(response: Any, wire_name: str) -> datetime | None:
    value = _query(response, wire_name)
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise _invalid(f"Invalid timestamp for {wire_name}: {value}") from error


def list_recovery_points_by_backup_vault(self: Any) -> ActionResult:
    name = _path_parts(self)[1]
    _vault(self.backup_backend, name)
    points = [p.data for p in state(self.backup_backend).recovery_points.get(name, [])]
    by_arn = _query(self, "resourceArn")
    by_type = _query(self, "resourceType")
    by_plan = _query(self, "backupPlanId")
    before = _time_filter(self, "createdBefore")
    after = _time_filter(self, "createdAfter")
    selected = [
        p
        for p in points
        if (by_arn is None or p["ResourceArn"] == by_arn)
        and (by_type is None or p["ResourceType"] == by_type)
        and (by_plan is None or p.get("CreatedBy", {}).get("BackupPlanId") == by_plan)
        and (before is None or p["CreationDate"] < before)
        and (after is None or p["CreationDate"] > after)
    ]
    return _paged(self, "RecoveryPoints", selected)


def list_backup_jobs(self: Any) -> ActionResult:
    jobs = [j.data for j in state(self.backup_backend).jobs]
    horizon = utcnow() - timedelta(days=JOB_HISTORY_DAYS)
    filters = {
        "resourceArn": "ResourceArn",
        "state": "State",
        "backupVaultName": "BackupVaultName",
        "resourceType": "ResourceType",
        "accountId": "AccountId",
        "parentJobId": "ParentJobId",
        "messageCategory": "MessageCategory",
    }
    equals = {member: _query(self, wire) for wire, member in filters.items()}
    created_before = _time_filter(self, "createdBefore")
    created_after = _time_filter(self, "createdAfter")
    complete_before = _time_filter(self, "completeBefore")
    complete_after = _time_filter(self, "completeAfter")

    def keep(job: dict[str, Any]) -> bool:
        if job["CreationDate"] < horizon:
            return False
        if any(value is not None and job.get(member) != value for member, value in equals.items()):
            return False
        if created_before is not None and not job["CreationDate"] < created_before:
            return False
        if created_after is not None and not job["CreationDate"] > created_after:
            return False
        completed = job.get("CompletionDate")
        if complete_before is not None and (completed is None or not completed < complete_before):
            return False
        return not (complete_after is not None and (completed is None or not completed > complete_after))

    selected = sorted((j for j in jobs if keep(j)), key=lambda j: j["CreationDate"], reverse=True)
    return _paged(self, "BackupJobs", selected)


# ---- creation of recovery points and jobs (control endpoint; no AWS API does this) -------------

_RESOURCE_TYPE_BY_SERVICE = {
    "ec2:instance": "EC2",
    "ec2:volume": "EBS",
    "rds:db": "RDS",
    "dynamodb:table": "DynamoDB",
    "elasticfilesystem:file-system": "EFS",
    "fsx:file-system": "FSx",
    "fsx:volume": "FSx",
}


def resource_type_of(resource_arn: str) -> str:
    """AWS Backup resource type of an ARN (clusters need the engine: pass the type explicitly)."""
    parts = resource_arn.split(":", 5)
    service = parts[2]
    resource = parts[5]
    kind = resource.split("/", 1)[0].split(":", 1)[0]
    found = _RESOURCE_TYPE_BY_SERVICE.get(f"{service}:{kind}")
    if found is None:
        raise ValueError(f"cannot tell the AWS Backup resource type of {resource_arn}; pass resource_type")
    return found


def _recovery_point_arn(backend: BackupBackend, resource_type: str, job_id: str) -> str:
    region, account = backend.region_name, backend.account_id
    short = mock_random.uuid4().hex[:17]
    if resource_type == "EBS":
        return f"arn:aws:ec2:{region}::snapshot/snap-{short}"
    if resource_type == "EC2":
        return f"arn:aws:ec2:{region}::image/ami-{short}"
    if resource_type == "RDS":
        return f"arn:aws:rds:{region}:{account}:snapshot:awsbackup:job-{job_id}"
    if resource_type in ("Aurora", "Neptune", "DocumentDB"):
        return f"arn:aws:rds:{region}:{account}:cluster-snapshot:awsbackup:job-{job_id}"
    return f"arn:aws:backup:{region}:{account}:recovery-point:{mock_random.uuid4()}"


def _created_by(backend: BackupBackend, plan_id: str | None) -> dict[str, Any] | None:
    if not plan_id:
        return None
    plan = backend.plans.get(plan_id)
    if plan is None:
        raise _not_found(f"Backup plan {plan_id} not found")
    rule = plan.backup_plan["Rules"][0]
    return {
        "BackupPlanId": plan.backup_plan_id,
        "BackupPlanArn": plan.backup_plan_arn,
        "BackupPlanName": plan.backup_plan["BackupPlanName"],
        "BackupPlanVersion": plan.version_id,
        "BackupRuleId": rule["RuleId"],
        "BackupRuleName": rule["RuleName"],
        "BackupRuleCron": rule["ScheduleExpression"],
        "BackupRuleTimezone": rule.get("ScheduleExpressionTimezone", "Etc/UTC"),
    }


def add_recovery_point(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Store a recovery point in a vault. ``spec`` keys: ``vault_name``, ``resource_arn``,
    optional ``resource_type``, ``status`` (COMPLETED), ``creation_date`` (ISO; now),
    ``completion_date``, ``delete_after_days``, ``move_to_cold_after_days``, ``backup_size_bytes``,
    ``plan_id``, ``iam_role_arn``, ``status_message``, ``encryption_key_arn``, ``resource_name``,
    ``recovery_point_arn``, ``job_id``, ``is_encrypted`` (true)."""
    backend: BackupBackend = backup_backends[account_id][region]
    vault = _vault(backend, str(spec["vault_name"]))
    resource_arn = str(spec["resource_arn"])
    resource_type = str(spec.get("resource_type") or resource_type_of(resource_arn))
    job_id = str(spec.get("job_id") or mock_random.uuid4()).upper()
    created = parse_timestamp(spec["creation_date"]) if spec.get("creation_date") else utcnow()
    completed = parse_timestamp(spec["completion_date"]) if spec.get("completion_date") else None
    status = str(spec.get("status") or "COMPLETED")
    if completed is None and status in ("COMPLETED", "EXPIRED", "PARTIAL", "AVAILABLE"):
        completed = created + timedelta(minutes=20)
    point: dict[str, Any] = {
        "RecoveryPointArn": spec.get("recovery_point_arn")
        or _recovery_point_arn(backend, resource_type, job_id),
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "ResourceArn": resource_arn,
        "ResourceType": resource_type,
        "IamRoleArn": spec.get("iam_role_arn")
        or f"arn:aws:iam::{account_id}:role/service-role/AWSBackupDefaultServiceRole",
        "Status": status,
        "CreationDate": created,
        "InitiationDate": created,
        "BackupSizeInBytes": int(spec.get("backup_size_bytes") or 1073741824),
        "IsEncrypted": spec.get("is_encrypted", True) is not False,
        "EncryptionKeyArn": spec.get("encryption_key_arn")
        or vault.encryption_key_arn
        or default_key_arn(vault),
        "IsParent": False,
        "VaultType": vault_type(backend, vault.backup_vault_name),
    }
    if completed is not None:
        point["CompletionDate"] = completed
    if spec.get("status_message"):
        point["StatusMessage"] = str(spec["status_message"])
    if spec.get("resource_name"):
        point["ResourceName"] = str(spec["resource_name"])
    created_by = _created_by(backend, spec.get("plan_id"))
    if created_by:
        point["CreatedBy"] = created_by
    lifecycle: dict[str, Any] = {}
    calculated: dict[str, Any] = {}
    if spec.get("delete_after_days") is not None:
        lifecycle["DeleteAfterDays"] = int(spec["delete_after_days"])
        calculated["DeleteAt"] = created + timedelta(days=int(spec["delete_after_days"]))
    if spec.get("move_to_cold_after_days") is not None:
        lifecycle["MoveToColdStorageAfterDays"] = int(spec["move_to_cold_after_days"])
        calculated["MoveToColdStorageAt"] = created + timedelta(days=int(spec["move_to_cold_after_days"]))
    if lifecycle:
        point["Lifecycle"] = lifecycle
        point["CalculatedLifecycle"] = calculated
    state(backend).recovery_points.setdefault(vault.backup_vault_name, []).append(RecoveryPoint(point))
    vault.num_of_recovery_points += 1
    return {"RecoveryPointArn": point["RecoveryPointArn"], "BackupJobId": job_id}


def add_backup_job(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Store a backup job. ``spec`` keys: ``vault_name``, ``resource_arn``, optional
    ``resource_type``, ``state`` (COMPLETED), ``status_message``, ``creation_date`` (ISO; now),
    ``completion_date``, ``plan_id``, ``plan_version`` (``CreatedBy.BackupPlanVersion``: default the
    plan's current ``VersionId``), ``recovery_point_arn``, ``backup_size_bytes``, ``job_id``,
    ``iam_role_arn``, ``resource_name``."""
    backend: BackupBackend = backup_backends[account_id][region]
    vault = _vault(backend, str(spec["vault_name"]))
    resource_arn = str(spec["resource_arn"])
    resource_type = str(spec.get("resource_type") or resource_type_of(resource_arn))
    job_state = str(spec.get("state") or "COMPLETED")
    created = parse_timestamp(spec["creation_date"]) if spec.get("creation_date") else utcnow()
    completed = parse_timestamp(spec["completion_date"]) if spec.get("completion_date") else None
    if completed is None and job_state in ("COMPLETED", "FAILED", "ABORTED", "EXPIRED", "PARTIAL"):
        completed = created + timedelta(minutes=30)
    job_id = str(spec.get("job_id") or mock_random.uuid4()).upper()
    job: dict[str, Any] = {
        "AccountId": account_id,
        "BackupJobId": job_id,
        "BackupVaultName": vault.backup_vault_name,
        "BackupVaultArn": vault.backup_vault_arn,
        "ResourceArn": resource_arn,
        "CreationDate": created,
        "State": job_state,
        "PercentDone": "100.0" if job_state == "COMPLETED" else "0.0",
        "BackupSizeInBytes": int(spec.get("backup_size_bytes") or 0),
        "IamRoleArn": spec.get("iam_role_arn")
        or f"arn:aws:iam::{account_id}:role/service-role/AWSBackupDefaultServiceRole",
        "StartBy": created + timedelta(hours=8),
        "ResourceType": resource_type,
        "BytesTransferred": int(spec.get("backup_size_bytes") or 0),
        "IsParent": False,
        "InitiationDate": created,
        "MessageCategory": "SUCCESS" if job_state == "COMPLETED" else job_state,
    }
    if completed is not None:
        job["CompletionDate"] = completed
    if spec.get("status_message"):
        job["StatusMessage"] = str(spec["status_message"])
    if spec.get("recovery_point_arn"):
        job["RecoveryPointArn"] = str(spec["recovery_point_arn"])
    if spec.get("resource_name"):
        job["ResourceName"] = str(spec["resource_name"])
    created_by = _created_by(backend, spec.get("plan_id"))
    if created_by:
        if spec.get("plan_version"):  # a run of an earlier version of the plan (BKP-091)
            created_by["BackupPlanVersion"] = str(spec["plan_version"])
        job["CreatedBy"] = created_by
    state(backend).jobs.append(BackupJob(job))
    return {"BackupJobId": job_id}


# ---- copies, global settings and logically air-gapped vaults (BKP-022/036/037/039) ----------

VAULT_TYPES = ("BACKUP_VAULT", "LOGICALLY_AIR_GAPPED_BACKUP_VAULT", "RESTORE_ACCESS_BACKUP_VAULT")
LAG_VAULT = "LOGICALLY_AIR_GAPPED_BACKUP_VAULT"


def vault_type(backend: BackupBackend, name: str) -> str:
    return state(backend).vault_types.get(name, "BACKUP_VAULT")


def create_logically_air_gapped_backup_vault(self: Any) -> ActionResult:
    """PUT /logically-air-gapped-backup-vaults/{name}: a vault of type LOGICALLY_AIR_GAPPED_BACKUP_VAULT,
    locked in compliance mode with the given retention bounds (both required)."""
    name = _path_parts(self)[1]
    body = _body(self)
    low, high = body.get("MinRetentionDays"), body.get("MaxRetentionDays")
    if not isinstance(low, int) or not isinstance(high, int):
        raise SandboxError(
            "MissingParameterValueException", "MinRetentionDays and MaxRetentionDays are required"
        )
    if low < 7 or high < low:
        raise _invalid("MinRetentionDays must be at least 7 and not above MaxRetentionDays")
    backend: BackupBackend = self.backup_backend
    vault = backend.create_backup_vault(
        backup_vault_name=name,
        backup_vault_tags=body.get("BackupVaultTags") or {},
        encryption_key_arn=None,  # type: ignore[arg-type]  # moto stores None: AWS owned key
        creator_request_id=body.get("CreatorRequestId") or str(mock_random.uuid4()),
    )
    backend.put_backup_vault_lock_configuration(name, low, high, None)
    state(backend).vault_types[name] = LAG_VAULT
    return ActionResult(
        {
            "BackupVaultName": name,
            "BackupVaultArn": vault.backup_vault_arn,
            "CreationDate": parse_timestamp(vault.creation_date),
            "VaultState": "AVAILABLE",
        }
    )


def describe_global_settings(self: Any) -> ActionResult:
    ext = state(self.backup_backend)
    return ActionResult(
        {"GlobalSettings": dict(ext.global_settings), "LastUpdateTime": ext.global_settings_updated}
    )


def update_global_settings(self: Any) -> EmptyResult:
    settings = _body(self).get("GlobalSettings") or {}
    for key, value in settings.items():
        if key not in ("isCrossAccountBackupEnabled", "isMpaEnabled") or value not in ("true", "false"):
            raise _invalid(f"Invalid global setting: {key}={value!r}")
    # One setting per account: stored in every region's backend of the account.
    now = utcnow().replace(microsecond=0)
    for backend in backup_backends[self.current_account].values():
        state(backend).global_settings.update(settings)
        state(backend).global_settings_updated = now
    return EmptyResult()


def list_copy_jobs(self: Any) -> ActionResult:
    jobs = [j.data for j in state(self.backup_backend).copy_jobs]
    horizon = utcnow() - timedelta(days=JOB_HISTORY_DAYS)
    filters = {
        "resourceArn": "ResourceArn",
        "state": "State",
        "resourceType": "ResourceType",
        "destinationVaultArn": "DestinationBackupVaultArn",
        "accountId": "AccountId",
        "parentJobId": "ParentJobId",
        "messageCategory": "MessageCategory",
    }
    equals = {member: _query(self, wire) for wire, member in filters.items()}
    created_before = _time_filter(self, "createdBefore")
    created_after = _time_filter(self, "createdAfter")

    def keep(job: dict[str, Any]) -> bool:
        if job["CreationDate"] < horizon:
            return False
        if any(value is not None and job.get(member) != value for member, value in equals.items()):
            return False
        if created_before is not None and not job["CreationDate"] < created_before:
            return False
        return created_after is None or job["CreationDate"] > created_after

    selected = sorted((j for j in jobs if keep(j)), key=lambda j: j["CreationDate"], reverse=True)
    return _paged(self, "CopyJobs", selected)


def add_copy_job(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Store a copy job in its source account-region. ``spec`` keys: ``vault_name`` (source vault),
    ``resource_arn``, ``destination_vault_arn``, optional ``resource_type``, ``state`` (COMPLETED),
    ``status_message``, ``creation_date`` (ISO; now), ``plan_id``, ``source_recovery_point_arn``,
    ``destination_recovery_point_arn``, ``job_id``."""
    backend: BackupBackend = backup_backends[account_id][region]
    vault = _vault(backend, str(spec["vault_name"]))
    resource_arn = str(spec["resource_arn"])
    resource_type = str(spec.get("resource_type") or resource_type_of(resource_arn))
    job_state = str(spec.get("state") or "COMPLETED")
    created = parse_timestamp(spec["creation_date"]) if spec.get("creation_date") else utcnow()
    job_id = str(spec.get("job_id") or mock_random.uuid4()).upper()
    job: dict[str, Any] = {
        "AccountId": account_id,
        "CopyJobId": job_id,
        "SourceBackupVaultArn": vault.backup_vault_arn,
        "SourceRecoveryPointArn": str(spec.get("source_recovery_point_arn") or resource_arn),
        "DestinationBackupVaultArn": str(spec["destination_vault_arn"]),
        "ResourceArn": resource_arn,
        "CreationDate": created,
        "State": job_state,
        "BackupSizeInBytes": 1073741824,
        "IamRoleArn": f"arn:aws:iam::{account_id}:role/service-role/AWSBackupDefaultServiceRole",
        "ResourceType": resource_type,
        "IsParent": False,
        "MessageCategory": "SUCCESS" if job_state == "COMPLETED" else job_state,
    }
    if job_state in ("COMPLETED", "FAILED", "PARTIAL"):
        job["CompletionDate"] = created + timedelta(minutes=30)
    if spec.get("status_message"):
        job["StatusMessage"] = str(spec["status_message"])
    if spec.get("destination_recovery_point_arn"):
        job["DestinationRecoveryPointArn"] = str(spec["destination_recovery_point_arn"])
    created_by = _created_by(backend, spec.get("plan_id"))
    if created_by:
        job["CreatedBy"] = created_by
    state(backend).copy_jobs.append(BackupJob(job))
    return {"CopyJobId": job_id}


# ---- registration ----------------------------------------------------------------------------

_HANDLERS = (
    describe_region_settings,
    update_region_settings,
    list_backup_plans,
    list_backup_vaults,
    create_backup_selection,
    get_backup_selection,
    list_backup_selections,
    delete_backup_selection,
    get_backup_vault_access_policy,
    put_backup_vault_access_policy,
    delete_backup_vault_access_policy,
    list_recovery_points_by_backup_vault,
    list_backup_jobs,
    create_logically_air_gapped_backup_vault,
    describe_global_settings,
    update_global_settings,
    list_copy_jobs,
)

_ROUTES = (
    "{0}/account-settings$",
    "{0}/backup/plans/(?P<plan>[^/]+)/selections/$",
    "{0}/backup/plans/(?P<plan>[^/]+)/selections/(?P<selection>[^/]+)$",
    "{0}/backup-vaults/(?P<vault>[^/]+)/recovery-points/$",
    "{0}/backup-vaults/(?P<vault>[^/]+)/access-policy$",
    "{0}/backup-jobs/$",
    "{0}/logically-air-gapped-backup-vaults/(?P<vault>[^/]+)$",
    "{0}/global-settings$",
    "{0}/copy-jobs/$",
)


def install() -> None:
    for handler in _HANDLERS:
        setattr(BackupResponse, handler.__name__, handler)
    for route in _ROUTES:
        backup_urls.url_paths.setdefault(route, BackupResponse.dispatch)
