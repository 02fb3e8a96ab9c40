"""The reports page (``/ui/reports``) and the downloads of the workplace: every report of the API as a table
with its chart, each with a small form, and the same report as CSV or XLSX.

Each report is shown to the roles its API route names in :mod:`api.access` (:data:`SECTIONS`), and read by
calling that route's own function with the form's fields, checked here first: so the table is what the
API answers as JSON, the chart is the bytes of its ``chart.svg``, and a download (``/ui/reports/<name>.csv``
or ``.xlsx``) is the bytes of its ``format=csv`` or ``xlsx``. The API's routes take only the API's headers;
these page routes take the session cookie too. A field the form cannot use (month ``2026-13``, a company
this installation does not have) is a message on that field, never an error page.

The worklist and an account's open items have downloads too (``/ui/worklist.csv``,
``/ui/accounts/{id}/open-items.xlsx``): the rows the API's JSON answers, written by the lists' own CSV and
XLSX writers (:func:`api.listing.list_response`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from markupsafe import Markup
from starlette.responses import Response

from api import i18n
from api.access import ACCESS
from api.bootstrap import Services
from api.deps import ServicesDep
from api.routes import accounts, exports, payments, report_tables
from api.routes import reports as aged
from api.web.forms import FormError
from api.web.pick import MAX_PICKED_LENGTH, picked
from api.web.render import actor_of, formats, page
from ledger.accounts.contract import Commodity
from ledger.core.errors import InvalidInput
from ledger.parties.company import MAX_COMPANY_CODE_LENGTH
from projections.as_of import PointInTime

router = APIRouter(include_in_schema=False)
REPORTS = "/ui/reports"
#: Each report of the page: its title, and the API route whose roles (api.access) may see it.
SECTIONS = {"consumption-revenue": ("Consumption and revenue", "GET /reports/consumption-revenue"),
            "aged-receivables": ("Aged receivables", "GET /reports/aged-receivables"),
            "collection-success": ("Collection success", "GET /reports/collection-success"),
            "portfolio": ("Portfolio", "GET /reports/portfolio"),
            "trial-balance": ("Trial balance", "GET /trial-balance")}
#: The fields each report's form has.
FIELDS = {"consumption-revenue": ("month", "from", "to", "company", "commodity"),
          "aged-receivables": ("as_of", "known_at", "company"),
          "collection-success": ("month", "from", "to", "company"),
          "portfolio": ("company",),
          "trial-balance": ("company", "first_day", "last_day")}
#: Rows of the aged receivables' accounts shown on the page (the downloads hold the API's whole page).
MAX_SHOWN_ACCOUNTS = 100
#: Receipts in the worklist's download: the API's default page.
WORKLIST_ROWS = 100
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
ReportName = Literal["consumption-revenue", "aged-receivables", "collection-success", "portfolio",
                     "trial-balance"]
FileFormat = Literal["csv", "xlsx"]
Text = Annotated[str, Query(max_length=MAX_PICKED_LENGTH)]


@dataclass(frozen=True)
class Fields:
    """A report form's fields as typed (empty: not asked for)."""

    month: str = ""
    start: str = ""
    to: str = ""
    company: str = ""
    commodity: str = ""
    as_of: str = ""
    known_at: str = ""
    first_day: str = ""
    last_day: str = ""

    def values(self) -> dict[str, str]:
        """The fields by their form (and query) names."""
        return {"month": self.month, "from": self.start, "to": self.to, "company": self.company,
                "commodity": self.commodity, "as_of": self.as_of, "known_at": self.known_at,
                "first_day": self.first_day, "last_day": self.last_day}


def typed_fields(month: Text = "",
                 start: Annotated[str, Query(alias="from", max_length=MAX_PICKED_LENGTH)] = "", to: Text = "",
                 company: Annotated[str, Query(max_length=MAX_COMPANY_CODE_LENGTH)] = "",
                 commodity: Text = "", as_of: Text = "", known_at: Text = "", first_day: Text = "",
                 last_day: Text = "") -> Fields:
    return Fields(*(v.strip() for v in (month, start, to, company, commodity, as_of, known_at, first_day,
                                        last_day)))


FieldsDep = Annotated[Fields, Depends(typed_fields)]


