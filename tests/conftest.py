"""Fixtures shared by every test package.

``sandbox``: one sandbox endpoint for the whole session, in its own process (its state is not
shared with in-process sandboxes other packages start), holding the demo organization once
``seeded_org`` has been requested. Treat it as read-only: do not create an organization in it or
reset it; start your own with ``auditor.sandbox.start_sandbox(own_process=True)`` for that.

Under mutmut (``make mutation``), the tests of one mutant run cheapest module first (see
:func:`pytest_collection_modifyitems`).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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

KILLERS = "mutmut-killers.json"
"""In mutmut's ``mutants/`` folder: per mutated function, the tests that killed its latest mutants."""


def _mutated_function() -> str | None:
    """The function of the mutant under test (``auditor.x.x_f__mutmut_3`` -> ``auditor.x.x_f``), or
    None outside a mutant's run (a plain pytest run, mutmut's stats and clean runs)."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    return mutant.rsplit("__mutmut_", 1)[0] if "__mutmut_" in mutant else None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a mutant's run (mutmut sets ``MUTANT_UNDER_TEST`` to the mutant's name), order the tests
    to reach a killing test early: under ``-x`` a killed mutant stops at its first failing test.
    First the tests that killed earlier mutants of the same function (most mutants of a function
    die by the same test), then the test modules named after the mutated module
    (``auditor.rules.bkp_035_...`` -> ``test_bkp_035_*.py``), then the others cheapest first by
    mutmut's measured times, whole-evaluation modules last. Modules stay whole (their
    module-scoped fixtures are set up once); a mutant that survives runs the same tests either
    way. A plain pytest run is not reordered."""
    function = _mutated_function()
    if function is None:
        return
    root = Path(config.rootpath)
    durations: dict[str, float] = _read_json(root / "mutmut-stats.json").get("duration_by_test", {})
    killers: list[str] = _read_json(root / KILLERS).get(function, [])
    module = re.sub(r"\.x[_ǁ].*$", "", function).rsplit(".", 1)[-1].strip("_")
    short = "_".join(module.split("_")[:2]) if module.startswith("bkp_") else module
    by_module: dict[Path, list[pytest.Item]] = {}
    for item in items:
        by_module.setdefault(item.path, []).append(item)

    def rank(item: pytest.Item) -> int:
        return killers.index(item.nodeid) if item.nodeid in killers else len(killers)

    def cost(path: Path) -> tuple[int, bool, bool, float]:
        tests = by_module[path]
        took = sum(durations.get(i.nodeid, 0.0) for i in tests)
        named = short in path.stem
        return min(rank(i) for i in tests), not named, path.name in WHOLE_EVALUATION_MODULES, took

    items[:] = [i for path in sorted(by_module, key=cost) for i in sorted(by_module[path], key=rank)]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In a mutant's run, remember the test that killed it (see :func:`pytest_collection_modifyitems`)."""
    function = _mutated_function()
    if function is None or not report.failed:
        return
    remember_killer(Path(KILLERS), function, report.nodeid)  # mutmut runs the tests in mutants/


def remember_killer(path: Path, function: str, nodeid: str) -> None:
    """Put ``nodeid`` first among ``function``'s killers in ``path`` (at most three kept).
    mutmut's children run side by side: the read and the write hold an exclusive lock, so that no
    child reads a half-written file or writes back a copy that lacks another child's killer."""
    with path.with_name(path.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        known = _read_json(path)
        known[function] = [nodeid, *(t for t in known.get(function, []) if t != nodeid)][:3]
        path.write_text(json.dumps(known), encoding="utf-8")
