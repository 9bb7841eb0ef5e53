"""Client of the sandbox-only control endpoint (``POST {endpoint}/_sandbox/<action>``): creates
what no AWS API can, such as recovery points and backup jobs with chosen states and dates."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any


class ControlError(RuntimeError):
    """The control endpoint refused a request (message names the action and the reason)."""


def call(endpoint_url: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` (datetimes as ISO 8601) to ``/_sandbox/<action>``; returns the JSON answer."""
    payload = json.dumps(body, default=_encode).encode()
    request = urllib.request.Request(
        f"{endpoint_url}/_sandbox/{action}",
        data=payload,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as error:
        detail = error.read().decode(errors="replace")
        raise ControlError(f"sandbox action {action} failed ({error.code}): {detail}") from error
    return answer


def _encode(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} to the sandbox")


def add_recovery_point(endpoint_url: str, *, account_id: str, region: str, **spec: Any) -> str:
    """Store a recovery point; returns its ARN. ``spec``: ``vault_name``, ``resource_arn`` and
    optionally ``resource_type``, ``status``, ``creation_date``, ``completion_date``,
    ``delete_after_days``, ``move_to_cold_after_days``, ``backup_size_bytes``, ``plan_id``,
    ``status_message``, ``resource_name``, ``is_encrypted``."""
    answer = call(
        endpoint_url, "backup/recovery-points", {"account_id": account_id, "region": region, **spec}
    )
    return str(answer["RecoveryPointArn"])


def add_backup_job(endpoint_url: str, *, account_id: str, region: str, **spec: Any) -> str:
    """Store a backup job; returns its id. ``spec``: ``vault_name``, ``resource_arn``, ``state`` and
    optionally ``resource_type``, ``status_message``, ``creation_date``, ``completion_date``,
    ``plan_id``, ``plan_version``, ``recovery_point_arn``, ``backup_size_bytes``."""
    answer = call(endpoint_url, "backup/jobs", {"account_id": account_id, "region": region, **spec})
    return str(answer["BackupJobId"])


def set_selection_creation_date(
    endpoint_url: str,
    *,
    account_id: str,
    region: str,
    plan_id: str,
    selection_id: str,
    creation_date: datetime,
) -> None:
    """Backdate a backup selection's ``CreationDate`` (no AWS API sets it)."""
    call(
        endpoint_url,
        "backup/selection-creation-date",
        {
            "account_id": account_id,
            "region": region,
            "plan_id": plan_id,
            "selection_id": selection_id,
            "creation_date": creation_date,
        },
    )


def add_copy_job(endpoint_url: str, *, account_id: str, region: str, **spec: Any) -> str:
    """Store a copy job in its source account-region; returns its id. ``spec``: ``vault_name``
    (source vault), ``resource_arn``, ``destination_vault_arn`` and optionally ``state``,
    ``resource_type``, ``status_message``, ``creation_date``, ``plan_id``,
    ``destination_recovery_point_arn``."""
    answer = call(endpoint_url, "backup/copy-jobs", {"account_id": account_id, "region": region, **spec})
    return str(answer["CopyJobId"])


def add_restore_job(endpoint_url: str, *, account_id: str, region: str, **spec: Any) -> str:
    """Store a restore job; returns its id. ``spec``: ``resource_arn`` and optionally
    ``resource_type``, ``status``, ``status_message``, ``creation_date``, ``minutes``,
    ``testing_plan`` (the name of the restore testing plan that started it)."""
    answer = call(endpoint_url, "backup/restore-jobs", {"account_id": account_id, "region": region, **spec})
    return str(answer["RestoreJobId"])


# -- issue 9: Storage Gateway volumes, VMware virtual machines, SAP HANA databases ---------------


def add_gateway_volume(endpoint_url: str, *, account_id: str, region: str, **spec: Any) -> str:
    """A Volume Gateway volume; returns its ARN. ``spec``: ``gateway_id``, ``volume_id`` and
    optionally ``gateway_name``, ``tags`` (``{key: value}``), ``size_bytes``."""
    answer = call(
        endpoint_url, "storagegateway/volumes", {"account_id": account_id, "region": region, **spec}
    )
    return str(answer["VolumeARN"])


def add_virtual_machine(endpoint_url: str, *, account_id: str, region: str, **spec: Any) -> str:
    """A VMware virtual machine of AWS Backup gateway; returns its ARN. ``spec``: ``vm_id`` and
    optionally ``name``, ``tags``, ``hypervisor_id``."""
    answer = call(
        endpoint_url, "backup-gateway/virtual-machines", {"account_id": account_id, "region": region, **spec}
    )
    return str(answer["ResourceArn"])


def add_sap_hana_database(endpoint_url: str, *, account_id: str, region: str, **spec: Any) -> str:
    """An SAP HANA database of a Systems Manager for SAP application; returns its ARN. ``spec``:
    ``application_id``, ``database_id`` and optionally ``database_type``, ``tags``."""
    answer = call(endpoint_url, "ssm-sap/databases", {"account_id": account_id, "region": region, **spec})
    return str(answer["Arn"])
