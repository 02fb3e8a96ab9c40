"""Exports for the accounting system: the journal, one posting per line, paged by cursor, and the trial
balance; both per company (``company``), a company's books never mixed with another's."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from api.deps import ServicesDep, money
from api.journal import JOURNAL_COLUMNS, gl_number, journal_record
from api.listing import safe_cell
from api.schemas.exports import TrialBalanceBookOut, TrialBalanceLineOut, TrialBalanceOut
from ledger.core.errors import InvalidInput
from ledger.parties.company import MAX_COMPANY_CODE_LENGTH, company_named

#: Most journal lines one request returns; the accounting system pages on with ``since=<next cursor>``.
MAX_JOURNAL_PAGE = 10_000

router = APIRouter()

CompanyQuery = Annotated[str | None, Query(min_length=1, max_length=MAX_COMPANY_CODE_LENGTH,
                                           description="only this company's books (its code)")]


def _company(svc: ServicesDep, code: str | None) -> str | None:
    """``code`` if it is a company of this installation, else InvalidInput naming ``company``."""
    return None if code is None else company_named(svc.app, code).code


@router.get("/journal", tags=["accounting"],
            responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}},
                             "description": "one posting per line, in store order, with its company and "
                                            "that company's GL account number"},
                       409: {"description": "a line books to an account its company does not map"}})
def journal(svc: ServicesDep, since: Annotated[int, Query(ge=0)] = 0,
            limit: Annotated[int, Query(ge=1, le=MAX_JOURNAL_PAGE)] = 1000,
            format: Annotated[Literal["jsonl", "csv"], Query()] = "jsonl",
            company: CompanyQuery = None) -> Response:
    companies = svc.app.companies
    rows = svc.view.journal(since, limit, _company(svc, company), companies.default.code)
    next_cursor = str(rows[-1][0]) if rows else str(since)
    headers = {"X-Next-Cursor": next_cursor}
    records = [dict(zip(JOURNAL_COLUMNS, journal_record(r, companies), strict=True)) for r in rows]
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


@router.get("/trial-balance", tags=["accounting"],
            responses={409: {"description": "an account its company does not map to a GL number"}})
def trial_balance(svc: ServicesDep, company: CompanyQuery = None,
                  first_day: Annotated[date | None, Query(description="booked on or after")] = None,
                  last_day: Annotated[date | None, Query(description="booked on or before")] = None,
                  ) -> TrialBalanceOut:
    """Debits and credits per ledger account of each company's books (or of ``company``'s), per currency,
    over the postings booked from ``first_day`` to ``last_day``: the journal's lines of those days (and
    that company), added up. Each company's books balance on their own."""
    if first_day is not None and last_day is not None and last_day < first_day:
        raise InvalidInput("last_day is before first_day", "last_day")
    companies = svc.app.companies
    first, last = (None if d is None else d.isoformat() for d in (first_day, last_day))
    rows = svc.view.trial_balance(_company(svc, company), first, last, companies.default.code)
    books: dict[tuple[str, str], list[TrialBalanceLineOut]] = {}
    for code, currency, account, debit, credit, lines in rows:
        config = companies.named(code)
        books.setdefault((code, currency), []).append(TrialBalanceLineOut(
            gl_account=account, gl_number=gl_number(config, code, account) if config else "",
            debit=money(int(debit)), credit=money(int(credit)), balance=money(int(debit) - int(credit)),
            lines=int(lines)))
    out = []
    for (code, currency), accounts in books.items():
        config = companies.named(code)
        debit = sum((a.debit for a in accounts), Decimal("0.00"))
        credit = sum((a.credit for a in accounts), Decimal("0.00"))
        out.append(TrialBalanceBookOut(company=code, legal_name=config.legal_name if config else code,
                                       currency=currency, accounts=accounts, total_debit=debit,
                                       total_credit=credit, balanced=debit == credit))
    return TrialBalanceOut(first_day=first_day, last_day=last_day, books=out)
