"""Readings and load curves of a contract's supply point, for the staff and the customer's portal.

Register readings come from the supply point's own stream (:class:`~ledger.billing.readings.MeterReadings`,
one aggregate per supply point); a load curve from its month's stream (one
:class:`~ledger.billing.load_curves.LoadCurveMonth` per supply point and month): each request reads one
aggregate, the same one billing rates from, never a loop over customers. The curve is given raw (per
interval) or added up per local day, for the month, or per time-of-use band of a calendar (the ARERA
F1/F2/F3 bands by default); intervals not received are counted as ``missing``, never as zero.

A portal token sees only its holder's side of a holder change
(:func:`ledger.accounts.holder_change.holder_window`): the old holder up to the change date, the new one from
the next day; a month wholly outside it is "not found", as if nothing had been received. The staff see all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

import numpy as np
from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.deps import ActorDep, ServicesDep
from ledger.accounts.contract import Contract
from ledger.accounts.holder_change import SupplyPointOccupancy, holder_window, within
from ledger.billing.load_curves import LoadCurveMonth
from ledger.billing.rating.calendar import DEFAULT_CALENDARS, ITALY_ARERA, build_grid, utc_iso
from ledger.billing.readings import MeterReadings
from ledger.core.actor import Role
from ledger.core.errors import InvalidInput, NotFound

#: The days a reader may see: (first, last), either None for no bound.
Window = tuple[date | None, date | None]
ALL_DAYS: Window = (None, None)

router = APIRouter(tags=["readings"])
Month = Annotated[str, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", max_length=7, examples=["2026-03"])]
By = Annotated[Literal["interval", "day", "month", "band"], Query()]
CalendarName = Annotated[str, Query(max_length=64)]


class ReadingOut(BaseModel):
    reading_id: str
    read_on: date
    index: Decimal
    multiplier: Decimal
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
    value: Decimal
    missing: int  #: intervals not received in it


class LoadCurveOut(BaseModel):
    contract_id: UUID
    supply_point: str
    month: str
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


@router.get("/contracts/{contract_id}/readings")
def readings(contract_id: UUID, svc: ServicesDep, actor: ActorDep) -> ReadingsOut:
    """Every register reading of the contract's supply point, by date, with what superseded it (for a
    portal, those of its holder's days only)."""
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
    return ReadingsOut(contract_id=contract_id, supply_point=point, readings=out)


def _decimal(x: float) -> Decimal:
    # The curve is float64 as stored (:mod:`ledger.billing.load_curves`); repr is its shortest exact text.
    return Decimal(repr(float(x))).normalize() if x else Decimal(0)


@router.get("/contracts/{contract_id}/load-curve")
def load_curve(contract_id: UUID, svc: ServicesDep, actor: ActorDep, month: Month, by: By = "day",
               calendar: CalendarName = ITALY_ARERA.name) -> LoadCurveOut:
    """The month's load curve raw, per local day, for the month, or per time-of-use band (for a portal,
    of its holder's days only)."""
    contract = _contract(svc, contract_id)
    point = contract.supply_point.id
    curve = svc.app.find(LoadCurveMonth, LoadCurveMonth.id_for(point, month))
    bands = DEFAULT_CALENDARS.get(calendar)
    if bands is None:
        raise InvalidInput(f"calendar must be one of {', '.join(DEFAULT_CALENDARS)}", "calendar")
    year, mon = int(month[:4]), int(month[5:])
    grid = None if curve is None else build_grid(date(year, mon, 1), date(year + mon // 12, mon % 12 + 1, 1),
                                                 curve.resolution_min, curve.time_zone)
    window = _window(svc, contract, actor)
    seen_days = np.array([within(window, d) for d in grid.dates()], dtype=bool) if grid is not None else None
    if curve is None or grid is None or seen_days is None or not seen_days.any():
        raise NotFound(f"no load curve of {point} in {month}", "month")
    seen = seen_days[grid.day_index]  # per interval: on one of the reader's days
    values = curve.values
    got = ~np.isnan(values) & seen
    filled = np.where(got, values, 0.0)
    if by == "interval":
        step = curve.resolution_min * 60
        out = [CurveValue(key=utc_iso(curve.first_utc_s + i * step), value=_decimal(values[i]), missing=0)
               for i in map(int, np.flatnonzero(got))]
    elif by == "month":
        out = [CurveValue(key=month, value=_decimal(filled.sum()), missing=int((seen & ~got).sum()))]
    else:
        index = grid.day_index if by == "day" else bands.bands(grid)
        names = [d.isoformat() for d in grid.dates()] if by == "day" else list(bands.band_names)
        sums = np.bincount(index, weights=filled, minlength=len(names))
        missing = np.bincount(index, weights=(seen & ~got).astype(np.float64), minlength=len(names))
        shown = seen_days if by == "day" else np.ones(len(names), dtype=bool)
        out = [CurveValue(key=name, value=_decimal(sums[i]), missing=int(missing[i]))
               for i, name in enumerate(names) if shown[i]]
    return LoadCurveOut(contract_id=contract_id, supply_point=point, month=month, unit=curve.unit,
                        resolution_min=curve.resolution_min, time_zone=curve.time_zone, by=by, values=out)
