"""Recycle Bin (``rbin``), a service moto lacks entirely: CreateRule, GetRule, ListRules,
DeleteRule, with its own endpoint routing (``rbin.<region>.amazonaws.com`` / signing name ``rbin``).
Rules live on moto's EC2 backend of the account and region, so ``/moto-api/reset`` clears them."""

from __future__ import annotations

import re
import string
from typing import Any

from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.ec2.models import EC2Backend, ec2_backends
from moto.moto_api._internal import mock_random

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate, utcnow

URL_PATTERN = re.compile(r"https?://rbin\.(.+)\.amazonaws\.com")
_ALPHABET = string.ascii_letters + string.digits


def rules_of(account_id: str, region: str) -> dict[str, dict[str, Any]]:
    backend: EC2Backend = ec2_backends[account_id][region]
    return backend_state(backend, "rbin_rules", dict)


class RbinResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="rbin")
        self.automated_parameter_parsing = True

    @property
    def rules(self) -> dict[str, dict[str, Any]]:
        return rules_of(self.current_account, self.region)

    def create_rule(self) -> ActionResult:
        params: dict[str, Any] = self.params
        resource_type = params.get("ResourceType")
        if resource_type not in ("EBS_SNAPSHOT", "EC2_IMAGE"):
            raise SandboxError("ValidationException", f"Invalid ResourceType: {resource_type}")
        retention = params.get("RetentionPeriod") or {}
        if int(retention.get("RetentionPeriodValue") or 0) < 1:
            raise SandboxError("ValidationException", "RetentionPeriodValue must be at least 1")
        identifier = "".join(mock_random.choice(_ALPHABET) for _ in range(11))
        rule: dict[str, Any] = {
            "Identifier": identifier,
            "RetentionPeriod": {
                "RetentionPeriodValue": int(retention["RetentionPeriodValue"]),
                "RetentionPeriodUnit": retention.get("RetentionPeriodUnit") or "DAYS",
            },
            "Description": params.get("Description") or "",
            "Tags": params.get("Tags") or [],
            "ResourceType": resource_type,
            "ResourceTags": params.get("ResourceTags") or [],
            "ExcludeResourceTags": params.get("ExcludeResourceTags") or [],
            "Status": "available",
            "LockState": "locked" if params.get("LockConfiguration") else "unlocked",
            "RuleArn": f"arn:aws:rbin:{self.region}:{self.current_account}:rule/{identifier}",
            "_created": utcnow(),
        }
        if params.get("LockConfiguration"):
            rule["LockConfiguration"] = params["LockConfiguration"]
        self.rules[identifier] = rule
        return ActionResult(self._public(rule))

    @staticmethod
    def _public(rule: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in rule.items() if not k.startswith("_")}

    def _rule(self) -> dict[str, Any]:
        identifier = str(self.params.get("Identifier") or self.path.rstrip("/").rsplit("/", 1)[-1])
        rule = self.rules.get(identifier)
        if rule is None:
            raise SandboxError("ResourceNotFoundException", f"Rule {identifier} not found")
        return rule

    def get_rule(self) -> ActionResult:
        rule = self._public(self._rule())
        rule.pop("Tags", None)
        return ActionResult(rule)

    def delete_rule(self) -> EmptyResult:
        rule = self._rule()
        if rule["LockState"] != "unlocked":
            raise SandboxError("ConflictException", f"Rule {rule['Identifier']} is locked")
        del self.rules[rule["Identifier"]]
        return EmptyResult()

    def list_rules(self) -> ActionResult:
        params: dict[str, Any] = self.params
        resource_type = params.get("ResourceType")
        if resource_type not in ("EBS_SNAPSHOT", "EC2_IMAGE"):
            raise SandboxError("ValidationException", f"Invalid ResourceType: {resource_type}")
        lock_state = params.get("LockState")
        wanted_tags = params.get("ResourceTags")
        rules = [
            r
            for r in self.rules.values()
            if r["ResourceType"] == resource_type
            and (lock_state is None or r["LockState"] == lock_state)
            and (wanted_tags is None or r["ResourceTags"] == wanted_tags)
        ]
        rules.sort(key=lambda r: r["_created"])
        max_results = params.get("MaxResults")
        page, token = paginate(
            rules,
            int(max_results) if max_results else None,
            params.get("NextToken"),
            error_code="ValidationException",
        )
        result: dict[str, Any] = {
            "Rules": [
                {
                    "Identifier": r["Identifier"],
                    "Description": r["Description"],
                    "RetentionPeriod": r["RetentionPeriod"],
                    "LockState": r["LockState"],
                    "RuleArn": r["RuleArn"],
                }
                for r in page
            ]
        }
        if token:
            result["NextToken"] = token
        return ActionResult(result)


def make_app() -> Any:
    """A Flask app for rbin built the way moto builds its own per-service apps."""
    from flask import Flask
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server.utilities import RegexConverter
    from moto.moto_server.werkzeug_app import HTTP_METHODS, BackendRequest
    from werkzeug.routing import Map

    app = Flask("moto-rbin")
    app.request_class = BackendRequest
    app.url_map = Map()
    app.url_map.converters["regex"] = RegexConverter
    app.add_url_rule(
        "/<path:route>",
        endpoint="rbin.dispatch",
        methods=HTTP_METHODS,
        view_func=convert_to_flask_response(RbinResponse.dispatch),
        strict_slashes=False,
    )
    return app


def install() -> None:
    """Route ``rbin`` requests: the dispatcher finds the backend by host pattern."""
    import moto.backend_index as backend_index

    if not any(name == "rbin" for name, _ in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append(("rbin", URL_PATTERN))


def register_app(dispatcher: Any) -> None:
    """Give a ``DomainDispatcherApplication`` its rbin app (moto cannot build one itself)."""
    dispatcher.app_instances["rbin"] = make_app()
