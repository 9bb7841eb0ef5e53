"""The controls' resource ids (auditor.rules._controls.KeyLookup): equal ids exactly for equal
(account, Region, name) keys, whether the names alone are unique or not."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from auditor.rules._controls import KeyLookup

ACCOUNTS = ["111111111111", "222222222222"]
REGIONS = ["us-east-1", "eu-west-1"]
NAMES = ["arn:aws:s3:::bucket", "arn:aws:ec2:us-east-1:111111111111:volume/vol-1", "x|y"]


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["account_id", "region", "arn"])


def _expected(table: list[tuple[str, str, str]], asked: list[tuple[str, str, str]]) -> list[int]:
    first: dict[tuple[str, str, str], int] = {}
    for i, key in enumerate(table):
        first.setdefault(key, i)
    return [first.get(key, -1) for key in asked]


EVERY_KEY = list(itertools.product(ACCOUNTS, REGIONS, NAMES))


@pytest.mark.parametrize(
    "table",
    [
        # names unique: looked up by name, the account and Region checked per row
        [("111111111111", "us-east-1", NAMES[0]), ("222222222222", "eu-west-1", NAMES[1])],
        # one name in two account-Regions: looked up by the whole key
        [("111111111111", "us-east-1", NAMES[0]), ("222222222222", "us-east-1", NAMES[0])],
        # one key twice: the first row's position
        [
            ("111111111111", "us-east-1", NAMES[2]),
            ("111111111111", "eu-west-1", NAMES[1]),
            ("111111111111", "us-east-1", NAMES[2]),
        ],
    ],
)
def test_ids_are_first_positions_of_equal_keys(table: list[tuple[str, str, str]]) -> None:
    lookup = KeyLookup.of(_frame(table), "arn")
    ids = lookup.ids(_frame(EVERY_KEY), "arn")
    assert ids.tolist() == _expected(table, EVERY_KEY)
    assert lookup.unique == (len(set(table)) == len(table))


def test_other_columns_and_empty_frames() -> None:
    plans = pd.DataFrame(
        {"account_id": ["1", "1", "2"], "region": ["r", "s", "r"], "plan_id": ["p", "p", "q"]}
    )
    lookup = KeyLookup.of(plans, "plan_id")
    asked = pd.DataFrame(
        {"account_id": ["1", "2", "2"], "region": ["s", "r", "s"], "plan_id": ["p", "q", "q"]}
    )
    assert lookup.ids(asked, "plan_id").tolist() == [1, 2, -1]
    assert lookup.ids(asked.iloc[:0], "plan_id").tolist() == []
    assert KeyLookup.of(plans.iloc[:0], "plan_id").ids(asked, "plan_id").tolist() == [-1, -1, -1]


def test_random_keys_match_the_joined_key_semantics() -> None:
    rng = np.random.default_rng(7)
    for _ in range(20):
        table = [EVERY_KEY[i] for i in rng.integers(0, len(EVERY_KEY), size=int(rng.integers(1, 10)))]
        asked = [EVERY_KEY[i] for i in rng.integers(0, len(EVERY_KEY), size=15)]
        assert KeyLookup.of(_frame(table), "arn").ids(_frame(asked), "arn").tolist() == _expected(
            table, asked
        )


@pytest.mark.parametrize(
    "table",
    [
        [("1", "r", "a"), ("2", "r", "b")],  # names unique: looked up by name
        [("1", "r", "a"), ("2", "r", "a"), ("1", "r", "a")],  # a name twice: by the joined key
    ],
)
def test_ids_index_arrays_even_when_nothing_is_asked(table: list[tuple[str, str, str]]) -> None:
    """Callers index arrays and take from columns with the ids: they are integers (numpy refuses a
    float index, an empty one included)."""
    frame = _frame(table)
    lookup = KeyLookup.of(frame, "arn")
    names = frame["arn"].to_numpy(dtype=object)
    for asked in (frame, frame.iloc[:0]):
        ids = lookup.ids(asked, "arn")
        assert ids.dtype == np.int64
        assert names[ids].tolist() == asked["arn"].tolist()
