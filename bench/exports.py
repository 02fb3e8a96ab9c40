"""The journal export, as CSV and as XLSX, in lines per second as a ratio to writing the same lines with
the csv module (issue 14), and the memory it peaks at as the journal grows.

Setup (not timed): a scratch PostgreSQL schema whose ledger view's journal table is filled with the largest
of ``--rows`` lines by ``COPY`` (:mod:`bench.journal_rows`: a million lines by events would be an hour of
billing here; the export reads only the view, so it is the path measured). Timed, per size N (the last N
lines of the journal, ``--since`` past the others):

- ``csv module`` (the limit): ``csv.writer.writerows`` of the same N records as the export writes them
  (built beforehand, :data:`LIMIT_CHUNK` at a time, only the writing timed) to a file;
- ``saldo csv``: ``saldo export journal --format csv --output`` (:func:`api.cli.exports.cmd_export_journal`):
  the view read :data:`~api.journal.JOURNAL_BATCH` lines at a time, each line's GL number and amounts,
  the csv module, the file written whole or not at all (fsynced);
- ``saldo xlsx``: the same with ``--format xlsx`` (xlsxwriter in constant_memory mode), and for reference
  ``xlsxwriter alone``: ``write_row`` of the same records in constant_memory mode, no types, no formats.

Peak memory is the process's peak resident set during each export (``VmHWM``, reset before each through
``/proc/self/clear_refs``; the process holds the interpreter, the libraries and the limit's records
besides): it stays flat as N grows if the export streams. The cost per line of the largest size is given
as a multiple of the smallest's (1.00: linear).

Usage: ``python bench/exports.py [--rows 100000,1000000]``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xlsxwriter import Workbook

from api.bootstrap import Services
from api.cli.exports import cmd_export_journal
from api.journal import JOURNAL_COLUMNS, journal_record
from bench.common import scratch_services
from bench.journal_rows import fill_journal, journal_line
from importers.files import binary_file, text_file

#: Writing "5" to it resets the process's peak resident set (VmHWM) to the present one (Linux).
CLEAR_REFS = "/proc/self/clear_refs"
#: Records built at a time for the csv module's limit (only their writing is timed).
LIMIT_CHUNK = 50_000


def _records(svc: Services, first: int, stop: int) -> Iterator[list[tuple[Any, ...]]]:
    """The records of lines ``first``..``stop - 1`` as the export writes them, a chunk at a time."""
    companies, default = svc.app.companies, svc.app.companies.default.code
    for start in range(first, stop, LIMIT_CHUNK):
        yield [journal_record((*journal_line(c), default), companies)
               for c in range(start, min(start + LIMIT_CHUNK, stop))]


def _resident_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _measured(run: Callable[[], None]) -> tuple[float, float]:
    """(seconds, the MB the process's resident set peaked at) of ``run``."""
    with contextlib.suppress(OSError):  # not Linux: the peak is then the process's since it started
        # A control file of the kernel, not a file Saldo writes: "5" resets VmHWM to the resident set now.
        control = os.open(CLEAR_REFS, os.O_WRONLY)
        try:
            os.write(control, b"5")
        finally:
            os.close(control)
    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    return seconds, _resident_kb("VmHWM") / 1024


def _limit_seconds(svc: Services, first: int, stop: int, path: str) -> float:
    seconds = 0.0
    with text_file(path, newline="") as out:  # written as the export writes its file (whole, fsynced)
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(JOURNAL_COLUMNS)
        for chunk in _records(svc, first, stop):
            started = time.perf_counter()
            writer.writerows(chunk)
            seconds += time.perf_counter() - started
    return seconds


def _xlsxwriter_seconds(svc: Services, first: int, stop: int, path: str) -> float:
    seconds = 0.0
    with binary_file(path) as out:  # as the export writes its file (whole, fsynced)
        book = Workbook(out, {"constant_memory": True, "strings_to_formulas": False})
        sheet = book.add_worksheet("journal")
        sheet.write_row(0, 0, JOURNAL_COLUMNS)
        row = 1
        for chunk in _records(svc, first, stop):
            started = time.perf_counter()
            for record in chunk:
                sheet.write_row(row, 0, record)
                row += 1
            seconds += time.perf_counter() - started
        started = time.perf_counter()
        book.close()
        seconds += time.perf_counter() - started
    return seconds


def _export(svc: Services, fmt: str, since: int, path: str) -> Callable[[], None]:
    args = argparse.Namespace(since=since, format=fmt, output=path, company=None)

    def run() -> None:
        assert cmd_export_journal(svc, args) == 0

    return run


def measure(svc: Services, total: int, rows: int, folder: str) -> dict[str, Any]:
    since = total - rows  # the last ``rows`` lines: cursors since+1 .. total
    path = os.path.join(folder, "out")
    limit = _limit_seconds(svc, since + 1, total + 1, path)
    csv_s, csv_mb = _measured(_export(svc, "csv", since, path + ".csv"))
    xlsx_s, xlsx_mb = _measured(_export(svc, "xlsx", since, path + ".xlsx"))
    alone = _xlsxwriter_seconds(svc, since + 1, total + 1, path + ".raw.xlsx")
    return {"rows": rows, "limit": limit, "csv": csv_s, "csv_mb": csv_mb, "xlsx": xlsx_s, "xlsx_mb": xlsx_mb,
            "alone": alone, "csv_bytes": os.path.getsize(path + ".csv"),
            "xlsx_bytes": os.path.getsize(path + ".xlsx")}


def report(m: dict[str, Any], smallest: dict[str, Any]) -> str:
    n = m["rows"]

    def rate(seconds: float) -> str:
        return f"{n / seconds:8.0f} rows/s"

    growth = (m["csv"] / n) / (smallest["csv"] / smallest["rows"])
    growth_x = (m["xlsx"] / n) / (smallest["xlsx"] / smallest["rows"])
    return (f"rows {n:8d}: csv module (limit) {rate(m['limit'])}; "
            f"saldo csv {rate(m['csv'])} ratio {m['limit'] / m['csv']:.2f}, peak RSS {m['csv_mb']:.0f} MB, "
            f"{m['csv_bytes'] / 1e6:.0f} MB file; "
            f"saldo xlsx {rate(m['xlsx'])} ratio {m['limit'] / m['xlsx']:.3f} "
            f"(xlsxwriter alone {rate(m['alone'])}: {m['alone'] / m['xlsx']:.2f} of it), "
            f"peak RSS {m['xlsx_mb']:.0f} MB, {m['xlsx_bytes'] / 1e6:.0f} MB file; "
            f"cost/row {growth:.2f}x (csv) {growth_x:.2f}x (xlsx) the {smallest['rows']} run's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated journal sizes")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.rows.split(","))
    with scratch_services("bench_exports", date(2026, 12, 31)) as (svc, _url, _schema), \
            tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        fill_journal(svc.view, sizes[-1])
        print(f"journal filled with {sizes[-1]} lines in {time.perf_counter() - started:.1f} s (not timed)",
              file=sys.stderr)
        results = [measure(svc, sizes[-1], n, folder) for n in sizes]
    for m in results:
        print(report(m, results[0]))


if __name__ == "__main__":
    main()
