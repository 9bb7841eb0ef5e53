"""Fixtures shared by every test package: one sandbox endpoint per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auditor.sandbox import Sandbox, start_sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """moto + sandbox extensions on 127.0.0.1, free port, in this process. Shared: do not reset it
    from a test that others depend on; start your own with ``start_sandbox()`` if you must."""
    with start_sandbox() as running:
        yield running
