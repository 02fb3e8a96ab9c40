"""Reports for finance and auditors: aged receivables, as of a business date and as known at a moment."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from api.as_of import AsOfDep, recorded_now
from api.deps import ServicesDep, account_row, money
from api.languages import answer_language
from api.listing import csv_response
from api.reports.data import table
from api.schemas.reports import AgedAccountOut, AgedReceivablesOut, AgedTotalOut
from api.spreadsheets import XLSX_MEDIA_TYPE, Chart, write_xlsx, xlsx_response
from ledger.core.errors import InvalidInput
from ledger.parties.company import MAX_COMPANY_CODE_LENGTH, CompanyConfig, company_named
from projections.as_of import AgedAccount, PointInTime, fold_aged

#: Most accounts one page of the report lists (the totals always cover every account).
MAX_AGED_PAGE = 1000

router = APIRouter()


def _buckets(buckets: tuple[int, ...], credit_cents: int) -> dict[str, Decimal]:
    return {"not_due": money(buckets[0]), "days_1_30": money(buckets[1]), "days_31_60": money(buckets[2]),
            "days_61_90": money(buckets[3]), "days_over_90": money(buckets[4]), "total": money(sum(buckets)),
            "credit": money(credit_cents)}


def _account_out(a: AgedAccount) -> AgedAccountOut:
    return AgedAccountOut(account_id=UUID(a.account_id), name=a.name, currency=a.currency,
                          **_buckets(a.buckets, a.credit_cents))


def _totals(accounts: list[AgedAccount]) -> list[AgedTotalOut]:
    """Per currency (an account is kept in one): the buckets and credit of every account, added up."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    for a in accounts:
        row = sums[a.currency]
        for i, cents in enumerate((*a.buckets, a.credit_cents, 1)):
            row[i] += cents
    return [AgedTotalOut(currency=c, accounts=s[6], **_buckets(tuple(s[:5]), s[5]))
            for c, s in sorted(sums.items())]


def _company(svc: ServicesDep, code: str | None, account: UUID | None) -> CompanyConfig | None:
    """The company the report is for: ``code``'s, or the account's (both: they must agree); else none."""
    chosen = None if code is None else company_named(svc.app, code)
    if account is None:
        return chosen
    account_row(svc, account)
    default = svc.app.companies.default.code
    owner = company_named(svc.app, svc.view.account_companies([str(account)]).get(str(account), default))
    if chosen is not None and chosen.code != owner.code:
        raise InvalidInput(f"account {account} belongs to company {owner.code!r}, not {chosen.code!r}",
                           "company")
    return owner


def _aged_table(fmt: str, page: list[AgedAccountOut], next_after: UUID | None) -> Response:
    """This page of accounts as CSV (the next page's account in ``X-Next-Cursor``) or XLSX, with a chart
    of each account's buckets."""
    if fmt == "csv":
        return csv_response(page, AgedAccountOut, str(next_after) if next_after else None)
    columns, rows = table(AgedAccountOut, page)
    chart = Chart("bar", "Aging of receivables", "name",
                  ("not_due", "days_1_30", "days_31_60", "days_61_90", "days_over_90"), stacked=True)
    headers = {"X-Next-Cursor": str(next_after)} if next_after else {}
    response = xlsx_response("aged-receivables.xlsx", lambda out: write_xlsx(
        out, "aged-receivables", columns, rows, locale=answer_language(), charts=(chart,)))
    response.headers.update(headers)
    return response


@router.get("/reports/aged-receivables", tags=["reports"], response_model=None,
            responses={200: {"model": AgedReceivablesOut, "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def aged_receivables(svc: ServicesDep, at: AsOfDep,
                     account: Annotated[UUID | None, Query(description="only this contract account")] = None,
                     after: Annotated[UUID | None, Query(description="the page after this account")] = None,
                     limit: Annotated[int, Query(ge=1, le=MAX_AGED_PAGE)] = MAX_AGED_PAGE,
                     company: Annotated[str | None, Query(
                         min_length=1, max_length=MAX_COMPANY_CODE_LENGTH,
                         description="only this company's receivables (its code); default: the "
                                     "account's company, else every company's")] = None,
                     format: Annotated[Literal["json", "csv", "xlsx"], Query(
                         description="json, or this page of accounts as csv or xlsx")] = "json",
                     ) -> AgedReceivablesOut | Response:
    """Open items by days past due on ``as_of`` (default today), using what was recorded by ``known_at``
    (default now): not due, 1–30, 31–60, 61–90 and over 90 days, per account and for the company. The
    buckets of each account add up to its open items on that date (``/accounts/{id}/open-items``). With
    ``company`` (or ``account``), that company's accounts only, and the report names it."""
    at = at or PointInTime(svc.app.today(), recorded_now())
    chosen = _company(svc, company, account)
    # One company (issue 11): the one asked for, or the account's. Neither: every company of the
    # installation, named one by one (with one company, the default company, as before).
    names = [c.creditor_name for c in (svc.app.companies.companies if chosen is None else (chosen,))]
    default = svc.app.companies.default.code
    aged = fold_aged(svc.view.aged_receivables(at, str(account) if account is not None else None,
                                               None if chosen is None else chosen.code, default))
    page = [a for a in aged if after is None or a.account_id > str(after)][:limit]
    more = bool(page) and page[-1].account_id != aged[-1].account_id
    if format != "json":
        return _aged_table(format, [_account_out(a) for a in page],
                           UUID(page[-1].account_id) if more else None)
    return AgedReceivablesOut(
        company=", ".join(names), company_code=None if chosen is None else chosen.code, as_of=at.as_of,
        known_at=at.known_at, totals=_totals(aged),
        accounts=[_account_out(a) for a in page],
        next_after=UUID(page[-1].account_id) if more else None)
