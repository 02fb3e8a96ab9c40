"""Readings and load curves of a contract's supply point, for the staff and the customer's portal.

Register readings come from the supply point's own stream (:class:`~ledger.billing.readings.MeterReadings`,
one aggregate per supply point); a load curve from its month's stream (one
:class:`~ledger.billing.load_curves.LoadCurveMonth` per supply point and month): each request reads one
aggregate, the same one billing rates from, never a loop over customers. The curve is given raw (per
interval) or added up per local day, per month, or per time-of-use band of a calendar (the ARERA
F1/F2/F3 bands by default), for one month or a range of months (:mod:`api.load_curve_view`); intervals
not received are counted as ``missing``, never as zero.

A portal token sees only its holder's side of a holder change
(:func:`ledger.accounts.holder_change.holder_window`): the old holder up to the change date, the new one from
the next day; a month wholly outside it is "not found", as if nothing had been received (in a range of
months, it is left out). The staff see all.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel

from api.deps import ActorDep, ServicesDep
from api.listing import Format, list_response
from api.load_curve_view import curve_range, months_between
from api.schemas import Quantity
from api.spreadsheets import XLSX_MEDIA_TYPE
from ledger.accounts.contract import Contract
from ledger.accounts.holder_change import SupplyPointOccupancy, holder_window, within
from ledger.billing.load_curves import LoadCurveMonth
from ledger.billing.rating.calendar import DEFAULT_CALENDARS, ITALY_ARERA
from ledger.billing.readings import MeterReadings
from ledger.core.actor import Role
from ledger.core.errors import InvalidInput, NotFound

#: The days a reader may see: (first, last), either None for no bound.
Window = tuple[date | None, date | None]
ALL_DAYS: Window = (None, None)

router = APIRouter(tags=["readings"])
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
OneMonth = Annotated[str | None, Query(pattern=_MONTH, max_length=7, examples=["2026-03"])]
FromMonth = Annotated[str | None, Query(alias="from", pattern=_MONTH, max_length=7, examples=["2026-01"])]
ToMonth = Annotated[str | None, Query(alias="to", pattern=_MONTH, max_length=7, examples=["2026-12"],
                                      description="the last month read (included); `from` alone: one month")]
By = Annotated[Literal["interval", "day", "month", "band"], Query()]
CalendarName = Annotated[str, Query(max_length=64)]


class ReadingOut(BaseModel):
    reading_id: str
    read_on: date
    index: Quantity
    multiplier: Quantity
    source: str
    supersedes: str | None
    superseded_by: str | None
    recorded_on: date
    counts: bool  #: on the consumption chain (not held for review, or accepted on review)
    review: str | None  #: held, accepted or rejected, when it was held for review


class ReadingsOut(BaseModel):
    contract_id: UUID
    supply_point: str
    readings: list[ReadingOut]


class CurveValue(BaseModel):
    key: str  #: the interval's UTC start, the local day, the month, or the band
    value: Quantity
    missing: int  #: intervals not received in it


class LoadCurveOut(BaseModel):
    contract_id: UUID
    supply_point: str
    month: str  #: the first month read (as ``from_month``)
    from_month: str
    to_month: str  #: the last month read, included
    unit: str
    resolution_min: int
    time_zone: str
    by: str
    values: list[CurveValue]


def _contract(svc: ServicesDep, contract_id: UUID) -> Contract:
    contract = svc.app.find(Contract, contract_id)
    if contract is None:
        raise NotFound(f"contract {contract_id} does not exist", "contract_id")
    return contract


def _window(svc: ServicesDep, contract: Contract, actor: ActorDep) -> Window:
    """What of the supply point's data the reader may see: all (staff), or its holder's days (portal)."""
    if actor.role is not Role.PORTAL:
        return ALL_DAYS
    occupancy = svc.app.find(SupplyPointOccupancy, SupplyPointOccupancy.id_for(contract.supply_point))
    return holder_window(occupancy, contract)


@router.get("/contracts/{contract_id}/readings", response_model=None,
            responses={200: {"model": ReadingsOut, "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def readings(contract_id: UUID, svc: ServicesDep, actor: ActorDep,
             format: Format = "json") -> ReadingsOut | Response:
    """Every register reading of the contract's supply point, by date, with what superseded it (for a
    portal, those of its holder's days only); ``format=csv``: the readings, one line each."""
    contract = _contract(svc, contract_id)
    window = _window(svc, contract, actor)
    point = contract.supply_point.id
    meter = svc.app.find(MeterReadings, MeterReadings.id_for(point))
    rows = sorted((r for r in meter.readings.values() if within(window, r.read_on)),
                  key=lambda r: (r.read_on, r.reading_id)) if meter else []
    out = [ReadingOut(reading_id=r.reading_id, read_on=r.read_on, index=r.index, multiplier=r.multiplier,
                      source=r.source.value, supersedes=r.supersedes,
                      superseded_by=meter.superseded_by.get(r.reading_id) if meter else None,
                      recorded_on=r.recorded_on, counts=meter.counts(r.reading_id) if meter else True,
                      review=meter.reviews[r.reading_id].status if meter and r.reading_id in meter.reviews
                      else None)
           for r in rows]
    if format != "json":
        return list_response(out, ReadingOut, None, format, "readings")
    return ReadingsOut(contract_id=contract_id, supply_point=point, readings=out)


@router.get("/contracts/{contract_id}/load-curve", response_model=None,
            responses={200: {"model": LoadCurveOut, "content": {"text/csv": {}, XLSX_MEDIA_TYPE: {}}}})
def load_curve(contract_id: UUID, svc: ServicesDep, actor: ActorDep, month: OneMonth = None,
               start: FromMonth = None, end: ToMonth = None, by: By = "day",
               calendar: CalendarName = ITALY_ARERA.name, format: Format = "json") -> LoadCurveOut | Response:
    """The load curve of one ``month``, or of the months ``from`` to ``to`` (at most
    :data:`~api.load_curve_view.MAX_LOAD_CURVE_MONTHS`), raw, per local day, per month, or per band (for
    a portal, of its holder's days only); ``format=csv``: the values, one line each."""
    if month is not None and (start is not None or end is not None):
        raise InvalidInput("ask for one month, or for from and to, not both", "month")
    first = month or start or end
    if first is None:
        raise InvalidInput("month (or from and to) is required", "month")
    months = months_between(first, month or end or first)
    contract = _contract(svc, contract_id)
    point = contract.supply_point.id
    window = _window(svc, contract, actor)
    bands = DEFAULT_CALENDARS.get(calendar)
    if bands is None:
        raise InvalidInput(f"calendar must be one of {', '.join(DEFAULT_CALENDARS)}", "calendar")
    curves = [(m, svc.app.find(LoadCurveMonth, LoadCurveMonth.id_for(point, m))) for m in months]
    found = curve_range(curves, by, bands, point, lambda day: within(window, day))
    curve = found.first
    values = [CurveValue(key=p.key, value=p.value, missing=p.missing) for p in found.points]
    if format != "json":
        return list_response(values, CurveValue, None, format, "load-curve")
    return LoadCurveOut(contract_id=contract_id, supply_point=point, month=months[0], from_month=months[0],
                        to_month=months[-1], unit=curve.unit, resolution_min=curve.resolution_min,
                        time_zone=curve.time_zone, by=by, values=values)
