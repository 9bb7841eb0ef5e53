"""What moto 5.2.5 lacks, added in-process without forking it. ``install()`` is idempotent and must
run before the server handles its first request (some routes are read once)."""

from __future__ import annotations

import threading

_lock = threading.Lock()
_installed = False


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
