"""The period a report covers: one month, a range of days, or everything, month by month.

A report over a month or over everything has one row per month (``2026-03``); over a range of days, the
range is one period, named as an ISO 8601 interval (``2026-01-15/2026-02-14``; an open end is ``..``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from ledger.core.errors import InvalidInput

#: The bounds of "everything": before the first and after the last day a store can hold.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9999, 12, 31)


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    first_day: date
    last_day: date
    by_month: bool  #: one period per month (else the range is one period)
    label: str = ""  #: the range's name (by_month False)

    def period_of(self, month: str) -> str:
        """The period a month's rows belong to."""
        return month if self.by_month else self.label


def month_period(month: str) -> ReportPeriod:
    """The calendar month ``YYYY-MM``; anything else is InvalidInput naming ``month``.

    >>> month_period("2026-02").last_day
    datetime.date(2026, 2, 28)
    """
    try:
        year, number = (int(part) for part in month.split("-"))
        first = date(year, number, 1)
    except ValueError:
        raise InvalidInput(f"month must be a month as YYYY-MM, got {month!r}", "month") from None
    if len(month) != 7 or not month[:4].isdigit():
        raise InvalidInput(f"month must be a month as YYYY-MM, got {month!r}", "month")
    return ReportPeriod(first, first.replace(day=calendar.monthrange(year, number)[1]), True)


def range_period(first_day: date | None, last_day: date | None) -> ReportPeriod:
    """The days from ``first_day`` to ``last_day`` (both included; either may be open) as one period.

    >>> range_period(date(2026, 1, 15), None).label
    '2026-01-15/..'
    """
    if first_day is not None and last_day is not None and last_day < first_day:
        raise InvalidInput(f"to ({last_day}) is before from ({first_day})", "to")
    label = f"{first_day.isoformat() if first_day else '..'}/{last_day.isoformat() if last_day else '..'}"
    return ReportPeriod(first_day or FIRST_DAY, last_day or LAST_DAY, False, label)


def report_period(month: str | None, first_day: date | None, last_day: date | None) -> ReportPeriod:
    """The period a request names: ``month``, or ``from``/``to``, or (none) everything, month by month."""
    if month is not None and (first_day is not None or last_day is not None):
        raise InvalidInput("ask for one month, or for from and to, not both", "month")
    if month is not None:
        return month_period(month)
    if first_day is None and last_day is None:
        return ReportPeriod(FIRST_DAY, LAST_DAY, True)
    return range_period(first_day, last_day)
