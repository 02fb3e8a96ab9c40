"""Interval grids (DST days, UTC instants, local fields) and time-of-use band calendars."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pytest

from ledger.billing.rating.calendar import (
    ITALY_ARERA,
    CalendarError,
    WeeklyBandCalendar,
    build_grid,
    peak_offpeak_calendar,
)

ROME = "Europe/Rome"
F1, F2, F3 = 0, 1, 2


def day_grid(d: date, resolution: int, zone: str = ROME):
    return build_grid(d, d + timedelta(days=1), resolution, zone)


@pytest.mark.parametrize(
    ("day", "resolution", "expected"),
    [
        (date(2026, 3, 29), 15, 92),  # spring forward: 02:00 -> 03:00, 23 hours
        (date(2026, 3, 29), 60, 23),
        (date(2026, 10, 25), 15, 100),  # fall back: 03:00 -> 02:00, 25 hours
        (date(2026, 10, 25), 60, 25),
        (date(2026, 6, 2), 15, 96),
        (date(2026, 6, 2), 60, 24),
    ],
)
def test_dst_days_have_92_or_100_quarter_hours(day, resolution, expected):
    g = day_grid(day, resolution)
    assert g.n_intervals == expected
    assert g.n_days == 1
    assert list(g.day_first) == [0, expected]


def test_spring_forward_instants_and_wall_clock():
    """29 Mar 2026: local midnight is 23:00 UTC on the 28th (CET, +1); after 01:00 local the clock
    jumps to 03:00 (CEST, +2), so local hour 2 never occurs and the next midnight is 22:00 UTC."""
    g = day_grid(date(2026, 3, 29), 60)
    utc = [datetime.fromtimestamp(int(t), tz=UTC) for t in g.utc_start_s]
    assert utc[0] == datetime(2026, 3, 28, 23, tzinfo=UTC)
    assert utc[-1] == datetime(2026, 3, 29, 21, tzinfo=UTC)
    assert np.all(np.diff(g.utc_start_s) == 3600)
    assert list(g.local_hour) == [0, 1, *range(3, 24)]


def test_fall_back_repeats_two_oclock():
    g = day_grid(date(2026, 10, 25), 15)
    hours = list(g.local_hour)
    assert hours.count(2) == 8  # 02:00-03:00 twice, 4 quarter hours each
    assert [hours.count(h) for h in (0, 1, 3, 23)] == [4, 4, 4, 4]
    assert np.all(np.diff(g.utc_start_s) == 900)
    assert list(g.local_minute[:4]) == [0, 15, 30, 45]


def test_grid_matches_zoneinfo_for_a_whole_year():
    """The vectorised grid against a per-interval zoneinfo reference (slow, but obviously right)."""
    g = build_grid(date(2026, 1, 1), date(2027, 1, 1), 15, ROME)
    assert g.n_intervals == 365 * 96  # the lost and the regained hour cancel out
    tz = ZoneInfo(ROME)
    local = [datetime.fromtimestamp(int(t), tz=tz) for t in g.utc_start_s]
    assert [t.hour for t in local] == list(g.local_hour)
    assert [t.minute for t in local] == list(g.local_minute)
    assert [t.weekday() for t in local] == list(g.weekday)
    assert [(t.date() - g.start).days for t in local] == list(g.day_index)


def test_other_zones_and_invalid_grids():
    helsinki = day_grid(date(2026, 3, 29), 15, "Europe/Helsinki")  # EET -> EEST at 03:00 local
    assert helsinki.n_intervals == 92
    assert list(day_grid(date(2026, 3, 29), 60, "Europe/Helsinki").local_hour[:5]) == [0, 1, 2, 4, 5]
    # Lord Howe Island moves its clocks by 30 minutes: not a whole number of hourly intervals.
    with pytest.raises(CalendarError, match="whole number"):
        day_grid(date(2026, 4, 5), 60, "Australia/Lord_Howe")
    assert day_grid(date(2026, 4, 5), 15, "Australia/Lord_Howe").n_intervals == 98
    with pytest.raises(CalendarError, match="time zone"):
        day_grid(date(2026, 1, 1), 15, "Mars/Olympus")
    with pytest.raises(CalendarError, match="start < end"):
        build_grid(date(2026, 1, 2), date(2026, 1, 2), 15, ROME)
    with pytest.raises(CalendarError, match="divide 60"):
        day_grid(date(2026, 1, 1), 7)


def test_grid_arrays_are_read_only():
    g = day_grid(date(2026, 1, 1), 60)
    with pytest.raises(ValueError, match="read-only"):
        g.local_hour[0] = 5


def test_subgrid_is_the_same_as_building_it():
    g = build_grid(date(2026, 3, 27), date(2026, 4, 2), 15, ROME)
    sub = g.subgrid(date(2026, 3, 29), date(2026, 3, 31))
    ref = build_grid(date(2026, 3, 29), date(2026, 3, 31), 15, ROME)
    for name in ("utc_start_s", "day_index", "local_hour", "local_minute", "weekday", "day_first"):
        assert np.array_equal(getattr(sub, name), getattr(ref, name)), name
    assert g.day_slice(date(2026, 3, 29), date(2026, 3, 31)) == slice(2 * 96, 2 * 96 + 92 + 96)
    with pytest.raises(CalendarError):
        g.day_slice(date(2026, 3, 26), date(2026, 3, 28))


def test_arera_bands_on_an_ordinary_week():
    """Mon 1 June is a working day, Tue 2 June is Republic Day; Sat 6 and Sun 7 June 2026.

    Weekday: F3 00-07 (7 h), F2 07-08 (1 h), F1 08-19 (11 h), F2 19-23 (4 h), F3 23-24 (1 h).
    Saturday: F3 00-07, F2 07-23 (16 h), F3 23-24.  Sunday and holidays: F3 all day.
    """
    bands = ITALY_ARERA.bands(build_grid(date(2026, 6, 1), date(2026, 6, 8), 60, ROME)).reshape(7, 24)
    monday, holiday, saturday, sunday = bands[0], bands[1], bands[5], bands[6]
    assert list(monday) == [F3] * 7 + [F2] + [F1] * 11 + [F2] * 4 + [F3]
    assert list(holiday) == [F3] * 24
    assert list(saturday) == [F3] * 7 + [F2] * 16 + [F3]
    assert list(sunday) == [F3] * 24
    assert np.array_equal(bands[2], monday)  # Wednesday 3 June: ordinary weekday again


def test_arera_bands_on_quarter_hours_and_dst_days():
    wed = ITALY_ARERA.bands(day_grid(date(2026, 6, 3), 15))
    assert np.bincount(wed, minlength=3).tolist() == [44, 20, 32]  # 11 h, 5 h, 8 h of quarters
    assert np.all(ITALY_ARERA.bands(day_grid(date(2026, 3, 29), 15)) == F3)  # a Sunday, 92 quarters
    assert np.bincount(ITALY_ARERA.bands(day_grid(date(2026, 10, 25), 15))).tolist() == [0, 0, 100]


def test_arera_bands_match_a_per_interval_reference_for_a_year():
    g = build_grid(date(2026, 1, 1), date(2027, 1, 1), 60, ROME)
    cal = holidays.country_holidays("IT", years=2026)
    tz = ZoneInfo(ROME)
    expected = []
    for t in g.utc_start_s:
        local = datetime.fromtimestamp(int(t), tz=tz)
        h, wd = local.hour, local.weekday()
        if wd == 6 or local.date() in cal:
            expected.append(F3)
        elif wd == 5:
            expected.append(F2 if 7 <= h < 23 else F3)
        else:
            expected.append(F1 if 8 <= h < 19 else F2 if h == 7 or 19 <= h < 23 else F3)
    assert ITALY_ARERA.bands(g).tolist() == expected


def test_arera_bands_require_rome_wall_clock():
    with pytest.raises(CalendarError, match="Europe/Rome"):
        ITALY_ARERA.bands(day_grid(date(2026, 6, 3), 60, "Europe/Madrid"))


def test_peak_offpeak_calendar_as_data():
    cal = peak_offpeak_calendar("ES-2P", (8, 24), holiday_country="ES")
    week = cal.bands(build_grid(date(2026, 1, 5), date(2026, 1, 12), 60, "Europe/Madrid"))
    per_day = week.reshape(7, 24)
    assert list(per_day[0]) == [1] * 8 + [0] * 16  # Monday: peak 08-24
    assert np.all(per_day[1] == 1)  # Tue 6 Jan 2026: Epiphany, a national holiday in Spain
    assert np.all(per_day[5:] == 1)  # weekend off-peak
    assert cal.version.startswith("holidays==")
    with pytest.raises(CalendarError):
        peak_offpeak_calendar("bad", (20, 8))


def test_band_calendar_validation():
    row = (0,) * 24
    with pytest.raises(CalendarError, match="7 weekday rows"):
        WeeklyBandCalendar("x", ("a",), (row,) * 6)
    with pytest.raises(CalendarError, match="out of range"):
        WeeklyBandCalendar("x", ("a",), ((1,) * 24,) * 7)
    with pytest.raises(CalendarError, match="go together"):
        WeeklyBandCalendar("x", ("a",), (row,) * 7, holiday_country="IT")
