"""How the rules read frame cells (``auditor.rules._common``): missing values in masks, numbers and
three-valued flags, rows as dicts of the columns asked for (mutation-run survivors, found by running
the module's mutants ahead of the mutmut run)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from auditor.rules._common import flag, records, to_float, tri


def test_flag_counts_missing_values_as_not_equal() -> None:
    cells = pd.Series([True, None, False, pd.NA, np.True_], dtype=object)
    assert flag(cells).tolist() == [True, False, False, False, True]
    assert flag(pd.Series(["ENABLED", None], dtype=object), "ENABLED").tolist() == [True, False]
    # a nullable boolean column compares NA as NA: still not equal
    assert flag(pd.Series([True, pd.NA, False], dtype="boolean")).tolist() == [True, False, False]


def test_to_float_of_missing_and_unreadable_cells_is_nan() -> None:
    assert math.isnan(to_float(None))
    assert math.isnan(to_float("not a number"))
    assert math.isnan(to_float([1]))
    assert to_float("2.5") == 2.5 and to_float(np.int64(3)) == 3.0


def test_tri_reads_true_false_and_missing() -> None:
    assert [tri(v) for v in (None, pd.NA, float("nan"), np.float64("nan"))] == [None] * 4
    assert [tri(v) for v in (True, np.False_, np.True_, False)] == [True, False, True, False]


def test_records_hold_the_columns_asked_for() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": ["x", "y"], "c": [None, 3.5]})
    assert records(frame, ["b", "a"]) == [{"b": "x", "a": 1}, {"b": "y", "a": 2}]
    assert records(frame)[1] == {"a": 2, "b": "y", "c": 3.5}
