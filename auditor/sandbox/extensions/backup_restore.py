"""AWS Backup operations moto 5.2.5 lacks for restore testing and Audit Manager: restore testing
plans and selections (created through the real API), restore jobs (created through the control
endpoint, as backup jobs are), protected resources (derived from the stored recovery points and
restore jobs, as AWS derives them) and Audit Manager frameworks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

from moto.backup import urls as backup_urls
from moto.backup.models import BackupBackend, backup_backends
from moto.backup.responses import BackupResponse
from moto.core.responses import ActionResult
from moto.moto_api._internal import mock_random

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate, parse_timestamp, utcnow
from auditor.sandbox.extensions.backup import (
    _body,
    _max_results,
    _paged,
    _path_parts,
    _query,
    resource_type_of,
)
from auditor.sandbox.extensions.backup import state as backup_state


@dataclass
class RestoreExtState:
    testing_plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Plan name -> its ``ListRestoreTestingPlans`` entry."""
    testing_selections: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    """Plan name -> selection name -> its ``GetRestoreTestingSelection`` body."""
    restore_jobs: list[dict[str, Any]] = field(default_factory=list)
    frameworks: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Framework name -> its ``DescribeFramework`` response."""


def state(backend: BackupBackend) -> RestoreExtState:
    return backend_state(backend, "backup_restore", RestoreExtState)


def _not_found(message: str) -> SandboxError:
    return SandboxError("ResourceNotFoundException", message)


def _invalid(message: str) -> SandboxError:
    return SandboxError("InvalidParameterValueException", message)


def _conflict(message: str) -> SandboxError:
    return SandboxError("ConflictException", message)


def _page_capitalised(self: Any, member: str, entries: list[Any]) -> ActionResult:
    """A page for the operations whose query names are ``MaxResults`` / ``NextToken``."""
    raw = _query(self, "MaxResults")
    size = int(raw) if raw is not None and raw.isdigit() else None
    page, token = paginate(entries, size, _query(self, "NextToken"))
    result: dict[str, Any] = {member: page}
    if token:
        result["NextToken"] = token
    return ActionResult(result)


# ---- restore testing plans and selections ------------------------------------------------------


def create_restore_testing_plan(self: Any) -> ActionResult:
    body = _body(self)
    plan = body.get("RestoreTestingPlan")
    if not isinstance(plan, dict) or not plan.get("RestoreTestingPlanName"):
        raise _invalid("RestoreTestingPlan.RestoreTestingPlanName is required")
    if not plan.get("ScheduleExpression") or not isinstance(plan.get("RecoveryPointSelection"), dict):
        raise _invalid("RestoreTestingPlan needs ScheduleExpression and RecoveryPointSelection")
    backend: BackupBackend = self.backup_backend
    name = str(plan["RestoreTestingPlanName"])
    ext = state(backend)
    if name in ext.testing_plans:
        raise _conflict(f"Restore testing plan {name} already exists")
    now = utcnow()
    arn = f"arn:aws:backup:{backend.region_name}:{backend.account_id}:restore-testing-plan:{name}-{mock_random.uuid4().hex[:6]}"
    entry: dict[str, Any] = {
        "CreationTime": now,
        "RestoreTestingPlanArn": arn,
        "RestoreTestingPlanName": name,
        "ScheduleExpression": plan["ScheduleExpression"],
        "ScheduleExpressionTimezone": plan.get("ScheduleExpressionTimezone") or "Etc/UTC",
        "StartWindowHours": int(plan.get("StartWindowHours") or 24),
    }
    ext.testing_plans[name] = entry
    ext.testing_selections[name] = {}
    return ActionResult({"CreationTime": now, "RestoreTestingPlanArn": arn, "RestoreTestingPlanName": name})


def list_restore_testing_plans(self: Any) -> ActionResult:
    plans = list(state(self.backup_backend).testing_plans.values())
    return _page_capitalised(self, "RestoreTestingPlans", plans)


def _testing_plan(self: Any) -> tuple[RestoreExtState, str]:
    name = _path_parts(self)[2]  # restore-testing / plans / {name} / selections ...
    ext = state(self.backup_backend)
    if name not in ext.testing_plans:
        raise _not_found(f"Restore testing plan {name} not found")
    return ext, name


_SELECTION_KEYS = {
    "IamRoleArn",
    "ProtectedResourceArns",
    "ProtectedResourceConditions",
    "ProtectedResourceType",
    "RestoreMetadataOverrides",
    "RestoreTestingSelectionName",
    "ValidationWindowHours",
}


def create_restore_testing_selection(self: Any) -> ActionResult:
    ext, plan = _testing_plan(self)
    body = _body(self)
    sel = body.get("RestoreTestingSelection")
    if not isinstance(sel, dict):
        raise _invalid("RestoreTestingSelection is required")
    unknown = set(sel) - _SELECTION_KEYS
    if unknown:
        raise _invalid(f"Unknown RestoreTestingSelection members: {sorted(unknown)}")
    for required in ("RestoreTestingSelectionName", "IamRoleArn", "ProtectedResourceType"):
        if not sel.get(required):
            raise _invalid(f"RestoreTestingSelection.{required} is required")
    arns = sel.get("ProtectedResourceArns") or []
    if "*" in arns and len(arns) > 1:
        raise _invalid("ProtectedResourceArns: give ARNs or the wildcard '*', not both")
    if sel.get("ProtectedResourceConditions") and arns != ["*"]:
        raise _invalid("ProtectedResourceConditions need ProtectedResourceArns ['*']")
    name = str(sel["RestoreTestingSelectionName"])
    if name in ext.testing_selections[plan]:
        raise _conflict(f"Restore testing selection {name} already exists")
    now = utcnow()
    stored = {
        **sel,
        "CreationTime": now,
        "RestoreTestingPlanName": plan,
        "ValidationWindowHours": int(sel.get("ValidationWindowHours") or 0),
    }
    if body.get("CreatorRequestId"):
        stored["CreatorRequestId"] = body["CreatorRequestId"]
    ext.testing_selections[plan][name] = stored
    return ActionResult(
        {
            "CreationTime": now,
            "RestoreTestingPlanArn": ext.testing_plans[plan]["RestoreTestingPlanArn"],
            "RestoreTestingPlanName": plan,
            "RestoreTestingSelectionName": name,
        }
    )


_LISTED_SELECTION_KEYS = (
    "CreationTime",
    "IamRoleArn",
    "ProtectedResourceType",
    "RestoreTestingPlanName",
    "RestoreTestingSelectionName",
    "ValidationWindowHours",
)


def list_restore_testing_selections(self: Any) -> ActionResult:
    ext, plan = _testing_plan(self)
    entries = [
        {k: s[k] for k in _LISTED_SELECTION_KEYS if k in s} for s in ext.testing_selections[plan].values()
    ]
    return _page_capitalised(self, "RestoreTestingSelections", entries)


def get_restore_testing_selection(self: Any) -> ActionResult:
    ext, plan = _testing_plan(self)
    name = _path_parts(self)[4]
    sel = ext.testing_selections[plan].get(name)
    if sel is None:
        raise _not_found(f"Restore testing selection {name} not found in plan {plan}")
    return ActionResult({"RestoreTestingSelection": sel})


# ---- restore jobs ------------------------------------------------------------------------------


def _time(response: Any, wire: str) -> datetime | None:
    value = _query(response, wire)
    if value is None:
        return None
    try:
        return parse_timestamp(value)
    except ValueError as error:
        raise _invalid(f"Invalid timestamp for {wire}: {value}") from error


def list_restore_jobs(self: Any) -> ActionResult:
    _max_results(self)  # validates maxResults
    status = _query(self, "status")
    resource_type = _query(self, "resourceType")
    testing_plan = _query(self, "restoreTestingPlanArn")
    after, before = _time(self, "createdAfter"), _time(self, "createdBefore")
    jobs = [
        j
        for j in state(self.backup_backend).restore_jobs
        if (status is None or j["Status"] == status)
        and (resource_type is None or j["ResourceType"] == resource_type)
        and (testing_plan is None or j.get("CreatedBy", {}).get("RestoreTestingPlanArn") == testing_plan)
        and (after is None or j["CreationDate"] > after)
        and (before is None or j["CreationDate"] < before)
    ]
    jobs.sort(key=lambda j: j["CreationDate"], reverse=True)
    return _paged(self, "RestoreJobs", jobs)


def add_restore_job(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Store a restore job. ``spec`` keys: ``resource_arn`` (the source), optional
    ``resource_type``, ``status`` (COMPLETED), ``status_message``, ``creation_date`` (ISO; now),
    ``minutes`` (30: completion after creation), ``testing_plan`` (name of a restore testing plan
    of the account-region that started it), ``job_id``."""
    backend: BackupBackend = backup_backends[account_id][region]
    source = str(spec["resource_arn"])
    resource_type = str(spec.get("resource_type") or resource_type_of(source))
    status = str(spec.get("status") or "COMPLETED")
    created = parse_timestamp(spec["creation_date"]) if spec.get("creation_date") else utcnow()
    job_id = str(spec.get("job_id") or mock_random.uuid4()).upper()
    job: dict[str, Any] = {
        "AccountId": account_id,
        "RestoreJobId": job_id,
        "RecoveryPointArn": f"arn:aws:backup:{region}:{account_id}:recovery-point:{mock_random.uuid4()}",
        "SourceResourceArn": source,
        "CreationDate": created,
        "Status": status,
        "PercentDone": "100.00%" if status == "COMPLETED" else "0.00%",
        "IamRoleArn": f"arn:aws:iam::{account_id}:role/service-role/AWSBackupDefaultServiceRole",
        "ResourceType": resource_type,
    }
    if status in ("COMPLETED", "FAILED", "ABORTED"):
        job["CompletionDate"] = created + timedelta(minutes=int(spec.get("minutes") or 30))
    if spec.get("status_message"):
        job["StatusMessage"] = str(spec["status_message"])
    if spec.get("testing_plan"):
        plan = state(backend).testing_plans.get(str(spec["testing_plan"]))
        if plan is None:
            raise _not_found(f"Restore testing plan {spec['testing_plan']} not found")
        job["CreatedBy"] = {"RestoreTestingPlanArn": plan["RestoreTestingPlanArn"]}
    state(backend).restore_jobs.append(job)
    return {"RestoreJobId": job_id}


