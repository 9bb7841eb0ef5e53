"""The sorted key sets of BKP-091's comparison (``auditor.protection.evidence._sorted_unique``):
the same array as ``np.unique``, found by sorting rather than numpy 2's hashing (many times
slower, and superlinear, on the millions of keys of a large organization)."""

from __future__ import annotations

import numpy as np
import pytest

from auditor.protection.evidence import _member, _sorted_unique


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sorted_unique_is_np_unique(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = 10_000
    keys = rng.integers(0, 50, 30_000, dtype=np.int64) * size + rng.integers(0, size, 30_000, dtype=np.int64)
    got = _sorted_unique(keys)
    want = np.unique(keys)
    assert got.dtype == want.dtype
    assert np.array_equal(got, want)
    assert len(got) < len(keys)  # there were duplicates to drop


@pytest.mark.parametrize(
    "keys",
    [[], [7], [7, 7], [3, 1], [1, 1, 1, 2, 2, 0], [-5, 4_000_000_000_000, -5, 0]],
)
def test_sorted_unique_small_arrays(keys: list[int]) -> None:
    arr = np.asarray(keys, dtype=np.int64)
    got = _sorted_unique(arr)
    assert got.dtype == np.int64
    assert got.tolist() == sorted(set(keys))
    assert arr.tolist() == keys  # the caller's array is not sorted in place


def test_sorted_unique_feeds_member() -> None:
    keys = _sorted_unique(np.asarray([9, 3, 9, 5, 3], dtype=np.int64))
    found = _member(keys, np.asarray([3, 4, 5, 9, 10, 0], dtype=np.int64))
    assert found.tolist() == [True, False, True, True, False, False]
