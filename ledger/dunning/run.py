"""A dunning run: a proposal finance can inspect and discard, then its execution, reversible as a whole.

The proposal fixes, per account, the next step :func:`ledger.dunning.propose_step` allows on the run day —
the procedure and its version, the level, the rule that allows it, the items, the fee and the interest — the
instalment plans to end (missed past their grace, or paid), and the accounts skipped because a lock stopped
the step they would have had (each lock with its reason and end). Execution records each step on its account
(an event citing the level, the rule and the items) and the run keeps which steps it made, so that reversing
the run compensates exactly those steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict
from ledger.core.money import ZERO
from ledger.dunning.locks import LockKind

#: Most accounts one run may review: a run is proposed and executed in one transaction each, and stores
#: about 3 kB per account dunned (its proposal, the step event, its share of the execution).
MAX_RUN_ACCOUNTS = 10_000


@dataclass(frozen=True, slots=True)
class ProposedStep:
    account_id: UUID
    procedure: str
    level: int
    level_name: str
    template: str
    rule: str
    item_ids: tuple[str, ...]
    documents: tuple[str, ...]
    overdue_total: Decimal
    fee: Decimal
    interest: Decimal
    payment_deadline: date | None
    earliest_next_step: date | None
    procedure_version: int = 0  # of the procedure (ledger.dunning.configuration); 0 also before versions


@dataclass(frozen=True, slots=True)
class SkippedLock:
    """A lock that stopped a step, as the run lists it: what it is, why, until when, on what."""

    kind: LockKind
    reason: str
    until: date | None
    document: str | None  # the one item it holds; None: the whole account
    source: str  # "manual", "plan" or "direct-debit" (ledger.dunning.account_part.LockView)
    lock_id: str | None


@dataclass(frozen=True, slots=True)
class LockedAccount:
    """An account the run skipped: without ``locks`` it would have been dunned."""

    account_id: UUID
    locks: tuple[SkippedLock, ...]


@dataclass(frozen=True, slots=True)
class PlanAction:
    """End a live instalment plan: ``cancel`` (instalments ``missed``) or ``complete`` (all paid)."""

    account_id: UUID
    plan_id: str
    plan_number: str
    action: str
    missed: tuple[int, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ExecutedStep:
    """A step the run recorded; the account's own event holds the rest (rule, items, postings)."""

    account_id: UUID
    step_id: str
    level: int
    fee: Decimal
    interest: Decimal
    procedure: str = ""  # "" in runs executed before procedures had versions
    procedure_version: int = 0


class DunningRun(Aggregate):
    class Proposed(Aggregate.Created):
        run_on: date
        accounts_reviewed: int
        steps: tuple[ProposedStep, ...]
        plan_actions: tuple[PlanAction, ...]
        problems: tuple[str, ...]  # accounts that could not be reviewed, and why (errors as data)
        locked: tuple[LockedAccount, ...] = ()  # accounts skipped for a lock (none listed before issue 11)
        company: str | None = None  # the company whose accounts the run reviews; none: every company's

    class Executed(Aggregate.Event):
        executed_on: date
        steps: tuple[ExecutedStep, ...]
        plan_actions: tuple[PlanAction, ...]
        skipped: tuple[str, ...]

    class Discarded(Aggregate.Event):
        reason: str

    class Reversed(Aggregate.Event):
        reversed_on: date
        reason: str
        reversed_steps: tuple[str, ...]
        not_reversed: tuple[str, ...]

    @event(Proposed)
    def __init__(self, id: UUID, run_on: date, accounts_reviewed: int, steps: tuple[ProposedStep, ...],
                 plan_actions: tuple[PlanAction, ...], problems: tuple[str, ...],
                 locked: tuple[LockedAccount, ...] = (), company: str | None = None) -> None:
        self.run_on = run_on
        self.company = company
        self.accounts_reviewed = accounts_reviewed
        self.proposed_steps = steps
        self.proposed_plan_actions = plan_actions
        self.problems = problems
        self.locked = locked
        self.status = "proposed"
        self.executed_on: date | None = None
        self.steps: tuple[ExecutedStep, ...] = ()
        self.plan_actions: tuple[PlanAction, ...] = ()
        self.skipped: tuple[str, ...] = ()
        self.reversed_steps: tuple[str, ...] = ()
        self.not_reversed: tuple[str, ...] = ()

    @property
    def fees(self) -> Decimal:
        return sum((s.fee for s in self.steps), ZERO)

    @property
    def interest(self) -> Decimal:
        return sum((s.interest for s in self.steps), ZERO)

    def _check(self, status: str) -> None:
        if self.status != status:
            raise Conflict(f"dunning run {self.id} is {self.status}", "run_id")

    def execute(self, executed_on: date, steps: tuple[ExecutedStep, ...],
                plan_actions: tuple[PlanAction, ...], skipped: tuple[str, ...]) -> None:
        self._check("proposed")
        self._executed(executed_on, steps, plan_actions, skipped)

    @event(Executed)
    def _executed(self, executed_on: date, steps: tuple[ExecutedStep, ...],
                  plan_actions: tuple[PlanAction, ...], skipped: tuple[str, ...]) -> None:
        self.status = "executed"
        self.executed_on = executed_on
        self.steps = steps
        self.plan_actions = plan_actions
        self.skipped = skipped

    def discard(self, reason: str) -> None:
        self._check("proposed")
        self._discarded(reason)

    @event(Discarded)
    def _discarded(self, reason: str) -> None:
        self.status = "discarded"

    def reverse(self, reversed_on: date, reason: str, reversed_steps: tuple[str, ...],
                not_reversed: tuple[str, ...]) -> None:
        self._check("executed")
        self._reversed(reversed_on, reason, reversed_steps, not_reversed)

    @event(Reversed)
    def _reversed(self, reversed_on: date, reason: str, reversed_steps: tuple[str, ...],
                  not_reversed: tuple[str, ...]) -> None:
        self.status = "reversed"
        self.reversed_steps = reversed_steps
        self.not_reversed = not_reversed
