"""A dunning run: a proposal finance can inspect and discard, then its execution, reversible as a whole.

The proposal fixes, per account, the next step :func:`ledger.dunning.propose_step` allows on the run
day — the level, the rule that allows it, the items, the fee and the interest — and the instalment plans
to end (missed past their grace, or paid). Execution records each step on its account (an event citing
the level, the rule and the items) and the run keeps which steps it made, so that reversing the run
compensates exactly those steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict
from ledger.core.money import ZERO

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


class DunningRun(Aggregate):
    class Proposed(Aggregate.Created):
        run_on: date
        accounts_reviewed: int
        steps: tuple[ProposedStep, ...]
        plan_actions: tuple[PlanAction, ...]
        problems: tuple[str, ...]  # accounts that could not be reviewed, and why (errors as data)

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
                 plan_actions: tuple[PlanAction, ...], problems: tuple[str, ...]) -> None:
        self.run_on = run_on
        self.accounts_reviewed = accounts_reviewed
        self.proposed_steps = steps
        self.proposed_plan_actions = plan_actions
        self.problems = problems
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
