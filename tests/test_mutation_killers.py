"""The record of killing tests that orders a mutant's tests under mutmut (``tests/conftest.py``)."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from tests.conftest import remember_killer


def _remember_many(path: str, child: int, count: int) -> None:
    for n in range(count):
        remember_killer(Path(path), f"auditor.rules.m{child}.x_f{n}", f"tests/t.py::test_{n}")


def test_children_side_by_side_keep_every_killer(tmp_path: Path) -> None:
    """mutmut runs mutants in parallel children that all record into one file: none may lose
    another's record (a half-written file read as empty used to drop all of them)."""
    path = tmp_path / "mutmut-killers.json"
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_remember_many, args=(str(path), c, 150)) for c in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    assert [c.exitcode for c in children] == [0, 0, 0]
    known = json.loads(path.read_text(encoding="utf-8"))
    assert len(known) == 450
    assert known["auditor.rules.m2.x_f149"] == ["tests/t.py::test_149"]


def test_latest_killer_comes_first_and_three_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "mutmut-killers.json"
    for test in ("a", "b", "c", "a", "d"):
        remember_killer(path, "auditor.rules.m.x_f", f"tests/t.py::{test}")
    known = json.loads(path.read_text(encoding="utf-8"))
    assert known == {"auditor.rules.m.x_f": ["tests/t.py::d", "tests/t.py::a", "tests/t.py::c"]}
