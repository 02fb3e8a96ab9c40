"""What billing remembers: per contract, which periods were billed on what; per run, what it did.

* :class:`ContractBilling` — the billing history of one contract: every billed period with its
  invoice, whether it was estimated, the basis it was rated on (reading ids, load-curve block
  versions, estimate method) and the tariff versions used; true-ups replace a period's entry and keep
  the old one in the history. It is the index that makes a run idempotent per (contract, period),
  finds the periods a true-up must correct, and lists a contract's documents. It also holds the
  contract's VAT rate when it differs from the tariff's (e.g. 10 % for Italian households).
* :class:`BillingRun` — a run's period, its batches (counts, totals, problems as data) and whether it
  finished. Its status is read from the store, so any process can ask how a run is going.

A run survives a crash: each batch's record is saved in the very transaction that issues its documents
(:mod:`ledger.billing.issuing`), so the documents a run says it issued are exactly those the ledger holds,
however often the process died. A run resumed with its key is a new **attempt** that looks at the whole
portfolio again; its report adds the documents of every attempt, and takes how the portfolio stood
(contracts looked at, not billable, nothing to bill, billed before the run) from the latest attempt. A
finished run takes no more batches. (Two processes on one run at once still issue every document once
and count it once; the latest attempt's other counts may then add up both.)
"""

from __future__ import annotations

import dataclasses
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
        """The contract's own rate for every period (None: the tariff's), as set before rates had dates."""

        vat_rate: Decimal | None
        reason: str

    class VatRateChanged(Aggregate.Event):
        """The contract's own rate (None: the tariff's) for periods ending on or after ``effective_from``."""

        vat_rate: Decimal | None
        effective_from: date
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
        #: (from, rate) in date order; a rate set undated counts from the first day (date.min).
        self.vat_rates: tuple[tuple[date, Decimal | None], ...] = ()
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
        self.vat_rates = ((date.min, vat_rate),)

    def change_vat_rate(self, vat_rate: Decimal | None, effective_from: date, reason: str) -> None:
        """The contract's rate from ``effective_from`` on: later than the last dated change, and after
        every period already billed (a billed period's VAT is corrected by a credit note, not here)."""
        if vat_rate is not None and not (vat_rate.is_finite() and ZERO <= vat_rate <= 100):
            raise InvalidInput("VAT rate is a percentage 0..100", "vat_rate")
        dated = [since for since, _ in self.vat_rates if since != date.min]
        if dated and effective_from <= dated[-1]:
            raise InvalidInput(f"a VAT rate change must be later than the current one (from {dated[-1]})",
                               "effective_from")
        billed = max((p.period_end for p in self.periods.values()), default=None)
        if billed is not None and effective_from <= billed:
            raise InvalidInput(f"the contract is billed up to {billed}: a new VAT rate takes effect after "
                               "that (correct a billed period with a credit note)", "effective_from")
        self._vat_changed(vat_rate, effective_from, reason)

    @event(VatRateChanged)
    def _vat_changed(self, vat_rate: Decimal | None, effective_from: date, reason: str) -> None:
        self.vat_rate = vat_rate
        self.vat_rates = (*self.vat_rates, (effective_from, vat_rate))

    def vat_rate_on(self, day: date) -> Decimal | None:
        """The contract's own VAT rate in force on ``day``; None: the tariff's.

        >>> history = ContractBilling(ContractBilling.id_for(name_id("c", "1")), name_id("c", "1"))
        >>> history.change_vat_rate(Decimal("10"), date(2026, 7, 1), "domestic use")
        >>> history.vat_rate_on(date(2026, 6, 30)), history.vat_rate_on(date(2026, 7, 31))
        (None, Decimal('10'))
        """
        rate = None
        for since, value in self.vat_rates:
            if since <= day:
                rate = value
        return rate

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
    """What one transaction of a run did, saved with the documents it issued (or, for a chunk with nothing
    to issue, on its own): the chunk's contracts and problems go with the chunk's first transaction."""

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
    billed: int = 0  # contract periods its invoices billed (a collective invoice bills several)
    attempt: int = 1  # the run's first attempt, then one more for each resume (older records: 1)

    def plus(self, other: RunBatch, max_issues: int = MAX_RUN_ISSUES) -> RunBatch:
        """Both together (of this one's attempt), keeping at most ``max_issues`` problems."""
        return RunBatch(
            self.contracts + other.contracts,
            self.invoices + other.invoices,
            self.credit_notes + other.credit_notes,
            self.already_billed + other.already_billed,
            self.nothing_to_bill + other.nothing_to_bill,
            self.errors + other.errors,
            self.net + other.net,
            self.vat + other.vat,
            self.gross + other.gross,
            (*self.issues, *other.issues)[:max_issues],
            self.billed + other.billed,
            self.attempt,
        )


