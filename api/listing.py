"""What every list endpoint shares: the page parameters, the opaque cursor, and the CSV rendering.

A cursor is the last row's (sort, direction, sort value, id), JSON in URL-safe base64: opaque to clients
(they pass back what they got), checked on the way in, so a cursor of another sort or a made-up one is a
422 naming ``after`` rather than a wrong page. ``format=csv`` gives the same page as CSV: a header row, one
line per item, money as plain decimals (``122.50``), nested values as JSON, the same columns as the JSON
items; a text cell a spreadsheet would run as a formula is escaped (:func:`safe_cell`). ``format=xlsx``
gives the same header and rows as an Excel workbook (:mod:`api.spreadsheets`), each column's cells of the
kind its field's type says (:func:`columns_of`: an amount a number with two decimals, a date a date), with
number and date formats in the language the request accepts.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Query, Response
from pydantic import BaseModel

from api.languages import answer_language
from api.schemas import SheetKind
from api.schemas import limits as n
from api.spreadsheets import Column, ColumnKind, write_xlsx, xlsx_response
from ledger.core.errors import InvalidInput
from projections.lists import LISTINGS, MAX_PAGE_SIZE, PageRequest

#: Longest cursor accepted (a sort value is at most a name of :data:`~api.schemas.limits.MAX_NAME_LENGTH`).
MAX_CURSOR_LENGTH = 1000
#: Default rows per page.
DEFAULT_PAGE_SIZE = 100

After = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH, description="the page before's `next`")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Sort = Annotated[str | None, Query(max_length=n.MAX_CODE_LENGTH, description="a sort name; `-name` descends")]
Format = Annotated[Literal["json", "csv", "xlsx"], Query()]
Filter = Annotated[str | None, Query(max_length=n.MAX_NAME_LENGTH)]


def encode_cursor(sort: str, descending: bool, after: tuple[Any, str]) -> str:
    raw = json.dumps([sort, descending, after[0], after[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(after: str, sort: str, descending: bool, numeric: bool) -> tuple[Any, str]:
    """The (sort value, id) ``after`` holds, or :class:`InvalidInput` naming ``after`` when it is not a
    cursor given for this sort and direction."""
    try:
        s, d, value, last_id = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
        # The value's type must be the sort column's: PostgreSQL refuses to compare text with bigint.
        typed = isinstance(value, int) and not isinstance(value, bool) if numeric else isinstance(value, str)
        valid = s == sort and d is descending and typed and isinstance(last_id, str)
    except (ValueError, TypeError, binascii.Error):
        valid = False
    if not valid:
        raise InvalidInput("after is not a cursor this list gave for this sort", "after")
    return value, last_id


def sort_named(sort: str | None, sorts: Sequence[str]) -> tuple[str, bool]:
    """(sort name, descending) of ``sort`` (the first of ``sorts`` if none), or InvalidInput naming it."""
    name = sort or sorts[0]
    descending = name.startswith("-")
    name = name.removeprefix("-")
    if name not in sorts:
        raise InvalidInput(f"sort must be one of {', '.join(sorts)} (- to descend), got {sort!r}", "sort")
    return name, descending


def page_request(listing: str, sort: str | None, after: str | None, limit: int,
                 filters: Mapping[str, str | tuple[str, ...] | None]) -> PageRequest:
    """The page asked for, or :class:`InvalidInput` naming ``sort`` or ``after``."""
    name, descending = sort_named(sort, list(LISTINGS[listing].sorts))
    position = None
    if after is not None:
        position = decode_cursor(after, name, descending, LISTINGS[listing].numeric(name))
    return PageRequest(name, descending, position, limit,
                       {k: v for k, v in filters.items() if v is not None})


class Page(BaseModel):
    items: list[Any]
    next: str | None  #: pass as ``after`` for the next page; None on the last page


def _flat(item: Mapping[str, Any], escape: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, Mapping):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        elif isinstance(value, list):
            out[key] = json.dumps(value, separators=(",", ":"))
        else:
            out[key] = "" if value is None else value
    return {k: safe_cell(v) for k, v in out.items()} if escape else out


#: A cell a spreadsheet would read as a formula: it starts with one of these (OWASP, CSV injection:
#: https://owasp.org/www-community/attacks/CSV_Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell no spreadsheet runs: text starting like a formula gets a leading ``'``.

    A plain number (``-12.50``, a credit) stays as it is: a spreadsheet reads it as the number it is, and
    a ledger's negative amounts must stay numbers.

    >>> safe_cell("=HYPERLINK(\"http://x\")"), safe_cell("-12.50"), safe_cell("@SUM(A1)"), safe_cell(3)
    ('\'=HYPERLINK("http://x")', '-12.50', "'@SUM(A1)", 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def csv_response(items: Sequence[BaseModel], columns: type[BaseModel], next_cursor: str | None) -> Response:
    """The page as CSV: the header from the item model (also for an empty page), one line per item."""
    rows = [_flat(i.model_dump(mode="json")) for i in items]
    header = list(_flat({k: _example(columns, k) for k in columns.model_fields}))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    headers = {"X-Next-Cursor": next_cursor} if next_cursor else {}
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)


def _example(model: type[BaseModel], field: str) -> Any:
    """A nested model's field names, so the header flattens it like the rows."""
    annotation = model.model_fields[field].annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return dict.fromkeys(annotation.model_fields, "")
    return ""


