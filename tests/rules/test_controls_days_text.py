"""``days_text``: how a number of days reads in the controls' messages (mutation-run survivors of
``auditor.rules._controls``)."""

from __future__ import annotations

import pytest

from auditor.rules._controls import days_text


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (1, "1 day"),
        (1.0, "1 day"),
        (2, "2 days"),
        (35.0, "35 days"),
        (2.5, "2.5 days"),
        (1.234, "1.23 days"),
        (0.004, "0 days"),
    ],
)
def test_days_read_as_words(days: float, text: str) -> None:
    assert days_text(days) == text
