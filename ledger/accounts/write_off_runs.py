"""A bulk write-off run (issue 11 item 5): a proposal finance inspects, then its execution or discard.

Only the two reasons a rule can decide make a run: ``statute-of-limitations`` (every open item past
Italy's two-year prescription, :func:`ledger.accounts.write_offs.prescribed_on`) and ``small-balance``
(an account whose whole open total is at most :data:`~ledger.accounts.write_offs.MAX_SMALL_BALANCE` and
that holds no credit). Uncollectable and deceased are a clerk's judgement about one customer, not a rule.

The proposal fixes, per account, the items and amounts. Execution writes each account's proposed items
off (one write-off per account, in the run's one transaction), skipping, and naming, the accounts where
something changed since the proposal (an item paid, a payment reversed): money the proposal did not show
is never written off.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput

#: Most accounts one run may write off: a run is executed in one transaction.
MAX_WRITE_OFF_RUN_ACCOUNTS = 2_000
#: The reasons a run may write off for.
RUN_REASONS = ("statute-of-limitations", "small-balance")


@dataclass(frozen=True, slots=True)
class ProposedWriteOff:
    account_id: UUID
    item_ids: tuple[str, ...]
    documents: tuple[str, ...]
    amounts: tuple[Decimal, ...]

    @property
    def amount(self) -> Decimal:
        return sum(self.amounts, Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class ExecutedWriteOff:
    account_id: UUID
    write_off_id: str | None  #: None: skipped
    note: str


class WriteOffRun(Aggregate):
    class Proposed(Aggregate.Created):
        reason: str
        proposed_on: date
        proposals: tuple[ProposedWriteOff, ...]
        company: str | None = None  # issue 11: only this company's accounts; None (older runs): all

    class Executed(Aggregate.Event):
        executed_on: date
        outcomes: tuple[ExecutedWriteOff, ...]

    class Discarded(Aggregate.Event):
        discarded_on: date
        reason: str

    @event(Proposed)
    def __init__(self, id: UUID, reason: str, proposed_on: date,
                 proposals: tuple[ProposedWriteOff, ...], company: str | None = None) -> None:
        self.company = company
        self.reason = reason
        self.proposed_on = proposed_on
        self.proposals = proposals
        self.status = "proposed"
        self.outcomes: tuple[ExecutedWriteOff, ...] = ()

    @staticmethod
    def check(reason: str, proposals: Sequence[ProposedWriteOff]) -> None:
        if reason not in RUN_REASONS:
            raise InvalidInput(f"a write-off run is for {' or '.join(RUN_REASONS)}, not {reason!r}", "reason")
        if len(proposals) > MAX_WRITE_OFF_RUN_ACCOUNTS:
            raise InvalidInput(f"a write-off run holds at most {MAX_WRITE_OFF_RUN_ACCOUNTS} accounts; "
                               "narrow it by date", "on")

    def _check_proposed(self) -> None:
        if self.status != "proposed":
            raise Conflict(f"write-off run {self.id} is {self.status}", "run_id")

    def execute(self, on: date, outcomes: tuple[ExecutedWriteOff, ...]) -> None:
        self._check_proposed()
        self._executed(on, outcomes)

    @event(Executed)
    def _executed(self, executed_on: date, outcomes: tuple[ExecutedWriteOff, ...]) -> None:
        self.status = "executed"
        self.outcomes = outcomes

    def discard(self, on: date, reason: str) -> None:
        self._check_proposed()
        self._discarded(on, reason)

    @event(Discarded)
    def _discarded(self, discarded_on: date, reason: str) -> None:
        self.status = "discarded"
