"""Sandbox-only control endpoint, ``POST /_sandbox/<action>`` with a JSON body: what no AWS API
does, used by the seed (the server may run in another process, so this goes over HTTP too).

Actions:
- ``backup/recovery-points``: ``{"account_id", "region", "vault_name", "resource_arn", ...}`` ->
  ``{"RecoveryPointArn", "BackupJobId"}`` (see ``extensions.backup.add_recovery_point``)
- ``backup/restore-jobs``: ``{"account_id", "region", "resource_arn", "status", ...}`` ->
  ``{"RestoreJobId"}`` (see ``extensions.backup_restore.add_restore_job``)
- ``backup/jobs``: ``{"account_id", "region", "vault_name", "resource_arn", "state", ...}`` ->
  ``{"BackupJobId"}`` (see ``extensions.backup.add_backup_job``)
- ``backup/copy-jobs``: ``{"account_id", "region", "vault_name", "resource_arn",
  "destination_vault_arn", "state", ...}`` -> ``{"CopyJobId"}`` (``extensions.backup.add_copy_job``)
- ``backup/selection-creation-date``: ``{"account_id", "region", "plan_id", "selection_id",
  "creation_date"}`` -> ``{"SelectionId", "CreationDate"}`` (backdates a selection,
  ``extensions.backup.set_selection_creation_date``)
- ``storagegateway/volumes``: ``{"account_id", "region", "gateway_id", "volume_id", "tags", ...}``
  -> ``{"VolumeARN", "GatewayARN"}`` (``extensions.storagegateway.add_volume``)
- ``backup-gateway/virtual-machines``: ``{"account_id", "region", "vm_id", "name", "tags"}`` ->
  ``{"ResourceArn"}`` (``extensions.backup_gateway.add_virtual_machine``)
- ``ssm-sap/databases``: ``{"account_id", "region", "application_id", "database_id",
  "database_type", "tags"}`` -> ``{"Arn"}`` (``extensions.ssm_sap.add_database``)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.exceptions import ServiceException

from auditor.sandbox.extensions import backup, backup_gateway, backup_restore, ssm_sap, storagegateway
from auditor.sandbox.wsgi import WsgiApp

PREFIX = "/_sandbox/"

_ACTIONS: dict[str, Callable[[str, str, dict[str, Any]], dict[str, Any]]] = {
    "backup/recovery-points": backup.add_recovery_point,
    "backup/jobs": backup.add_backup_job,
    "backup/copy-jobs": backup.add_copy_job,
    "backup/selection-creation-date": backup.set_selection_creation_date,
    "backup/restore-jobs": backup_restore.add_restore_job,
    # -- issue 9: resources no AWS API creates without an appliance or a discovery
    "storagegateway/volumes": storagegateway.add_volume,
    "backup-gateway/virtual-machines": backup_gateway.add_virtual_machine,
    "ssm-sap/databases": ssm_sap.add_database,
}


class ControlMiddleware:
    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        status, payload = self._handle(environ, path.removeprefix(PREFIX).strip("/"))
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    @staticmethod
    def _handle(environ: dict[str, Any], action: str) -> tuple[str, dict[str, Any]]:
        handler = _ACTIONS.get(action)
        if handler is None:
            return "404 Not Found", {
                "error": f"unknown sandbox action {action!r}",
                "actions": sorted(_ACTIONS),
            }
        if environ.get("REQUEST_METHOD") != "POST":
            return "405 Method Not Allowed", {"error": "use POST"}
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"{}")
            if not isinstance(spec, dict):
                raise ValueError("body must be a JSON object")
            account_id = str(spec.pop("account_id"))
            region = str(spec.pop("region"))
            return "200 OK", handler(account_id, region, spec)
        except ServiceException as error:
            return "404 Not Found", {"error": f"{error.code}: {error.message}"}
        except (KeyError, ValueError, TypeError) as error:
            return "400 Bad Request", {"error": f"{type(error).__name__}: {error}"}
