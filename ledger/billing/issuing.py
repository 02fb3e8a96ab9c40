"""Issuing a chunk's drafts: whole documents in transactions of bounded size, each with its run's record.

A billing run must be able to die at any moment (``kill -9``, a lost machine) and be resumed with its key,
and its report must then still say exactly what the ledger holds. So the run's record of a transaction —
how many invoices and credit notes, their net, VAT and gross, what was refused — is written by
``Saldo.execute_many`` in **that same transaction** (its ``then``), from the transaction's own outcome:
documents without their record, or a record without its documents, cannot be stored.

The chunk's own facts (contracts looked at, periods found billed already, drafts with nothing to bill, the
problems met before issuing) go with its first transaction, or on their own when it issues nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.billing.drafts import Draft, fail_job
from ledger.billing.records import ContractBilling, RunBatch, RunIssue
from ledger.core.actor import SYSTEM, Actor
from ledger.core.handling import MAX_BATCH_COMMANDS, BatchItem, FollowUp
from ledger.core.money import ZERO

if TYPE_CHECKING:
    from ledger.billing.ports import BillingService

#: Most bytes of events one transaction of a run stores (estimated with :meth:`Draft.stored_bytes`).
#: eventsourcing 9.5 inserts in psycopg pipeline mode, and psycopg 3.3.9 hangs for good when one insert
#: is larger than the socket buffers can hold (here between 4 and 5 MB: the server waits for the rest
#: of the message, the client for the result). 1.5 MB stays well clear of that.
MAX_BATCH_BYTES = 1_500_000

#: The command (and its idempotency key) that records a batch on its run, in the batch's transaction.
Record = Callable[[RunBatch], tuple[object, str]]


@dataclass
class Tally:
    """What some documents and contracts of a run came to; :meth:`batch` is its record."""

    contracts: int = 0
    invoices: int = 0
    credit_notes: int = 0
    already_billed: int = 0
    nothing_to_bill: int = 0
    billed: int = 0
    net: Decimal = ZERO
    vat: Decimal = ZERO
    gross: Decimal = ZERO
    issues: list[RunIssue] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("contracts", "invoices", "credit_notes", "already_billed", "nothing_to_bill", "billed",
                     "net", "vat", "gross"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.issues += other.issues

    def count(self, draft: Draft, results: list[BatchItem]) -> None:
        """One draft's outcome: issued, refused, or issued before (its keys replayed)."""
        error = next((i.error for i in results if i.error is not None), None)
        if error is not None:
            self.issues += [fail_job(j, "refused", str(error)) for j in draft.jobs]
            return
        if any(i.result is not None and i.result.get("replayed") for i in results):
            self.already_billed += len(draft.jobs)
            return
        if draft.kind in ("invoice", "collective-invoice"):
            self.billed += len(draft.jobs)
        for sign, totals, name in ((1, draft.totals, "invoices"), (-1, draft.credit_totals, "credit_notes")):
            if totals is not None:
                setattr(self, name, getattr(self, name) + 1)
                self.net += sign * Decimal(totals.net)
                self.vat += sign * Decimal(totals.vat)
                self.gross += sign * Decimal(totals.gross)

    def batch(self) -> RunBatch:
        return RunBatch(
            self.contracts, self.invoices, self.credit_notes, self.already_billed, self.nothing_to_bill,
            len(self.issues), self.net, self.vat, self.gross, tuple(self.issues), self.billed,
        )


def transactions(drafts: list[Draft]) -> list[list[Draft]]:
    """The drafts that issue anything, in batches of whole documents within the commands and bytes limits
    (leaving room for the run's record of the batch)."""
    batches: list[list[Draft]] = [[]]
    size = weight = 0
    for draft in (d for d in drafts if d.commands):
        bytes_ = draft.stored_bytes()
        if batches[-1] and (
            size + len(draft.commands) > MAX_BATCH_COMMANDS - 1 or weight + bytes_ > MAX_BATCH_BYTES
        ):
            batches.append([])
            size = weight = 0
        batches[-1].append(draft)
        size += len(draft.commands)
        weight += bytes_
    return [b for b in batches if b]


def _outcome(batch: list[Draft], items: list[BatchItem], head: Tally | None) -> Tally:
    tally = Tally()
    if head is not None:
        tally.add(head)
    results = iter(items)
    for draft in batch:
        tally.count(draft, [next(results) for _ in draft.commands])
    return tally


def _recording(record: Record, batch: list[Draft], head: Tally | None) -> FollowUp:
    """The follow-up that records a transaction on its run, from the transaction's own outcome."""

    def then(items: list[BatchItem]) -> list[tuple[object, str]]:
        return [record(_outcome(batch, items, head).batch())]

    return then


def issue_drafts(app: BillingService, drafts: list[Draft], problems: list[RunIssue], selected: RunBatch,
                 record: Record | None = None, actor: Actor = SYSTEM) -> RunBatch:
    """Issue the drafts, a transaction per batch of whole documents; count what happened.

    With ``record``, each transaction also saves the run's record of itself (see the module docstring).
    """
    head: Tally | None = Tally(
        contracts=selected.contracts,
        already_billed=selected.already_billed,
        nothing_to_bill=sum(1 for d in drafts if d.nothing_to_bill),
        issues=[*selected.issues, *problems],
    )
    total = Tally()
    for batch in transactions(drafts):
        commands = [cmd for d in batch for cmd in d.commands]

        with app.billing.prefetching({ContractBilling.id_for(j.contract.id) for d in batch for j in d.jobs}):
            if record is None:
                items = app.execute_many(commands, actor=actor)
            else:
                items = app.execute_many(commands, then=_recording(record, batch, head), actor=actor)
        total.add(_outcome(batch, items, head))
        head = None
    if head is not None:  # nothing to issue: the chunk's facts are recorded on their own
        if record is not None:
            app.execute(*record(head.batch()), actor=actor)
        total.add(head)
    return total.batch()
