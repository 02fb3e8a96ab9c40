"""The portfolio: how many accounts, contracts and supply points each company has, by status, commodity
and payment method, and what the accounts owe.

One list of rows, one per group: ``subject`` says what is counted (``accounts``, ``contracts``,
``supply_points``); a dimension that does not apply to a subject is None (an account has no commodity, a
supply point has no currency). Only accounts carry an open balance: a contract's invoices are open items
of its account, and a collective invoice is no one contract's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from projections.reports.consumption import money

ACCOUNTS, CONTRACTS, SUPPLY_POINTS = "accounts", "contracts", "supply_points"


@dataclass(frozen=True, slots=True)
class PortfolioRow:
    subject: str
    company: str
    status: str | None  #: contracts: active / ended; supply points: occupied / vacant
    commodity: str | None
    scheme: str | None  #: supply points: the identifier scheme (pod, pdr, cups, gsrn…)
    payment_method: str | None  #: the account's (of the contract's, of the point's latest contract)
    currency: str | None
    count: int
    open_items: Decimal | None  #: accounts: what their open items add up to
    credit: Decimal | None  #: accounts: credit on account
    balance: Decimal | None  #: accounts: open items less credit


def fold_portfolio(accounts: Iterable[Sequence[Any]], contracts: Iterable[Sequence[Any]],
                   points: Iterable[Sequence[Any]]) -> list[PortfolioRow]:
    """Rows of the three grouped queries of :class:`~projections.reports.queries.ReportQueries`, accounts
    first, then contracts, then supply points, each in key order."""
    out = [PortfolioRow(ACCOUNTS, company, None, None, None, method or None, currency, int(n),
                        money(int(open_)), money(int(credit)), money(int(open_) - int(credit)))
           for company, currency, method, n, open_, credit in accounts]
    out += [PortfolioRow(CONTRACTS, company, status, commodity, None, method or None, None, int(n),
                         None, None, None)
            for company, commodity, status, method, n in contracts]
    out += [PortfolioRow(SUPPLY_POINTS, company, status, commodity, scheme, method or None, None, int(n),
                         None, None, None)
            for company, commodity, status, scheme, method, n in points]
    return out


def total_count(rows: Iterable[PortfolioRow], subject: str, **where: str) -> int:
    """How many of ``subject`` the rows count where each named dimension has the given value."""
    return sum(r.count for r in rows
               if r.subject == subject and all(getattr(r, k) == v for k, v in where.items()))
