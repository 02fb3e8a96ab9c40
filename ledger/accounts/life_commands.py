"""Commands of a customer's life at a supply point: deposits, holder changes, move-out and move-in, and the
regularisation of a holder. Immutable value records, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.accounts.contract import BillingFrequency, Commodity

#: Days an irregular holder has to take the supply over (AMAM Messina: "entro 60 gg a volturare").
REGULARISATION_DAYS = 60


@dataclass(frozen=True, slots=True)
class BillDeposit:
    """Bill the deposit the company's rule asks of a contract, as its own open item."""

    contract_id: UUID
    customer_kind: str = "household"
    size: Decimal = Decimal(0)  # contracted power in kW, or the yearly volume
    issue_date: date | None = None
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class RequireDeposit:
    """Ask the deposit the company's rule asks of a new contract with the contract's first invoice: the
    billing run bills it (:class:`BillRequiredDeposit`) in the same transaction as that invoice."""

    contract_id: UUID
    customer_kind: str = "household"
    size: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class BillRequiredDeposit:
    """The billing run's: bill the deposit the contract requires, dated as the invoice it goes with (its
    issue date, the account's terms). Nothing when none is required, it is billed already, or waived."""

    contract_id: UUID
    issue_date: date


@dataclass(frozen=True, slots=True)
class MoveDeposit:
    """Move the old holder's paid deposit to the new holder's contract on a holder change, with the old
    holder's recorded consent (how and when they gave it), instead of offsetting and refunding it."""

    contract_id: UUID
    new_contract_id: UUID
    moved_on: date
    consent: str


@dataclass(frozen=True, slots=True)
class SettleDeposit:
    """Offset a contract's deposit against its account's open items and refund the rest to an IBAN."""

    contract_id: UUID
    settled_on: date
    refund_name: str = ""
    refund_iban: str = ""
    refund_town: str = ""
    refund_country: str = "IT"


@dataclass(frozen=True, slots=True)
class ChangeHolder:
    """End ``contract_id`` on ``change_date``; open the new holder's contract at the same supply point from
    the next day (voltura / subentro), with the old contract's tariff unless another is named."""

    contract_id: UUID
    change_date: date
    new_account_id: UUID
    tariff_code: str | None = None
    billing_frequency: BillingFrequency | None = None


@dataclass(frozen=True, slots=True)
class MoveOut:
    """End ``contract_id`` on ``move_out_date`` without successor: the supply point is vacant."""

    contract_id: UUID
    move_out_date: date


@dataclass(frozen=True, slots=True)
class MoveIn:
    """Sign a contract at a vacant (or never known) supply point: it is occupied again."""

    account_id: UUID
    supply_point_scheme: str
    supply_point_id: str
    commodity: Commodity
    tariff_code: str
    billing_frequency: BillingFrequency
    start_date: date
    time_zone: str = "Europe/Rome"


@dataclass(frozen=True, slots=True)
class RequireRegularisation:
    """The holder of ``contract_id`` is not who uses the supply: they must change holder within the days
    from ``notified_on`` (None: today, by the injected clock)."""

    contract_id: UUID
    notified_on: date | None
    reason: str
    days: int = REGULARISATION_DAYS


@dataclass(frozen=True, slots=True)
class LapseRegularisations:
    """End every contract whose regularisation fell due before ``as_of`` without a holder change (None:
    today, by the injected clock; never a later day, which would rescind holders who still have time)."""

    as_of: date | None = None
