"""Lists and reports as XLSX workbooks a finance clerk opens in Excel or LibreOffice: numbers as numbers,
dates as dates, a frozen header row with a filter on it, and native charts over the rows.

One sheet per workbook: a header row (the JSON field names, as the CSV header) and one row per record.
xlsxwriter (https://xlsxwriter.readthedocs.io/) writes it in ``constant_memory`` mode: each row goes to a
temporary file as soon as the next one starts, so a million-row export holds one row in memory, not the
sheet (the rows must come in order, which every Saldo list and export already does). The workbook is
zipped when it is closed, so its bytes exist only once the last row is written; :func:`xlsx_response`
therefore writes it to a spooled temporary file (memory up to :data:`MAX_SPOOLED_BYTES`, then disk) and
streams that file out.

What a cell holds, per :data:`ColumnKind`:

- ``money`` and ``decimal``: a number. Excel stores every number as a binary double, so ``122.10`` is kept
  as the nearest double; that is acceptable *for display* because a double holds 15 significant digits
  exactly: every Saldo amount (at most 999,999,999.99 per posting, sums far below 10^13) shows to the cent
  with the 2-decimal format, and a sum Excel computes over a column is right to the cent too. The exact
  form stays the CSV and the JSON (decimal text): the accounting system reads those, never the workbook.
- ``date``/``datetime``: a real Excel date (a serial number with a date format), so it sorts and filters
  as a date; a datetime with a timezone is written in UTC (Excel has no timezones).
- ``text``: always a string cell, written with ``write_string`` and the workbook's ``strings_to_formulas``
  off, so ``=HYPERLINK(...)`` from a bank file is shown as the text it is and never run (the CSV needs
  :func:`api.listing.safe_cell`'s leading ``'`` for that; a string cell needs nothing).

Formats per language (:func:`number_formats`): Excel keeps a number format's code in a neutral form
(``#,##0.00``: comma groups, point decimals) and shows it with the separators of the reader's own Excel
locale, so a number format is the same for every language; a date format is not translated that way, so
the language picks its order (``dd/mm/yyyy`` in Italy and Spain, ``d.m.yyyy`` in Finland, ISO otherwise).

Same rows give identical bytes: the workbook's created/modified date is fixed (:data:`WORKBOOK_DATE`
unless the caller names one), and xlsxwriter fixes the zip entries' timestamps itself.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, BinaryIO, Literal

from babel.numbers import get_currency_symbol
from fastapi import Response
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ledger.core.errors import InvalidInput

ColumnKind = Literal["text", "integer", "decimal", "money", "date", "datetime", "boolean"]
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Most data rows a sheet holds: Excel's 1,048,576 rows, less the header.
MAX_SHEET_ROWS = 1_048_575
#: Most characters in a cell (Excel's limit); a longer text would be cut, so it is refused instead.
MAX_CELL_CHARS = 32_767
#: Excel's limit on a sheet name (and the characters it refuses in one are replaced).
MAX_SHEET_NAME_CHARS = 31
#: Widest a column is made (in characters); a longer text wraps nowhere, the column just stops growing.
MAX_COLUMN_WIDTH = 60
#: How many rows the column widths are measured on: enough to see the shape, no cost per row after.
WIDTH_SAMPLE_ROWS = 1000
#: A workbook response is kept in memory up to this size, then on disk, before it is streamed out.
MAX_SPOOLED_BYTES = 8 * 1024 * 1024
#: Bytes read per chunk when streaming a written workbook.
STREAM_CHUNK_BYTES = 64 * 1024
#: The created/modified date written into every workbook unless the caller names one: a constant, so that
#: the same rows give the same bytes (rule 4), whenever they are exported.
WORKBOOK_DATE = datetime(2000, 1, 1)

#: Date order per language; Swedish is Finland-Swedish here (d.m.yyyy), as Saldo's ``sv`` customers are.
DATE_FORMATS = {"it": "dd/mm/yyyy", "es": "dd/mm/yyyy", "ca": "dd/mm/yyyy", "fi": "d.m.yyyy",
                "sv": "d.m.yyyy", "en": "yyyy-mm-dd"}
MONEY_FORMAT = "#,##0.00"
DECIMAL_FORMAT = "General"
INTEGER_FORMAT = "0"
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")
_SHEET_NAME_REFUSED = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class Column:
    """One column: its header (the JSON field name, like the CSV header) and what its cells hold."""

    name: str
    kind: ColumnKind = "text"
    #: ISO 4217 code of a money column whose rows are all in one currency (shown with its symbol).
    currency: str | None = None


@dataclass(frozen=True)
class Chart:
    """A native Excel chart over the written rows: ``category`` names the column of the categories,
    ``values`` the columns of the series (a pie shows the first)."""

    kind: Literal["column", "bar", "line", "pie"]
    title: str
    category: str
    values: tuple[str, ...]
    stacked: bool = False


class SheetTooLong(InvalidInput):
    """More rows than one Excel sheet holds: export the rest from the cursor, or as CSV."""


def number_formats(locale: str, currency: str | None = None) -> dict[str, str]:
    """The Excel number format per column kind in ``locale`` (a money column with its currency's symbol:
    before the amount in English, after it elsewhere, as CLDR writes them).

    >>> number_formats("it")["date"], number_formats("fi")["datetime"], number_formats("en", "EUR")["money"]
    ('dd/mm/yyyy', 'd.m.yyyy hh:mm:ss', '"€"#,##0.00')
    >>> number_formats("es", "EUR")["money"]
    '#,##0.00\\\\ "€"'
    """
    day = DATE_FORMATS.get(locale, DATE_FORMATS["en"])
    money = MONEY_FORMAT
    if currency:
        symbol = get_currency_symbol(currency, locale=locale if locale in DATE_FORMATS else "en")
        money = f'"{symbol}"{MONEY_FORMAT}' if locale == "en" else f'{MONEY_FORMAT}\\ "{symbol}"'
    return {"money": money, "decimal": DECIMAL_FORMAT, "integer": INTEGER_FORMAT, "date": day,
            "datetime": f"{day} hh:mm:ss"}


def sheet_name_of(name: str) -> str:
    """``name`` as Excel accepts a sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = name.translate(_SHEET_NAME_REFUSED).strip("'")[:MAX_SHEET_NAME_CHARS]
    return cleaned or "Sheet1"


