"""Fixtures shared by every test package.

``sandbox``: one sandbox endpoint for the whole session, in its own process (its state is not
shared with in-process sandboxes other packages start), holding the demo organization once
``seeded_org`` has been requested. Treat it as read-only: do not create an organization in it or
reset it; start your own with ``auditor.sandbox.start_sandbox(own_process=True)`` for that.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from auditor.sandbox import Sandbox, start_sandbox
from auditor.sandbox.seed import SeededOrg, seed_demo_org


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    with start_sandbox(own_process=True) as running:
        yield running


@pytest.fixture(scope="session")
def seeded_org(sandbox: Sandbox) -> SeededOrg:
    """The demo organization of ``auditor/sandbox/org.py``, seeded once in ``sandbox``."""
    return seed_demo_org(sandbox.endpoint_url)
