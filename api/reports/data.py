"""The reports, one function each, for the API (and the command line): given the services and the
selection, the typed rows of :mod:`projections.reports`, read from the catalog and the ledger view.

Each brings the catalog up to date first (the ledger view is, after every command), names an unknown
company as a 422 on ``company`` (:func:`~ledger.parties.company.company_named`), and returns rows in key
order, so the same events give the same report, byte for byte, in every format. :func:`table` turns rows
into the (columns, rows) a CSV or XLSX writer takes.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from api.bootstrap import Services
from api.spreadsheets import Column, ColumnKind
from ledger.parties.company import company_named
from projections.as_of import AgedAccount, PointInTime, fold_aged
from projections.reports.collections import CollectionRow, fold_collections
from projections.reports.consumption import ConsumptionRow, PeriodTotal, fold_documents, fold_lines
from projections.reports.periods import ReportPeriod
from projections.reports.portfolio import PortfolioRow, fold_portfolio

#: Columns that hold money (the others of Decimal type are quantities and shares).
MONEY_COLUMNS = frozenset({"net", "vat", "gross", "amount", "open_items", "credit", "balance"})


@dataclass(frozen=True, slots=True)
class ConsumptionReport:
    period: ReportPeriod
    company: str | None
    commodity: str | None
    rows: list[ConsumptionRow]
    totals: list[PeriodTotal]


def _company(svc: Services, code: str | None) -> str | None:
    return None if code is None else company_named(svc.app, code).code


def consumption_revenue(svc: Services, period: ReportPeriod, company: str | None = None,
                        commodity: str | None = None) -> ConsumptionReport:
    """Consumption and revenue billed in ``period`` (by issue date), of ``company`` and ``commodity``
    (None: every one): the lines' quantities and nets, and the documents' net, VAT and gross."""
    code = _company(svc, company)
    svc.catalog.catch_up()
    default = svc.app.companies.default.code
    first, last = period.first_day.isoformat(), period.last_day.isoformat()
    lines = svc.view.billed_lines(first, last, code, commodity, default)
    documents = svc.view.billed_documents(first, last, code, commodity, default)
    return ConsumptionReport(period, code, commodity, fold_lines(lines, period.period_of),
                             fold_documents(documents, period.period_of))


def portfolio(svc: Services, company: str | None = None) -> list[PortfolioRow]:
    """Accounts, contracts and supply points per company, status, commodity and payment method."""
    code = _company(svc, company)
    svc.catalog.catch_up()
    default = svc.app.companies.default.code
    view = svc.view
    return fold_portfolio(view.portfolio_accounts(code, default),
                          view.portfolio_contracts(code, svc.app.today().isoformat(), default),
                          view.portfolio_supply_points(code, default))


def collection_success(svc: Services, period: ReportPeriod,
                       company: str | None = None) -> list[CollectionRow]:
    """Direct debits collected in ``period`` (by collection date): collected, pending, returned per reason
    (worded by each company's return policy)."""
    code = _company(svc, company)
    companies = svc.app.companies
    rows = svc.view.collection_outcomes(period.first_day.isoformat(), period.last_day.isoformat(), code,
                                        companies.default.code)

    def reason_of(company_code: str, reason_code: str) -> str:
        config = companies.named(company_code) or companies.default
        return config.return_policy.rule_for(reason_code).description

    return fold_collections(rows, period.period_of, reason_of)


def aged_totals(svc: Services, at: PointInTime, company: str | None = None) -> dict[str, tuple[int, ...]]:
    """Per currency, the open items' cents not due, 1–30, 31–60, 61–90 and over 90 days past due on
    ``at`` (the aged receivables report's totals), for the aging chart."""
    code = _company(svc, company)
    default = svc.app.companies.default.code
    aged: list[AgedAccount] = fold_aged(svc.view.aged_receivables(at, None, code, default))
    sums: dict[str, list[int]] = {}
    for a in aged:
        row = sums.setdefault(a.currency, [0] * 5)
        for i, cents in enumerate(a.buckets):
            row[i] += cents
    return {currency: tuple(cents) for currency, cents in sorted(sums.items())}


def _kind(annotation: Any, name: str) -> ColumnKind:
    """The spreadsheet column kind of a row field (api.spreadsheets.ColumnKind)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if isinstance(annotation, types.UnionType) and args else annotation
    if base is Decimal:
        return "money" if name in MONEY_COLUMNS else "decimal"
    if base is bool:
        return "boolean"
    return "integer" if base is int else "text"


def table(row_type: type, rows: Sequence[Any]) -> tuple[list[Column], list[tuple[Any, ...]]]:
    """(columns with their kind, row values) of report rows (dataclasses, or flat pydantic models): the fields
    in declaration order, the JSON's and the CSV's columns."""
    if isinstance(row_type, type) and issubclass(row_type, BaseModel):
        fields = {name: f.annotation for name, f in row_type.model_fields.items()}
    else:
        hints = typing.get_type_hints(row_type)
        fields = {f.name: hints[f.name] for f in dataclasses.fields(row_type)}  # type: ignore[arg-type]
    columns = [Column(name, _kind(annotation, name)) for name, annotation in fields.items()]
    return columns, [tuple(getattr(r, name) for name in fields) for r in rows]
