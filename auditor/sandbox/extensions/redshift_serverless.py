"""Amazon Redshift Serverless (``redshift-serverless``), a service moto 5.2 lacks entirely:
CreateNamespace, GetNamespace, DeleteNamespace, ListNamespaces (``maxResults`` / ``nextToken``
pages), TagResource and ListTagsForResource, answered in botocore's shapes (JSON protocol, target
prefix ``RedshiftServerless``; endpoint ``redshift-serverless.<region>.amazonaws.com``). Namespaces
live on moto's Redshift backend of the account and region, so ``/moto-api/reset`` clears them."""

from __future__ import annotations

import re
from typing import Any

from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.moto_api._internal import mock_random
from moto.redshift.models import RedshiftBackend, redshift_backends

from auditor.sandbox.extensions._common import SandboxError, backend_state, paginate, utcnow

URL_PATTERN = re.compile(r"https?://redshift-serverless\.(.+)\.amazonaws\.com")
_NAME = re.compile(r"^[a-z0-9-]{3,64}$")


def namespaces_of(account_id: str, region: str) -> dict[str, dict[str, Any]]:
    """Namespace name -> namespace (with ``_tags``) of one account and region."""
    backend: RedshiftBackend = redshift_backends[account_id][region]
    return backend_state(backend, "serverless_namespaces", dict)


def _public(namespace: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in namespace.items() if not k.startswith("_")}


class RedshiftServerlessResponse(BaseResponse):
    def __init__(self) -> None:
        super().__init__(service_name="redshift-serverless")
        self.automated_parameter_parsing = True

    @property
    def namespaces(self) -> dict[str, dict[str, Any]]:
        return namespaces_of(self.current_account, self.region)

    def _named(self) -> dict[str, Any]:
        name = str(self.params.get("namespaceName") or "")
        found = self.namespaces.get(name)
        if found is None:
            raise SandboxError("ResourceNotFoundException", f"namespace {name} not found")
        return found

    def create_namespace(self) -> ActionResult:
        params: dict[str, Any] = self.params
        name = str(params.get("namespaceName") or "")
        if not _NAME.match(name):
            raise SandboxError("ValidationException", f"Invalid namespaceName: {name}")
        if name in self.namespaces:
            raise SandboxError("ConflictException", f"Namespace {name} already exists")
        namespace_id = str(mock_random.uuid4())  # seeded: the demo's ids repeat run to run
        namespace: dict[str, Any] = {
            "namespaceArn": (
                f"arn:aws:redshift-serverless:{self.region}:{self.current_account}:namespace/{namespace_id}"
            ),
            "namespaceId": namespace_id,
            "namespaceName": name,
            "adminUsername": params.get("adminUsername") or "admin",
            "dbName": params.get("dbName") or "dev",
            "iamRoles": list(params.get("iamRoles") or []),
            "logExports": list(params.get("logExports") or []),
            "status": "AVAILABLE",
            "creationDate": utcnow(),
            "_tags": [{"key": t["key"], "value": t["value"]} for t in params.get("tags") or []],
        }
        self.namespaces[name] = namespace
        return ActionResult({"namespace": _public(namespace)})

    def get_namespace(self) -> ActionResult:
        return ActionResult({"namespace": _public(self._named())})

    def delete_namespace(self) -> ActionResult:
        namespace = self._named()
        del self.namespaces[namespace["namespaceName"]]
        return ActionResult({"namespace": {**_public(namespace), "status": "DELETING"}})

    def list_namespaces(self) -> ActionResult:
        params: dict[str, Any] = self.params
        ordered = sorted(self.namespaces.values(), key=lambda n: (n["creationDate"], n["namespaceName"]))
        max_results = params.get("maxResults")
        page, token = paginate(
            ordered,
            int(max_results) if max_results else None,
            params.get("nextToken"),
            default_page=100,
            error_code="ValidationException",
        )
        result: dict[str, Any] = {"namespaces": [_public(n) for n in page]}
        if token:
            result["nextToken"] = token
        return ActionResult(result)

    def _by_arn(self) -> dict[str, Any]:
        arn = str(self.params.get("resourceArn") or "")
        for namespace in self.namespaces.values():
            if namespace["namespaceArn"] == arn:
                return namespace
        raise SandboxError("ResourceNotFoundException", f"resource {arn} not found")

    def list_tags_for_resource(self) -> ActionResult:
        return ActionResult({"tags": list(self._by_arn()["_tags"])})

    def tag_resource(self) -> EmptyResult:
        namespace = self._by_arn()
        tags = {t["key"]: t["value"] for t in namespace["_tags"]}
        tags.update({t["key"]: t["value"] for t in self.params.get("tags") or []})
        namespace["_tags"] = [{"key": k, "value": v} for k, v in tags.items()]
        return EmptyResult()


def make_app() -> Any:
    """A Flask app for redshift-serverless built the way moto builds its own per-service apps."""
    from flask import Flask
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server.utilities import RegexConverter
    from moto.moto_server.werkzeug_app import HTTP_METHODS, BackendRequest
    from werkzeug.routing import Map

    app = Flask("moto-redshift-serverless")
    app.request_class = BackendRequest
    app.url_map = Map()
    app.url_map.converters["regex"] = RegexConverter
    app.add_url_rule(
        "/<path:route>",
        endpoint="redshift-serverless.dispatch",
        methods=HTTP_METHODS,
        view_func=convert_to_flask_response(RedshiftServerlessResponse.dispatch),
        strict_slashes=False,
    )
    app.add_url_rule(
        "/",
        endpoint="redshift-serverless.root",
        methods=HTTP_METHODS,
        view_func=convert_to_flask_response(RedshiftServerlessResponse.dispatch),
        strict_slashes=False,
    )
    return app


def install() -> None:
    """Route ``redshift-serverless`` requests: the dispatcher finds the backend by host pattern."""
    import moto.backend_index as backend_index

    if not any(name == "redshift-serverless" for name, _ in backend_index.backend_url_patterns):
        backend_index.backend_url_patterns.append(("redshift-serverless", URL_PATTERN))


def register_app(dispatcher: Any) -> None:
    """Give a ``DomainDispatcherApplication`` its redshift-serverless app (moto cannot build one)."""
    dispatcher.app_instances["redshift-serverless"] = make_app()
