"""Fixtures shared by every test package.

``sandbox``: one sandbox endpoint for the whole session, in its own process (its state is not
shared with in-process sandboxes other packages start), holding the demo organization once
``seeded_org`` has been requested. Treat it as read-only: do not create an organization in it or
reset it; start your own with ``auditor.sandbox.start_sandbox(own_process=True)`` for that.

Under mutmut (``make mutation``), the tests of one mutant run cheapest module first (see
:func:`pytest_collection_modifyitems`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

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


WHOLE_EVALUATION_MODULES = frozenset({"test_fixtures.py", "test_one_rule.py", "test_evaluate.py"})
"""Test modules that evaluate whole bundles with every rule: they reach every rule, so mutmut runs
them for every rule's mutants, and they are the slowest (each scenario bundle is built and
evaluated, in fixture set-up that mutmut's timings do not count)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a mutant's run (mutmut sets ``MUTANT_UNDER_TEST`` to the mutant's name), run the test
    modules cheapest first: whole-evaluation modules last, the others by the time their tests took
    in mutmut's stats run. Under ``-x`` a killed mutant stops at its first failing test, so a
    specific test that kills it is reached before the slow ones. Modules stay whole (their
    module-scoped fixtures are set up once) and keep their own order; a mutant that survives runs
    the same tests either way. A plain pytest run is not reordered."""
    if "__mutmut_" not in os.environ.get("MUTANT_UNDER_TEST", ""):
        return
    stats = Path(config.rootpath) / "mutmut-stats.json"
    durations: dict[str, float] = (
        json.loads(stats.read_text(encoding="utf-8")).get("duration_by_test", {}) if stats.is_file() else {}
    )
    by_module: dict[Path, list[pytest.Item]] = {}
    for item in items:
        by_module.setdefault(item.path, []).append(item)

    def cost(path: Path) -> tuple[bool, float]:
        took = sum(durations.get(i.nodeid, 0.0) for i in by_module[path])
        return path.name in WHOLE_EVALUATION_MODULES, took

    items[:] = [i for path in sorted(by_module, key=cost) for i in by_module[path]]
