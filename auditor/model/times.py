"""ISO 8601 timestamps of a bundle as ``int64`` nanoseconds, vectorised (the loader's fast path).

A bundle's collector writes every timestamp as Python's ``isoformat`` of a UTC datetime:
``2026-11-20T06:00:00+00:00``, or ``2026-11-20T06:00:00.123000+00:00`` when it has a fraction.
:func:`utc_nanoseconds` reads a chunk of such strings at once (a join and an encode per block, arithmetic
on the bytes: about 40 ns a value, where ``pandas.to_datetime(format="ISO8601")`` takes about 150) and
gives up (``None``) on anything else: another form, an offset other than UTC, a value that is not
a valid date and time, years outside the ``datetime64[ns]`` range, values of different lengths
(within a block).
The caller then parses the chunk with pandas, which decides what is valid and what its error is: where
this reads a chunk, it gives pandas' values (tests compare them on generated timestamps).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import compress, repeat
from operator import is_not
from typing import Any, Final

import numpy as np

NAT: Final = np.iinfo(np.int64).min
"""``NaT`` as ``int64`` (a ``None`` value)."""

_FORMS: Final = {
    20: (0, "Z"),
    24: (3, "Z"),
    25: (0, "+00:00"),
    27: (6, "Z"),
    29: (3, "+00:00"),
    32: (6, "+00:00"),
}
"""Length of a value -> (digits of its fraction of a second, its UTC suffix)."""

_FIRST_YEAR: Final = 1678
_LAST_YEAR: Final = 2261
"""Whole years ``datetime64[ns]`` holds (it spans 1677-09-21 to 2262-04-11)."""
_MONTHS = (
    np.arange(f"{_FIRST_YEAR}-01", f"{_LAST_YEAR + 1}-02", dtype="datetime64[M]")
    .astype("datetime64[D]")
    .astype(np.int64)
)
_MONTH_START: Final = _MONTHS[:-1]
"""Days from 1970-01-01 to the first of each month from January of the first year."""
_MONTH_DAYS: Final = np.diff(_MONTHS)
"""Days of each of those months."""


def _layout(length: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """A value of ``length`` and its newline as (template, limit) bytes: ``byte - template`` (an
    unsigned byte) is below ``limit``: 10 where a digit stands (its value), 1 where a literal does."""
    frac, suffix = _FORMS[length]
    head = "0000-00-00T00:00:00" + ("." + "0" * frac if frac else "")
    text = head + suffix + "\n"
    template = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    limit = np.array([10 if i < len(head) and c == "0" else 1 for i, c in enumerate(text)], dtype=np.uint8)
    return template, limit


BLOCK: Final = 2048
"""Values read at a time: every array of a block (the text, its bytes, the digits) stays under
128 KiB, in buffers kept per thread, so reading allocates nothing large that it frees again (large
short-lived blocks left the heap fragmented: 100 MB more at a million resources)."""

_TILES: Final = {n: tuple(np.tile(a, BLOCK) for a in _layout(n)) for n in _FORMS}
"""Per length: its layout repeated for a block of values."""


class _Scratch(threading.local):
    """One thread's buffers for a block."""

    def __init__(self) -> None:
        self.diff = np.empty(BLOCK * (max(_FORMS) + 1), dtype=np.uint8)
        self.valid = np.empty(BLOCK * (max(_FORMS) + 1), dtype=bool)
        self.digits = np.empty((20 + max(f for f, _ in _FORMS.values()), BLOCK), dtype=np.int32)


_SCRATCH: Final = _Scratch()


def utc_nanoseconds(values: tuple[Any, ...]) -> np.ndarray[Any, Any] | None:
    """Nanoseconds since the epoch of each value (``NAT`` for ``None``), when every other value
    is a string of one of the forms above, one length throughout each block of :data:`BLOCK`
    values; ``None`` otherwise."""
    out = np.empty(len(values), dtype=np.int64)
    for start in range(0, len(values), BLOCK):
        block = values[start : start + BLOCK]
        if not _read_block(block, out[start : start + len(block)]):
            return None
    return out


def _read_block(block: tuple[Any, ...], out: np.ndarray[Any, Any]) -> bool:
    """Write the nanoseconds of ``block`` into ``out``; False where it cannot."""
    try:
        text = "\n".join(block)
    except TypeError:  # None among them (or not a string)
        present = list(map(is_not, block, repeat(None)))
        strs = list(compress(block, present))
        if not strs:
            out.fill(NAT)
            return True
        try:
            text = "\n".join(strs)
        except TypeError:
            return False
        ns = np.empty(len(strs), dtype=np.int64)
        if not _read(text, strs, ns):
            return False
        out.fill(NAT)
        out[np.array(present, dtype=bool)] = ns
        return True
    return _read(text, block, out)


def _read(text: str, strs: Sequence[str], out: np.ndarray[Any, Any]) -> bool:
    n = len(strs)
    length = len(strs[0])
    # one length: the newlines are then every (length + 1)th byte, which the layout checks
    if length not in _FORMS or len(text) != n * (length + 1) - 1 or not text.isascii():
        return False
    return _nanoseconds(np.frombuffer((text + "\n").encode("ascii"), dtype=np.uint8), length, n, out)


def _nanoseconds(raw: np.ndarray[Any, Any], length: int, n: int, out: np.ndarray[Any, Any]) -> bool:
    """Write the nanoseconds of ``n`` values of ``length`` bytes, each followed by a newline, in
    ``raw``, into ``out``; False when one is not a valid timestamp of that form."""
    template, limit = _TILES[length]
    scratch = _SCRATCH
    size = len(raw)
    d = np.subtract(raw, template[:size], out=scratch.diff[:size])  # unsigned: below the template wraps
    if not np.less(d, limit[:size], out=scratch.valid[:size]).all():
        return False
    frac = _FORMS[length][0]
    c = scratch.digits[: 20 + frac, :n]  # c[k]: byte k of each value
    np.copyto(c, d.reshape(n, length + 1).T[: 20 + frac])
    year = c[0] * 1000 + c[1] * 100 + c[2] * 10 + c[3]
    month = c[5] * 10 + c[6]
    day = c[8] * 10 + c[9]
    hour = c[11] * 10 + c[12]
    minute = c[14] * 10 + c[15]
    second = c[17] * 10 + c[18]
    if not (
        year.min() >= _FIRST_YEAR
        and year.max() <= _LAST_YEAR
        and month.min() >= 1
        and month.max() <= 12
        and day.min() >= 1
        and hour.max() <= 23
        and minute.max() <= 59
        and second.max() <= 59
    ):
        return False
    at = (year - _FIRST_YEAR) * 12 + month - 1
    if not (day <= _MONTH_DAYS[at]).all():
        return False
    seconds = (_MONTH_START[at] + (day - 1)) * 86400 + (hour * 3600 + minute * 60 + second)
    np.multiply(seconds, 1_000_000_000, out=out)
    if frac:
        fraction = c[20].astype(np.int64)
        for k in range(21, 20 + frac):
            fraction = fraction * 10 + c[k]
        out += fraction * 10 ** (9 - frac)
    return True
