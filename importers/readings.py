"""Readings files: register readings and load curves as CSV, streamed, checked whole, then recorded.

Both are UTF-8 (a BOM is allowed), one header row naming the columns in any order, ``,`` or ``;`` as
delimiter (whichever the header uses more). Which kind a file is follows from its header.

**Register readings** — required ``supply_point``, ``read_on`` (ISO date: the index at the end of that
day), ``index`` (decimal, ``.`` separator); optional ``source`` (``actual``, ``self-reading``,
``estimate``, ``correction``; default actual), ``multiplier`` (default 1), ``digits`` (register digits,
for rollover), ``supersedes`` (the reading id a correction replaces), ``note``.

**Load curve** (long format: one row per supply point and interval) — required ``supply_point``,
``interval_start`` (ISO 8601 **with** its UTC offset, e.g. ``2026-03-29T03:00:00+02:00``: a local time
without offset is ambiguous on the night clocks go back), ``value`` (consumption in the interval);
optional ``unit`` (default kWh), ``time_zone`` (the supply point's, default the importer's, which is
Europe/Rome unless told otherwise) and ``resolution_min`` (else inferred from the spacing of the rows).

The whole file is read first. A bad row (missing column, unparsable value, negative consumption, a
duplicate) is reported with its line number and column, and the file is rejected whole: nothing of it
is recorded (:class:`ReadingsFileError` lists up to :data:`MAX_REPORTED` problems). A good file is
recorded in batches; every row (readings) or supply point and month (load curves) carries an
idempotency key derived from the file's SHA-256, so importing a file again records nothing new.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ledger.billing.commands import RecordLoadCurve, RecordReading
from ledger.billing.readings import RESOLUTIONS, ReadingSource, local_month_of, supply_point_key
from ledger.core.errors import InvalidInput

if TYPE_CHECKING:
    from ledger.application import Saldo

#: Problems listed in one error (the count of the rest is given).
MAX_REPORTED = 50
#: Largest readings file accepted.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: Commands saved per transaction, and the most bytes of events one transaction stores (see
#: ledger.billing.drafts.MAX_BATCH_BYTES: a larger insert can hang psycopg's pipeline mode).
IMPORT_BATCH = 2000
MAX_BATCH_BYTES = 1_500_000

READING_COLUMNS = ("supply_point", "read_on", "index")
CURVE_COLUMNS = ("supply_point", "interval_start", "value")


class ReadingsFileError(InvalidInput):
    """A readings file that cannot be recorded as a whole; ``problems`` are (where, column, reason),
    where is ``line 7`` in a file or ``points[6]`` in a request."""

    def __init__(self, file_name: str, problems: list[tuple[str, str, str]], more: int = 0) -> None:
        self.file_name = file_name
        self.problems = problems
        text = "; ".join(
            where + (f", column {col}" if col else "") + f": {why}" for where, col, why in problems
        )
        super().__init__(f"{file_name}: {text}" + (f"; and {more} more" if more else ""), "file")


@dataclass
class ReadingsImportReport:
    file_name: str
    sha256: str
    kind: str
    rows: int = 0
    supply_points: int = 0
    recorded: int = 0  # readings, or load-curve blocks, that are new
    unchanged: int = 0  # already known (a file imported again, or the same reading from another file)
    refused: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "kind": self.kind,
            "rows": self.rows,
            "supply_points": self.supply_points,
            "recorded": self.recorded,
            "unchanged": self.unchanged,
            "refused": self.refused,
        }


class _Problems:
    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.items: list[tuple[str, str, str]] = []
        self.more = 0

    def add(self, line: int | str, column: str, reason: str) -> None:
        if len(self.items) < MAX_REPORTED:
            self.items.append((f"line {line}" if isinstance(line, int) else line, column, reason))
        else:
            self.more += 1

    def raise_any(self) -> None:
        if self.items:
            raise ReadingsFileError(self.file_name, self.items, self.more)


def _rows(stream: IO[bytes], file_name: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", errors="strict")
    try:
        header_line = text.readline()
    except UnicodeDecodeError:
        raise ReadingsFileError(file_name, [("line 1", "", "the file is not UTF-8 text")]) from None
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delimiter), [])]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        reader = csv.reader(text, delimiter=delimiter)
        try:
            for number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(header):
                    yield number, {"": f"{len(row)} fields, the header has {len(header)}"}
                    continue
                yield number, {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        except (csv.Error, UnicodeDecodeError) as e:
            yield reader.line_num + 1, {"": f"unreadable: {e}"}

    return header, rows()


def _decimal(value: str) -> Decimal:
    d = Decimal(value)
    if not d.is_finite():
        raise InvalidOperation
    return d


def import_readings(
    app: Saldo,
    stream: IO[bytes],
    file_name: str,
    *,
    time_zone: str = "Europe/Rome",
    progress: Callable[[int, int], None] | None = None,
) -> ReadingsImportReport:
    """Read, check and record a readings or load-curve CSV (see the module docstring)."""
    digest = hashlib.sha256()
    header, rows = _rows(io.BufferedReader(_Counting(stream, digest, file_name)), file_name)
    commands: list[tuple[RecordReading, str]] | list[tuple[RecordLoadCurve, str]]
    if all(c in header for c in CURVE_COLUMNS):
        commands, report = _curve_commands(rows, file_name, time_zone)
    elif all(c in header for c in READING_COLUMNS):
        commands, report = _reading_commands(rows, file_name)
    else:
        raise ReadingsFileError(
            file_name,
            [
                (
                    "line 1",
                    "",
                    "the header must name supply_point, read_on, index "
                    "(readings) or supply_point, interval_start, value "
                    "(load curve)",
                )
            ],
        )
    report.sha256 = digest.hexdigest()
    for start, stop in _batches([_stored_bytes(cmd) for cmd, _ in commands]):
        part = commands[start:stop]
        batch = [(cmd, f"{report.kind}:{report.sha256}:{where}") for cmd, where in part]
        for (_, where), item in zip(part, app.execute_many(batch), strict=True):
            if item.error is not None or item.result is None:
                report.refused.append({"where": where, "reason": str(item.error)})
            elif item.result.get("replayed") or not (item.result.get("new") or item.result.get("changed")):
                report.unchanged += 1
            else:
                report.recorded += 1
        if progress is not None:
            progress(stop, len(commands))
    return report


def import_readings_file(app: Saldo, path: str | Path, **kwargs: Any) -> ReadingsImportReport:
    path = Path(path)
    with path.open("rb") as stream:
        return import_readings(app, stream, path.name, **kwargs)


class _Counting(io.RawIOBase):
    """A byte stream that hashes (and counts) what is read through it: the file's fingerprint."""

    def __init__(self, inner: IO[bytes], digest: Any, file_name: str) -> None:
        self.inner, self.digest, self.size, self.file_name = inner, digest, 0, file_name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(len(buffer))
        self.digest.update(data)
        self.size += len(data)
        if self.size > MAX_FILE_BYTES:
            raise ReadingsFileError(
                self.file_name, [("file", "", f"file is larger than {MAX_FILE_BYTES} bytes")]
            )
        buffer[: len(data)] = data
        return len(data)


