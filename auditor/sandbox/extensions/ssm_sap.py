"""AWS Systems Manager for SAP (``ssm-sap``; moto 5.2.5 lacks it): ListApplications, ListDatabases
(per application) and GetDatabase, paginated with ``MaxResults`` / ``NextToken`` (tokens at least 16
characters, as the API's pattern requires). Registering an application discovers its databases on
the instance, so applications and databases are created through the control endpoint
(``ssm-sap/databases``); they live on moto's EC2 backend of the account and Region, so
``/moto-api/reset`` clears them."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.ec2.models import ec2_backends

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate
from auditor.sandbox.extensions._standalone import install_route, make_app

NAME = "ssm-sap"


@dataclass
class _State:
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Application id -> ``ApplicationSummary``."""
    databases: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Application id -> its databases (``Database`` members plus ``Tags``)."""


def state_of(account_id: str, region: str) -> _State:
    return backend_state(ec2_backends[account_id][region], "ssm_sap", _State)


def add_database(account_id: str, region: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Control action: database ``database_id`` (``database_type`` SYSTEM or TENANT, ``tags``
    ``{key: value}``) of the HANA application ``application_id`` (registered on first use)."""
    state = state_of(account_id, region)
    app = str(spec["application_id"])
    db_id = str(spec["database_id"])
    app_arn = f"arn:aws:ssm-sap:{region}:{account_id}:HANA/{app}"
    state.applications.setdefault(
        app, {"Id": app, "DiscoveryStatus": "SUCCESS", "Type": "HANA", "Arn": app_arn, "Tags": {}}
    )
    arn = f"{app_arn}/DB/{db_id}"
    databases = state.databases.setdefault(app, [])
    if any(d["Arn"] == arn for d in databases):
        raise SandboxError("ConflictException", f"Database {arn} already exists")
    databases.append(
        {
            "ApplicationId": app,
            "ComponentId": str(spec.get("component_id") or "HDB-HDB00"),
            "DatabaseId": db_id,
            "DatabaseName": db_id,
            "DatabaseType": str(spec.get("database_type") or "TENANT"),
            "Arn": arn,
            "Status": "RUNNING",
            "PrimaryHost": "sap-hana-1",
            "SQLPort": 30013,
            "LastUpdated": datetime.now(tz=UTC),
            "Tags": {str(k): str(v) for k, v in dict(spec.get("tags") or {}).items()},
        }
    )
    return {"Arn": arn}


_SUMMARY = ("ApplicationId", "ComponentId", "DatabaseId", "DatabaseType", "Arn", "Tags")


def _token(offset_token: str | None) -> str | None:
    """The shared paginator's token padded to 16 characters or more (``.{16,2048}``)."""
    if offset_token is None:
        return None
    offset = base64.urlsafe_b64decode(offset_token.encode()).decode()
    return base64.urlsafe_b64encode(offset.ljust(16).encode()).decode()


class SsmSapResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name=NAME)
        self.automated_parameter_parsing = True

    @property
    def state(self) -> _State:
        return state_of(self.current_account, self.region)

    def _page(self, items: list[Any], key: str) -> ActionResult:
        params: dict[str, Any] = self.params
        size = params.get("MaxResults")
        page, token = paginate(
            items, int(size) if size else 50, params.get("NextToken"), error_code="ValidationException"
        )
        result: dict[str, Any] = {key: page}
        if token:
            result["NextToken"] = _token(token)
        return ActionResult(result)

    def list_applications(self) -> ActionResult:
        return self._page(sorted(self.state.applications.values(), key=lambda a: a["Id"]), "Applications")

    def list_databases(self) -> ActionResult:
        app = self.params.get("ApplicationId")
        if app is not None and app not in self.state.applications:
            raise SandboxError("ResourceNotFoundException", f"Application {app} not found")
        apps = [app] if app is not None else sorted(self.state.databases)
        databases = [{k: d[k] for k in _SUMMARY} for a in apps for d in self.state.databases.get(str(a), [])]
        return self._page(databases, "Databases")

    def get_database(self) -> ActionResult:
        params: dict[str, Any] = self.params
        wanted_arn = params.get("DatabaseArn")
        for databases in self.state.databases.values():
            for d in databases:
                if d["Arn"] == wanted_arn or (
                    wanted_arn is None
                    and (d["ApplicationId"], d["ComponentId"], d["DatabaseId"])
                    == (params.get("ApplicationId"), params.get("ComponentId"), params.get("DatabaseId"))
                ):
                    return ActionResult(
                        {"Database": {k: v for k, v in d.items() if k != "Tags"}, "Tags": d["Tags"]}
                    )
        raise SandboxError("ResourceNotFoundException", "Database not found")


def install() -> None:
    install_route(NAME)


def register_app(dispatcher: Any) -> None:
    dispatcher.app_instances[NAME] = make_app(NAME, SsmSapResponse)