@dataclass(frozen=True)
class Selection:
    """The fields checked, as the API's routes take them."""

    month: str | None
    start: date | None
    to: date | None
    company: str | None
    commodity: Commodity | None
    at: PointInTime | None
    first_day: date | None
    last_day: date | None


def _day(name: str, text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise FormError(name, f"{text!r} is not a date (YYYY-MM-DD)") from None


def selection(svc: Services, fields: Fields) -> Selection:
    """What the form asks for, or :class:`FormError` naming the field that cannot be used."""
    if fields.month and not _MONTH.fullmatch(fields.month):
        raise FormError("month", f"{fields.month!r} is not a month (YYYY-MM, 01 to 12)")
    try:
        commodity = Commodity(fields.commodity) if fields.commodity else None
    except ValueError:
        raise FormError("commodity", f"{fields.commodity!r} is not a commodity") from None
    pick = picked(svc, fields.as_of, fields.known_at)
    if pick.error is not None:
        raise FormError("known_at" if pick.error.lower().startswith("known") else "as_of", pick.error)
    return Selection(fields.month or None, _day("from", fields.start), _day("to", fields.to),
                     fields.company or None, commodity, pick.at, _day("first_day", fields.first_day),
                     _day("last_day", fields.last_day))


def _checked(call: Callable[[], Any]) -> Any:
    """``call``'s answer; what the API refuses (an unknown company, a period backwards) names its field."""
    try:
        return call()
    except InvalidInput as e:
        raise FormError(e.field or "company", str(e)) from None


# -- what each report answers, as the API answers it -----------------------------------------------------

def report_file(svc: Services, name: str, s: Selection, fmt: FileFormat) -> Response:
    """The report as CSV or XLSX: the API route's own ``format=csv``/``xlsx`` answer."""
    calls: dict[str, Callable[[], Any]] = {
        "consumption-revenue": lambda: report_tables.consumption_revenue(
            svc, s.month, s.start, s.to, s.company, s.commodity, fmt),
        "aged-receivables": lambda: aged.aged_receivables(svc, s.at, None, None, aged.MAX_AGED_PAGE,
                                                          s.company, fmt),
        "collection-success": lambda: report_tables.collection_success(svc, s.month, s.start, s.to,
                                                                       s.company, fmt),
        "portfolio": lambda: report_tables.portfolio(svc, s.company, fmt),
        "trial-balance": lambda: exports.trial_balance(svc, s.company, s.first_day, s.last_day, fmt)}
    answer = _checked(calls[name])
    assert isinstance(answer, Response)
    return answer


def _svg(answer: Response) -> Markup:
    # The chart route's bytes as they are: drawn by api.reports.charts, every text in them escaped.
    return Markup(bytes(answer.body).decode())  # noqa: S704


def report_view(svc: Services, name: str, s: Selection) -> dict[str, Any]:
    """The report's JSON answer (``data``) and its chart (``chart``, None for the reports without one)."""
    if name == "consumption-revenue":
        return {"data": _checked(lambda: report_tables.consumption_revenue(
                    svc, s.month, s.start, s.to, s.company, s.commodity, "json")),
                "chart": _svg(report_tables.consumption_chart(svc, s.month, s.start, s.to, s.company,
                                                              s.commodity))}
    if name == "aged-receivables":
        return {"data": _checked(lambda: aged.aged_receivables(svc, s.at, None, None, aged.MAX_AGED_PAGE,
                                                               s.company, "json")),
                "chart": _svg(report_tables.aging_chart(svc, s.at, s.company))}
    if name == "collection-success":
        return {"data": _checked(lambda: report_tables.collection_success(svc, s.month, s.start, s.to,
                                                                          s.company, "json")),
                "chart": _svg(report_tables.collection_chart(svc, s.month, s.start, s.to, s.company))}
    if name == "portfolio":
        return {"data": _checked(lambda: report_tables.portfolio(svc, s.company, "json")), "chart": None}
    return {"data": _checked(lambda: exports.trial_balance(svc, s.company, s.first_day, s.last_day, "json")),
            "chart": None}


# -- the page and the downloads --------------------------------------------------------------------------

def visible(request: Request) -> list[str]:
    """The reports the person logged in may read, as the API's routes say."""
    actor = actor_of(request)
    return [name for name, (_, route) in SECTIONS.items() if actor is not None and actor.role in
            ACCESS[route].roles]


def _section(svc: Services, name: str, fields: Fields) -> dict[str, Any]:
    """One report's part of the page: its form's values, its table and chart, or the field it refused."""
    values = {k: v for k, v in fields.values().items() if k in FIELDS[name]}
    query = urlencode({k: v for k, v in values.items() if v})
    section: dict[str, Any] = {"name": name, "title": SECTIONS[name][0], "values": values, "errors": {},
                               "query": f"?{query}" if query else "", "data": None, "chart": None}
    try:
        section.update(report_view(svc, name, selection(svc, fields)))
    except FormError as error:
        section["errors"] = {error.field: error.message}
    return section


def _reports_page(request: Request, svc: Services, chosen: str, fields: Fields) -> Response:
    sections = [_section(svc, name, fields if name == chosen else Fields()) for name in visible(request)]
    refused = any(s["errors"] for s in sections)
    language = formats(request).language
    return page(request, "reports/index.html", status=422 if refused else 200, title="Reports",
                sections=sections, companies=svc.app.companies.companies,
                commodities=[c.value for c in Commodity], max_shown=MAX_SHOWN_ACCOUNTS,
                number=lambda value: "" if value is None else i18n.number(value, language))


@router.get(REPORTS)
def reports_page(request: Request, svc: ServicesDep, fields: FieldsDep,
                 report: Annotated[str, Query(max_length=40)] = "") -> Response:
    """Every report the person may read, each with its form; ``report`` names the one the fields are for."""
    return _reports_page(request, svc, report, fields)


def _download(request: Request, svc: Services, name: str, fields: Fields, fmt: FileFormat) -> Response:
    try:
        return report_file(svc, name, selection(svc, fields), fmt)
    except FormError:  # the page says which field, next to it
        return _reports_page(request, svc, name, fields)


@router.get(REPORTS + "/consumption-revenue.{fmt}")
def consumption_file(request: Request, svc: ServicesDep, fields: FieldsDep, fmt: FileFormat) -> Response:
    return _download(request, svc, "consumption-revenue", fields, fmt)


@router.get(REPORTS + "/aged-receivables.{fmt}")
def aged_file(request: Request, svc: ServicesDep, fields: FieldsDep, fmt: FileFormat) -> Response:
    return _download(request, svc, "aged-receivables", fields, fmt)


@router.get(REPORTS + "/collection-success.{fmt}")
def collection_file(request: Request, svc: ServicesDep, fields: FieldsDep, fmt: FileFormat) -> Response:
    return _download(request, svc, "collection-success", fields, fmt)


@router.get(REPORTS + "/portfolio.{fmt}")
def portfolio_file(request: Request, svc: ServicesDep, fields: FieldsDep, fmt: FileFormat) -> Response:
    return _download(request, svc, "portfolio", fields, fmt)


@router.get(REPORTS + "/trial-balance.{fmt}")
def trial_balance_file(request: Request, svc: ServicesDep, fields: FieldsDep, fmt: FileFormat) -> Response:
    return _download(request, svc, "trial-balance", fields, fmt)


@router.get("/ui/worklist.{fmt}")
def worklist_file(svc: ServicesDep, fmt: FileFormat) -> Response:
    """The worklist's receipts as CSV or XLSX, a candidate list as JSON text: the API's ``GET /worklist``
    answer itself, so the same bytes."""
    return _file(payments.worklist(svc, WORKLIST_ROWS, fmt))


@router.get("/ui/accounts/{account_id}/open-items.{fmt}")
def open_items_file(account_id: UUID, svc: ServicesDep, fmt: FileFormat) -> Response:
    """An account's open items (live) as CSV or XLSX: the API's ``GET /accounts/{id}/open-items`` answer
    itself, so the same bytes."""
    return _file(accounts.open_items(account_id, svc, None, fmt))


def _file(answer: object) -> Response:
    """The route's file answer (it gives a list only for ``format=json``, which a page never asks)."""
    if not isinstance(answer, Response):
        raise TypeError("a csv or xlsx answer is a Response")
    return answer
