"""Counts in the one-line reasons: a resource protected by several selections names the first and
counts the others ("(and N more)"), one protected by one selection names it alone; a verdict left
undecided by several missing operations names the first and counts the rest ("(+N more)")
(survivors of reasons mutants run ahead of the mutmut run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection.resolver import resolve
from tests.builders import BundleBuilder


def _reasons(b: BundleBuilder, tmp_path: Path) -> dict[str, str]:
    v = resolve(load_inventory(read_bundle(b.build(tmp_path / "bundle")))).verdicts
    return {str(a): str(r) for a, r in zip(v["arn"], v["reason"], strict=True)}


@pytest.mark.parametrize(("n", "tail"), [(1, ""), (2, " (and 1 more)"), (3, " (and 2 more)")])
def test_protected_by_n_selections(tmp_path: Path, n: int, tail: str) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    plan = b.plan("p")
    for i in range(n):
        b.selection(plan, f"s{i}", resources=[t])
    reason = _reasons(b, tmp_path)[t]
    assert reason == f"protected by plan `p` / selection `s0` (exact ARN){tail}"


def test_not_audited_names_the_first_missing_operation_and_counts_the_rest(tmp_path: Path) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.omit("backup", "DescribeRegionSettings")
    b.omit("backup", "ListBackupPlans")
    reason = _reasons(b, tmp_path)[t]
    assert reason.startswith("not audited: ")
    assert "(+1 more)" in reason


def test_not_audited_by_one_missing_operation_counts_none(tmp_path: Path) -> None:
    b = BundleBuilder()
    t = b.dynamodb_table("t")
    b.omit("backup", "DescribeRegionSettings")
    reason = _reasons(b, tmp_path)[t]
    assert reason.startswith("not audited: ")
    assert "more)" not in reason
