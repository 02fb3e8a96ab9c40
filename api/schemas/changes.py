"""Bodies of the changes to master data (issue 11): a partner's details, a contract's tariff, billing
frequency and VAT rate (each from a date), an account's payment method."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas import DecimalStr, Strict
from api.schemas import limits as n
from api.schemas.accounts import AddressIn
from ledger.accounts.contract import BillingFrequency
from ledger.accounts.terms import PaymentMethod
from ledger.parties.partner import MAX_CONTACT_LENGTH


class PartnerDetailsIn(Strict):
    """What changes; a field left out stays as it is. The portal may send e-mail, language and address."""

    email: str | None = Field(default=None, max_length=n.MAX_EMAIL_LENGTH, examples=["maija@example.fi"])
    language: str | None = Field(default=None, max_length=n.MAX_LANGUAGE_LENGTH, examples=["fi"])
    address: AddressIn | None = None
    contact: str | None = Field(default=None, max_length=MAX_CONTACT_LENGTH, examples=["+358 40 123 4567"])


class PartnerDetailsOut(BaseModel):
    partner_id: str
    changed: bool  #: False when everything sent was as it was (nothing recorded)


class TariffChangeIn(Strict):
    tariff_code: str = Field(min_length=1, max_length=n.MAX_CODE_LENGTH, examples=["FI-HEAT-2027"])
    effective_from: date


class BillingFrequencyChangeIn(Strict):
    billing_frequency: BillingFrequency
    effective_from: date = Field(description="the first day of a month")


class VatRateChangeIn(Strict):
    vat_rate: DecimalStr | None = Field(default=None, description="a percentage 0..100; none: the tariff's")
    effective_from: date = Field(description="the rate applies to periods ending on or after this day")
    reason: str = Field(min_length=1, max_length=n.MAX_REASON_LENGTH, examples=["domestic use"])


class ContractChangeOut(BaseModel):
    contract_id: str
    effective_from: date
    tariff_code: str | None = None
    billing_frequency: str | None = None
    vat_rate: str | None = None


class PaymentMethodIn(Strict):
    payment_method: PaymentMethod


class PaymentMethodOut(BaseModel):
    account_id: str
    payment_method: str
    changed: bool
