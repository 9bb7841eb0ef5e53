"""Helpers shared by the extensions: state kept on moto's backend objects, pagination, timestamps."""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from moto.core.exceptions import ServiceException

T = TypeVar("T")


class SandboxError(ServiceException):
    """An AWS error response (code, message) raised by an extension; serialised through the service
    model of the request (a subclass defined outside ``moto.*`` so moto does not guess the service
    from the module name)."""


_state_lock = threading.Lock()


def backend_state(backend: Any, key: str, factory: Callable[[], T]) -> T:
    """State the sandbox adds to a moto backend object. It lives in the backend's ``__dict__``, which
    moto's reset replaces, so ``/moto-api/reset`` clears it together with moto's own state."""
    with _state_lock:
        state: T = backend.__dict__.setdefault(f"_sandbox_{key}", factory())
        return state


def paginate(
    items: Sequence[T],
    max_results: int | None,
    next_token: str | None,
    *,
    default_page: int = 1000,
    error_code: str = "InvalidParameterValueException",
) -> tuple[list[T], str | None]:
    """One page of ``items`` and the token of the next page (``None`` on the last one)."""
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode().removeprefix("offset:"))
        except (ValueError, binascii.Error, UnicodeDecodeError) as error:
            raise SandboxError(error_code, f"Invalid NextToken: {next_token}") from error
        if start < 0 or start > len(items):
            raise SandboxError(error_code, f"Invalid NextToken: {next_token}")
    size = default_page if not max_results or max_results <= 0 else int(max_results)
    page = list(items[start : start + size])
    end = start + len(page)
    token = base64.urlsafe_b64encode(f"offset:{end}".encode()).decode() if end < len(items) else None
    return page, token


def parse_timestamp(value: Any) -> datetime:
    """A timestamp as the SDK sends it (ISO 8601 in query strings, epoch seconds in JSON bodies)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(float(value), tz=UTC)
    text = str(value).strip()
    try:
        return datetime.fromtimestamp(float(text), tz=UTC)
    except ValueError:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(tz=UTC)
