"""What the supply-point list and a supply point's history answer (issue 11, "find and read everything")."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel


class SupplyPointItem(BaseModel):
    """A supply point (POD, PDR, CUPS, GSRN, EIC, water meter) and its latest contract.

    ``occupied`` while that contract has no end date; ``vacant`` once it has one and no successor was signed
    there (a move-out without successor, a rescission): ``vacant_from`` is the day after its end."""

    scheme: str
    supply_point_id: str
    commodity: str
    status: Literal["occupied", "vacant"]
    contract_id: str  #: the latest contract at the point
    account_id: str
    partner_id: str | None  #: the holder of that contract's account
    tariff_code: str
    since: date  #: the latest contract's start
    until: date | None  #: its end date, if it has one
    vacant_from: date | None


class TenureOut(BaseModel):
    """One contract at the point: who held it (voltura, subentro, move-in) and for how long."""

    contract_id: str
    account_id: str
    partner_id: str | None
    commodity: str
    tariff_code: str
    start_date: date
    end_date: date | None


class SupplyPointOut(BaseModel):
    current: SupplyPointItem
    holders: list[TenureOut]  #: oldest first
