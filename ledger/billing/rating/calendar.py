"""Interval grids of a billing period and time-of-use band calendars.

A billing period is a run of *local* days ``[start, end)`` at a supply point.  The grid holds, for
every interval (15 or 60 minutes), its start as a UTC instant (int64 epoch seconds) plus the local
wall-clock fields banding needs (local day, hour, minute, weekday).  Days are cut at local midnight,
so a DST day in Europe/Rome has 92 or 100 quarter hours (23 or 25 hours).

Band calendars map the grid to a band index per interval without a Python loop per interval: a
(8 x 24) table ``[weekday 0..6 | holiday] x [local hour]`` indexed with the grid's arrays.  The only
loops are per local day (UTC midnights, holiday look-ups), which is a few hundred iterations a year.

>>> from datetime import date
>>> g = build_grid(date(2026, 3, 29), date(2026, 3, 30), 15, "Europe/Rome")
>>> g.n_intervals
92
>>> monday = build_grid(date(2026, 6, 1), date(2026, 6, 2), 60, "Europe/Rome")
>>> "".join("123"[b] for b in ITALY_ARERA.bands(monday))  # F-band per hour 00..23
'333333321111111111122223'
>>> republic_day = build_grid(date(2026, 6, 2), date(2026, 6, 3), 60, "Europe/Rome")  # a Tuesday
>>> "".join("123"[b] for b in ITALY_ARERA.bands(republic_day))
'333333333333333333333333'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib.metadata import version as _pkg_version
from types import MappingProxyType
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays
import numpy as np
from numpy.typing import NDArray

__all__ = [
    "DEFAULT_CALENDARS",
    "ITALY_ARERA",
    "BandCalendar",
    "CalendarError",
    "IntervalGrid",
    "WeeklyBandCalendar",
    "build_grid",
    "peak_offpeak_calendar",
]

_DAY_S = 86_400
_HOLIDAY_ROW = 7  # row of the band table used for holidays (rows 0..6 are Monday..Sunday)


class CalendarError(ValueError):
    """A grid or band calendar cannot be built from the given data."""


def _readonly(a: NDArray[np.generic]) -> None:
    a.flags.writeable = False


@dataclass(frozen=True, eq=False)
class IntervalGrid:
    """Intervals of the local days ``[start, end)`` at ``resolution_min`` minutes in ``zone``.

    Arrays are read-only; ``eq=False`` because element-wise array equality is not a boolean.
    ``day_first`` has ``n_days + 1`` entries: intervals of local day ``d`` are
    ``day_first[d]:day_first[d + 1]``.
    """

    start: date
    end: date
    resolution_min: int
    zone: str
    utc_start_s: NDArray[np.int64]  # (N,) UTC epoch seconds of interval starts
    day_index: NDArray[np.int32]  # (N,) local day number, 0 = start
    local_hour: NDArray[np.int8]  # (N,) local wall-clock hour 0..23
    local_minute: NDArray[np.int8]  # (N,) local wall-clock minute
    weekday: NDArray[np.int8]  # (N,) local weekday, Monday = 0
    day_first: NDArray[np.int64]  # (D + 1,) first interval of each local day, then N

    @property
    def n_intervals(self) -> int:
        return int(self.utc_start_s.shape[0])

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days

    @property
    def interval_hours(self) -> float:
        return self.resolution_min / 60.0

    def dates(self) -> tuple[date, ...]:
        return tuple(self.start + timedelta(days=k) for k in range(self.n_days))

    def utc_datetime64(self) -> NDArray[np.datetime64]:
        """Interval starts as ``datetime64[s]`` (UTC)."""
        return self.utc_start_s.astype("datetime64[s]")

    def intervals_per_day(self) -> NDArray[np.int64]:
        return np.diff(self.day_first)

    def day_slice(self, first: date, stop: date) -> slice:
        """Interval slice of the local days ``[first, stop)`` (both inside the grid)."""
        a, b = (first - self.start).days, (stop - self.start).days
        if not 0 <= a < b <= self.n_days:
            raise CalendarError(f"days [{first}, {stop}) are not inside [{self.start}, {self.end})")
        return slice(int(self.day_first[a]), int(self.day_first[b]))

    def subgrid(self, first: date, stop: date) -> IntervalGrid:
        """The grid of the local days ``[first, stop)``: a view, consistent with this grid."""
        a, b = (first - self.start).days, (stop - self.start).days
        sl = self.day_slice(first, stop)
        sub = IntervalGrid(
            start=first,
            end=stop,
            resolution_min=self.resolution_min,
            zone=self.zone,
            utc_start_s=self.utc_start_s[sl],
            day_index=(self.day_index[sl] - np.int32(a)).astype(np.int32),
            local_hour=self.local_hour[sl],
            local_minute=self.local_minute[sl],
            weekday=self.weekday[sl],
            day_first=self.day_first[a : b + 1] - self.day_first[a],
        )
        _readonly(sub.day_index)
        _readonly(sub.day_first)
        return sub


def _offset_s(zone: ZoneInfo, t: int) -> int:
    off = datetime.fromtimestamp(t, tz=zone).utcoffset()
    if off is None:  # pragma: no cover - ZoneInfo always answers
        raise CalendarError(f"zone {zone.key} has no UTC offset at {t}")
    return int(off.total_seconds())


def _utc_offsets(
    tz: ZoneInfo,
    midnight: NDArray[np.int64],
    day_first: NDArray[np.int64],
    day_index: NDArray[np.int32],
    utc: NDArray[np.int64],
    step: int,
) -> NDArray[np.int64]:
    """UTC offset in seconds of every interval of the local days starting at ``midnight[:-1]``.

    The offset at each day's first interval, patched on the (rare) days whose offset changes; there the
    transition is found by bisection (a few zoneinfo calls per DST day).
    """
    n_days = midnight.size - 1
    off_first = np.array([_offset_s(tz, int(t)) for t in midnight[:-1]], dtype=np.int64)
    off_last = np.array([_offset_s(tz, int(midnight[d + 1] - step)) for d in range(n_days)], dtype=np.int64)
    offset = off_first[day_index]
    for d in np.flatnonzero(off_first != off_last):
        lo, hi = (
            int(day_first[d]),
            int(day_first[d + 1]) - 1,
        )  # offset(lo) = first, offset(hi) = last
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset_s(tz, int(utc[mid])) == off_first[d]:
                lo = mid
            else:
                hi = mid
        offset[hi : int(day_first[d + 1])] = off_last[d]
    return offset


def build_grid(start: date, end: date, resolution_min: int, zone: str) -> IntervalGrid:
    """Intervals of the local days ``[start, end)`` in the IANA ``zone``.

    Why local midnights: bills, standing charges and TOU bands all count local days, and a day with
    a DST change simply has fewer or more intervals
    (https://docs.python.org/3/library/zoneinfo.html).  A midnight that does not exist (a gap at
    00:00) resolves, with ``fold=0``, to the transition instant, which is where that day really
    starts.
    """
    if not isinstance(start, date) or not isinstance(end, date) or end <= start:
        raise CalendarError(f"need start < end as dates, got {start!r}, {end!r}")
    if resolution_min <= 0 or 60 % resolution_min:
        raise CalendarError(f"resolution must divide 60 minutes, got {resolution_min}")
    try:
        tz = ZoneInfo(zone)
    except Exception as exc:  # ZoneInfoNotFoundError, ValueError for malformed keys
        raise CalendarError(f"unknown time zone {zone!r}") from exc
    step = resolution_min * 60
    n_days = (end - start).days
    days = [start + timedelta(days=k) for k in range(n_days + 1)]
    # One zoneinfo call per local day (not per interval): the UTC instant of each local midnight.
    midnight = np.array(
        [int(datetime.combine(d, time(0), tzinfo=tz).timestamp()) for d in days], dtype=np.int64
    )
    day_len = np.diff(midnight)
    if np.any(day_len <= 0) or np.any(day_len % step):
        bad = days[int(np.flatnonzero((day_len <= 0) | (day_len % step != 0))[0])]
        raise CalendarError(
            f"local day {bad} in {zone} is not a whole number of {resolution_min}-minute intervals"
        )
    counts = day_len // step
    day_first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    n = int(day_first[-1])
    day_index = np.repeat(np.arange(n_days, dtype=np.int32), counts)
    k_in_day = np.arange(n, dtype=np.int64) - day_first[:-1][day_index]
    utc = midnight[:-1][day_index] + k_in_day * step
    offset = _utc_offsets(tz, midnight, day_first, day_index, utc, step)
    local_s = (utc + offset) % _DAY_S  # seconds after local (naive) midnight
    weekday_of_day = np.array([d.weekday() for d in days[:-1]], dtype=np.int8)
    grid = IntervalGrid(
        start=start,
        end=end,
        resolution_min=resolution_min,
        zone=zone,
        utc_start_s=utc,
        day_index=day_index,
        local_hour=(local_s // 3600).astype(np.int8),
        local_minute=((local_s % 3600) // 60).astype(np.int8),
        weekday=weekday_of_day[day_index],
        day_first=day_first,
    )
    for a in (grid.utc_start_s, grid.day_index, grid.local_hour, grid.local_minute, grid.weekday):
        _readonly(a)
    _readonly(grid.day_first)
    return grid


class BandCalendar(Protocol):
    """Anything that assigns a band index to every interval of a grid."""

    @property
    def name(self) -> str: ...

    @property
    def band_names(self) -> tuple[str, ...]: ...

    def bands(self, grid: IntervalGrid) -> NDArray[np.int8]: ...


@dataclass(frozen=True)
class WeeklyBandCalendar:
    """Bands as data: a band per (weekday, local hour), and optionally a band per hour on holidays.

    ``weekday_hours[w][h]`` is the band of hour ``h`` on weekday ``w`` (Monday = 0).  With
    ``holiday_country`` set, national holidays of that country (the ``holidays`` package's calendar)
    use ``holiday_hours``.  ``zone``, when set, is the only grid zone the bands are defined for
    (ARERA bands follow Europe/Rome wall-clock time).
    """

    name: str
    band_names: tuple[str, ...]
    weekday_hours: tuple[tuple[int, ...], ...]
    holiday_hours: tuple[int, ...] | None = None
    holiday_country: str | None = None
    zone: str | None = None

    def __post_init__(self) -> None:
        nb = len(self.band_names)
        if nb == 0 or len(set(self.band_names)) != nb:
            raise CalendarError(f"{self.name}: band names must be non-empty and distinct")
        rows = [*self.weekday_hours, *([self.holiday_hours] if self.holiday_hours else [])]
        if len(self.weekday_hours) != 7 or any(len(r) != 24 for r in rows):
            raise CalendarError(f"{self.name}: need 7 weekday rows of 24 hours (and 24 holiday hours)")
        if any(not 0 <= b < nb for r in rows for b in r):
            raise CalendarError(f"{self.name}: band index out of range 0..{nb - 1}")
        if (self.holiday_country is None) != (self.holiday_hours is None):
            raise CalendarError(f"{self.name}: holiday_country and holiday_hours go together")

    @property
    def version(self) -> str:
        """What besides this data decides the bands: the holiday calendar's package version."""
        return f"holidays=={_pkg_version('holidays')}" if self.holiday_country else "none"

    def _table(self) -> NDArray[np.int8]:
        hol = self.holiday_hours if self.holiday_hours is not None else (0,) * 24
        return np.array([*self.weekday_hours, hol], dtype=np.int8)

    def holiday_days(self, grid: IntervalGrid) -> NDArray[np.bool_]:
        """(D,) True where the local day is a national holiday (a loop per day, not interval)."""
        if self.holiday_country is None:
            return np.zeros(grid.n_days, dtype=bool)
        years = range(grid.start.year, (grid.end - timedelta(days=1)).year + 1)
        cal = holidays.country_holidays(self.holiday_country, years=years)
        return np.array([d in cal for d in grid.dates()], dtype=bool)

    def bands(self, grid: IntervalGrid) -> NDArray[np.int8]:
        """(N,) band index per interval, vectorised: ``table[row_of_day[day], hour]``."""
        if self.zone is not None and grid.zone != self.zone:
            raise CalendarError(f"{self.name} is defined in {self.zone} wall-clock time, grid is {grid.zone}")
        row_of_day = grid.weekday[grid.day_first[:-1]].astype(np.intp)
        row_of_day = np.where(self.holiday_days(grid), _HOLIDAY_ROW, row_of_day)
        out = self._table()[row_of_day[grid.day_index], grid.local_hour.astype(np.intp)]
        return out.astype(np.int8, copy=False)


def _hours(spec: Iterable[tuple[int, int, int]], default: int) -> tuple[int, ...]:
    row = [default] * 24
    for first, stop, band in spec:
        row[first:stop] = [band] * (stop - first)
    return tuple(row)


# ARERA time-of-use bands (deliberation 181/06, https://www.arera.it/it/docs/06/181-06.htm):
# F1 Mon-Fri 08-19; F2 Mon-Fri 07-08 and 19-23, Sat 07-23; F3 the rest, Sundays and holidays all
# day.
_F1, _F2, _F3 = 0, 1, 2
_IT_WEEKDAY = _hours([(7, 8, _F2), (8, 19, _F1), (19, 23, _F2)], _F3)
_IT_SATURDAY = _hours([(7, 23, _F2)], _F3)
_IT_SUNDAY = _hours([], _F3)
ITALY_ARERA = WeeklyBandCalendar(
    name="IT-ARERA-F123",
    band_names=("F1", "F2", "F3"),
    weekday_hours=(*(_IT_WEEKDAY,) * 5, _IT_SATURDAY, _IT_SUNDAY),
    holiday_hours=_IT_SUNDAY,
    holiday_country="IT",
    zone="Europe/Rome",
)


def peak_offpeak_calendar(
    name: str,
    peak_hours: tuple[int, int] = (8, 20),
    peak_weekdays: Iterable[int] = (0, 1, 2, 3, 4),
    holiday_country: str | None = None,
    zone: str | None = None,
) -> WeeklyBandCalendar:
    """Two bands: ``peak`` (index 0) on ``peak_weekdays`` in hours ``[first, stop)``, else
    ``off-peak`` (index 1).

    >>> cal = peak_offpeak_calendar("ES-2P", (8, 24))
    >>> cal.weekday_hours[0][7], cal.weekday_hours[0][8], cal.weekday_hours[6][12]
    (1, 0, 1)
    """
    first, stop = peak_hours
    if not 0 <= first < stop <= 24:
        raise CalendarError(f"{name}: peak hours must satisfy 0 <= first < stop <= 24")
    days = set(peak_weekdays)
    on = _hours([(first, stop, 0)], 1)
    off = _hours([], 1)
    return WeeklyBandCalendar(
        name=name,
        band_names=("peak", "off-peak"),
        weekday_hours=tuple(on if w in days else off for w in range(7)),
        holiday_hours=off if holiday_country else None,
        holiday_country=holiday_country,
        zone=zone,
    )


DEFAULT_CALENDARS: Mapping[str, BandCalendar] = MappingProxyType({ITALY_ARERA.name: ITALY_ARERA})


def utc_iso(t: int) -> str:
    """UTC ISO-8601 text of an epoch second (for error messages)."""
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
