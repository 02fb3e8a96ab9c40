"""Reports for finance and auditors: aged receivables, as of a business date and as known at a moment."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from api.as_of import AsOfDep, recorded_now
from api.deps import ServicesDep, account_row, money
from api.schemas.reports import AgedAccountOut, AgedReceivablesOut, AgedTotalOut
from ledger.accounts.account import ContractAccount
from projections.as_of import AgedAccount, PointInTime, fold_aged

#: Most accounts one page of the report lists (the totals always cover every account).
MAX_AGED_PAGE = 1000

router = APIRouter()


def _buckets(buckets: tuple[int, ...], credit_cents: int) -> dict[str, Decimal]:
    return {"not_due": money(buckets[0]), "days_1_30": money(buckets[1]), "days_31_60": money(buckets[2]),
            "days_61_90": money(buckets[3]), "days_over_90": money(buckets[4]), "total": money(sum(buckets)),
            "credit": money(credit_cents)}


def _totals(accounts: list[AgedAccount]) -> list[AgedTotalOut]:
    """Per currency (an account is kept in one): the buckets and credit of every account, added up."""
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 7)
    for a in accounts:
        row = sums[a.currency]
        for i, cents in enumerate((*a.buckets, a.credit_cents, 1)):
            row[i] += cents
    return [AgedTotalOut(currency=c, accounts=s[6], **_buckets(tuple(s[:5]), s[5]))
            for c, s in sorted(sums.items())]


@router.get("/reports/aged-receivables", tags=["reports"])
def aged_receivables(svc: ServicesDep, at: AsOfDep,
                     account: Annotated[UUID | None, Query(description="only this contract account")] = None,
                     after: Annotated[UUID | None, Query(description="the page after this account")] = None,
                     limit: Annotated[int, Query(ge=1, le=MAX_AGED_PAGE)] = MAX_AGED_PAGE
                     ) -> AgedReceivablesOut:
    """Open items by days past due on ``as_of`` (default today), using what was recorded by ``known_at``
    (default now): not due, 1–30, 31–60, 61–90 and over 90 days, per account and for the company. The
    buckets of each account add up to its open items on that date (``/accounts/{id}/open-items``)."""
    at = at or PointInTime(svc.app.today(), recorded_now())
    # One account: its company (issue 11). Every account: every company of the installation, which with one
    # company is the default company, as before.
    names = [c.creditor_name for c in svc.app.companies.companies]
    if account is not None:
        account_row(svc, account)
        names = [svc.app.company_of(svc.app.get(ContractAccount, account, "contract account", "account")
                                    ).creditor_name]
    aged = fold_aged(svc.view.aged_receivables(at, str(account) if account is not None else None))
    page = [a for a in aged if after is None or a.account_id > str(after)][:limit]
    more = bool(page) and page[-1].account_id != aged[-1].account_id
    return AgedReceivablesOut(
        company=", ".join(names), as_of=at.as_of, known_at=at.known_at, totals=_totals(aged),
        accounts=[AgedAccountOut(account_id=UUID(a.account_id), name=a.name, currency=a.currency,
                                 **_buckets(a.buckets, a.credit_cents))
                  for a in page],
        next_after=UUID(page[-1].account_id) if more else None)
