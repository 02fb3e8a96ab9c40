"""What the customer portal page shows of one contract account, and the two things a customer does there.

Everything is read and written through the API's own route functions (balance, portal summary, the
account's documents and contracts, readings, direct debit; the self-reading and the mandate's IBAN
change), so the page shows what the API answers and a command from the page is the API's command, with
its checks. Scoping is the gate's: the page's path names the account (or contract), and for a portal
token anything not its business partner's is the 404 of an id that does not exist (:mod:`api.access`).

The IBAN change is the SEPA mandate amendment (:class:`~ledger.collections.commands.ChangeMandateIban`):
what a utility does when a customer paying by direct debit moves to another bank. The next collection
carries the amendment (``AmdmntInd``). A customer who pays by bank transfer has no mandate to amend, and
the page says so instead of offering the form: starting direct debit needs a signed mandate, which finance
registers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi import Response

from api.bootstrap import Services
from api.load_curve_view import curve_range
from api.routes import accounts, billing, collections, consumption, dunning, lists
from api.schemas.billing import SelfReadingIn
from api.schemas.collections import IbanChangeIn
from api.web.chart import MAX_CHART_MONTHS, MonthBands
from api.web.forms import FormError
from ledger.accounts.contract import Contract
from ledger.accounts.holder_change import SupplyPointOccupancy, holder_window, within
from ledger.billing.load_curves import LoadCurveMonth
from ledger.billing.rating.calendar import ITALY_ARERA
from ledger.core.actor import Actor, Role
from ledger.core.errors import DomainError, InvalidInput, NotFound

#: Documents listed on the page, newest first (older ones: the account's statement, or ask finance).
MAX_PORTAL_DOCUMENTS = 24
#: Contracts shown with their readings and chart (a collective account with more: the first ones).
MAX_PORTAL_CONTRACTS = 10
#: Register readings listed per contract, the latest first.
MAX_PORTAL_READINGS = 6
#: The time-of-use calendar the chart's bands follow (the API's default, ARERA F1/F2/F3).
CHART_CALENDAR = ITALY_ARERA


@dataclass
class ContractPanel:
    """One contract on the page: its supply point, latest readings and monthly consumption by band."""

    contract_id: str
    supply_point: str
    commodity: str
    readings: list[Any]
    months: list[MonthBands]
    bands: tuple[str, ...]
    unit: str


@dataclass
class PortalPage:
    account_id: UUID
    balance: Any
    summary: Any
    documents: list[Any]
    contracts: list[ContractPanel]
    direct_debit: Any
    errors: dict[str, str] = field(default_factory=dict)


def last_months(today: date, count: int = MAX_CHART_MONTHS) -> list[str]:
    """The ``count`` months up to ``today``'s, oldest first, as ``YYYY-MM``.

    >>> last_months(date(2026, 2, 14), 3)
    ['2025-12', '2026-01', '2026-02']
    """
    index = today.year * 12 + today.month - 1
    return [f"{(index - k) // 12:04d}-{(index - k) % 12 + 1:02d}" for k in range(count - 1, -1, -1)]


def _visible(svc: Services, contract: Contract, actor: Actor) -> Any:
    """The days of the supply point the reader may see: all (staff), its holder's (a portal token)."""
    if actor.role is not Role.PORTAL:
        return lambda day: True
    occupancy = svc.app.find(SupplyPointOccupancy, SupplyPointOccupancy.id_for(contract.supply_point))
    window = holder_window(occupancy, contract)
    return lambda day: within(window, day)


def monthly_bands(svc: Services, contract: Contract, actor: Actor, months: list[str]
                  ) -> tuple[list[MonthBands], tuple[str, ...], str]:
    """Each month of ``months`` that has a load curve the reader may see, added up per band (one
    aggregate read per month, as ``GET /contracts/{id}/load-curve?by=band`` reads it); the bands, the unit.

    A curve whose time zone the band calendar does not follow is shown as one band, ``total``."""
    point = contract.supply_point.id
    visible = _visible(svc, contract, actor)
    bands: tuple[str, ...] = tuple(CHART_CALENDAR.band_names)
    unit = "kWh"
    out: list[MonthBands] = []
    for month in months:
        curve = svc.app.find(LoadCurveMonth, LoadCurveMonth.id_for(point, month))
        if curve is None:
            continue
        try:
            found = curve_range([(month, curve)], "band", CHART_CALENDAR, point, visible)
        except NotFound:  # none of the month's days is the reader's
            continue
        except InvalidInput:  # a curve the bands do not fit (another wall clock): the month's total
            found = curve_range([(month, curve)], "month", CHART_CALENDAR, point, visible)
            bands = ("total",)
        unit = found.first.unit
        values = tuple(p.value for p in found.points)
        out.append(MonthBands(month, values if len(values) == len(bands) else (sum(values, Decimal(0)),)))
    if bands == ("total",):
        out = [MonthBands(m.month, (m.total,)) for m in out]
    return out, bands, unit