# ---- protected resources (derived from recovery points and restore jobs) ------------------------


def _protected(backend: BackupBackend) -> dict[str, dict[str, Any]]:
    """Resource ARN -> its ``ListProtectedResources`` entry: every resource with a recovery point,
    with its newest one."""
    found: dict[str, dict[str, Any]] = {}
    for points in backup_state(backend).recovery_points.values():
        for p in points:
            data = p.data
            arn = data["ResourceArn"]
            known = found.get(arn)
            if known is not None and known["LastBackupTime"] >= data["CreationDate"]:
                continue
            entry = {
                "ResourceArn": arn,
                "ResourceType": data["ResourceType"],
                "LastBackupTime": data["CreationDate"],
                "LastBackupVaultArn": data["BackupVaultArn"],
                "LastRecoveryPointArn": data["RecoveryPointArn"],
            }
            if data.get("ResourceName"):
                entry["ResourceName"] = data["ResourceName"]
            found[arn] = entry
    return found


def list_protected_resources(self: Any) -> ActionResult:
    entries = sorted(_protected(self.backup_backend).values(), key=lambda e: str(e["ResourceArn"]))
    return _paged(self, "Results", entries)


def describe_protected_resource(self: Any) -> ActionResult:
    arn = unquote(self.path.split("/resources/", 1)[1]).rstrip("/")
    backend: BackupBackend = self.backup_backend
    entry = _protected(backend).get(arn)
    if entry is None:
        raise _not_found(f"Resource {arn} is not protected")
    result = dict(entry)
    done = [
        j
        for j in state(backend).restore_jobs
        if j["SourceResourceArn"] == arn and j["Status"] == "COMPLETED" and "CompletionDate" in j
    ]
    if done:
        latest = max(done, key=lambda j: j["CreationDate"])
        minutes = (latest["CompletionDate"] - latest["CreationDate"]).total_seconds() / 60
        result["LatestRestoreExecutionTimeMinutes"] = round(minutes)
        result["LatestRestoreJobCreationDate"] = latest["CreationDate"]
    return ActionResult(result)


