"""Exports for the accounting system: the journal, one posting per line, paged by cursor."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from api.deps import ServicesDep
from api.journal import JOURNAL_COLUMNS, journal_record
from api.listing import safe_cell

#: Most journal lines one request returns; the accounting system pages on with ``since=<next cursor>``.
MAX_JOURNAL_PAGE = 10_000

router = APIRouter()


@router.get("/journal", tags=["accounting"],
            responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
                             "description": "one posting per line, in store order"}})
def journal(svc: ServicesDep, since: Annotated[int, Query(ge=0)] = 0,
            limit: Annotated[int, Query(ge=1, le=MAX_JOURNAL_PAGE)] = 1000,
            format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl") -> Response:
    rows = svc.view.journal(since, limit)
    next_cursor = str(rows[-1][0]) if rows else str(since)
    headers = {"X-Next-Cursor": next_cursor}
    records = [dict(zip(JOURNAL_COLUMNS, journal_record(r), strict=True)) for r in rows]
    if format == "csv":
        return StreamingResponse(_csv(records), media_type="text/csv; charset=utf-8", headers=headers)
    body = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in records)
    return Response(body, media_type="application/x-ndjson", headers=headers)


def _csv(records: list[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=JOURNAL_COLUMNS, lineterminator="\n")
    writer.writeheader()
    # A document reference can come from a bank file: escaped like every list's CSV (api.listing.safe_cell).
    writer.writerows({k: safe_cell(v) for k, v in r.items()} for r in records)
    yield buffer.getvalue()
