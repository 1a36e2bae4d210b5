"""The notice period: its last day, counted in calendar days or in working days.

Working days follow China's official calendar — public holidays off, adjusted working days (调休,
a Saturday or Sunday worked) on — as the ``chinese-calendar`` package has it for the years it
covers. For a year it does not cover yet, the office gives that year's holidays and adjusted
working days itself; the rest of such a year is Monday to Friday. Dates the office gives for a
covered year take precedence over the package (a late change of the official calendar).

Pure: dates in, dates out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar

MAX_DAYS = 60
"""The longest notice period, in days of either kind."""


class UncoveredYearError(ValueError):
    """A working day is needed in a year the package does not cover and the office gave no dates for."""

    def __init__(self, year: int):
        super().__init__(year)
        self.year = year


def covered(year: int) -> bool:
    """Whether the package knows the year's holidays and adjusted working days."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: date, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> bool:
    """Whether ``day`` is a working day; the office's ``holidays`` and ``workdays`` first.

    Raises ``UncoveredYearError`` for a year the package does not cover when the office gave no
    date of that year."""
    holidays, workdays = set(holidays), set(workdays)
    if day in workdays:
        return True
    if day in holidays:
        return False
    if covered(day.year):
        return bool(chinese_calendar.is_workday(day))
    if not any(d.year == day.year for d in holidays | workdays):
        raise UncoveredYearError(day.year)
    return day.weekday() < 5


def notice_end(
    start: date, rule: str, days: int, holidays: Iterable[date] = (), workdays: Iterable[date] = ()
) -> date:
    """The last day of a notice that opens on ``start`` and lasts ``days`` days of the ``rule``
    (``calendar`` or ``working``). The first day counts: a 7-day notice opening on 1 July ends on
    7 July; in working days the opening day counts if it is a working day."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(days)
    if rule == "calendar":
        return start + timedelta(days=days - 1)
    holidays, workdays = frozenset(holidays), frozenset(workdays)
    day, left = start, days
    while True:
        if is_workday(day, holidays, workdays):
            left -= 1
            if left == 0:
                return day
        day += timedelta(days=1)


def uncovered_years(start: date, end: date) -> list[int]:
    """The years between two dates the package does not cover."""
    return [y for y in range(start.year, end.year + 1) if not covered(y)]
