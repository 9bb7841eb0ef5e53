"""``Via`` owns every wording of a route, and the always-opt-in set has one definition."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import auditor
from auditor.protection import patterns, via
from auditor.protection.via import ALWAYS_NEED_OPT_IN, FINDING_TEXT, Via

PACKAGE = Path(auditor.__file__).parent
WORDINGS = ("short", "describe", "finding", "trail")


def _string_constants(path: Path) -> set[str]:
    return {
        n.value
        for n in ast.walk(ast.parse(path.read_text()))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


@pytest.mark.parametrize("wording", WORDINGS)
def test_each_route_has_its_own_words(wording: str) -> None:
    words = [getattr(v, wording) for v in Via]
    assert all(w.strip() for w in words)
    assert len(set(words)) == len(words), f"two routes share a {wording} wording: {words}"


def test_finding_text_maps_every_via_column_value() -> None:
    assert {v.value: v.finding for v in Via} == FINDING_TEXT
    assert FINDING_TEXT["instance"] == "through the EC2 instance it is attached to"
    assert FINDING_TEXT["type"] == "by a resource-type ARN pattern"


def test_only_exact_arn_and_resource_type_work_without_the_opt_in() -> None:
    assert {v for v in Via if not v.needs_opt_in} == {Via.ARN, Via.TYPE}


def test_no_other_module_keeps_a_copy_of_a_route_wording() -> None:
    words = {getattr(v, w) for v in Via for w in WORDINGS} - {v.value for v in Via}  # "tags" is also a column
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "via.py" and path.parent.name == "protection":
            continue
        copies = words & _string_constants(path)
        assert not copies, f"{path.relative_to(PACKAGE.parent)} keeps its own copy of {sorted(copies)}"


def test_always_need_opt_in_is_defined_once_and_shared() -> None:
    assert frozenset({"Aurora", "Neptune", "DocumentDB"}) == ALWAYS_NEED_OPT_IN
    assert patterns.ALWAYS_NEED_OPT_IN is via.ALWAYS_NEED_OPT_IN
    common = (PACKAGE / "rules" / "_common.py").read_text()
    assert "ALWAYS_OPT_IN" not in common and "VIA_TEXT" not in common
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "via.py" and path.parent.name == "protection":
            continue
        tree = ast.parse(path.read_text())
        sets = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Set)
            and {e.value for e in n.elts if isinstance(e, ast.Constant)}
            == {"Aurora", "Neptune", "DocumentDB"}
        ]
        assert not sets, f"{path.relative_to(PACKAGE.parent)} defines the always-opt-in set again"
