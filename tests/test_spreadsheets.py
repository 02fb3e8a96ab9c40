"""The XLSX writer (api/spreadsheets.py): numbers as numbers, dates as dates, text never a formula, a
frozen header row with a filter, formats per language, native charts, identical bytes for the same rows,
and memory that does not grow with the rows (constant_memory)."""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from api.spreadsheets import Chart, Column, SheetTooLong, number_formats, sheet_name_of, write_xlsx
from tests.xlsx_reader import read_xlsx

COLUMNS = (Column("account"), Column("amount", "money"), Column("due", "date"),
           Column("recorded_at", "datetime"), Column("lines", "integer"), Column("open", "boolean"),
           Column("rate", "decimal"))
ROWS = [("CA-1", Decimal("122.50"), date(2026, 3, 31), datetime(2026, 4, 1, 8, 30, tzinfo=UTC), 3, True,
         Decimal("0.125")),
        ("=HYPERLINK(\"http://x\")", Decimal("-12.05"), "2026-01-15", "2026-01-15T10:00:00+02:00", "7",
         False, "1.5"),
        ("+1", None, None, None, None, None, None)]


def _xlsx(rows: object = ROWS, **kw: object) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, "Open items", COLUMNS, rows, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def test_cells_keep_their_kinds() -> None:
    sheet = read_xlsx(_xlsx())
    assert sheet.rows[0] == [c.name for c in COLUMNS]
    assert sheet.rows[1] == ["CA-1", 122.5, date(2026, 3, 31), datetime(2026, 4, 1, 8, 30), 3, True, 0.125]
    # ISO text is read as the date it names; a timezone is written in UTC.
    assert sheet.rows[2] == ["=HYPERLINK(\"http://x\")", -12.05, date(2026, 1, 15),
                             datetime(2026, 1, 15, 8, 0), 7, False, 1.5]
    assert sheet.rows[3][0] == "+1" and sheet.rows[3][1:] == []  # empty cells stay empty
    assert sheet.formulas == 0  # text that looks like a formula is a string, never run
    assert sheet.formats[1][1] == "#,##0.00" and sheet.formats[1][2] == "yyyy-mm-dd"
    assert sheet.formats[1][3] == "yyyy-mm-dd hh:mm:ss"


def test_header_is_frozen_and_filtered() -> None:
    xml = read_xlsx(_xlsx()).xml.decode()
    assert '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' in xml
    assert '<autoFilter ref="A1:G4"/>' in xml
    assert '<col min="1" max="1" width="' in xml  # widths set from the values


@pytest.mark.parametrize(("locale", "day"), [("it", "dd/mm/yyyy"), ("es", "dd/mm/yyyy"), ("ca", "dd/mm/yyyy"),
                                             ("fi", "d.m.yyyy"), ("sv", "d.m.yyyy"), ("en", "yyyy-mm-dd")])
def test_date_format_follows_the_language(locale: str, day: str) -> None:
    sheet = read_xlsx(_xlsx(locale=locale))
    assert sheet.formats[1][2] == day and sheet.formats[1][3] == f"{day} hh:mm:ss"
    assert sheet.rows[1][2] == date(2026, 3, 31)


def test_money_with_a_known_currency_shows_its_symbol() -> None:
    assert number_formats("en", "EUR")["money"] == '"€"#,##0.00'
    assert number_formats("fi", "EUR")["money"] == '#,##0.00\\ "€"'
    out = io.BytesIO()
    write_xlsx(out, "x", [Column("amount", "money", currency="CHF")], [(Decimal("5.00"),)], locale="it")
    sheet = read_xlsx(out.getvalue())
    assert sheet.rows[1] == [5.0] and "CHF" in (sheet.formats[1][0] or "")


def test_same_rows_give_identical_bytes() -> None:
    assert _xlsx() == _xlsx()
    assert _xlsx() != _xlsx(rows=ROWS[:2])
    assert _xlsx(created=datetime(2026, 1, 1)) == _xlsx(created=datetime(2026, 1, 1))
    core = zipfile.ZipFile(io.BytesIO(_xlsx())).read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


def test_charts_reference_the_written_rows() -> None:
    columns = (Column("month"), Column("energy", "money"), Column("network", "money"))
    rows = [("2026-01", Decimal("10.00"), Decimal("2.00")), ("2026-02", Decimal("12.00"), Decimal("3.00"))]
    out = io.BytesIO()
    write_xlsx(out, "Revenue", columns, rows,
               charts=[Chart("column", "Revenue", "month", ("energy", "network"), stacked=True),
                       Chart("pie", "Share", "month", ("energy",))])
    book = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    first = book.read("xl/charts/chart1.xml").decode()
    assert "<c:f>Revenue!$A$2:$A$3</c:f>" in first and "<c:f>Revenue!$C$2:$C$3</c:f>" in first
    assert '<c:grouping val="stacked"/>' in first
    assert "<c:pieChart>" in book.read("xl/charts/chart2.xml").decode()
    with pytest.raises(ValueError, match="nope"):
        write_xlsx(io.BytesIO(), "x", columns, rows, charts=[Chart("line", "t", "month", ("nope",))])


def test_sheet_names_are_what_excel_accepts() -> None:
    assert sheet_name_of("Aged receivables: 2026/03 [all]") == "Aged receivables_ 2026_03 _all_"
    assert len(sheet_name_of("x" * 40)) == 31 and sheet_name_of("") == "Sheet1"


def test_more_rows_than_a_sheet_holds_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("api.spreadsheets.MAX_SHEET_ROWS", 2)
    with pytest.raises(SheetTooLong, match="at most 2 rows"):
        _xlsx()


def _rows(count: int) -> Iterator[tuple[object, ...]]:
    for i in range(count):
        yield (f"CA-{i}", Decimal(i) / 100, date(2026, 1, 1), datetime(2026, 1, 1, 8), i, i % 2 == 0,
               Decimal("0.5"))


def _peak(count: int) -> int:
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as out:  # on disk, so the peak is the writer's own
            written = write_xlsx(out, "x", COLUMNS, _rows(count))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == count
    return peak


def test_memory_does_not_grow_with_the_rows() -> None:
    """constant_memory: ten times the rows, not ten times the memory."""
    small, large = _peak(2_000), _peak(20_000)
    assert large < 2 * small, (small, large)
