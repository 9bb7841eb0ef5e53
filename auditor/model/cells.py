"""Reading single cells of the frames: the missing-value test pandas columns need."""

from __future__ import annotations

import pandas as pd


def maybe_str(value: object) -> str | None:
    """``None`` for missing values (None / NaN / NA), else ``str(value)``."""
    if type(value) is str:  # the common case: str(value) is value, and a string is never NA
        return value
    if value is None:
        return None
    try:
        if pd.isna(value):  # type: ignore[call-overload]  # scalar check; lists never reach here
            return None
    except (TypeError, ValueError):
        return str(value)
    return str(value)


__all__ = ["maybe_str"]