def write_xlsx(out: BinaryIO, sheet_name: str, columns: Sequence[Column], rows: Iterable[Sequence[object]],
               *, locale: str = "en", charts: Sequence[Chart] = (), created: datetime | None = None) -> int:
    """Write one sheet of ``rows`` (each in the order of ``columns``) to ``out`` as an XLSX workbook, and
    the number of rows written. Rows are consumed one at a time (constant memory)."""
    book = Workbook(out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                          "strings_to_numbers": False})
    try:
        book.set_properties({"created": created or WORKBOOK_DATE})
        name = sheet_name_of(sheet_name)
        sheet = book.add_worksheet(name)
        styles = _styles(book, columns, locale)
        widths = [len(c.name) + 3 for c in columns]  # room for the filter button
        sheet.write_row(0, 0, [c.name for c in columns], styles["header"])
        count = _write_rows(sheet, columns, rows, styles, widths)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(width, MAX_COLUMN_WIDTH))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(count, 1), max(len(columns) - 1, 0))
        for position, chart in enumerate(charts):
            _add_chart(book, sheet, name, columns, chart, count, position)
    finally:
        book.close()
    return count


def _styles(book: Workbook, columns: Sequence[Column], locale: str) -> dict[str, Format]:
    styles = {"header": book.add_format({"bold": True, "bottom": 1})}
    for column in columns:
        key = f"{column.kind}:{column.currency or ''}"
        if key not in styles and column.kind in ("money", "decimal", "integer", "date", "datetime"):
            code = number_formats(locale, column.currency)[column.kind]
            styles[key] = book.add_format({"num_format": code})
    return styles


def _write_rows(sheet: Worksheet, columns: Sequence[Column], rows: Iterable[Sequence[object]],
                styles: dict[str, Format], widths: list[int]) -> int:
    writers = [_cell_writer(c, styles.get(f"{c.kind}:{c.currency or ''}")) for c in columns]
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > MAX_SHEET_ROWS:
            raise SheetTooLong(f"an Excel sheet holds at most {MAX_SHEET_ROWS} rows; export the rest from "
                               "the next cursor, or as CSV", "format")
        for col, (write, value) in enumerate(zip(writers, row, strict=True)):
            if value is None or value == "":
                continue  # an empty cell, as the CSV's empty field
            shown = write(sheet, count, col, value)
            if count <= WIDTH_SAMPLE_ROWS and shown + 2 > widths[col]:
                widths[col] = shown + 2
    return count


