"""Reports for finance, auditors and accounting (issue 14): consumption and revenue billed, the portfolio,
and how direct debits fared, each as JSON, ``format=csv`` or ``format=xlsx`` (the same rows, the same
columns), and their charts as SVG (``…/chart.svg``), with the aging of receivables.

The routes are thin: :mod:`api.reports.data` computes each report, :mod:`api.reports.charts` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, BinaryIO, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.as_of import AsOfDep, recorded_now
from api.deps import ServicesDep, money
from api.languages import answer_language
from api.listing import csv_response
from api.reports import charts
from api.reports import data as reports
from api.schemas import reports as s
from api.spreadsheets import XLSX_MEDIA_TYPE, Chart, write_xlsx, xlsx_response
from ledger.accounts.contract import Commodity
from ledger.parties.company import MAX_COMPANY_CODE_LENGTH
from projections.as_of import PointInTime
from projections.reports.collections import CollectionRow, success_by_reason
from projections.reports.consumption import ConsumptionRow, consumption_by_band
from projections.reports.periods import ReportPeriod, report_period
from projections.reports.portfolio import PortfolioRow

router = APIRouter(tags=["reports"])

_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str | None, Query(pattern=_MONTH, max_length=7, examples=["2026-03"],
                                    description="one calendar month (YYYY-MM); default: every month")]
From = Annotated[date | None, Query(alias="from", description="instead of month: from this day (included)")]
To = Annotated[date | None, Query(description="instead of month: to this day (included)")]
Company = Annotated[str | None, Query(min_length=1, max_length=MAX_COMPANY_CODE_LENGTH,
                                      description="only this company's (its code); default: every company")]
ReportFormat = Annotated[Literal["json", "csv", "xlsx"],
                         Query(description="json, csv or xlsx: the same rows")]
_SVG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/svg+xml": {}}, "description": "a bar chart, SVG (title, axes, values as text)"}}


def _tables(model: type[BaseModel]) -> dict[int | str, dict[str, Any]]:
    """The answers of a report route: its JSON body, or the same rows as CSV or XLSX."""
    return {200: {"model": model, "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}}


def _period_out(period: ReportPeriod) -> s.ReportPeriodOut:
    return s.ReportPeriodOut(first_day=period.first_day, last_day=period.last_day,
                             by="month" if period.by_month else "range")


def _svg(body: bytes) -> Response:
    return Response(body, media_type="image/svg+xml")


def _table(fmt: str, name: str, row_type: type, rows: Sequence[Any], items: Sequence[BaseModel],
           model: type[BaseModel], chart: Chart) -> Response | None:
    """The rows as CSV or XLSX (with ``chart``); None for JSON."""
    if fmt == "csv":
        return csv_response(items, model, None)
    if fmt != "xlsx":
        return None
    columns, values = reports.table(row_type, rows)

    def write(out: BinaryIO) -> None:
        write_xlsx(out, name, columns, values, locale=answer_language(), charts=(chart,))

    return xlsx_response(f"{name}.xlsx", write)


@router.get("/reports/consumption-revenue", response_model=None,
            responses=_tables(s.ConsumptionRevenueOut))
def consumption_revenue(svc: ServicesDep, month: Month = None, start: From = None, to: To = None,
                        company: Company = None, commodity: Commodity | None = None,
                        format: ReportFormat = "json") -> s.ConsumptionRevenueOut | Response:
    """Energy or volume and revenue billed, per period (the month of the documents' issue date, or the
    range asked for), company, commodity, tariff, component and time-of-use band: the lines' quantities
    (in their unit) and net amounts, credit notes negative; and per period and company the documents' net,
    VAT and gross. The items' net of a period and company is the documents' net: what the journal books
    to revenue (and excise) for those documents."""
    period = report_period(month, start, to)
    report = reports.consumption_revenue(svc, period, company, commodity.value if commodity else None)
    items = [s.ConsumptionItem.model_validate(r, from_attributes=True) for r in report.rows]
    chart = Chart("column", "Energy and volume supplied by band", "band", ("supplied",))
    table = _table(format, "consumption-revenue", ConsumptionRow, report.rows, items, s.ConsumptionItem,
                   chart)
    if table is not None:
        return table
    return s.ConsumptionRevenueOut(
        period=_period_out(period), company=report.company, commodity=report.commodity, items=items,
        totals=[s.PeriodTotalOut.model_validate(t, from_attributes=True) for t in report.totals])


@router.get("/reports/consumption-revenue/chart.svg", response_class=Response, responses=_SVG)
def consumption_chart(svc: ServicesDep, month: Month = None, start: From = None, to: To = None,
                      company: Company = None, commodity: Commodity | None = None) -> Response:
    """The energy and volume supplied per time-of-use band and unit, as a bar chart."""
    period = report_period(month, start, to)
    report = reports.consumption_revenue(svc, period, company, commodity.value if commodity else None)
    points = consumption_by_band(report.rows)
    return _svg(charts.bar_chart(
        "Consumption by band",
        f"Energy and volume billed {_span(period)}, {_whose(company)}, per time-of-use band and unit "
        "(credit notes deducted).", "band and unit", "quantity supplied",
        charts.bars(points)))


@router.get("/reports/portfolio", response_model=None,
            responses=_tables(s.PortfolioOut))
def portfolio(svc: ServicesDep, company: Company = None,
              format: ReportFormat = "json") -> s.PortfolioOut | Response:
    """How many accounts, contracts and supply points each company has: accounts by currency and payment
    method (with what they owe), contracts by commodity, status and payment method, supply points by
    commodity, status (occupied or vacant, as the supply-point list says) and scheme."""
    rows = reports.portfolio(svc, company)
    items = [s.PortfolioItem.model_validate(r, from_attributes=True) for r in rows]
    chart = Chart("column", "Portfolio", "subject", ("count",))
    table = _table(format, "portfolio", PortfolioRow, rows, items, s.PortfolioItem, chart)
    if table is not None:
        return table
    return s.PortfolioOut(company=company, on=svc.app.today(), items=items)


@router.get("/reports/collection-success", response_model=None,
            responses=_tables(s.CollectionSuccessOut))
def collection_success(svc: ServicesDep, month: Month = None, start: From = None, to: To = None,
                       company: Company = None,
                       format: ReportFormat = "json") -> s.CollectionSuccessOut | Response:
    """SEPA direct debits per period (the month of their collection date, or the range asked for) and
    company: how many were collected, are pending, and were returned, per return reason code."""
    period = report_period(month, start, to)
    rows = reports.collection_success(svc, period, company)
    items = [s.CollectionItem.model_validate(r, from_attributes=True) for r in rows]
    chart = Chart("column", "Collections by outcome and return reason", "label", ("collections",))
    table = _table(format, "collection-success", CollectionRow, rows, items, s.CollectionItem, chart)
    if table is not None:
        return table
    return s.CollectionSuccessOut(period=_period_out(period), company=company, items=items)


@router.get("/reports/collection-success/chart.svg", response_class=Response, responses=_SVG)
def collection_chart(svc: ServicesDep, month: Month = None, start: From = None, to: To = None,
                     company: Company = None) -> Response:
    """Direct debits collected, pending and returned per reason code, as a bar chart."""
    period = report_period(month, start, to)
    points = success_by_reason(reports.collection_success(svc, period, company))
    return _svg(charts.bar_chart(
        "Collection success by return reason", f"Direct debits collected {_span(period)}, {_whose(company)}:"
        " collected, pending, and returned per reason code.", "outcome", "collections", charts.bars(points)))


@router.get("/reports/aged-receivables/chart.svg", response_class=Response, responses=_SVG)
def aging_chart(svc: ServicesDep, at: AsOfDep, company: Company = None) -> Response:
    """The aged receivables' totals (not due, 1–30, 31–60, 61–90, over 90 days past due), per currency,
    on ``as_of`` as known at ``known_at`` (default: today, now), as a bar chart."""
    at = at or PointInTime(svc.app.today(), recorded_now())
    totals = reports.aged_totals(svc, at, company)
    names = ("not due", "1-30 days", "31-60 days", "61-90 days", "over 90 days")
    points: list[tuple[str, Decimal | int]] = [
        (f"{name} {currency}" if len(totals) > 1 else name, money(cents))
        for currency, buckets in totals.items() for name, cents in zip(names, buckets, strict=True)]
    currency = next(iter(totals)) if len(totals) == 1 else ""
    return _svg(charts.bar_chart(
        "Aging of receivables", f"Open items by days past due on {at.as_of.isoformat()}, {_whose(company)}.",
        "days past due", f"open amount{' (' + currency + ')' if currency else ''}",
        charts.bars(points, currency)))


def _span(period: ReportPeriod) -> str:
    if period.by_month and period.first_day.year == 1900:
        return "in every month"
    return f"from {period.first_day.isoformat()} to {period.last_day.isoformat()}"


def _whose(company: str | None) -> str:
    return "every company" if company is None else f"company {company}"

