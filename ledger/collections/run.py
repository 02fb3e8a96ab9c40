"""A direct-debit collection run: a proposal finance can inspect and discard, then its execution.

The proposal fixes, per account, the items to collect and the end-to-end id of the collection (ours:
returns are matched on it). Execution books each collection on its account (items in transit) and
records what went into the pain.008 file, so the file can be re-created byte for byte from the events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.collections import MandateAmendment
from ledger.core.errors import Conflict

#: Most collections one run may hold: a run is one file and one transaction.
MAX_RUN_COLLECTIONS = 200_000


@dataclass(frozen=True, slots=True)
class ProposedCollection:
    account_id: UUID
    end_to_end_id: str
    item_ids: tuple[str, ...]
    documents: tuple[str, ...]
    amount: Decimal
    sequence_type: str


@dataclass(frozen=True, slots=True)
class BookedCollection:
    """One transaction of the pain.008 file, as sent."""

    account_id: UUID
    end_to_end_id: str
    amount: Decimal
    sequence_type: str
    mandate_reference: str
    mandate_signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None
    debtor_town: str
    debtor_country: str
    debtor_street: str | None
    debtor_postcode: str | None
    remittance: str
    amendment: MandateAmendment | None


class CollectionRun(Aggregate):
    class Proposed(Aggregate.Created):
        due_by: date
        collection_date: date
        proposals: tuple[ProposedCollection, ...]
        company: str | None = None  # issue 11; None (every older run): the default company

    class Executed(Aggregate.Event):
        executed_at: datetime
        booked: tuple[BookedCollection, ...]
        skipped: tuple[str, ...]

    class Discarded(Aggregate.Event):
        reason: str

    @event(Proposed)
    def __init__(self, id: UUID, due_by: date, collection_date: date,
                 proposals: tuple[ProposedCollection, ...], company: str | None = None) -> None:
        #: The company whose creditor id and collection account the run's file carries.
        self.company = company
        self.due_by = due_by
        self.collection_date = collection_date
        self.proposals = proposals
        self.status = "proposed"
        self.booked: tuple[BookedCollection, ...] = ()
        self.executed_at: datetime | None = None

    def _check_proposed(self) -> None:
        if self.status != "proposed":
            raise Conflict(f"collection run {self.id} is {self.status}", "run_id")

    def execute(self, executed_at: datetime, booked: tuple[BookedCollection, ...],
                skipped: tuple[str, ...]) -> None:
        self._check_proposed()
        self._executed(executed_at, booked, skipped)

    @event(Executed)
    def _executed(self, executed_at: datetime, booked: tuple[BookedCollection, ...],
                  skipped: tuple[str, ...]) -> None:
        self.status = "executed"
        self.booked = booked
        self.executed_at = executed_at

    def discard(self, reason: str) -> None:
        self._check_proposed()
        self._discarded(reason)

    @event(Discarded)
    def _discarded(self, reason: str) -> None:
        self.status = "discarded"