CellWriter = Callable[[Worksheet, int, int, Any], int]


def _cell_writer(column: Column, style: Format | None) -> CellWriter:
    """How ``column``'s cells are written; each writer returns the width the value shows at."""
    kind = column.kind

    def text(sheet: Worksheet, row: int, col: int, value: Any) -> int:
        value = str(value)
        if len(value) > MAX_CELL_CHARS:
            raise InvalidInput(f"{column.name} of row {row} is longer than an Excel cell holds "
                               f"({MAX_CELL_CHARS} characters); export it as CSV", column.name)
        sheet.write_string(row, col, value)
        return len(value)

    def number(sheet: Worksheet, row: int, col: int, value: Any) -> int:
        if kind == "integer":
            sheet.write_number(row, col, int(value), style)
        else:  # a double, for display (see the module's note); the CSV and JSON keep the exact decimal
            sheet.write_number(row, col, float(Decimal(value) if isinstance(value, str) else value), style)
        return len(str(value)) + (4 if kind == "money" else 0)  # grouping and the symbol

    def moment(sheet: Worksheet, row: int, col: int, value: Any) -> int:
        sheet.write_datetime(row, col, _excel_moment(value, kind == "date"), style)
        return 19 if kind == "datetime" else 10

    def boolean(sheet: Worksheet, row: int, col: int, value: Any) -> int:
        sheet.write_boolean(row, col, value if isinstance(value, bool) else str(value).lower() == "true")
        return 5

    if kind in ("money", "decimal", "integer"):
        return number
    if kind in ("date", "datetime"):
        return moment
    return boolean if kind == "boolean" else text


def _excel_moment(value: Any, day_only: bool) -> date | datetime:
    """A date or a naive UTC datetime (Excel has no timezones) of a date, a datetime or their ISO text."""
    if isinstance(value, str):
        value = date.fromisoformat(value) if day_only else datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if day_only and isinstance(value, datetime):
        return value.date()
    return value  # type: ignore[no-any-return]


def _add_chart(book: Workbook, sheet: Worksheet, name: str, columns: Sequence[Column], chart: Chart,
               count: int, position: int) -> None:
    """``chart`` over rows 1..count of the sheet, placed right of the data (one under the other)."""
    index = {c.name: i for i, c in enumerate(columns)}
    unknown = [c for c in (chart.category, *chart.values) if c not in index]
    if unknown:
        raise ValueError(f"chart {chart.title!r} names columns the sheet does not have: {unknown}")
    options: dict[str, Any] = {"type": chart.kind}
    if chart.stacked and chart.kind in ("column", "bar", "line"):
        options["subtype"] = "stacked"
    native = book.add_chart(options)
    if native is None:
        raise ValueError(f"xlsxwriter has no chart of kind {chart.kind!r}")
    category = index[chart.category]
    for value_name in chart.values[:1] if chart.kind == "pie" else chart.values:
        col = index[value_name]
        native.add_series({"name": [name, 0, col], "categories": [name, 1, category, max(count, 1), category],
                           "values": [name, 1, col, max(count, 1), col]})
    native.set_title({"name": chart.title})
    sheet.insert_chart(1 + position * 20, len(columns) + 1, native)


def xlsx_response(filename: str, write: Callable[[BinaryIO], object]) -> Response:
    """The workbook ``write`` writes, as a download named ``filename``.

    ``write`` runs before the answer starts, so a refusal (an unmapped GL account, a sheet too long) is
    still a problem document and never half a file; the workbook goes to a spooled temporary file (memory
    up to :data:`MAX_SPOOLED_BYTES`, then disk) and is streamed from there, closed when sent.
    """
    spool = tempfile.SpooledTemporaryFile(max_size=MAX_SPOOLED_BYTES)  # noqa: SIM115 (closed when sent)
    try:
        write(spool)  # type: ignore[arg-type]  # a SpooledTemporaryFile is a binary file
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    disposition = f'attachment; filename="{_SAFE_FILENAME.sub("_", filename)}"'
    return StreamingResponse(_chunks(spool), media_type=XLSX_MEDIA_TYPE,
                             headers={"Content-Disposition": disposition},
                             background=BackgroundTask(spool.close))


def _chunks(file: Any) -> Iterator[bytes]:
    while chunk := file.read(STREAM_CHUNK_BYTES):
        yield chunk
