"""Sandbox-only control endpoint (``/_sandbox/...``): things no AWS API does, used by the seed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from auditor.sandbox.wsgi import WsgiApp


class ControlMiddleware:
    PREFIX = "/_sandbox/"

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        return self.app(environ, start_response)
