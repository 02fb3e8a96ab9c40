"""Calendar arithmetic for payments: calendar months and TARGET business days.

SEPA deadlines are counted in TARGET (inter-bank) business days: every day except Saturdays, Sundays,
1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December
(https://www.ecb.europa.eu/paym/target/t2/html/index.en.html, "TARGET closing days").
Regulators and contracts count in calendar months; a month after 31 January is the last day of
February (the "end of month" rule of art. 2963 Italian c.c. and of most European codes,
https://www.brocardi.it/codice-civile/libro-sesto/titolo-v/capo-ii/art2963.html).

>>> add_months(date(2024, 1, 31), 1), add_months(date(2024, 1, 31), 13)
(datetime.date(2024, 2, 29), datetime.date(2025, 2, 28))
>>> easter_sunday(2026)
datetime.date(2026, 4, 5)
>>> add_target_business_days(date(2026, 4, 2), 5)  # Thursday before Easter: Fri 3 and Mon 6 closed
datetime.date(2026, 4, 13)
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months, clamped to the last day of the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def is_target_holiday(day: date) -> bool:
    """Whether TARGET is closed on ``day`` for a holiday (weekends aside)."""
    if (day.month, day.day) in ((1, 1), (5, 1), (12, 25), (12, 26)):
        return True
    easter = easter_sunday(day.year)
    return day in (easter - timedelta(days=2), easter + timedelta(days=1))


def is_target_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_target_holiday(day)


def add_target_business_days(day: date, count: int) -> date:
    """The ``count``-th TARGET business day after ``day`` (``count`` ≥ 0; 0 returns ``day``)."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    while count:
        current += timedelta(days=1)
        if is_target_business_day(current):
            count -= 1
    return current
