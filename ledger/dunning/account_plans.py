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
- cancelling or completing a plan moves no money.

Choices where the issue was silent:

- **A plan ends the episode of the items it replaces** (they are cleared). A cancelled plan's unpaid
  instalments **stay open items with their own due dates** and are dunned from level 1 like any
  overdue item: they are new documents, and Italy's suspension may only follow a formal notice for the
  debt it suspends for. Late interest is charged on invoices only (the building block's rule), so a
  missed instalment carries the plan's interest, not late interest.
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

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(i.item_id for i in self.instalments)

    @property
    def interest_total(self) -> Decimal:
        return sum((i.interest for i in self.instalments), ZERO)


class InstalmentPlans(Aggregate):
    """The instalment-plan part of :class:`~ledger.accounts.account.ContractAccount`.

    An aggregate class so that eventsourcing registers its events; it is never created on its own. Its
    state is immutable class-level defaults, replaced (never mutated) by the apply methods, so the
    account's ``__init__`` needs no change and old accounts load as "never on a plan".
    """

    plan: PlanState | None = None
    past_plans: tuple[PlanState, ...] = ()

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
        still_open: tuple[str, ...]  # instalment items that go back to normal dunning

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

    def cancel_instalment_plan(self, cancelled_on: date, reason: str, missed: tuple[int, ...] = (),
                               plan_id: str | None = None) -> PlanState:
        """End the plan; what is still open of its instalments goes back to normal dunning."""
        plan = self._live_plan(plan_id)
        if not reason.strip():
            raise InvalidInput("a cancellation needs a reason", "reason")
        still_open = tuple(i for i in plan.item_ids if self.items[i].is_open)
        self._instalment_plan_cancelled(plan.plan_id, cancelled_on, reason, missed, still_open)
        return self.past_plans[-1]

    @event(InstalmentPlanCancelled)
    def _instalment_plan_cancelled(self, plan_id: str, cancelled_on: date, reason: str,
                                   missed: tuple[int, ...], still_open: tuple[str, ...]) -> None:
        if self.plan is not None:
            ended = replace(self.plan, status="cancelled", ended_on=cancelled_on, end_reason=reason,
                            missed=missed)
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