# ---- Audit Manager frameworks ------------------------------------------------------------------


def create_framework(self: Any) -> ActionResult:
    body = _body(self)
    name = body.get("FrameworkName")
    controls = body.get("FrameworkControls")
    if not isinstance(name, str) or not name or not isinstance(controls, list):
        raise _invalid("FrameworkName and FrameworkControls are required")
    backend: BackupBackend = self.backup_backend
    ext = state(backend)
    if name in ext.frameworks:
        raise SandboxError("AlreadyExistsException", f"Framework {name} already exists")
    arn = f"arn:aws:backup:{backend.region_name}:{backend.account_id}:framework:{name}-{mock_random.uuid4()}"
    ext.frameworks[name] = {
        "FrameworkName": name,
        "FrameworkArn": arn,
        "FrameworkDescription": str(body.get("FrameworkDescription") or ""),
        "FrameworkControls": controls,
        "CreationTime": utcnow(),
        "DeploymentStatus": "COMPLETED",
        "FrameworkStatus": "ACTIVE",
    }
    return ActionResult({"FrameworkName": name, "FrameworkArn": arn})


def list_frameworks(self: Any) -> ActionResult:
    entries = [
        {
            "FrameworkName": f["FrameworkName"],
            "FrameworkArn": f["FrameworkArn"],
            "FrameworkDescription": f["FrameworkDescription"],
            "NumberOfControls": len(f["FrameworkControls"]),
            "CreationTime": f["CreationTime"],
            "DeploymentStatus": f["DeploymentStatus"],
        }
        for f in state(self.backup_backend).frameworks.values()
    ]
    return _page_capitalised(self, "Frameworks", entries)