def no_batch(attempt: int) -> RunBatch:
    return RunBatch(0, 0, 0, 0, 0, 0, ZERO, ZERO, ZERO, attempt=attempt)


class BillingRun(Aggregate):
    class Started(Aggregate.Created):
        period_start: date
        period_end: date
        issue_date: date | None
        started_on: date
        contracts: tuple[UUID, ...]
        company: str | None = None  # issue 11: only this company's contracts; None (older runs): all

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
        company: str | None = None,
    ) -> None:
        self.contracts = contracts
        self.company = company
        self.period_start = period_start
        self.period_end = period_end
        self.issue_date = issue_date
        self.started_on = started_on
        # What the batches came to, kept small (a run of a million contracts records thousands of batches,
        # and the application snapshots runs): the latest attempt's sum, with its first problems, and the
        # sum of the earlier attempts.
        self.batch_count = 0
        self.attempt = 0  # the latest attempt that recorded a batch (0: none yet)
        self.latest = no_batch(0)
        self.earlier = no_batch(0)
        self.finished_on: date | None = None
        self.contracts_due = 0

    @property
    def status(self) -> str:
        return "finished" if self.finished_on is not None else "running"

    def record_batch(self, batch: RunBatch) -> None:
        if self.finished_on is not None:
            raise Conflict(
                f"billing run {self.id} finished on {self.finished_on}: it takes no more batches", "run_id"
            )
        kept = len(self.latest.issues) if batch.attempt == self.attempt else 0
        self._batch(dataclasses.replace(batch, issues=batch.issues[: max(0, MAX_RUN_ISSUES - kept)]))

    @event(BatchRecorded)
    def _batch(self, batch: RunBatch) -> None:
        self.batch_count += 1
        if batch.attempt > self.attempt:  # a resumed run: what the attempt before it did is history now
            self.earlier = self.earlier.plus(self.latest, 0)
            self.latest = no_batch(batch.attempt)
            self.attempt = batch.attempt
        if batch.attempt == self.attempt:
            self.latest = self.latest.plus(batch)
        else:  # a late batch of an earlier attempt (two processes on one run)
            self.earlier = self.earlier.plus(batch, 0)

    def finish(self, finished_on: date, contracts_due: int) -> None:
        self._finished(finished_on, contracts_due)

    @event(Finished)
    def _finished(self, finished_on: date, contracts_due: int) -> None:
        self.finished_on = finished_on
        self.contracts_due = contracts_due

    def totals(self) -> dict[str, object]:
        """The documents and money of every attempt; the rest as the latest attempt found it.

        "Already billed" counts the periods billed before this run: the latest attempt also finds billed
        those an earlier attempt billed, and they are taken off again (while a resumed run is under way,
        the count is not below zero).
        """
        latest, every = self.latest, self.latest.plus(self.earlier, 0)
        return {
            "batches": self.batch_count,
            "attempts": self.attempt,
            "contracts": latest.contracts,
            "invoices": every.invoices,
            "credit_notes": every.credit_notes,
            "already_billed": max(0, latest.already_billed - self.earlier.billed),
            "nothing_to_bill": latest.nothing_to_bill,
            "errors": latest.errors,
            "net": str(every.net),
            "vat": str(every.vat),
            "gross": str(every.gross),
        }

    def issues(self) -> list[RunIssue]:
        """The problems of the latest attempt (each attempt meets again those still there)."""
        return list(self.latest.issues)