#: The kind of a spreadsheet column per field type (a Decimal is money unless marked a Quantity).
_KINDS: dict[type, ColumnKind] = {bool: "boolean", int: "integer", float: "decimal", Decimal: "money",
                                  datetime: "datetime", date: "date"}


def _kind(field: Any) -> ColumnKind:
    """The column kind of a pydantic field: its SheetKind mark, else its type's (``X | None`` as ``X``)."""
    for mark in field.metadata:
        if isinstance(mark, SheetKind):
            return typing.cast(ColumnKind, mark.kind)
    annotation = field.annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        present = [a for a in typing.get_args(annotation) if a is not type(None)]
        annotation = present[0] if len(present) == 1 else str
    return _KINDS.get(annotation, "text") if isinstance(annotation, type) else "text"


def columns_of(model: type[BaseModel]) -> list[Column]:
    """The spreadsheet columns of ``model``'s items: the CSV header's names, each with its field's kind
    (a nested model's fields flattened as ``name.field``, a list as its JSON text)."""
    columns = []
    for name, field in model.model_fields.items():
        nested = field.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            columns += [Column(f"{name}.{k}", _kind(f)) for k, f in nested.model_fields.items()]
        else:
            columns.append(Column(name, "text" if typing.get_origin(nested) is list else _kind(field)))
    return columns


def xlsx_list_response(items: Sequence[BaseModel], model: type[BaseModel], next_cursor: str | None,
                       name: str) -> Response:
    """The page as an XLSX workbook (sheet and file named ``name``): the CSV's header and rows, typed."""
    columns = columns_of(model)
    rows = ([_flat(i.model_dump(mode="json"), escape=False).get(c.name) for c in columns] for i in items)
    response = xlsx_response(f"{name}.xlsx", lambda out: write_xlsx(out, name, columns, rows,
                                                                      locale=answer_language()))
    if next_cursor:
        response.headers["X-Next-Cursor"] = next_cursor
    return response


def list_response(items: Sequence[BaseModel], model: type[BaseModel], next_cursor: str | None, fmt: str,
                  name: str) -> Response:
    """The page as CSV or XLSX (``fmt``), the lists' other formats than JSON."""
    if fmt == "xlsx":
        return xlsx_list_response(items, model, next_cursor, name)
    return csv_response(items, model, next_cursor)


def dicts_response(items: Sequence[Mapping[str, Any]], model: type[BaseModel], fmt: str,
                   name: str) -> Response:
    """Items answered as JSON objects (a run's proposals) as CSV or XLSX, their columns ``model``'s."""
    return list_response([model.model_validate(i) for i in items], model, None, fmt, name)


def respond(items: Sequence[BaseModel], model: type[BaseModel], request: PageRequest,
            after: tuple[Any, str] | None, fmt: str, name: str = "list") -> Page | Response:
    cursor = encode_cursor(request.sort, request.descending, after) if after is not None else None
    if fmt != "json":
        return list_response(items, model, cursor, fmt, name)
    return Page(items=list(items), next=cursor)