def _reading_commands(
    rows: Iterator[tuple[int, dict[str, str]]], file_name: str
) -> tuple[list[tuple[RecordReading, str]], ReadingsImportReport]:
    problems = _Problems(file_name)
    commands: list[tuple[RecordReading, str]] = []
    seen: dict[tuple[str, date], tuple[int, Decimal]] = {}
    report = ReadingsImportReport(file_name, "", "readings")
    for line, row in rows:
        report.rows += 1
        if "" in row:
            problems.add(line, "", row[""])
            continue
        try:
            cmd = _reading(row)
        except _Bad as e:
            problems.add(line, e.column, e.reason)
            continue
        key = (supply_point_key(cmd.supply_point), cmd.read_on)
        if key in seen and seen[key][1] != cmd.index and cmd.supersedes is None:
            problems.add(
                line,
                "read_on",
                f"{key[0]} already has index {seen[key][1]} on {cmd.read_on} (line {seen[key][0]})",
            )
            continue
        seen.setdefault(key, (line, cmd.index))
        commands.append((cmd, f"line {line}"))
    problems.raise_any()
    report.supply_points = len({sp for sp, _ in seen})
    return commands, report


class _Bad(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def _field(
    row: dict[str, str], column: str, parse: Callable[[str], Any], what: str, default: Any = None
) -> Any:
    value = row.get(column, "")
    if not value:
        if default is _REQUIRED:
            raise _Bad(column, "missing value")
        return default
    try:
        return parse(value)
    except (ValueError, ArithmeticError, InvalidInput):
        raise _Bad(column, f"{value!r} is not {what}") from None


_REQUIRED = object()


def _reading(row: dict[str, str]) -> RecordReading:
    sp = _field(row, "supply_point", supply_point_key, "a supply point id", _REQUIRED)
    read_on = _field(row, "read_on", date.fromisoformat, "an ISO date (2026-02-28)", _REQUIRED)
    index = _field(row, "index", _decimal, "a decimal number", _REQUIRED)
    if index < 0:
        raise _Bad("index", f"index {index} is negative")
    source = _field(
        row,
        "source",
        ReadingSource,
        "one of " + ", ".join(s.value for s in ReadingSource),
        ReadingSource.ACTUAL,
    )
    multiplier = _field(row, "multiplier", _decimal, "a decimal number", Decimal(1))
    if multiplier <= 0:
        raise _Bad("multiplier", f"multiplier {multiplier} is not positive")
    digits = _field(row, "digits", int, "a whole number of digits")
    if digits is not None and not 1 <= digits <= 15:
        raise _Bad("digits", f"{digits} digits: registers have 1 to 15")
    supersedes = row.get("supersedes") or None
    if source is ReadingSource.CORRECTION and supersedes is None:
        raise _Bad("supersedes", "a correction names the reading it supersedes")
    return RecordReading(sp, read_on, index, source, multiplier, digits, supersedes, row.get("note", ""))


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("no UTC offset")
    return moment


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(value) from None
    return value


@dataclass
class _Series:
    zone: str
    unit: str
    resolution: int | None
    points: dict[int, tuple[float, int | str]] = field(default_factory=dict)  # epoch s -> (value, where)


def _curve_commands(
    rows: Iterator[tuple[int, dict[str, str]]], file_name: str, default_zone: str
) -> tuple[list[tuple[RecordLoadCurve, str]], ReadingsImportReport]:
    problems = _Problems(file_name)
    series: dict[str, _Series] = {}
    report = ReadingsImportReport(file_name, "", "load-curve")
    for line, row in rows:
        report.rows += 1
        if "" in row:
            problems.add(line, "", row[""])
            continue
        try:
            sp = _field(row, "supply_point", supply_point_key, "a supply point id", _REQUIRED)
            start = _field(row, "interval_start", _instant, "an ISO 8601 time with its UTC offset", _REQUIRED)
            value = _field(row, "value", _decimal, "a decimal number", _REQUIRED)
            if value < 0:
                raise _Bad("value", f"consumption {value} is negative")
            zone = _field(row, "time_zone", _zone, "an IANA time zone such as Europe/Rome", default_zone)
            unit = row.get("unit") or "kWh"
            resolution = _field(row, "resolution_min", int, "15, 30 or 60")
            if resolution is not None and resolution not in RESOLUTIONS:
                raise _Bad("resolution_min", f"{resolution} minutes: give 15, 30 or 60")
        except _Bad as e:
            problems.add(line, e.column, e.reason)
            continue
        s = series.setdefault(sp, _Series(zone, unit, resolution))
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
        commands += _blocks(sp, s, problems)
    problems.raise_any()
    report.supply_points = len(series)
    return commands, report


def _blocks(sp: str, s: _Series, problems: _Problems) -> list[tuple[RecordLoadCurve, str]]:
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
    problems = _Problems("load curve")
    try:
        sp = supply_point_key(supply_point)
        zone = _zone(time_zone)
    except (InvalidInput, ValueError) as e:
        raise ReadingsFileError("load curve", [("request", "supply_point/time_zone", str(e))]) from None
    if resolution_min is not None and resolution_min not in RESOLUTIONS:
        raise ReadingsFileError("load curve", [("request", "resolution_min", "give 15, 30 or 60")])
    series = _Series(zone, unit, resolution_min)
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
    commands = _blocks(sp, series, problems)
    problems.raise_any()
    return [cmd for cmd, _ in commands]


def _stored_bytes(command: RecordReading | RecordLoadCurve) -> int:
    """About what recording a command stores: a reading ~1 kB; a curve block up to 12 bytes a value."""
    return 1000 + 12 * len(command.values) if isinstance(command, RecordLoadCurve) else 1000


def _batches(sizes: list[int]) -> list[tuple[int, int]]:
    """(start, stop) of consecutive batches within :data:`IMPORT_BATCH` commands and MAX_BATCH_BYTES."""
    out: list[tuple[int, int]] = []
    start = weight = 0
    for i, size in enumerate(sizes):
        if i > start and (i - start >= IMPORT_BATCH or weight + size > MAX_BATCH_BYTES):
            out.append((start, i))
            start, weight = i, 0
        weight += size
    if start < len(sizes):
        out.append((start, len(sizes)))
    return out
