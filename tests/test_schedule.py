"""AWS cron / rate expressions: the longest interval between runs, on AWS's documented examples
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html) and
against brute-force enumeration (hypothesis)."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.schedule import HORIZON_YEARS, WEEKDAYS, ScheduleError, longest_interval, parse_cron, parse_rate

H, D = timedelta(hours=1), timedelta(days=1)


@pytest.mark.parametrize(
    ("expression", "longest"),
    [
        ("cron(0 10 * * ? *)", D),  # 10:00 every day
        ("cron(15 12 * * ? *)", D),  # 12:15 every day
        ("cron(0 18 ? * MON-FRI *)", 3 * D),  # 18:00 Monday to Friday: Friday -> Monday
        ("cron(0 8 1 * ? *)", 31 * D),  # 08:00 on the 1st of each month
        ("cron(0/15 * * * ? *)", timedelta(minutes=15)),
        ("cron(0/10 * ? * MON-FRI *)", 2 * D + timedelta(minutes=10)),  # Fri 23:50 -> Mon 00:00
        ("cron(0/5 8-17 ? * MON-FRI *)", 2 * D + 14 * H + timedelta(minutes=5)),  # Fri 17:55 -> Mon 08:00
        ("cron(0 9 ? * 2#1 *)", 35 * D),  # 09:00 on the first Monday of each month
        ("cron(0 5 ? * * *)", D),  # the AWS Backup console's daily default
        ("cron(0 */12 * * ? *)", 12 * H),
        ("cron(0 5,17 ? * * *)", 12 * H),
        ("cron(0 5 L * ? *)", 31 * D),  # last day of the month: Jan 31 -> Feb 28 is 28, Feb -> Mar 31
        ("cron(0 5 ? * 6L *)", 35 * D),  # last Friday of the month
        ("cron(0 5 ? * SUN *)", 7 * D),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 hour)", H),
        ("rate(7 days)", 7 * D),
    ],
)
def test_documented_examples(expression: str, longest: timedelta) -> None:
    assert longest_interval(expression, 2026) == longest


def test_year_limits_and_weekday_nearest() -> None:
    assert longest_interval("cron(0 5 29 2 ? *)", 2026) is None  # Feb 29: runs once (2028) in 2026-2029
    assert longest_interval("cron(0 5 * * ? 2025)", 2026) is None  # never runs from 2026 on
    assert longest_interval("cron(0 5 * * ? 2026-2027)", 2026) == D
    # 15W in 2026: Mar 15 is a Sunday -> Mon 16, Feb 15 a Sunday -> Mon 16, Aug 15 a Saturday -> Fri 14
    cron = parse_cron("cron(0 5 15W * ? *)")
    assert cron.runs_on(date(2026, 3, 16)) and not cron.runs_on(date(2026, 3, 15))
    assert cron.runs_on(date(2026, 8, 14))
    # 1W on a Saturday moves to Monday the 3rd (never into the previous month): Aug 1 2026 is a Saturday
    assert parse_cron("cron(0 5 1W * ? *)").runs_on(date(2026, 8, 3))
    # LW: the last weekday; Jan 31 2026 is a Saturday -> Fri 30
    assert parse_cron("cron(0 5 LW * ? *)").runs_on(date(2026, 1, 30))


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("cron(0 5 * * * *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 5 ? * ? *)", "exactly one of day-of-month and day-of-week"),
        ("cron(0 5 * * ?)", "6 fields"),
        ("cron(60 5 * * ? *)", "minutes: 60 is outside 0-59"),
        ("cron(0 24 * * ? *)", "hours: 24 is outside 0-23"),
        ("cron(0 5 ? * 8 *)", "day-of-week: 8 is outside 1-7"),
        ("cron(0 5 ? FOO * *)", "month: 'FOO' is not a value"),
        ("cron(0 5 10-2 * ? *)", "runs backwards"),
        ("cron(0 5 ? * 2#6 *)", "needs #1 to #5"),
        ("cron(0 5 * * ? 1969)", "year: 1969 is outside 1970-2199"),
        ("0 5 * * ? *", "not a cron"),
        ("rate(1 hours)", "singular for 1"),
        ("rate(2 hour)", "singular for 1"),
        ("rate(0 minutes)", "at least 1"),
        ("rate(1 week)", "not a rate"),
    ],
)
def test_invalid_expressions_say_why(expression: str, why: str) -> None:
    with pytest.raises(ScheduleError, match=why.replace("(", r"\(")):
        longest_interval(expression, 2026)


# -- properties against brute force ---------------------------------------------------------------


def _brute_longest(runs_on_day: list[bool], times: list[int], start: date) -> timedelta | None:
    fires = [
        datetime(start.year, start.month, start.day) + timedelta(days=n, minutes=t)
        for n, ok in enumerate(runs_on_day)
        if ok
        for t in times
    ]
    if len(fires) < 2:
        return None
    return max(b - a for a, b in itertools.pairwise(fires))


def _days(start: date) -> list[date]:
    end = date(start.year + HORIZON_YEARS, 1, 1)
    return [start + timedelta(n) for n in range((end - start).days)]


@settings(max_examples=60, deadline=None)
@given(
    hours=st.sets(st.integers(0, 23), min_size=1, max_size=5),
    minutes=st.sets(st.integers(0, 59), min_size=1, max_size=3),
    weekdays=st.sets(st.integers(1, 7), min_size=1, max_size=7),
    year=st.integers(2020, 2030),
)
def test_weekday_schedules_match_brute_force(
    hours: set[int], minutes: set[int], weekdays: set[int], year: int
) -> None:
    names = ",".join(WEEKDAYS[d - 1] for d in sorted(weekdays))
    expression = (
        f"cron({','.join(map(str, sorted(minutes)))} {','.join(map(str, sorted(hours)))} ? * {names} *)"
    )
    start = date(year, 1, 1)
    # Python: Monday = 0; AWS: Sunday = 1
    runs = [((d.weekday() + 1) % 7 + 1) in weekdays for d in _days(start)]
    times = sorted(h * 60 + m for h in hours for m in minutes)
    assert longest_interval(expression, year) == _brute_longest(runs, times, start)


@settings(max_examples=60, deadline=None)
@given(
    days=st.sets(st.integers(1, 31), min_size=1, max_size=4),
    months=st.sets(st.integers(1, 12), min_size=1, max_size=12),
    hour=st.integers(0, 23),
    year=st.integers(2020, 2030),
)
def test_month_day_schedules_match_brute_force(
    days: set[int], months: set[int], hour: int, year: int
) -> None:
    expression = f"cron(0 {hour} {','.join(map(str, sorted(days)))} {','.join(map(str, sorted(months)))} ? *)"
    start = date(year, 1, 1)
    runs = [d.day in days and d.month in months for d in _days(start)]
    assert longest_interval(expression, year) == _brute_longest(runs, [hour * 60], start)


@given(st.integers(1, 500), st.sampled_from(["minute", "hour", "day"]))
def test_rate_reads_value_and_unit(value: int, unit: str) -> None:
    text = f"rate({value} {unit}{'' if value == 1 else 's'})"
    assert parse_rate(text) == value * {"minute": timedelta(minutes=1), "hour": H, "day": D}[unit]


@given(st.text(max_size=40))
def test_any_text_is_read_or_refused_with_schedule_error(text: str) -> None:
    try:
        got = longest_interval(f"cron({text})", 2026)
    except ScheduleError as exc:
        assert str(exc)
    else:
        assert got is None or got > timedelta(0)
