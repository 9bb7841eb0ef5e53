"""Routing for services moto lacks entirely (Storage Gateway, AWS Backup gateway, Systems Manager
for SAP): a Flask app per service, found by the host the dispatcher infers from the request's
signing name (``<service>.<region>.amazonaws.com``), as ``rbin.py`` does for Recycle Bin."""

from __future__ import annotations

import re
from typing import Any

from moto.core.responses import BaseResponse


def make_app(name: str, response: type[BaseResponse]) -> Any:
    """A Flask app dispatching every request to ``response`` (built as moto builds its own)."""
    from flask import Flask
    from moto.core.utils import convert_to_flask_response
    from moto.moto_server.utilities import RegexConverter
    from moto.moto_server.werkzeug_app import HTTP_METHODS, BackendRequest
    from werkzeug.routing import Map

    app = Flask(f"moto-{name}")
    app.request_class = BackendRequest
    app.url_map = Map()
    app.url_map.converters["regex"] = RegexConverter
    app.add_url_rule(
        "/<path:route>",
        endpoint=f"{name}.dispatch",
        methods=HTTP_METHODS,
        view_func=convert_to_flask_response(response.dispatch),
        strict_slashes=False,
    )
    app.add_url_rule(
        "/",
        endpoint=f"{name}.root",
        methods=HTTP_METHODS,
        view_func=convert_to_flask_response(response.dispatch),
        strict_slashes=False,
    )
    return app


def install_route(name: str) -> None:
    """Let the dispatcher find ``name``'s app by host (idempotent)."""
    import moto.backend_index as backend_index

    if not any(backend == name for backend, _ in backend_index.backend_url_patterns):
        pattern = re.compile(rf"https?://{re.escape(name)}\.(.+)\.amazonaws\.com")
        backend_index.backend_url_patterns.append((name, pattern))
