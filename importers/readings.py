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

import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from importers.load_curves import curve_commands, load_curve_commands
from importers.meter_csv import (
    REQUIRED,
    BadValue,
    HashingReader,
    Problems,
    ReadingsFileError,
    ReadingsImportReport,
    decimal_value,
    field_value,
    read_rows,
)
from ledger.billing.commands import RecordLoadCurve, RecordReading
from ledger.billing.readings import ReadingSource, supply_point_key
from ledger.core.actor import SYSTEM, Actor, Channel
from ledger.core.numbers import ascii_int

if TYPE_CHECKING:
    from ledger.application import Saldo

__all__ = ["ReadingsFileError", "ReadingsImportReport", "import_readings", "import_readings_file",
           "load_curve_commands"]

#: Commands saved per transaction, and the most bytes of events one transaction stores (see
#: ledger.billing.issuing.MAX_BATCH_BYTES: a larger insert can hang psycopg's pipeline mode).
IMPORT_BATCH = 2000
MAX_BATCH_BYTES = 1_500_000

READING_COLUMNS = ("supply_point", "read_on", "index")
CURVE_COLUMNS = ("supply_point", "interval_start", "value")



def import_readings(
    app: Saldo,
    stream: IO[bytes],
    file_name: str,
    *,
    time_zone: str = "Europe/Rome",
    progress: Callable[[int, int], None] | None = None,
    actor: Actor = SYSTEM,
) -> ReadingsImportReport:
    """Read, check and record a readings or load-curve CSV (see the module docstring), as ``actor``'s
    commands through the import channel (tied to the file's SHA-256 where it brings no request id)."""
    digest = hashlib.sha256()
    header, rows = read_rows(io.BufferedReader(HashingReader(stream, digest, file_name)), file_name)
    commands: list[tuple[RecordReading, str]] | list[tuple[RecordLoadCurve, str]]
    if all(c in header for c in CURVE_COLUMNS):
        commands, report = curve_commands(rows, file_name, time_zone)
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
    actor = replace(actor, channel=Channel.IMPORT, request_id=actor.request_id or f"sha256:{report.sha256}")
    for start, stop in _batches([_stored_bytes(cmd) for cmd, _ in commands]):
        part = commands[start:stop]
        batch = [(cmd, f"{report.kind}:{report.sha256}:{where}") for cmd, where in part]
        for (_, where), item in zip(part, app.execute_many(batch, actor=actor), strict=True):
            if item.error is not None or item.result is None:
                report.refused.append({"where": where, "reason": str(item.error)})
            elif item.result.get("replayed") or not (item.result.get("new") or item.result.get("changed")):
                report.unchanged += 1
            else:
                report.recorded += 1
                if item.result.get("held_for_review"):
                    report.held.append({"where": where, "reason": str(item.result.get("problem", ""))})
        if progress is not None:
            progress(stop, len(commands))
    return report


def import_readings_file(app: Saldo, path: str | Path, **kwargs: Any) -> ReadingsImportReport:
    path = Path(path)
    with path.open("rb") as stream:
        return import_readings(app, stream, path.name, **kwargs)


def _reading_commands(
    rows: Iterator[tuple[int, dict[str, str]]], file_name: str
) -> tuple[list[tuple[RecordReading, str]], ReadingsImportReport]:
    problems = Problems(file_name)
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
        except BadValue as e:
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


def _reading(row: dict[str, str]) -> RecordReading:
    sp = field_value(row, "supply_point", supply_point_key, "a supply point id", REQUIRED)
    read_on = field_value(row, "read_on", date.fromisoformat, "an ISO date (2026-02-28)", REQUIRED)
    index = field_value(row, "index", decimal_value, "a decimal number", REQUIRED)
    if index < 0:
        raise BadValue("index", f"index {index} is negative")
    source = field_value(
        row,
        "source",
        ReadingSource,
        "one of " + ", ".join(s.value for s in ReadingSource),
        ReadingSource.ACTUAL,
    )
    multiplier = field_value(row, "multiplier", decimal_value, "a decimal number", Decimal(1))
    if multiplier <= 0:
        raise BadValue("multiplier", f"multiplier {multiplier} is not positive")
    digits = field_value(row, "digits", ascii_int, "a whole number of digits")
    if digits is not None and not 1 <= digits <= 15:
        raise BadValue("digits", f"{digits} digits: registers have 1 to 15")
    supersedes = row.get("supersedes") or None
    if source is ReadingSource.CORRECTION and supersedes is None:
        raise BadValue("supersedes", "a correction names the reading it supersedes")
    return RecordReading(sp, read_on, index, source, multiplier, digits, supersedes, row.get("note", ""))


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
