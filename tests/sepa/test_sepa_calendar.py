"""TARGET business days and calendar months."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.core.calendar import (
    add_months,
    add_target_business_days,
    easter_sunday,
    is_target_business_day,
)


@pytest.mark.parametrize(("year", "easter"), [
    (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
    (2027, date(2027, 3, 28)), (2038, date(2038, 4, 25))])
def test_easter(year: int, easter: date) -> None:
    assert easter_sunday(year) == easter


@pytest.mark.parametrize("closed", [
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 1), date(2026, 12, 25),
    date(2026, 12, 26), date(2026, 3, 7), date(2026, 3, 8)])
def test_target_closing_days(closed: date) -> None:
    assert not is_target_business_day(closed)


def test_target_is_open_on_national_holidays() -> None:
    assert is_target_business_day(date(2026, 6, 2))  # Festa della Repubblica: TARGET is open


def test_d_plus_5_over_christmas() -> None:
    # Wed 23 Dec 2026 + 5: 24 (Thu), 28, 29, 30, 31 (25 Fri and 26 Sat closed, 27 Sun)
    assert add_target_business_days(date(2026, 12, 23), 5) == date(2026, 12, 31)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)), (date(2026, 11, 15), 2, date(2027, 1, 15)),
    (date(2025, 2, 28), 12, date(2026, 2, 28))])
def test_add_months(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected
