"""Dunning on a contract account: dunning levels, reminders and formal notices (sollecito, costituzione
in mora), and the locks that hold them back.

A mixin of :class:`ledger.accounts.account.ContractAccount`, like :mod:`ledger.collections.account_part`:
steps and locks open, clear and close the account's items, so they live on the account and change them
atomically. The decisions themselves are the pure building blocks of :mod:`ledger.dunning`
(``propose_step``); this module records them. Instalment plans (rateizzazione) are the account's other
dunning-side part, :mod:`ledger.dunning.account_plans`; this one reads the live plan for its locks.

Money moves (architecture.md §3). Every event that moves money names its ``postings`` and follows the
ledger view's item-change protocol (``opened_items``, ``cleared``), so the view needs no code for it:

- a dunning step: the level's fee as a new FEE item, Dr receivables / Cr fees; the late interest as a new
  INTEREST item, Dr receivables / Cr interest-income. Both are due on the letter's payment deadline
  (the step day when the level gives none). A reminder without fee or interest moves no money;
- the reversal of a step (a compensating event, never an edit): the step's fee and interest items are
  closed, Dr fees / Cr receivables and Dr interest-income / Cr receivables, and the level, the day of the
  last step and the interest date go back to what they were before it;
- setting or releasing a lock moves no money.

Choices where the issue was silent:

- **Dunning episodes.** The level belongs to the items it was reached for. When every item dunned since
  the level was last 0 is closed (paid, credited, replaced by a plan, or in a live collection), the
  episode is over and the account's *effective* level is 0 again; if one of them reopens (a returned
  direct debit, a reversed payment), the level it had comes back. This is derived from the items, so a
  replay gives the same state without a "reset" event. How a plan ends an episode, and how its missed
  instalments are dunned, is told in :mod:`ledger.dunning.account_plans`.
- **Locks.** Dispute and manual locks are set and released by people (a manual lock must expire);
  the instalment-plan lock covers a live plan's instalments and originals; items the account will still
  collect by direct debit (active mandate, not given up after a return) are locked as "collection in
  transit", so nobody is dunned for money we are about to take. Items already in a live collection are
  cleared, hence not overdue. Items under a dispute or manual lock, and a live plan's originals, are
  also kept out of collection runs (:meth:`Dunning.held_from_collection`).
- Only the **latest** live step of an account can be reversed, and only while its fee and interest
  are still wholly open (a paid fee is refunded by resetting the payment's clearing first).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from ledger.accounts.clearing import Allocation, ItemKind, OpenItem, apply_allocations, total
from ledger.core import chart
from ledger.core.archive import RowTuple, appended, live_values
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.money import Posting, entry
from ledger.dunning import DunningProposal, DunningState, Lock, LockKind
from ledger.dunning.account_plans import PlanState

#: Lock kinds a person sets and releases; the others are derived from the account's state.
MANUAL_LOCK_KINDS = (LockKind.DISPUTE, LockKind.MANUAL)


@dataclass(frozen=True, slots=True)
class HeldLock:
    """A lock set by a person, with the id it is released by."""

    lock_id: str
    lock: Lock
    set_on: date


@dataclass(frozen=True, slots=True)
class StepRecord:
    """A dunning step as the account remembers it, with what it replaced (so a reversal restores it)."""

    step_id: str
    run_id: str
    procedure: str
    level: int
    level_name: str
    template: str
    rule: str
    stepped_on: date
    item_ids: tuple[str, ...]
    overdue_total: Decimal
    fee_item_id: str | None
    interest_item_id: str | None
    fee: Decimal
    interest: Decimal
    payment_deadline: date | None
    previous_level: int
    previous_step_on: date | None
    previous_interest_until: date | None
    previous_dunned: tuple[str, ...]
    reversed: bool = False
    procedure_version: int = 0


@dataclass(frozen=True, slots=True)
class LockView:
    """A lock as the dunning state reports it: where it comes from and how it is released."""

    kind: LockKind
    reason: str
    until: date | None
    item_id: str | None
    source: str  # "manual" (a person set it), "plan", "direct-debit"
    lock_id: str | None = None


class Dunning(Aggregate):
    """The dunning part of :class:`~ledger.accounts.account.ContractAccount`: steps, locks, procedure.

    An aggregate class so that eventsourcing registers its events; it is never created on its own. Its
    state is immutable class-level defaults, replaced (never mutated) by the apply methods, so the
    account's ``__init__`` needs no change and old accounts load as "never dunned".
    """

    dunning_level: int = 0
    last_dunning_on: date | None = None
    interest_charged_until: date | None = None
    dunned_items: tuple[str, ...] = ()
    dunning_steps: tuple[StepRecord, ...] | RowTuple[StepRecord] = ()  # rows, read from a snapshot
    locks: tuple[HeldLock, ...] = ()
    dunning_procedure: str | None = None

    if TYPE_CHECKING:  # provided by ContractAccount and its DirectDebit and InstalmentPlans parts
        items: dict[str, OpenItem]
        item_seq: int
        plan: PlanState | None
        interest_covered: tuple[tuple[str, date], ...]

        def items_without_plan(self) -> dict[str, OpenItem]: ...

        def interest_covered_after_plan(self) -> tuple[tuple[str, date], ...]: ...

        @property
        def key(self) -> str: ...

        def collectable_items(self, due_by: date) -> list[OpenItem]: ...

    class DunningProcedureAssigned(Aggregate.Event):
        procedure: str
        assigned_on: date

    class DunningStepRecorded(Aggregate.Event):
        step_id: str
        run_id: str
        procedure: str
        level: int
        level_name: str
        template: str
        rule: str
        posted_on: date  # the day the letter is sent
        item_ids: tuple[str, ...]
        documents: tuple[str, ...]
        overdue_total: Decimal
        fee: Decimal
        interest: Decimal
        interest_until: date | None
        payment_deadline: date | None
        earliest_next_step: date | None
        opened_items: tuple[OpenItem, ...]
        postings: tuple[Posting, ...]
        procedure_version: int = 0  # ledger.dunning.configuration; 0: as shipped (and every older step)

    class DunningStepReversed(Aggregate.Event):
        step_id: str
        reversed_on: date
        reason: str
        cleared: tuple[Allocation, ...]
        postings: tuple[Posting, ...]

    class DunningLockSet(Aggregate.Event):
        lock_id: str
        lock: Lock
        set_on: date

    class DunningLockReleased(Aggregate.Event):
        lock_id: str
        released_on: date
        reason: str

    # -- queries -----------------------------------------------------------------------------------------

    def dunning_episode_open(self, items: dict[str, OpenItem] | None = None) -> bool:
        """Whether an item dunned since the level was last 0 is still open (see the module docstring)."""
        items = self.items if items is None else items
        return any(items[i].is_open for i in self.dunned_items if i in items)

    def effective_dunning(self, items: dict[str, OpenItem] | None = None
                          ) -> tuple[int, date | None, date | None]:
        """(level, day of the last step, interest charged until) of the current episode."""
        if not self.dunning_episode_open(items):
            return 0, None, None
        return self.dunning_level, self.last_dunning_on, self.interest_charged_until

    def held_from_collection(self, day: date) -> frozenset[str]:
        """Items direct debit must not collect on ``day``: under a dispute or manual lock (an account-wide
        lock: all of them), or originals of a live plan (the plan's instalments are collected instead)."""
        held: set[str] = set()
        for held_lock in self.locks:
            lock = held_lock.lock
            if lock.active_on(day):
                if lock.item_id is None:
                    return frozenset(self.items)
                held.add(lock.item_id)
        if self.plan is not None:
            held.update(a.item_id for a in self.plan.originals)
        return frozenset(held)

    def dunning_locks(self, today: date) -> tuple[LockView, ...]:
        """Every lock in force on ``today``: set by people, from a live plan, and direct debits to come."""
        views = [LockView(h.lock.kind, h.lock.reason, h.lock.until, h.lock.item_id, "manual", h.lock_id)
                 for h in self.locks if h.lock.active_on(today)]
        if self.plan is not None:
            reason = f"instalment plan {self.plan.number}"
            # The originals were cleared by the plan; should one reopen (a reversed payment), it stays locked.
            originals = (a.item_id for a in self.plan.originals if self.items[a.item_id].is_open)
            covered = (*self.plan.item_ids, *originals)
            views += [LockView(LockKind.INSTALMENT_PLAN, reason, None, item_id, "plan")
                      for item_id in dict.fromkeys(covered)]
        views += [LockView(LockKind.COLLECTION_IN_TRANSIT, "to be collected by direct debit", None,
                           item.item_id, "direct-debit") for item in self.collectable_items(today)]
        return tuple(views)

    def dunning_state(self, today: date, without_plan: bool = False) -> DunningState:
        """The input of :func:`ledger.dunning.propose_step` (``without_plan``: as if the live plan had been
        cancelled, its unpaid principal back on the originals, see :mod:`ledger.dunning.account_plans`)."""
        items = self.items_without_plan() if without_plan else self.items
        level, last_on, charged_until = self.effective_dunning(items)
        locks = tuple(Lock(v.kind, v.reason, v.until, v.item_id) for v in self.dunning_locks(today)
                      if not (without_plan and v.source == "plan"))
        covered = self.interest_covered_after_plan() if without_plan else self.interest_covered
        # Open items only: archived ones (cleared, ledger.core.archive) are left where they are.
        return DunningState(tuple(i for i in live_values(items) if i.is_open), level, last_on, locks,
                            charged_until, covered)

    def dunning_step(self, step_id: str) -> StepRecord:
        for step in self.dunning_steps:
            if step.step_id == step_id:
                return step
        raise InvalidInput(f"dunning step {step_id} is not on this account", "step_id")

    # -- procedure ---------------------------------------------------------------------------------------

    def assign_dunning_procedure(self, procedure: str, assigned_on: date) -> None:
        self._dunning_procedure_assigned(procedure, assigned_on)

    @event(DunningProcedureAssigned)
    def _dunning_procedure_assigned(self, procedure: str, assigned_on: date) -> None:
        self.dunning_procedure = procedure

    # -- dunning steps -----------------------------------------------------------------------------------

    def record_dunning_step(self, step_id: str, run_id: str, proposal: DunningProposal,
                            stepped_on: date, procedure_version: int = 0) -> StepRecord:
        """Record the step ``proposal`` describes, sent on ``stepped_on``; fee and interest become items."""
        if any(s.step_id == step_id for s in self.dunning_steps):
            raise Conflict(f"dunning step {step_id} is already recorded", "step_id")
        level = proposal.level
        document = f"DUN-{step_id[:12].upper()}"
        due = proposal.payment_deadline or stepped_on
        opened: list[OpenItem] = []
        seq = self.item_seq
        for amount, kind, suffix in ((proposal.fee, ItemKind.FEE, "FEE"),
                                     (proposal.interest, ItemKind.INTEREST, "INT")):
            if amount > 0:
                seq += 1
                opened.append(OpenItem(f"dun-{suffix.lower()}-{step_id}", f"{document}-{suffix}", kind,
                                       amount, amount, due, stepped_on, None, seq))
        postings: tuple[Posting, ...] = ()
        if opened:
            postings = entry(
                Posting.debit(chart.RECEIVABLES, proposal.fee, self.key, f"{document}-FEE"),
                Posting.credit(chart.FEES, proposal.fee, self.key, f"{document}-FEE"),
                Posting.debit(chart.RECEIVABLES, proposal.interest, self.key, f"{document}-INT"),
                Posting.credit(chart.INTEREST_INCOME, proposal.interest, self.key, f"{document}-INT"),
            )
        self._dunning_step_recorded(
            step_id, run_id, proposal.procedure, level.level, level.name, level.template, proposal.rule,
            stepped_on, tuple(i.item_id for i in proposal.items),
            tuple(i.document_number for i in proposal.items), proposal.overdue_total, proposal.fee,
            proposal.interest, proposal.interest_until, proposal.payment_deadline,
            proposal.earliest_next_step_date, tuple(opened), postings, procedure_version)
        return self.dunning_steps[-1]

    @event(DunningStepRecorded)
    def _dunning_step_recorded(self, step_id: str, run_id: str, procedure: str, level: int, level_name: str,
                               template: str, rule: str, posted_on: date, item_ids: tuple[str, ...],
                               documents: tuple[str, ...], overdue_total: Decimal, fee: Decimal,
                               interest: Decimal, interest_until: date | None, payment_deadline: date | None,
                               earliest_next_step: date | None, opened_items: tuple[OpenItem, ...],
                               postings: tuple[Posting, ...], procedure_version: int = 0) -> None:
        episode_open = self.dunning_episode_open()
        by_kind = {item.kind: item.item_id for item in opened_items}
        record = StepRecord(
            step_id, run_id, procedure, level, level_name, template, rule, posted_on, item_ids,
            overdue_total, by_kind.get(ItemKind.FEE), by_kind.get(ItemKind.INTEREST), fee, interest,
            payment_deadline, self.dunning_level, self.last_dunning_on, self.interest_charged_until,
            self.dunned_items, procedure_version=procedure_version)
        for item in opened_items:
            self.items[item.item_id] = item
            self.item_seq = item.seq
        self.dunning_level = level
        self.last_dunning_on = posted_on
        charged = self.interest_charged_until if episode_open else None
        self.interest_charged_until = interest_until if interest_until is not None else charged
        earlier = self.dunned_items if episode_open else ()
        self.dunned_items = tuple(dict.fromkeys((*earlier, *item_ids)))
        self.dunning_steps = appended(self.dunning_steps, record)  # rows from a snapshot stay rows

    def reverse_dunning_step(self, step_id: str, reversed_on: date, reason: str) -> None:
        """Compensate the latest live step: close its fee and interest, restore the level before it."""
        step = self.dunning_step(step_id)
        if step.reversed:
            raise Conflict(f"dunning step {step_id} is already reversed", "step_id")
        live = [s for s in self.dunning_steps if not s.reversed]
        if live[-1].step_id != step_id:
            raise Conflict(f"only the latest dunning step ({live[-1].step_id}) can be reversed", "step_id")
        cleared: list[Allocation] = []
        for item_id in (step.fee_item_id, step.interest_item_id):
            if item_id is None:
                continue
            item = self.items[item_id]
            if item.open_amount != item.amount:
                raise Conflict(f"{item.document_number} is already (partly) paid: reset that payment's "
                               "clearing first", "step_id")
            cleared.append(Allocation(item_id, item.open_amount))
        postings: tuple[Posting, ...] = ()
        if cleared:
            document = f"DUN-{step_id[:12].upper()}-REV"
            postings = entry(
                Posting.debit(chart.FEES, step.fee, self.key, document),
                Posting.debit(chart.INTEREST_INCOME, step.interest, self.key, document),
                Posting.credit(chart.RECEIVABLES, total(cleared), self.key, document),
            )
        self._dunning_step_reversed(step_id, reversed_on, reason, tuple(cleared), postings)

    @event(DunningStepReversed)
    def _dunning_step_reversed(self, step_id: str, reversed_on: date, reason: str,
                               cleared: tuple[Allocation, ...], postings: tuple[Posting, ...]) -> None:
        apply_allocations(self.items, cleared, -1)
        step = self.dunning_step(step_id)
        self.dunning_level = step.previous_level
        self.last_dunning_on = step.previous_step_on
        self.interest_charged_until = step.previous_interest_until
        self.dunned_items = step.previous_dunned
        self.dunning_steps = tuple(replace(s, reversed=True) if s.step_id == step_id else s
                                   for s in self.dunning_steps)

    # -- locks -------------------------------------------------------------------------------------------

    def set_dunning_lock(self, lock_id: str, lock: Lock, set_on: date) -> None:
        if lock.kind not in MANUAL_LOCK_KINDS:
            raise InvalidInput(f"a {lock.kind.value} lock follows from the account's state; only dispute "
                               "and manual locks are set by hand", "kind")
        if not lock.reason.strip():
            raise InvalidInput("a lock needs a reason", "reason")
        if lock.kind is LockKind.MANUAL and lock.until is None:
            raise InvalidInput("a manual lock needs an expiry date", "until")
        if lock.until is not None and lock.until < set_on:
            raise InvalidInput("the lock would expire before it is set", "until")
        if lock.item_id is not None and lock.item_id not in self.items:
            raise InvalidInput(f"open item {lock.item_id} is not on this account", "invoice_number")
        if any(h.lock_id == lock_id for h in self.locks):
            raise Conflict(f"lock {lock_id} is already set", "lock_id")
        self._dunning_lock_set(lock_id, lock, set_on)

    @event(DunningLockSet)
    def _dunning_lock_set(self, lock_id: str, lock: Lock, set_on: date) -> None:
        self.locks = (*self.locks, HeldLock(lock_id, lock, set_on))

    def release_dunning_lock(self, lock_id: str, released_on: date, reason: str) -> None:
        if not any(h.lock_id == lock_id for h in self.locks):
            raise InvalidInput(f"lock {lock_id} is not set on this account", "lock_id")
        self._dunning_lock_released(lock_id, released_on, reason)

    @event(DunningLockReleased)
    def _dunning_lock_released(self, lock_id: str, released_on: date, reason: str) -> None:
        self.locks = tuple(h for h in self.locks if h.lock_id != lock_id)
