"""The journal export streams (issue 14, item 3): in CSV, JSON lines and XLSX it reads the view a batch at a
time and holds one batch, so the memory it peaks at does not grow with the journal's length. Measured with
tracemalloc (a property of the code, not a timing): ten times the lines, at most twice the peak.

The lines are written straight into the view's journal table (:mod:`bench.journal_rows`): the export
reads only the view, and 40,000 lines by events would take this test most of an hour."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from api.bootstrap import Services
from api.cli.exports import cmd_export_journal
from api.journal import JOURNAL_BATCH, JOURNAL_COLUMNS
from bench.journal_rows import fill_journal, journal_line
from tests.auth import api_client
from tests.xlsx_reader import read_xlsx

#: (small, large) journal per format: ten times the lines, each more than one batch (xlsxwriter under
#: tracemalloc is the slow one, so its journal is the shorter).
SIZES = {"csv": (4_000, 40_000), "jsonl": (4_000, 40_000), "xlsx": (3_000, 30_000)}
#: How much more the export may peak at for ten times the lines: a bounded batch and fixed buffers only.
MAX_GROWTH = 2.0


def _peak(svc: Services, tmp_path: Path, fmt: str, since: int) -> int:
    args = argparse.Namespace(since=since, format=fmt, output=str(tmp_path / f"out.{fmt}"), company=None)
    tracemalloc.start()
    try:
        assert cmd_export_journal(svc, args) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "xlsx"])
def test_the_exports_memory_does_not_grow_with_the_journal(services: Services, tmp_path: Path,
                                                          fmt: str) -> None:
    lines, total = SIZES[fmt]
    fill_journal(services.view, total)
    # The last few lines, then all of them: the same code, ten times the lines.
    small = _peak(services, tmp_path, fmt, since=total - lines)
    large = _peak(services, tmp_path, fmt, since=0)
    assert large < MAX_GROWTH * small, (fmt, small, large)
    out = tmp_path / f"out.{fmt}"
    if fmt == "csv":
        with out.open(newline="") as f:
            rows = list(csv.reader(f))
        assert len(rows) == total + 1 and rows[-1][0] == str(total)
    elif fmt == "jsonl":
        with out.open() as f:
            last = json.loads(f.readlines()[-1])
        assert last["cursor"] == total and last["debit"] == "0.00"
    else:
        assert os.path.getsize(out) > total  # opened in the test below at a readable size


def test_every_format_writes_the_lines_of_the_view(services: Services, tmp_path: Path) -> None:
    count = 2 * JOURNAL_BATCH + 3  # several batches and a part of one
    fill_journal(services.view, count)
    written: dict[str, Any] = {}
    for fmt in ("csv", "jsonl", "xlsx"):
        args = argparse.Namespace(since=0, format=fmt, output=str(tmp_path / f"j.{fmt}"), company=None)
        assert cmd_export_journal(services, args) == 0
        written[fmt] = (tmp_path / f"j.{fmt}").read_bytes()
    rows = list(csv.DictReader(io.StringIO(written["csv"].decode())))
    assert [int(r["cursor"]) for r in rows] == list(range(1, count + 1))  # each line once, in order
    assert [json.loads(line) for line in written["jsonl"].decode().splitlines()] == rows_as_json(rows)
    sheet = read_xlsx(written["xlsx"])
    assert sheet.rows[0] == list(JOURNAL_COLUMNS) and len(sheet.rows) == count + 1
    first = journal_line(1)
    assert sheet.rows[1][:3] == [1, 1, 0] and sheet.rows[1][9] == first[9] / 100


def rows_as_json(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [{**r, "cursor": int(r["cursor"]), "entry": int(r["entry"]), "line": int(r["line"])} for r in rows]


def test_a_journal_page_over_http_is_read_a_batch_at_a_time(services: Services,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    fill_journal(services.view, 2500)
    asked: list[int] = []
    journal = services.view.journal

    def spy(since: int, limit: int, *args: Any, **kw: Any) -> Any:
        asked.append(limit)
        return journal(since, limit, *args, **kw)

    monkeypatch.setattr(services.view, "journal", spy)
    http = api_client(services, "accounting")
    for fmt in ("csv", "jsonl", "xlsx"):
        asked.clear()
        answer = http.get("/journal", params={"format": fmt, "limit": 2400, "since": 50})
        assert answer.status_code == 200 and answer.headers["x-next-cursor"] == "2450", answer.text
        assert asked == [JOURNAL_BATCH, 400], fmt  # never the whole page in one read
    empty = http.get("/journal", params={"format": "csv", "since": 2500})
    assert empty.headers["x-next-cursor"] == "2500" and empty.text == ",".join(JOURNAL_COLUMNS) + "\n"
