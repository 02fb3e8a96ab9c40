"""Bodies of the holder-change, move-out, move-in, deposit and regularisation endpoints."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field

from api.schemas import DecimalStr, Strict
from api.schemas import limits as n
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.life_commands import REGULARISATION_DAYS
from ledger.billing.readings import ReadingSource


class DepositIn(Strict):
    customer_kind: str = Field(default="household", max_length=n.MAX_CODE_LENGTH,
                               examples=["household", "business"])
    size: DecimalStr = Field(default="0", description="contracted power in kW, or the yearly volume")
    issue_date: date | None = None
    due_date: date | None = None


class RefundTo(Strict):
    refund_name: str = Field(default="", max_length=n.MAX_PARTY_NAME_LENGTH)
    refund_iban: str = Field(default="", max_length=n.MAX_IBAN_LENGTH)
    refund_town: str = Field(default="", max_length=n.MAX_TOWN_LENGTH)
    refund_country: str = Field(default="IT", max_length=2)


class EndOfSupplyIn(RefundTo):
    end_date: date
    final_index: DecimalStr | None = None
    final_source: ReadingSource = ReadingSource.ACTUAL


class HolderChangeIn(EndOfSupplyIn):
    new_account_id: UUID


class MoveInIn(Strict):
    account_id: UUID
    supply_point_scheme: str = Field(max_length=n.MAX_CODE_LENGTH, examples=["pod"])
    supply_point_id: str = Field(max_length=n.MAX_IDENTIFIER_LENGTH, examples=["IT001E12345678"])
    commodity: Commodity
    tariff_code: str = Field(max_length=n.MAX_CODE_LENGTH)
    billing_frequency: BillingFrequency = BillingFrequency.BIMONTHLY
    start_date: date
    time_zone: str = Field(default="Europe/Rome", max_length=n.MAX_TIME_ZONE_LENGTH)


class RegularisationIn(Strict):
    notified_on: date
    reason: str = Field(max_length=n.MAX_REASON_LENGTH)
    days: int = Field(default=REGULARISATION_DAYS, ge=1, le=365)


class LapseIn(Strict):
    as_of: date
