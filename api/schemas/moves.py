"""Bodies of the holder-change, move-out, move-in, deposit and regularisation endpoints, and the answer of
an account's deposits."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas import DecimalStr, Strict
from api.schemas import limits as n
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.deposit_handlers import MAX_TEXT as MAX_CONSENT_LENGTH
from ledger.accounts.life_commands import REGULARISATION_DAYS
from ledger.billing.readings import ReadingSource


class DepositIn(Strict):
    customer_kind: str = Field(default="household", max_length=n.MAX_CODE_LENGTH,
                               examples=["household", "business"])
    size: DecimalStr = Field(default="0", description="contracted power in kW, or the yearly volume")
    issue_date: date | None = None
    due_date: date | None = None
    with_first_invoice: bool = Field(default=False, description="bill it with the contract's first invoice "
                                                                 "(the billing run), not now on its own")


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
    move_deposit: bool = Field(default=False, description="move the paid deposit to the new holder instead "
                                                           "of offsetting and refunding it")
    deposit_consent: str = Field(default="", max_length=MAX_CONSENT_LENGTH,
                                 description="how and when the old holder consented to the move (required "
                                             "with move_deposit)")


class SettleDepositIn(RefundTo):
    settled_on: date | None = Field(default=None, description="default: today")


class DepositOut(BaseModel):
    contract_id: str
    number: str
    amount: Decimal
    billed_on: date
    annual_interest_percent: Decimal
    paid: bool  #: its open item is cleared (a deposit moved from another holder has none)
    settled_on: date | None
    interest: Decimal
    refunded: Decimal
    moved_to: str | None
    moved_from: str | None
    consent: str | None


class DepositsOut(BaseModel):
    account_id: UUID
    held: Decimal  #: what the account holds now: the deposits not settled nor moved
    deposits: list[DepositOut]


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
    notified_on: date | None = Field(default=None, description="default: today")
    reason: str = Field(max_length=n.MAX_REASON_LENGTH)
    days: int = Field(default=REGULARISATION_DAYS, ge=1, le=365)


class LapseIn(Strict):
    as_of: date | None = Field(default=None, description="default: today; never later")
