"""WSGI layer in front of moto: injected latency and the sandbox-only control endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class LatencyMiddleware:
    """Sleeps ``latency_ms`` before handing each request to the wrapped app (a slow network)."""

    def __init__(self, app: WsgiApp, latency_ms: float) -> None:
        self.app = app
        self.latency_s = max(0.0, latency_ms) / 1000.0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.latency_s and not str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
            time.sleep(self.latency_s)
        return self.app(environ, start_response)
