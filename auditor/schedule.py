"""AWS Backup schedule expressions read exactly: how long the longest wait between two backups is.

AWS Backup plan rules take ``cron(...)`` expressions of six fields, as Amazon EventBridge
(https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html):

    minutes  hours  day-of-month  month  day-of-week  year
    0-59     0-23   1-31 ? L W    1-12   1-7 ? L #    1970-2199
                                  JAN-DEC SUN-SAT (1 = SUN)

with ``,`` (lists), ``-`` (ranges), ``*`` (all), ``/`` (increments), and exactly one of
day-of-month and day-of-week being ``?``. ``rate(N minute|minutes|hour|hours|day|days)`` is read
too (singular unit for 1, plural otherwise, as EventBridge requires).

:func:`longest_interval` answers the question frequency controls ask: the longest time between two
consecutive runs, over the four years from January 1 of a given year (leap years and month
lengths included). Times are read in the expression's own clock: a plan's
``ScheduleExpressionTimezone`` is not considered (a daylight-saving change may make one real
interval an hour longer or shorter).
"""

from __future__ import annotations

import calendar
import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

HORIZON_YEARS = 4
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class ScheduleError(ValueError):
    """The expression is not a valid AWS cron or rate expression (the message says why)."""


@dataclass(frozen=True)
class DaySpec:
    """Day-of-month or day-of-week as parsed: plain values plus the ``L`` / ``W`` / ``#`` forms."""

    values: frozenset[int] = frozenset()
    last: bool = False
    """``L`` in day-of-month: the month's last day."""
    last_weekday: bool = False
    """``LW``: the month's last weekday (Monday to Friday)."""
    nearest_weekday: frozenset[int] = frozenset()
    """``nW``: the weekday nearest to day n, in the same month."""
    last_of: frozenset[int] = frozenset()
    """``nL`` in day-of-week: the month's last day of weekday n."""
    nth: frozenset[tuple[int, int]] = frozenset()
    """``n#k`` in day-of-week: the k-th day of weekday n in the month."""


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    day_of_month: DaySpec | None
    """None: ``?`` (day-of-week decides)."""
    months: frozenset[int]
    day_of_week: DaySpec | None
    """None: ``?`` (day-of-month decides)."""
    years: frozenset[int]

    def runs_on(self, day: date) -> bool:
        if day.year not in self.years or day.month not in self.months:
            return False
        if self.day_of_month is not None:
            return _dom_matches(self.day_of_month, day)
        assert self.day_of_week is not None
        return _dow_matches(self.day_of_week, day)


# -- parsing -------------------------------------------------------------------------------------

_ITEM = re.compile(r"^(\*|\d+|[A-Z]{3})(?:-(\d+|[A-Z]{3}))?(?:/(\d+))?$")


def _number(token: str, low: int, high: int, names: tuple[str, ...], field: str) -> int:
    if token.isdigit():
        value = int(token)
    elif token in names:
        value = names.index(token) + low
    else:
        raise ScheduleError(f"{field}: {token!r} is not a value")
    if not low <= value <= high:
        raise ScheduleError(f"{field}: {value} is outside {low}-{high}")
    return value


def _values(text: str, low: int, high: int, field: str, names: tuple[str, ...] = ()) -> frozenset[int]:
    """A plain field (``,`` ``-`` ``*`` ``/``) as the set of values it allows."""
    out: set[int] = set()
    for item in text.split(","):
        m = _ITEM.match(item)
        if m is None:
            raise ScheduleError(f"{field}: cannot read {item!r}")
        start_text, end_text, step_text = m.groups()
        if start_text == "*":
            if end_text is not None:
                raise ScheduleError(f"{field}: cannot read {item!r}")
            start, end = low, high
        else:
            start = _number(start_text, low, high, names, field)
            end = _number(end_text, low, high, names, field) if end_text else (high if step_text else start)
        if end < start:
            raise ScheduleError(f"{field}: range {item!r} runs backwards")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ScheduleError(f"{field}: increment must be at least 1 in {item!r}")
        out.update(range(start, end + 1, step))
    return frozenset(out)


def _day_of_month(text: str) -> DaySpec | None:
    if text == "?":
        return None
    plain: list[str] = []
    last = last_weekday = False
    nearest: set[int] = set()
    for item in text.split(","):
        if item == "L":
            last = True
        elif item == "LW":
            last_weekday = True
        elif item.endswith("W") and item[:-1].isdigit():
            nearest.add(_number(item[:-1], 1, 31, (), "day-of-month"))
        else:
            plain.append(item)
    values = _values(",".join(plain), 1, 31, "day-of-month") if plain else frozenset()
    return DaySpec(values=values, last=last, last_weekday=last_weekday, nearest_weekday=frozenset(nearest))


