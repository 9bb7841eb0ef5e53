"""The comparison's readers of the inventory hold to their contracts on any frame, not only the
loader's: which operations of an account-Region count as read (coverage cells that are numpy
booleans or missing, an operation listed twice or not at all), and the last row of each ARN
(mutation-run survivors of ``_unread`` and ``_last_of_each``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from auditor.evidence import read_bundle
from auditor.model.frames import load_inventory
from auditor.protection import evidence as ev
from auditor.protection.evidence import COMPARED_OPERATIONS, JOBS_OPERATION
from tests.builders import BundleBuilder

FIRST = COMPARED_OPERATIONS[0]


def _rows(region: str, cells: dict[str, list[Any]]) -> list[tuple[str, str, str, Any]]:
    """Coverage rows of account ``1``, ``region``: every compared operation read (``np.True_``)
    unless ``cells`` gives its cells (one row each; none: no row)."""
    out = []
    for op in COMPARED_OPERATIONS:
        for cell in cells.get(op, [np.True_]):
            out.append(("1", region, op, cell))
    return out


def test_coverage_cells_and_rows_decide_which_compared_operations_were_read(tmp_path: Path) -> None:
    b = BundleBuilder()
    b.ebs_volume("vol-0a")
    inv = load_inventory(read_bundle(b.build(tmp_path / "bundle")))
    rows = [
        *_rows("numpy-true", {}),
        *_rows("numpy-false", {FIRST: [np.False_]}),
        *_rows("nan", {JOBS_OPERATION: [np.nan]}),
        *_rows("none", {JOBS_OPERATION: [None]}),
        *_rows("failed-then-read", {JOBS_OPERATION: [False, True]}),
        *_rows("no-row", {JOBS_OPERATION: []}),
    ]
    cov = pd.DataFrame(
        {
            "account_id": [r[0] for r in rows],
            "region": [r[1] for r in rows],
            "operation": [r[2] for r in rows],
            "collected": pd.Series([r[3] for r in rows], dtype=object),
            "error_code": None,
            "error_message": None,
        }
    )
    assert ev._unread(replace(inv, coverage=cov)) == {
        ("1", "failed-then-read"): (JOBS_OPERATION,),
        ("1", "nan"): (JOBS_OPERATION,),
        ("1", "no-row"): (JOBS_OPERATION,),
        ("1", "none"): (JOBS_OPERATION,),
        ("1", "numpy-false"): (FIRST,),
        ("1", "numpy-true"): (),
    }


def test_last_of_each_gives_the_distinct_values_at_their_last_rows() -> None:
    values = np.array(["a", "b", "a", "c", "b"], dtype=object)
    index, last = ev._last_of_each(values)
    assert index.tolist() == ["a", "c", "b"] and last.tolist() == [2, 3, 4]
    unique, every = ev._last_of_each(np.array(["x", "y"], dtype=object))
    assert unique.tolist() == ["x", "y"] and every.tolist() == [0, 1]