def describe_framework(self: Any) -> ActionResult:
    name = _path_parts(self)[2]  # audit / frameworks / {name}
    framework = state(self.backup_backend).frameworks.get(name)
    if framework is None:
        raise _not_found(f"Framework {name} not found")
    return ActionResult(dict(framework))


# ---- registration ------------------------------------------------------------------------------

_HANDLERS = (
    create_restore_testing_plan,
    list_restore_testing_plans,
    create_restore_testing_selection,
    list_restore_testing_selections,
    get_restore_testing_selection,
    list_restore_jobs,
    list_protected_resources,
    describe_protected_resource,
    create_framework,
    list_frameworks,
    describe_framework,
)

_ROUTES = (
    "{0}/restore-testing/plans$",
    "{0}/restore-testing/plans/(?P<plan>[^/]+)/selections$",
    "{0}/restore-testing/plans/(?P<plan>[^/]+)/selections/(?P<selection>[^/]+)$",
    "{0}/restore-jobs/$",
    "{0}/resources/$",
    "{0}/resources/(?P<resource>.+)$",
    "{0}/audit/frameworks$",
    "{0}/audit/frameworks/(?P<framework>[^/]+)$",
)


def install() -> None:
    for handler in _HANDLERS:
        setattr(BackupResponse, handler.__name__, handler)
    for route in _ROUTES:
        backup_urls.url_paths.setdefault(route, BackupResponse.dispatch)
