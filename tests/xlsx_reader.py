"""A small XLSX reader for tests (no openpyxl in the environment): the cells of the first sheet as Python
values, read with zipfile and lxml from ``xl/worksheets/sheet1.xml``, the shared or inline strings, and
the cell styles' number formats (a number whose format has a year in it is a date or datetime)."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from lxml import etree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
EXCEL_EPOCH = datetime(1899, 12, 30)


@dataclass
class Sheet:
    rows: list[list[Any]]  #: the cells, row by row (None for an empty cell)
    formats: list[list[str | None]]  #: each cell's number format code (None for General / no style)
    xml: bytes  #: sheet1.xml as written
    formulas: int  #: how many cells hold a formula


def _column_index(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters is not None
    index = 0
    for ch in letters.group():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _number_formats(book: zipfile.ZipFile) -> list[str | None]:
    styles = etree.fromstring(book.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.iterfind("m:numFmts/m:numFmt", NS)}
    return [custom.get(int(xf.get("numFmtId", "0"))) for xf in styles.iterfind("m:cellXfs/m:xf", NS)]


def read_xlsx(data: bytes) -> Sheet:
    book = zipfile.ZipFile(io.BytesIO(data))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in book.namelist():
        strings = etree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(si.itertext()) for si in strings.iterfind("m:si", NS)]
    formats = _number_formats(book)
    xml = book.read("xl/worksheets/sheet1.xml")
    root = etree.fromstring(xml)
    rows: list[list[Any]] = []
    fmts: list[list[str | None]] = []
    formulas = 0
    for r in root.iterfind("m:sheetData/m:row", NS):
        index = int(r.get("r")) - 1
        while len(rows) <= index:
            rows.append([])
            fmts.append([])
        for c in r.iterfind("m:c", NS):
            col = _column_index(c.get("r"))
            code = formats[int(c.get("s", "0"))]
            formulas += c.find("m:f", NS) is not None
            value = _value(c, shared, code)
            while len(rows[index]) <= col:
                rows[index].append(None)
                fmts[index].append(None)
            rows[index][col] = value
            fmts[index][col] = code
    return Sheet(rows, fmts, xml, formulas)


def _value(c: Any, shared: list[str], code: str | None) -> Any:
    kind = c.get("t", "n")
    if kind == "inlineStr":
        return "".join(c.find("m:is", NS).itertext())
    v = c.find("m:v", NS)
    if v is None:
        return None
    if kind == "s":
        return shared[int(v.text)]
    if kind == "b":
        return v.text == "1"
    if kind in ("str", "e"):
        return v.text
    number = float(v.text)
    if code and "yy" in code:
        moment = EXCEL_EPOCH + timedelta(milliseconds=round(number * 86_400_000))
        return moment.date() if "h" not in code else moment
    return number


def as_date(value: Any) -> date:
    assert isinstance(value, date), value
    return value
