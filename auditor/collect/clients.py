"""Generated client classes built once per session and service, not once per client.

botocore builds a new Python class for every client it creates: one method object and one
operation model per API operation (EC2 has ~750), then ``type(...)``. The class depends only on
the service model and the session's ``creating-client-class`` handlers, both fixed for a session,
yet with one client per (account, region, service) it is rebuilt ~120,000 times at organization
scale and was half the collector's CPU in ``benchmarks/collect.py``.

:func:`share_client_classes` opts one session in: its clients then reuse the class built for the
first client of the same service and API version. Sessions that did not opt in are untouched.
This wraps ``AioClientCreator._create_client_class`` (aiobotocore, pinned through aioboto3); if
that method is ever missing, sharing is simply off and clients are built the ordinary way.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import aioboto3
from aiobotocore.client import AioClientCreator

_lock = threading.Lock()
_shared: weakref.WeakKeyDictionary[Any, dict[tuple[str, str | None], type]] = weakref.WeakKeyDictionary()
_original: Any = None


async def _create_client_class(self: Any, service_name: str, service_model: Any) -> type:
    classes = _shared.get(self._event_emitter)
    if classes is None:
        built: type = await _original(self, service_name, service_model)
        return built
    key = (service_name, service_model.api_version)
    found = classes.get(key)
    if found is None:
        found = await _original(self, service_name, service_model)
        classes[key] = found
    return found


def _install() -> bool:
    global _original
    with _lock:
        if _original is None:
            current = getattr(AioClientCreator, "_create_client_class", None)
            if current is None:
                return False
            _original = current
            setattr(AioClientCreator, "_create_client_class", _create_client_class)  # noqa: B010 - see module docstring
        return True


def share_client_classes(session: aioboto3.Session) -> bool:
    """Make ``session``'s clients share generated classes; ``False`` if this aiobotocore cannot."""
    if not _install():
        return False
    with _lock:
        _shared.setdefault(session.events, {})
    return True
