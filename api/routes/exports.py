"""Exports for the accounting system: the journal, one posting per line, paged by cursor, and the trial
balance; both per company (``company``), a company's books never mixed with another's."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from api.deps import ServicesDep, money
from api.journal import (
    check_page_mapped,
    csv_chunks,
    gl_number,
    journal_lines,
    jsonl_chunks,
    write_journal_xlsx,
)
from api.languages import answer_language
from api.listing import Format, list_response, safe_cell
from api.schemas.exports import TrialBalanceBookOut, TrialBalanceLineOut, TrialBalanceOut, TrialBalanceRow
from api.spreadsheets import XLSX_MEDIA_TYPE, xlsx_response
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
            responses={200: {"content": {"application/x-ndjson": {}, "text/csv": {}, XLSX_MEDIA_TYPE: {}},
                             "description": "one posting per line, in store order, with its company and "
                                            "that company's GL account number"},
                       409: {"description": "a line books to an account its company does not map"}})
def journal(svc: ServicesDep, since: Annotated[int, Query(ge=0)] = 0,
            limit: Annotated[int, Query(ge=1, le=MAX_JOURNAL_PAGE)] = 1000,
            format: Annotated[Literal["jsonl", "csv", "xlsx"], Query()] = "jsonl",
            company: CompanyQuery = None) -> Response:
    """The page is fixed before the answer starts (its last cursor, ``X-Next-Cursor``, and that its
    company maps every account it books to), then streamed from the view a batch at a time
    (:func:`api.journal.journal_lines`): a page of any size holds one batch in memory."""
    companies = svc.app.companies
    code = _company(svc, company)
    end = svc.view.journal_page_end(since, limit, code, companies.default.code)
    last = since if end is None else end  # an empty page: nothing after since, and since again
    headers = {"X-Next-Cursor": str(last)}
    check_page_mapped(svc.view, companies, since, last, code)
    records = journal_lines(svc.view, companies, since, code, limit=limit, until=last)
    if format == "xlsx":
        response = xlsx_response("journal.xlsx", lambda out: write_journal_xlsx(out, records,
                                                                                answer_language()))
        response.headers.update(headers)
        return response
    if format == "csv":  # a document reference can come from a bank file: escaped like every list's CSV
        return StreamingResponse(csv_chunks(records, safe_cell), media_type="text/csv; charset=utf-8",
                                 headers=headers)
    return StreamingResponse(jsonl_chunks(records), media_type="application/x-ndjson", headers=headers)


@router.get("/trial-balance", tags=["accounting"], response_model=None,
            responses={200: {"model": TrialBalanceOut, "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}},
                       409: {"description": "an account its company does not map to a GL number"}})
def trial_balance(svc: ServicesDep, company: CompanyQuery = None,
                  first_day: Annotated[date | None, Query(description="booked on or after")] = None,
                  last_day: Annotated[date | None, Query(description="booked on or before")] = None,
                  format: Format = "json") -> TrialBalanceOut | Response:
    """Debits and credits per ledger account of each company's books (or of ``company``'s), per currency,
    over the postings booked from ``first_day`` to ``last_day``: the journal's lines of those days (and
    that company), added up. Each company's books balance on their own. ``format=csv`` or ``xlsx``: one
    line per account, naming its company and currency."""
    if first_day is not None and last_day is not None and last_day < first_day:
        raise InvalidInput("last_day is before first_day", "last_day")
    out = _trial_balance(svc, _company(svc, company), first_day, last_day)
    if format == "json":
        return out
    rows = [TrialBalanceRow(company=b.company, legal_name=b.legal_name, currency=b.currency, **a.model_dump())
            for b in out.books for a in b.accounts]
    return list_response(rows, TrialBalanceRow, None, format, "trial-balance")


def _trial_balance(svc: ServicesDep, company: str | None, first_day: date | None,
                   last_day: date | None) -> TrialBalanceOut:
    companies = svc.app.companies
    first, last = (None if d is None else d.isoformat() for d in (first_day, last_day))
    rows = svc.view.trial_balance(company, first, last, companies.default.code)
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