def _day_of_week(text: str) -> DaySpec | None:
    if text == "?":
        return None
    plain: list[str] = []
    last_of: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for item in text.split(","):
        if item == "L":
            plain.append("7")  # alone, L is the last day of the week: Saturday
        elif item.endswith("L"):
            last_of.add(_number(item[:-1], 1, 7, WEEKDAYS, "day-of-week"))
        elif "#" in item:
            day, _, k = item.partition("#")
            if not k.isdigit() or not 1 <= int(k) <= 5:
                raise ScheduleError(f"day-of-week: {item!r} needs #1 to #5")
            nth.add((_number(day, 1, 7, WEEKDAYS, "day-of-week"), int(k)))
        else:
            plain.append(item)
    values = _values(",".join(plain), 1, 7, "day-of-week", WEEKDAYS) if plain else frozenset()
    return DaySpec(values=values, last_of=frozenset(last_of), nth=frozenset(nth))


@lru_cache(maxsize=4096)
def parse_cron(expression: str) -> Cron:
    """``cron(m h dom mon dow year)`` -> :class:`Cron`, or :class:`ScheduleError`."""
    m = re.fullmatch(r"\s*cron\((.*)\)\s*", expression)
    if m is None:
        raise ScheduleError(f"not a cron(...) expression: {expression!r}")
    fields = m.group(1).upper().split()
    if len(fields) != 6:
        raise ScheduleError(
            f"cron needs 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
        )
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleError("exactly one of day-of-month and day-of-week must be '?'")
    return Cron(
        minutes=_values(minute, 0, 59, "minutes"),
        hours=_values(hour, 0, 23, "hours"),
        day_of_month=_day_of_month(dom),
        months=_values(month, 1, 12, "month", MONTHS),
        day_of_week=_day_of_week(dow),
        years=_values(year, 1970, 2199, "year"),
    )


_RATE = re.compile(r"\s*rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)\s*")
_UNIT = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def parse_rate(expression: str) -> timedelta:
    """``rate(N unit)`` -> its interval, or :class:`ScheduleError`."""
    m = _RATE.fullmatch(expression)
    if m is None:
        raise ScheduleError(f"not a rate(N unit) expression: {expression!r}")
    value, unit = int(m.group(1)), m.group(2)
    if value < 1:
        raise ScheduleError("rate value must be at least 1")
    if (value == 1) != (not unit.endswith("s")):
        raise ScheduleError(f"rate unit must be singular for 1 and plural otherwise: {expression!r}")
    return value * _UNIT[unit.rstrip("s")]


# -- matching days -------------------------------------------------------------------------------


def _aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _nearest_weekday(year: int, month: int, n: int) -> int | None:
    """The weekday (Mon-Fri) nearest to day n of the month, never leaving the month."""
    last = calendar.monthrange(year, month)[1]
    if n > last:
        return None
    wd = date(year, month, n).weekday()
    if wd < 5:
        return n
    if wd == 5:  # Saturday: Friday before, or Monday after when n is the 1st
        return n - 1 if n > 1 else n + 2
    return n + 1 if n < last else n - 2  # Sunday


def _dom_matches(spec: DaySpec, day: date) -> bool:
    last = calendar.monthrange(day.year, day.month)[1]
    if day.day in spec.values or (spec.last and day.day == last):
        return True
    if spec.last_weekday:
        lw = last - max(0, date(day.year, day.month, last).weekday() - 4)
        if day.day == lw:
            return True
    return any(_nearest_weekday(day.year, day.month, n) == day.day for n in spec.nearest_weekday)


def _dow_matches(spec: DaySpec, day: date) -> bool:
    wd = _aws_weekday(day)
    if wd in spec.values:
        return True
    last = calendar.monthrange(day.year, day.month)[1]
    if wd in spec.last_of and day.day + 7 > last:
        return True
    return (wd, (day.day - 1) // 7 + 1) in spec.nth


# -- the longest interval ------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def longest_interval(expression: str, from_year: int) -> timedelta | None:
    """The longest time between two consecutive runs of ``expression`` over the
    :data:`HORIZON_YEARS` years from January 1 of ``from_year``; None when it runs at most once
    there. Raises :class:`ScheduleError` for an expression that is not valid."""
    if expression.strip().startswith("rate("):
        return parse_rate(expression)
    cron = parse_cron(expression)
    times = sorted(h * 60 + m for h in cron.hours for m in cron.minutes)
    start = date(from_year, 1, 1)
    days = [
        n
        for n in range((date(from_year + HORIZON_YEARS, 1, 1) - start).days)
        if cron.runs_on(start + timedelta(n))
    ]
    if not days or (len(days) == 1 and len(times) == 1):
        return None
    within = max((b - a for a, b in itertools.pairwise(times)), default=0)
    first, last = times[0], times[-1]
    across = max((b - a for a, b in itertools.pairwise(days)), default=0)
    longest = max(within, across * 1440 - last + first if across else 0)
    return timedelta(minutes=longest)
