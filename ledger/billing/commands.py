"""Commands of the billing cycle: readings, tariffs, spot prices, billing records and runs.

Immutable value records, handled by :class:`ledger.billing.handlers.BillingHandlers` under an
idempotency key like every other command. Invoices and credit notes themselves are issued with the
ledger's own :class:`~ledger.accounts.commands.IssueInvoice` and
:class:`~ledger.accounts.commands.IssueCreditNote`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from ledger.accounts.contract import BillingFrequency
from ledger.billing.rating import TariffVersion
from ledger.billing.readings import ReadingSource
from ledger.billing.records import BilledPeriod, RunBatch
from ledger.core.transcoding import as_before


@dataclass(frozen=True, slots=True)
class RecordReading:
    """A register reading of a supply point: the cumulative index at the end of ``read_on``."""

    supply_point: str
    read_on: date
    index: Decimal
    source: ReadingSource = ReadingSource.ACTUAL
    multiplier: Decimal = Decimal(1)
    digits: int | None = None
    supersedes: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class SubmitSelfReading:
    """A customer's own reading (autolettura) from the portal: checked for plausibility first; one that
    contradicts an actual read is refused, one that is not plausible is held for review."""

    contract_id: UUID
    read_on: date
    index: Decimal
    note: str = ""


@dataclass(frozen=True, slots=True)
class AcceptHeldReading:
    """A clerk confirms a reading held for review (:mod:`ledger.billing.reading_reviews`): it counts."""

    supply_point: str
    reading_id: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class RejectHeldReading:
    """A clerk rejects a reading held for review, with the reason: it never counts."""

    supply_point: str
    reading_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RecordLoadCurve:
    """Interval consumption from ``start`` (tz-aware), one value per interval; None where not given.

    The values must lie in one local month of ``time_zone`` (importers split files by month).
    """

    supply_point: str
    start: datetime
    resolution_min: int
    values: tuple[float | None, ...]
    unit: str = "kWh"
    time_zone: str = "Europe/Rome"
    source: ReadingSource = ReadingSource.ACTUAL
    note: str = ""


@dataclass(frozen=True, slots=True)
class DefineTariffVersion:
    version: TariffVersion
    spot_index: str | None = None


@dataclass(frozen=True, slots=True)
class RecordSpotPrices:
    """Published prices of a spot index from ``start`` (tz-aware), one per interval; None where missing."""

    index: str
    start: datetime
    resolution_min: int
    prices: tuple[Decimal | None, ...]
    unit: str = "EUR/MWh"


@dataclass(frozen=True, slots=True)
class SetBillingVatRate:
    """The VAT rate a contract is billed at instead of its tariff's (None: back to the tariff's)."""

    contract_id: UUID
    vat_rate: Decimal | None
    reason: str


@dataclass(frozen=True, slots=True)
class ChangeContractTariff:
    """Bill the contract on ``tariff_code`` from ``effective_from`` on (earlier days keep their tariff)."""

    contract_id: UUID
    tariff_code: str
    effective_from: date


@dataclass(frozen=True, slots=True)
class ChangeBillingFrequency:
    """Bill the contract every ``billing_frequency`` from ``effective_from`` (the first of a month) on."""

    contract_id: UUID
    billing_frequency: BillingFrequency
    effective_from: date


@dataclass(frozen=True, slots=True)
class ChangeContractVatRate:
    """Bill the contract at ``vat_rate`` (None: the tariff's) for periods ending from ``effective_from``."""

    contract_id: UUID
    vat_rate: Decimal | None
    effective_from: date
    reason: str


@dataclass(frozen=True, slots=True)
class RecordBilledPeriods:
    """Note in the contracts' billing histories that the invoice issued under ``invoice_key`` bills them.

    Run in the same batch right after that ``IssueInvoice``: the invoice number is read from its
    idempotency record, so the history and the invoice are saved together or not at all.
    """

    invoice_key: str
    entries: tuple[tuple[UUID, BilledPeriod], ...]  # (contract id, entry with an empty invoice number)


@dataclass(frozen=True, slots=True)
class RecordTrueUp:
    """Note a true-up of a billed period: the credit note (and corrected invoice, if any) issued under
    the given keys in the same batch; with neither key, the period is confirmed as billed."""

    contract_id: UUID
    sequence: int
    entry: BilledPeriod
    credit_note_key: str | None
    invoice_key: str | None


@dataclass(frozen=True, slots=True)
class StartBillingRun:
    period_start: date
    period_end: date
    issue_date: date | None = None
    contracts: tuple[UUID, ...] = ()  # a portion of the portfolio; empty: every contract
    #: Only the contracts of this company's accounts; None: every company's (as every run before issue 11).
    company: str | None = None

    def idempotency_payload(self) -> object:
        return as_before(self, "company")


@dataclass(frozen=True, slots=True)
class RecordRunBatch:
    run_id: UUID
    batch: RunBatch


@dataclass(frozen=True, slots=True)
class FinishBillingRun:
    run_id: UUID
    contracts_due: int


BillingCommand = (
    RecordReading
    | SubmitSelfReading
    | AcceptHeldReading
    | RejectHeldReading
    | RecordLoadCurve
    | DefineTariffVersion
    | RecordSpotPrices
    | SetBillingVatRate
    | ChangeContractTariff
    | ChangeBillingFrequency
    | ChangeContractVatRate
    | RecordBilledPeriods
    | RecordTrueUp
    | StartBillingRun
    | RecordRunBatch
    | FinishBillingRun
)
