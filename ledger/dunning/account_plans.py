"""Instalment plans on a contract account (rateizzazione).

A mixin of :class:`ledger.accounts.account.ContractAccount`, next to its dunning part
(:mod:`ledger.dunning.account_part`): a plan clears the account's items it replaces and opens its
instalments as new ones, so it lives on the account and changes them atomically. The schedule itself is
decided by the pure building blocks of :mod:`ledger.dunning.instalments` (``plan_instalments``,
``missed_instalments``); this module records it. The dunning part reads the live plan: it locks the plan's
instalments and originals from dunning, and keeps the originals out of collection runs.

Money moves (architecture.md §3). Every event that moves money names its ``postings`` and follows the
ledger view's item-change protocol (``opened_items``, ``cleared``), so the view needs no code for it:

- an instalment plan: the chosen items are cleared and N INSTALMENT items opened, each with its own due
  date and payment reference: Dr receivables (instalments' principal) / Cr receivables (originals), plus
  Dr receivables / Cr interest-income for the plan's interest;
- cancelling a plan (by a clerk, or in a dunning run or review for an instalment missed past its grace)
  unwinds it (:meth:`InstalmentPlans.plan_unwinding`): what is unpaid of the plan's principal goes back
  onto the original items (``reopened``), the instalments still open are closed (``cleared``), and the
  plan's interest not earned is reversed: Dr receivables (originals) / Cr receivables (plan), plus
  Dr interest-income / Cr receivables for the interest;
- completing a plan moves no money.

The rule of an unwinding, decided where the issue was silent:

- **Interest is earned by the instalments paid in full in order.** The plan is honoured up to its first
  instalment not paid in full (1, 2, … k paid: their interest stands); the interest of every later
  instalment is reversed, and whatever was paid on them counts as principal. An instalment is paid when
  its item is closed, by a payment, credit or a direct debit in transit alike (should that collection
  come back later, the return reopens the instalment item for what it took, so the total owed stays
  right). Only if more was paid than the principal (instalments paid out of order) is the excess kept as
  interest earned.
- **The oldest original is paid first.** The principal paid on the plan settles the originals oldest due
  first (then in posting order), whatever order the clerk named them in; what is left of each goes back
  open on it. That is how a payment naming no invoice clears (README, "Clearing"), and what the Italian
  civil code says of a payment the debtor did not impute (art. 1193 c.c.: among debts equally due, "al
  più antico", https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:regio.decreto:1942-03-16;262~art1193);
  it also leaves open the youngest debt, the one furthest from prescription.
- **Late interest on a restored original does not run twice.** The interest the plan earned covered the
  days up to the due date of its last instalment paid in order; late interest on the restored originals
  runs only after that day (``interest_covered``), and from their own due date when nothing was earned.
- **The restored originals are dunned again from their previous level**, not from level 1: reopening them
  reopens the dunning episode they belonged to (``Dunning.effective_dunning``), the way a returned direct
  debit or a reversed payment brings back the level of the items it reopens. The customer has had the
  reminders and the formal notice for that debt already, and broke the plan that stood in for paying
  it; the next level still waits its minimum days after the last step. (If the account was dunned for
  other items while the plan lived, a new episode began and the originals join it.)

Cancellations stored before they moved money (no ``reopened``/``cleared``/``postings`` on the event)
still mean what they meant: the originals stay cleared and the unpaid instalments stay open items with
their own due dates, dunned from level 1 like any overdue item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from eventsourcing.domain import Aggregate, event

from ledger.accounts.clearing import Allocation, ItemKind, OpenItem, apply_allocations, total
from ledger.core import chart
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.money import ZERO, Posting, entry


@dataclass(frozen=True, slots=True)
class PlannedInstalment:
    """One instalment of a plan: an open item of kind INSTALMENT with its own due date and reference."""

    number: int
    item_id: str
    document_number: str
    due_date: date
    principal: Decimal
    interest: Decimal
    amount: Decimal
    payment_reference: str | None


@dataclass(frozen=True, slots=True)
class PlanState:
    """An instalment plan. ``since_version`` is the account version before it, to read what followed."""

    plan_id: str
    number: str
    created_on: date
    originals: tuple[Allocation, ...]
    instalments: tuple[PlannedInstalment, ...]
    grace_days: int
    interest_rate: Decimal | None
    since_version: int
    status: str = "live"  # live → cancelled | completed
    ended_on: date | None = None
    end_reason: str = ""
    missed: tuple[int, ...] = ()
    restored: tuple[Allocation, ...] = ()  # what its cancellation put back on the originals
    interest_reversed: Decimal = ZERO

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.item_id for i in self.instalments)

    @property
    def interest_total(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)


@dataclass(frozen=True, slots=True)
class Unwinding:
    """What cancelling a live plan moves (the rule is in the module docstring)."""

    reopened: tuple[Allocation, ...]  # the originals, for the plan's unpaid principal
    cleared: tuple[Allocation, ...]  # the instalments still open
    interest_reversed: Decimal
    interest_covered_until: date | None  # due date of the last instalment paid in order, if any
    postings: tuple[Posting, ...]


class InstalmentPlans(Aggregate):
    """The instalment-plan part of :class:`~ledger.accounts.account.ContractAccount`.

    An aggregate class so that eventsourcing registers its events; it is never created on its own. Its
    state is immutable class-level defaults, replaced (never mutated) by the apply methods, so the
    account's ``__init__`` needs no change and old accounts load as "never on a plan".
    """

    plan: PlanState | None = None
    past_plans: tuple[PlanState, ...] = ()
    #: (item id, day) pairs: late interest on a restored original runs only after its day.
    interest_covered: tuple[tuple[str, date], ...] = ()

    if TYPE_CHECKING:  # provided by ContractAccount
        items: dict[str, OpenItem]
        item_seq: int

        @property
        def key(self) -> str: ...

    class InstalmentPlanCreated(Aggregate.Event):
        plan_id: str
        number: str
        posted_on: date
        cleared: tuple[Allocation, ...]  # the originals
        opened_items: tuple[OpenItem, ...]  # the instalments
        instalments: tuple[PlannedInstalment, ...]
        grace_days: int
        interest_rate: Decimal | None
        postings: tuple[Posting, ...]

    class InstalmentPlanCancelled(Aggregate.Event):
        plan_id: str
        cancelled_on: date
        reason: str
        missed: tuple[int, ...]
        still_open: tuple[str, ...]  # instalment items open when the plan was cancelled
        # Since a cancellation unwinds the plan (issue 11). The defaults are what a cancellation stored
        # before meant: nothing moved, the open instalments stayed open (module docstring).
        reopened: tuple[Allocation, ...] = ()
        cleared: tuple[Allocation, ...] = ()
        interest_reversed: Decimal = ZERO
        interest_covered_until: date | None = None
        posted_on: date | None = None  # the booking day of ``postings``: the day of the cancellation
        postings: tuple[Posting, ...] = ()

    class InstalmentPlanCompleted(Aggregate.Event):
        plan_id: str
        completed_on: date

    def create_instalment_plan(self, plan_id: str, number: str, created_on: date, item_ids: Sequence[str],
                               instalments: Sequence[PlannedInstalment], grace_days: int,
                               interest_rate: Decimal | None) -> PlanState:
        """Replace the open items ``item_ids`` by ``instalments`` (built with ``plan_instalments``)."""
        if self.plan is not None:
            raise Conflict(f"instalment plan {self.plan.number} is still live on this account", "account_id")
        if not item_ids:
            raise InvalidInput("a plan needs at least one open item", "invoice_numbers")
        if len(set(item_ids)) != len(item_ids):
            raise InvalidInput("an item is named twice", "invoice_numbers")
        originals = []
        for item_id in item_ids:
            item = self.items.get(item_id)
            if item is None or not item.is_open:
                raise InvalidInput(f"item {item.document_number if item else item_id} is not open",
                                   "invoice_numbers")
            if item.kind is ItemKind.INSTALMENT:
                raise InvalidInput(f"{item.document_number} is already an instalment", "invoice_numbers")
            originals.append(Allocation(item_id, item.open_amount))
        principal = total(originals)
        if sum((i.principal for i in instalments), ZERO) != principal:
            raise InvalidInput(f"the instalments' principal does not add up to {principal}", "instalments")
        interest = sum((i.interest for i in instalments), ZERO)
        seq = self.item_seq
        opened = []
        for instalment in instalments:
            if instalment.item_id in self.items:
                raise Conflict(f"{instalment.document_number} is already on this account", "number")
            seq += 1
            opened.append(OpenItem(instalment.item_id, instalment.document_number, ItemKind.INSTALMENT,
                                   instalment.amount, instalment.amount, instalment.due_date, created_on,
                                   instalment.payment_reference, seq))
        postings = entry(
            Posting.debit(chart.RECEIVABLES, principal, self.key, number),
            Posting.credit(chart.RECEIVABLES, principal, self.key, number),
            Posting.debit(chart.RECEIVABLES, interest, self.key, f"{number}-INT"),
            Posting.credit(chart.INTEREST_INCOME, interest, self.key, f"{number}-INT"),
        )
        self._instalment_plan_created(plan_id, number, created_on, tuple(originals), tuple(opened),
                                      tuple(instalments), grace_days, interest_rate, postings)
        if self.plan is None:  # pragma: no cover - the apply method sets it
            raise RuntimeError("plan not recorded")
        return self.plan

    @event(InstalmentPlanCreated)
    def _instalment_plan_created(self, plan_id: str, number: str, posted_on: date,
                                 cleared: tuple[Allocation, ...], opened_items: tuple[OpenItem, ...],
                                 instalments: tuple[PlannedInstalment, ...], grace_days: int,
                                 interest_rate: Decimal | None, postings: tuple[Posting, ...]) -> None:
        apply_allocations(self.items, cleared, -1)
        for item in opened_items:
            self.items[item.item_id] = item
            self.item_seq = item.seq
        self.plan = PlanState(plan_id, number, posted_on, cleared, instalments, grace_days, interest_rate,
                              self.version)

    def _live_plan(self, plan_id: str | None) -> PlanState:
        if self.plan is None:
            raise Conflict("the account has no live instalment plan", "plan_id")
        if plan_id is not None and plan_id != self.plan.plan_id:
            raise Conflict(f"plan {plan_id} is not the live plan of this account", "plan_id")
        return self.plan

    def plan_unwinding(self) -> Unwinding:
        """What cancelling the live plan now would move (see the module docstring for the rule)."""
        plan = self._live_plan(None)
        instalments = sorted(plan.instalments, key=lambda i: i.number)
        open_of = {i.item_id: self.items[i.item_id].open_amount for i in instalments}
        in_order = []
        for instalment in instalments:
            if open_of[instalment.item_id] > 0:
                break
            in_order.append(instalment)
        principal = sum((i.principal for i in instalments), ZERO)
        paid = sum((i.amount - open_of[i.item_id] for i in instalments), ZERO)
        principal_paid = min(paid - sum((i.interest for i in in_order), ZERO), principal)
        interest_reversed = plan.interest_total - (paid - principal_paid)
        reopened = []
        left = principal_paid
        originals = sorted(plan.originals, key=lambda a: (self.items[a.item_id].due_date,
                                                          self.items[a.item_id].seq))
        for original in originals:
            covered = min(original.amount, left)
            left -= covered
            if original.amount > covered:
                reopened.append(Allocation(original.item_id, original.amount - covered))
        cleared = tuple(Allocation(item_id, amount) for item_id, amount in open_of.items() if amount > 0)
        postings = () if not cleared else entry(  # a plan paid in full moves nothing
            *(Posting.debit(chart.RECEIVABLES, a.amount, self.key, self.items[a.item_id].document_number)
              for a in reopened),
            Posting.credit(chart.RECEIVABLES, principal - principal_paid, self.key, plan.number),
            Posting.debit(chart.INTEREST_INCOME, interest_reversed, self.key, f"{plan.number}-INT"),
            Posting.credit(chart.RECEIVABLES, interest_reversed, self.key, f"{plan.number}-INT"),
        )
        if total(cleared) != total(reopened) + interest_reversed:  # pragma: no cover - the rule above
            raise RuntimeError(f"plan {plan.number}: the unwinding does not add up")
        return Unwinding(tuple(reopened), cleared, interest_reversed,
                         in_order[-1].due_date if in_order else None, postings)

    def items_without_plan(self) -> dict[str, OpenItem]:
        """The account's items as the live plan's cancellation would leave them (all of them if none)."""
        items = dict(self.items)
        if self.plan is not None:
            unwinding = self.plan_unwinding()
            apply_allocations(items, unwinding.cleared, -1)
            apply_allocations(items, unwinding.reopened, +1)
        return items

    def interest_covered_after_plan(self) -> tuple[tuple[str, date], ...]:
        """``interest_covered`` as the live plan's cancellation would leave it."""
        if self.plan is None:
            return self.interest_covered
        unwinding = self.plan_unwinding()
        return self._covered(unwinding.reopened, unwinding.interest_covered_until)

    def _covered(self, reopened: Sequence[Allocation], until: date | None) -> tuple[tuple[str, date], ...]:
        if until is None:
            return self.interest_covered
        restored = {a.item_id for a in reopened}
        kept = tuple((i, d) for i, d in self.interest_covered if i not in restored)
        return (*kept, *((a.item_id, until) for a in reopened))

    def cancel_instalment_plan(self, cancelled_on: date, reason: str, missed: tuple[int, ...] = (),
                               plan_id: str | None = None) -> PlanState:
        """End the plan and unwind it: the unpaid principal back on the originals, the instalments closed."""
        plan = self._live_plan(plan_id)
        if not reason.strip():
            raise InvalidInput("a cancellation needs a reason", "reason")
        still_open = tuple(i for i in plan.item_ids if self.items[i].is_open)
        u = self.plan_unwinding()
        self._instalment_plan_cancelled(plan.plan_id, cancelled_on, reason, missed, still_open, u.reopened,
                                        u.cleared, u.interest_reversed, u.interest_covered_until,
                                        cancelled_on, u.postings)
        return self.past_plans[-1]

    @event(InstalmentPlanCancelled)
    def _instalment_plan_cancelled(self, plan_id: str, cancelled_on: date, reason: str,
                                   missed: tuple[int, ...], still_open: tuple[str, ...],
                                   reopened: tuple[Allocation, ...] = (),
                                   cleared: tuple[Allocation, ...] = (), interest_reversed: Decimal = ZERO,
                                   interest_covered_until: date | None = None,
                                   posted_on: date | None = None, postings: tuple[Posting, ...] = ()) -> None:
        # Defaults: a cancellation stored before cancellations moved money has none of these fields.
        apply_allocations(self.items, cleared, -1)
        apply_allocations(self.items, reopened, +1)
        self.interest_covered = self._covered(reopened, interest_covered_until)
        if self.plan is not None:
            ended = replace(self.plan, status="cancelled", ended_on=cancelled_on, end_reason=reason,
                            missed=missed, restored=reopened, interest_reversed=interest_reversed)
            self.past_plans = (*self.past_plans, ended)
        self.plan = None

    def plan_paid(self) -> bool:
        return self.plan is not None and not any(self.items[i].is_open for i in self.plan.item_ids)

    def complete_instalment_plan(self, completed_on: date, plan_id: str | None = None) -> PlanState:
        plan = self._live_plan(plan_id)
        if not self.plan_paid():
            raise Conflict(f"instalment plan {plan.number} still has open instalments", "plan_id")
        self._instalment_plan_completed(plan.plan_id, completed_on)
        return self.past_plans[-1]

    @event(InstalmentPlanCompleted)
    def _instalment_plan_completed(self, plan_id: str, completed_on: date) -> None:
        if self.plan is not None:
            self.past_plans = (*self.past_plans, replace(self.plan, status="completed",
                                                         ended_on=completed_on, end_reason="paid"))
        self.plan = None