def _contract_panel(svc: Services, actor: Actor, item: Any, months: list[str]) -> ContractPanel:
    contract_id = UUID(item.contract_id)
    contract = svc.app.get(Contract, contract_id, "contract", "contract_id")
    read = consumption.readings(contract_id, svc, actor, "json")
    readings = list(reversed(getattr(read, "readings", [])))[:MAX_PORTAL_READINGS]
    chart, bands, unit = monthly_bands(svc, contract, actor, months)
    return ContractPanel(item.contract_id, f"{item.supply_point.scheme} {item.supply_point.id}",
                         item.commodity, readings, chart, bands, unit)


def portal_page(svc: Services, actor: Actor, account_id: UUID) -> PortalPage:
    """Everything the page shows of the account, or NotFound naming ``account_id``."""
    svc.projections.catch_up()
    balance = accounts.balance(account_id, svc, None)
    summary = dunning.portal_summary(account_id, svc)
    documents = lists.account_invoices(account_id, svc, "-issue_date", None, MAX_PORTAL_DOCUMENTS, "json")
    contracts = lists.account_contracts(account_id, svc, None, None, MAX_PORTAL_CONTRACTS, "json")
    months = last_months(svc.app.today())
    panels = [_contract_panel(svc, actor, item, months) for item in getattr(contracts, "items", [])]
    return PortalPage(account_id, balance, summary, list(getattr(documents, "items", [])), panels,
                      collections.direct_debit(account_id, svc))


def partner_accounts(svc: Services, partner_id: UUID) -> list[Any]:
    """The business partner's contract accounts, as ``GET /accounts?partner_id=`` lists them."""
    page = lists.accounts(svc, None, None, MAX_PORTAL_CONTRACTS, "json", str(partner_id), None, None)
    return list(getattr(page, "items", []))


def _refused(error: DomainError, fields: dict[str, str], default: str) -> FormError:
    """The command's refusal as a message on the form's field (the API's field names mapped to the form's)."""
    name = fields.get(error.field or "", default)
    return FormError(name, str(error))


def submit_self_reading(svc: Services, actor: Actor, contract_id: UUID, read_on: str, index: str,
                        key: str) -> dict[str, Any]:
    """The customer's own reading, as ``POST /contracts/{id}/self-readings`` records it: refused with the
    reason if it contradicts an actual read, held for review if it is not plausible."""
    try:
        day = date.fromisoformat(read_on.strip())
    except ValueError:
        raise FormError("read_on", f"{read_on[:20]!r} is not a date (YYYY-MM-DD)") from None
    if not index.strip():
        raise FormError("index", "the meter index is required")
    try:
        body = SelfReadingIn(read_on=day, index=index.strip())
    except ValueError as error:
        raise FormError("index", f"{index[:30]!r} is not a meter index: {_first(error)}") from None
    try:
        return billing.self_reading(contract_id, body, key, svc, actor, Response())
    except NotFound:
        raise
    except DomainError as error:
        raise _refused(error, {"read_on": "read_on", "index": "index"}, "index") from None


def change_iban(svc: Services, actor: Actor, account_id: UUID, new_iban: str, key: str) -> dict[str, Any]:
    """The mandate's new IBAN (schwifty checks it, national check digits too), as
    ``POST /accounts/{id}/mandate/iban`` records it; an account with no active mandate is refused."""
    if not new_iban.strip():
        raise FormError("new_iban", "the new IBAN is required")
    try:
        body = IbanChangeIn(new_iban="".join(new_iban.split()))
    except ValueError as error:
        raise FormError("new_iban", _first(error)) from None
    try:
        return collections.change_iban(account_id, body, key, svc, actor, Response())
    except NotFound:
        raise
    except DomainError as error:
        raise _refused(error, {"new_iban": "new_iban", "account_id": "new_iban"}, "new_iban") from None


def _first(error: ValueError) -> str:
    """The first reason pydantic gives, without its links."""
    errors = getattr(error, "errors", None)
    if callable(errors):
        found = errors()
        if found:
            return str(found[0].get("msg", error))
    return str(error).splitlines()[0]
