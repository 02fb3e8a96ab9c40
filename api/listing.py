"""What every list endpoint shares: the page parameters, the opaque cursor, and the CSV rendering.

A cursor is the last row's (sort, direction, sort value, id), JSON in URL-safe base64: opaque to clients
(they pass back what they got), checked on the way in, so a cursor of another sort or a made-up one is a
422 naming ``after`` rather than a wrong page. ``format=csv`` gives the same page as CSV: a header row, one
line per item, money as plain decimals (``122.50``), nested values as JSON.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from fastapi import Query, Response
from pydantic import BaseModel

from api.schemas import limits as n
from ledger.core.errors import InvalidInput
from projections.lists import LISTINGS, MAX_PAGE_SIZE, PageRequest

#: Longest cursor accepted (a sort value is at most a name of :data:`~api.schemas.limits.MAX_NAME_LENGTH`).
MAX_CURSOR_LENGTH = 1000
#: Default rows per page.
DEFAULT_PAGE_SIZE = 100

After = Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH, description="the page before's `next`")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
Sort = Annotated[str | None, Query(max_length=n.MAX_CODE_LENGTH, description="a sort name; `-name` descends")]
Format = Annotated[Literal["json", "csv"], Query()]
Filter = Annotated[str | None, Query(max_length=n.MAX_NAME_LENGTH)]


def encode_cursor(sort: str, descending: bool, after: tuple[Any, str]) -> str:
    raw = json.dumps([sort, descending, after[0], after[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def page_request(listing: str, sort: str | None, after: str | None, limit: int,
                 filters: Mapping[str, str | None]) -> PageRequest:
    """The page asked for, or :class:`InvalidInput` naming ``sort`` or ``after``."""
    sorts = LISTINGS[listing].sorts
    name = sort or next(iter(sorts))
    descending = name.startswith("-")
    name = name.removeprefix("-")
    if name not in sorts:
        raise InvalidInput(f"sort must be one of {', '.join(sorts)} (- to descend), got {sort!r}", "sort")
    position = None
    if after is not None:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)))
            s, d, value, last_id = decoded
            # The value's type must be the sort column's: PostgreSQL refuses to compare text with bigint.
            typed = (isinstance(value, int) and not isinstance(value, bool) if LISTINGS[listing].numeric(name)
                     else isinstance(value, str))
            valid = s == name and d is descending and typed and isinstance(last_id, str)
        except (ValueError, TypeError, binascii.Error):
            valid = False
        if not valid:
            raise InvalidInput("after is not a cursor this list gave for this sort", "after")
        position = (value, last_id)
    return PageRequest(name, descending, position, limit,
                       {k: v for k, v in filters.items() if v is not None})


class Page(BaseModel):
    items: list[Any]
    next: str | None  #: pass as ``after`` for the next page; None on the last page


def _flat(item: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, Mapping):
            out.update({f"{key}.{k}": v for k, v in value.items()})
        elif isinstance(value, list):
            out[key] = json.dumps(value, separators=(",", ":"))
        else:
            out[key] = "" if value is None else value
    return out


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


def respond(items: Sequence[BaseModel], model: type[BaseModel], request: PageRequest,
            after: tuple[Any, str] | None, fmt: str) -> Page | Response:
    cursor = encode_cursor(request.sort, request.descending, after) if after is not None else None
    if fmt == "csv":
        return csv_response(items, model, cursor)
    return Page(items=list(items), next=cursor)
