"""Amazon Data Lifecycle Manager (``dlm``), a service moto lacks entirely: CreateLifecyclePolicy,
GetLifecyclePolicies and GetLifecyclePolicy (rest-json, ``dlm.<region>.amazonaws.com``, signing
name ``dlm``), answering with botocore's shapes (``LifecyclePolicySummary``, ``LifecyclePolicy``).
Policies live on moto's EC2 backend of the account and region, so ``/moto-api/reset`` clears them.
Backups made outside AWS Backup (BKP-017)."""

from __future__ import annotations

import re
from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.ec2.models import EC2Backend, ec2_backends
from moto.moto_api._internal import mock_random

from auditor.sandbox.extensions._common import SandboxError, backend_state, utcnow

URL_PATTERN = re.compile(r"https?://dlm\.(.+)\.amazonaws\.com")
_STATES = ("ENABLED", "DISABLED")


def policies_of(account_id: str, region: str) -> dict[str, dict[str, Any]]:
    backend: EC2Backend = ec2_backends[account_id][region]
    return backend_state(backend, "dlm_policies", dict)


class DlmResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="dlm")
        self.automated_parameter_parsing = True

    @property
    def policies(self) -> dict[str, dict[str, Any]]:
        return policies_of(self.current_account, self.region)

    def create_lifecycle_policy(self) -> ActionResult:
        params: dict[str, Any] = self.params
        state = params.get("State") or "ENABLED"
        if state not in _STATES:
            raise SandboxError("InvalidRequestException", f"Invalid State: {state}")
        if not params.get("ExecutionRoleArn"):
            raise SandboxError("InvalidRequestException", "ExecutionRoleArn is required")
        default = params.get("DefaultPolicy")
        details: dict[str, Any] = dict(params.get("PolicyDetails") or {})
        if default:
            if default not in ("VOLUME", "INSTANCE"):
                raise SandboxError("InvalidRequestException", f"Invalid DefaultPolicy: {default}")
            details = {
                "PolicyType": "EBS_SNAPSHOT_MANAGEMENT" if default == "VOLUME" else "IMAGE_MANAGEMENT",
                "PolicyLanguage": "SIMPLIFIED",
                "ResourceType": default,
                "CreateInterval": int(params.get("CreateInterval") or 1),
                "RetainInterval": int(params.get("RetainInterval") or 7),
                "CopyTags": bool(params.get("CopyTags", False)),
                "ExtendDeletion": bool(params.get("ExtendDeletion", False)),
            }
            if params.get("Exclusions"):
                details["Exclusions"] = params["Exclusions"]
        else:
            if not details.get("ResourceTypes") or not details.get("TargetTags"):
                raise SandboxError("InvalidRequestException", "ResourceTypes and TargetTags are required")
            details.setdefault("PolicyType", "EBS_SNAPSHOT_MANAGEMENT")
            details.setdefault("PolicyLanguage", "STANDARD")
        policy_id = "policy-" + "".join(mock_random.choice("0123456789abcdef") for _ in range(17))
        now = utcnow()
        self.policies[policy_id] = {
            "PolicyId": policy_id,
            "Description": params.get("Description") or "",
            "State": state,
            "StatusMessage": "ENABLED" if state == "ENABLED" else "DISABLED",
            "ExecutionRoleArn": params["ExecutionRoleArn"],
            "DateCreated": now,
            "DateModified": now,
            "PolicyDetails": details,
            "Tags": dict(params.get("Tags") or {}),
            "PolicyArn": f"arn:aws:dlm:{self.region}:{self.current_account}:policy/{policy_id}",
            "DefaultPolicy": bool(default),
        }
        return ActionResult({"PolicyId": policy_id})

    def get_lifecycle_policy(self) -> ActionResult:
        policy_id = str(self.params.get("PolicyId") or self.path.rstrip("/").rsplit("/", 1)[-1])
        policy = self.policies.get(policy_id)
        if policy is None:
            raise SandboxError("ResourceNotFoundException", f"Policy {policy_id} not found")
        return ActionResult({"Policy": policy})

    def get_lifecycle_policies(self) -> ActionResult:
        params: dict[str, Any] = self.params
        wanted_ids = params.get("PolicyIds")
        state = params.get("State")
        summaries = [
            {
                "PolicyId": p["PolicyId"],
                "Description": p["Description"],
                "State": p["State"],
                "Tags": p["Tags"],
                "PolicyType": p["PolicyDetails"]["PolicyType"],
                "DefaultPolicy": p["DefaultPolicy"],
            }
            for p in sorted(self.policies.values(), key=lambda p: p["DateCreated"])
            if (not wanted_ids or p["PolicyId"] in wanted_ids) and (state in (None, "", p["State"]))
        ]
        return ActionResult({"Policies": summaries})


def make_app() -> Any:
    """A Flask app for dlm built the way moto builds its own per-service apps."""
    from flask import Flask
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server.utilities import RegexConverter
    from moto.moto_server.werkzeug_app import HTTP_METHODS, BackendRequest
    from werkzeug.routing import Map

    app = Flask("moto-dlm")
    app.request_class = BackendRequest
    app.url_map = Map()
    app.url_map.converters["regex"] = RegexConverter
    app.add_url_rule(
        "/<path:route>",
        endpoint="dlm.dispatch",
        methods=HTTP_METHODS,
        view_func=convert_to_flask_response(DlmResponse.dispatch),
        strict_slashes=False,
    )
    return app


def install() -> None:
    """Route ``dlm`` requests: the dispatcher finds the backend by host pattern."""
    import moto.backend_index as backend_index

    if not any(name == "dlm" for name, _ in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append(("dlm", URL_PATTERN))


def register_app(dispatcher: Any) -> None:
    """Give a ``DomainDispatcherApplication`` its dlm app (moto cannot build one itself)."""
    dispatcher.app_instances["dlm"] = make_app()
