"""Load curves (curve di carico) from files or requests: points checked, then one command per local month.

An interval start needs its UTC offset (a local time without one is ambiguous on the night clocks go
back); the interval length is given (``resolution_min``) or inferred from the spacing of the points; the
points must sit on that grid. Months follow the supply point's local wall-clock time.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from importers.meter_csv import (
    REQUIRED,
    BadValue,
    Problems,
    ReadingsFileError,
    ReadingsImportReport,
    decimal_value,
    field_value,
)
from ledger.billing.commands import RecordLoadCurve
from ledger.billing.load_curves import RESOLUTIONS, local_month_of
from ledger.billing.readings import supply_point_key
from ledger.core.errors import InvalidInput
from ledger.core.numbers import ascii_int


def instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("no UTC offset")
    return moment


def zone_name(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(value) from None
    return value


@dataclass
class Series:
    zone: str
    unit: str
    resolution: int | None
    points: dict[int, tuple[float, int | str]] = field(default_factory=dict)  # epoch s -> (value, where)


def curve_commands(
    rows: Iterator[tuple[int, dict[str, str]]], file_name: str, default_zone: str
) -> tuple[list[tuple[RecordLoadCurve, str]], ReadingsImportReport]:
    problems = Problems(file_name)
    series: dict[str, Series] = {}
    report = ReadingsImportReport(file_name, "", "load-curve")
    for line, row in rows:
        report.rows += 1
        if "" in row:
            problems.add(line, "", row[""])
            continue
        try:
            sp = field_value(row, "supply_point", supply_point_key, "a supply point id", REQUIRED)
            start = field_value(row, "interval_start", instant, "an ISO 8601 time with its UTC offset",
                                REQUIRED)
            value = field_value(row, "value", decimal_value, "a decimal number", REQUIRED)
            if value < 0:
                raise BadValue("value", f"consumption {value} is negative")
            zone = field_value(row, "time_zone", zone_name, "an IANA time zone such as Europe/Rome",
                               default_zone)
            unit = row.get("unit") or "kWh"
            resolution = field_value(row, "resolution_min", ascii_int, "15, 30 or 60")
            if resolution is not None and resolution not in RESOLUTIONS:
                raise BadValue("resolution_min", f"{resolution} minutes: give 15, 30 or 60")
        except BadValue as e:
            problems.add(line, e.column, e.reason)
            continue
        s = series.setdefault(sp, Series(zone, unit, resolution))
        if (s.zone, s.unit, s.resolution or resolution) != (zone, unit, resolution or s.resolution):
            problems.add(line, "", f"{sp} changes unit, time zone or resolution within the file")
            continue
        s.resolution = s.resolution or resolution
        epoch = int(start.timestamp())
        if epoch in s.points:
            problems.add(
                line, "interval_start", f"{sp} {value} repeats the interval of line {s.points[epoch][1]}"
            )
            continue
        s.points[epoch] = (float(value), line)
    commands: list[tuple[RecordLoadCurve, str]] = []
    for sp, s in sorted(series.items()):
        commands += blocks(sp, s, problems)
    problems.raise_any()
    report.supply_points = len(series)
    return commands, report


def blocks(sp: str, s: Series, problems: Problems) -> list[tuple[RecordLoadCurve, str]]:
    """One command per local month of one supply point: a run of values from the first to the last
    interval given, None where an interval is missing."""
    starts = sorted(s.points)
    step_min = s.resolution
    if step_min is None:
        gaps = {(b - a) // 60 for a, b in itertools.pairwise(starts)}
        step_min = min(gaps) if gaps else None
        if step_min not in RESOLUTIONS:
            problems.add(
                s.points[starts[0]][1],
                "interval_start",
                f"cannot tell {sp}'s interval length from its rows; add a resolution_min column",
            )
            return []
    step = step_min * 60
    months: dict[str, list[int]] = defaultdict(list)
    for epoch in starts:
        if (epoch - starts[0]) % step:
            problems.add(s.points[epoch][1], "interval_start", f"not on {sp}'s {step_min}-minute grid")
            return []
        months[local_month_of(datetime.fromtimestamp(epoch, ZoneInfo(s.zone)), s.zone)].append(epoch)
    out = []
    for month, epochs in sorted(months.items()):
        first = epochs[0]
        values: list[float | None] = [None] * ((epochs[-1] - first) // step + 1)
        for epoch in epochs:
            values[(epoch - first) // step] = s.points[epoch][0]
        start = datetime.fromtimestamp(first, ZoneInfo(s.zone))
        out.append((RecordLoadCurve(sp, start, step_min, tuple(values), s.unit, s.zone), f"{sp}:{month}"))
    return out


def load_curve_commands(
    supply_point: str,
    points: Sequence[tuple[datetime, Decimal]],
    *,
    time_zone: str = "Europe/Rome",
    unit: str = "kWh",
    resolution_min: int | None = None,
) -> list[RecordLoadCurve]:
    """Commands for load-curve points given as data (the API's JSON); problems name ``points[i]``."""
    problems = Problems("load curve")
    try:
        sp = supply_point_key(supply_point)
        zone = zone_name(time_zone)
    except (InvalidInput, ValueError) as e:
        raise ReadingsFileError("load curve", [("request", "supply_point/time_zone", str(e))]) from None
    if resolution_min is not None and resolution_min not in RESOLUTIONS:
        raise ReadingsFileError("load curve", [("request", "resolution_min", "give 15, 30 or 60")])
    series = Series(zone, unit, resolution_min)
    for i, (start, value) in enumerate(points):
        where = f"points[{i}]"
        if start.tzinfo is None or start.utcoffset() is None:
            problems.add(where, "start", "needs its UTC offset")
        elif not value.is_finite() or value < 0:
            problems.add(where, "value", f"consumption {value} is not a non-negative number")
        elif int(start.timestamp()) in series.points:
            problems.add(where, "start", f"repeats {series.points[int(start.timestamp())][1]}")
        else:
            series.points[int(start.timestamp())] = (float(value), where)
    if not series.points:
        problems.add("points", "", "no points")
    problems.raise_any()
    commands = blocks(sp, series, problems)
    problems.raise_any()
    return [cmd for cmd, _ in commands]
