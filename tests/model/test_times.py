"""The vectorised timestamp reading gives pandas' values wherever it reads a chunk, and leaves
every other chunk (another form, an invalid date, a value pandas refuses) to pandas."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.model.loading import _parse_iso
from auditor.model.times import BLOCK, NAT, utc_nanoseconds

FRACTIONS = ("", ".000", ".123", ".000000", ".123456", ".999999", ".5", ".1234567")
SUFFIXES = ("+00:00", "Z", "", "+01:00", "-00:00", "+0000")


def _pandas(values: tuple[str | None, ...]) -> np.ndarray | None:
    """pandas' reading (the loader's fallback), ``None`` where it finds a bad value or fails."""
    try:
        parsed, bad = _parse_iso(values)
    except (ValueError, OverflowError):  # out of the nanosecond range: pandas raises
        return None
    return None if bad.any() else parsed


stamp = st.builds(
    lambda y, mo, d, h, mi, s, frac, suffix, sep: (
        f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{frac}{suffix}"
    ),
    st.sampled_from([1, 1677, 1678, 1900, 1970, 2000, 2024, 2026, 2100, 2261, 2262, 9999]),
    st.integers(0, 13),
    st.integers(0, 32),
    st.sampled_from([0, 9, 23, 24]),
    st.sampled_from([0, 30, 59, 60]),
    st.sampled_from([0, 30, 59, 60]),
    st.sampled_from(FRACTIONS),
    st.sampled_from(SUFFIXES),
    st.sampled_from(["T", "T", " ", "t"]),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.none() | stamp, min_size=1, max_size=6))
def test_a_chunk_read_fast_has_pandas_values(values: list[str | None]) -> None:
    chunk = tuple(values)
    fast = utc_nanoseconds(chunk)
    if fast is not None:
        expected = _pandas(chunk)
        assert expected is not None, chunk
        assert fast.tolist() == expected.tolist(), chunk


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.none() | st.datetimes(min_value=datetime(1678, 1, 1), max_value=datetime(2261, 12, 31)),
        min_size=1,
        max_size=40,
    ),
    st.booleans(),
)
def test_isoformat_timestamps_are_read_fast(moments: list[datetime | None], whole_seconds: bool) -> None:
    """What the collector writes (``isoformat`` of UTC datetimes, one form per chunk) is read fast."""
    if whole_seconds:
        moments = [None if m is None else m.replace(microsecond=0) for m in moments]
    else:  # a fraction of a second in every value: one length
        moments = [None if m is None else m.replace(microsecond=m.microsecond or 1) for m in moments]
    chunk = tuple(None if m is None else m.replace(tzinfo=UTC).isoformat() for m in moments)
    fast = utc_nanoseconds(chunk)
    assert fast is not None
    expected = _pandas(chunk)
    assert expected is not None
    assert fast.tolist() == expected.tolist()


def test_every_day_of_the_nanosecond_range_and_leap_days() -> None:
    day = datetime(1678, 1, 1, 23, 59, 59, tzinfo=UTC)
    chunk = []
    while day.year <= 2261:
        chunk.append(day.isoformat())
        day += timedelta(days=1)
    fast = utc_nanoseconds(tuple(chunk))
    assert fast is not None
    assert (
        fast.tolist()
        == pd.to_datetime(pd.Series(chunk), utc=True)
        .astype("datetime64[ns, UTC]")
        .to_numpy("datetime64[ns]")
        .view("int64")
        .tolist()
    )


@pytest.mark.parametrize(
    "chunk",
    [
        ("2026-02-29T00:00:00+00:00",),  # not a leap year
        ("2024-13-01T00:00:00+00:00",),
        ("2026-11-20T00:00:00+00:00", "2026-11-20T00:00:00.100000+00:00"),  # two lengths
        ("2026-11-20T00:00:00+01:00",),
        ("2026-11-20 00:00:00+00:00",),
        ("2026-11-20T00:00:00+00:00", 5),
        ("2026-11-2\n00:00:00+00:00",),
        ("2026-11-20T24:00:00+00:00",),
        ("1677-12-31T00:00:00+00:00",),
        ("2262-01-01T00:00:00+00:00",),
        ("२०२६-11-20T00:00:00+00:00",),
        ("yesterday",),
    ],
)
def test_anything_else_is_left_to_pandas(chunk: tuple[object, ...]) -> None:
    assert utc_nanoseconds(chunk) is None


def test_none_is_nat_and_an_all_none_chunk_is_read() -> None:
    got = utc_nanoseconds((None, "1970-01-01T00:00:01.500Z", None))
    assert got is not None
    assert got.tolist() == [NAT, 1_500_000_000, NAT]
    empty = utc_nanoseconds((None, None))
    assert empty is not None
    assert empty.tolist() == [NAT, NAT]


def test_a_chunk_of_several_blocks() -> None:
    """Blocks are read in turn (each of one length), None anywhere; a bad value in a later block
    leaves the whole chunk to pandas."""
    one, two = "2026-11-20T06:00:00+00:00", "2026-11-20T06:00:00.250Z"
    for n in (3, BLOCK, BLOCK + 1, 3 * BLOCK + 5):
        chunk = (one,) * BLOCK + (None,) + (two,) * (n - 1) + (None,)
        got = utc_nanoseconds(chunk)
        assert got is not None
        assert got.tolist() == [pd.Timestamp(one).value] * BLOCK + [NAT] + [pd.Timestamp(two).value] * (
            n - 1
        ) + [NAT]
        assert utc_nanoseconds((*chunk, "2026-02-30T00:00:00Z")) is None
