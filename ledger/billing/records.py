"""What billing remembers: per contract, which periods were billed on what; per run, what it did.

* :class:`ContractBilling` — the billing history of one contract: every billed period with its
  invoice, whether it was estimated, the basis it was rated on (reading ids, load-curve block
  versions, estimate method) and the tariff versions used; true-ups replace a period's entry and keep
  the old one in the history. It is the index that makes a run idempotent per (contract, period),
  finds the periods a true-up must correct, and lists a contract's documents. It also holds the
  contract's VAT rate when it differs from the tariff's (e.g. 10 % for Italian households).
* :class:`BillingRun` — a run's period, its batches (counts, totals, problems as data) and whether it
  finished. Its status is read from the store, so any process can ask how a run is going.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput
from ledger.core.ids import name_id
from ledger.core.money import ZERO

#: Problems a run keeps in the store (the rest are counted, and reported by the run that met them).
MAX_RUN_ISSUES = 500

Period = tuple[date, date]  # first and last day, both included, as printed on the invoice


@dataclass(frozen=True, slots=True)
class BilledPeriod:
    period_start: date
    period_end: date
    invoice_number: str
    estimated: bool
    basis: tuple[str, ...]  # "reading:<id>", "curve:<sp>:<month>#<blocks>", "estimate:<method>"
    tariffs: tuple[str, ...]  # "<code>/<version>"
    net: Decimal  # this contract's lines on the invoice
    credit_note: str | None = None  # for a true-up: the credit note for the lines it replaces
    cause: str = ""

    @property
    def period(self) -> Period:
        return (self.period_start, self.period_end)


class ContractBilling(Aggregate):
    class Opened(Aggregate.Created):
        contract_id: UUID

    class VatRateSet(Aggregate.Event):
        vat_rate: Decimal | None
        reason: str

    class PeriodBilled(Aggregate.Event):
        entry: BilledPeriod

    class PeriodCorrected(Aggregate.Event):
        sequence: int
        entry: BilledPeriod

    @event(Opened)
    def __init__(self, id: UUID, contract_id: UUID) -> None:
        self.contract_id = contract_id
        self.vat_rate: Decimal | None = None
        self.periods: dict[Period, BilledPeriod] = {}
        self.history: list[BilledPeriod] = []
        self.corrections: dict[Period, int] = {}

    @staticmethod
    def id_for(contract_id: UUID) -> UUID:
        return name_id("contract-billing", str(contract_id))

    def overlapping(self, start: date, end: date) -> BilledPeriod | None:
        return next((p for (s, e), p in self.periods.items() if s <= end and start <= e), None)

    def bill(self, entry: BilledPeriod) -> None:
        clash = self.overlapping(entry.period_start, entry.period_end)
        if clash is not None:
            raise Conflict(
                f"{clash.period_start}..{clash.period_end} is already billed on {clash.invoice_number}",
                "period",
            )
        self._billed(entry)

    @event(PeriodBilled)
    def _billed(self, entry: BilledPeriod) -> None:
        self.periods[entry.period] = entry
        self.history.append(entry)

    def correct(self, sequence: int, entry: BilledPeriod) -> None:
        if entry.period not in self.periods:
            raise InvalidInput(f"{entry.period_start}..{entry.period_end} was never billed", "period")
        if sequence != self.corrections.get(entry.period, 0) + 1:
            raise Conflict(
                f"correction {sequence} of {entry.period_start}..{entry.period_end} is out of order",
                "sequence",
            )
        self._corrected(sequence, entry)

    @event(PeriodCorrected)
    def _corrected(self, sequence: int, entry: BilledPeriod) -> None:
        self.periods[entry.period] = entry
        self.history.append(entry)
        self.corrections[entry.period] = sequence

    def set_vat_rate(self, vat_rate: Decimal | None, reason: str) -> None:
        if vat_rate is not None and not (vat_rate.is_finite() and ZERO <= vat_rate <= 100):
            raise InvalidInput("VAT rate is a percentage 0..100", "vat_rate")
        self._vat_set(vat_rate, reason)

    @event(VatRateSet)
    def _vat_set(self, vat_rate: Decimal | None, reason: str) -> None:
        self.vat_rate = vat_rate

    def documents(self) -> list[str]:
        """Invoice and credit-note numbers of this contract, in the order they were issued."""
        seen: dict[str, None] = {}
        for entry in self.history:
            if entry.credit_note:
                seen.setdefault(entry.credit_note)
            if entry.invoice_number:
                seen.setdefault(entry.invoice_number)
        return list(seen)


@dataclass(frozen=True, slots=True)
class RunIssue:
    """A contract a run could not bill (errors as data): where, what kind, and why."""

    contract_id: str
    supply_point: str
    period: str
    code: str
    reason: str


@dataclass(frozen=True, slots=True)
class RunBatch:
    contracts: int
    invoices: int
    credit_notes: int
    already_billed: int
    nothing_to_bill: int
    errors: int
    net: Decimal
    vat: Decimal
    gross: Decimal
    issues: tuple[RunIssue, ...] = ()


class BillingRun(Aggregate):
    class Started(Aggregate.Created):
        period_start: date
        period_end: date
        issue_date: date | None
        started_on: date
        contracts: tuple[UUID, ...]

    class BatchRecorded(Aggregate.Event):
        batch: RunBatch

    class Finished(Aggregate.Event):
        finished_on: date
        contracts_due: int

    @event(Started)
    def __init__(
        self,
        id: UUID,
        period_start: date,
        period_end: date,
        issue_date: date | None,
        started_on: date,
        contracts: tuple[UUID, ...],
    ) -> None:
        self.contracts = contracts
        self.period_start = period_start
        self.period_end = period_end
        self.issue_date = issue_date
        self.started_on = started_on
        self.batches: list[RunBatch] = []
        self.finished_on: date | None = None
        self.contracts_due = 0

    @property
    def status(self) -> str:
        return "finished" if self.finished_on is not None else "running"

    def record_batch(self, batch: RunBatch) -> None:
        kept = sum(len(b.issues) for b in self.batches)
        issues = batch.issues[: max(0, MAX_RUN_ISSUES - kept)]
        self._batch(
            RunBatch(
                batch.contracts,
                batch.invoices,
                batch.credit_notes,
                batch.already_billed,
                batch.nothing_to_bill,
                batch.errors,
                batch.net,
                batch.vat,
                batch.gross,
                issues,
            )
        )

    @event(BatchRecorded)
    def _batch(self, batch: RunBatch) -> None:
        self.batches.append(batch)

    def finish(self, finished_on: date, contracts_due: int) -> None:
        self._finished(finished_on, contracts_due)

    @event(Finished)
    def _finished(self, finished_on: date, contracts_due: int) -> None:
        self.finished_on = finished_on
        self.contracts_due = contracts_due

    def totals(self) -> dict[str, object]:
        def total(name: str) -> Decimal:
            return sum((getattr(b, name) for b in self.batches), ZERO)

        def count(name: str) -> int:
            return sum(int(getattr(b, name)) for b in self.batches)

        return {
            "batches": len(self.batches),
            "contracts": count("contracts"),
            "invoices": count("invoices"),
            "credit_notes": count("credit_notes"),
            "already_billed": count("already_billed"),
            "nothing_to_bill": count("nothing_to_bill"),
            "errors": count("errors"),
            "net": str(total("net")),
            "vat": str(total("vat")),
            "gross": str(total("gross")),
        }

    def issues(self) -> list[RunIssue]:
        return [i for b in self.batches for i in b.issues]
