"""The daily dunning decision for one account, as a pure function: :func:`propose_step`.

Given the account's open items, its current level and last step, its locks and the procedure,
propose the *next* level — never two at once, never before the minimum wait, never for less than
the level's minimum amount, never while an account-wide lock is active. Items locked on their own
(a disputed bill) are left out; items within their grace days are not overdue yet.

An item is *eligible* for level L on the day ``due + max(grace_days + 1, L.days_after_due)``: it
is overdue after its grace (``today > due + grace``, https://en.wikipedia.org/wiki/Grace_period)
and old enough for that level. Interest is charged on principal items (kind ``INVOICE``) only —
never on fees or on interest (art. 1283 Italian c.c. forbids anatocism) — from the later of the due
date (after the procedure's interest-free window, if it has one) and ``interest_charged_until``, on the
amount open today. Using today's open amount for the
whole period undercharges an item that was partly paid late, never overcharges; callers that know
the payment history can use :func:`ledger.dunning.interest.late_interest` with a principal schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from ledger.accounts.clearing import ItemKind, OpenItem
from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO, round_cents
from ledger.dunning.interest import DayCount, InterestRateTable, exact_interest
from ledger.dunning.locks import Lock
from ledger.dunning.procedure import DunningLevel, Procedure


@dataclass(frozen=True, slots=True)
class DunningState:
    """What the dunning run knows of one contract account.

    ``level`` is the last level reached (0: none), ``last_step_on`` the day it was sent;
    ``interest_charged_until`` the last day already covered by charged interest; ``interest_covered``
    (item id, day) pairs for items whose late interest only runs after their day (originals restored by
    a cancelled instalment plan, whose earned interest covered the days before).
    """

    items: tuple[OpenItem, ...]
    level: int = 0
    last_step_on: date | None = None
    locks: tuple[Lock, ...] = ()
    interest_charged_until: date | None = None
    interest_covered: tuple[tuple[str, date], ...] = ()


@dataclass(frozen=True, slots=True)
class DunningProposal:
    """The next step for one account: what to send, for which items, at what cost, and why."""

    procedure: str
    level: DunningLevel
    items: tuple[OpenItem, ...]
    overdue_total: Decimal
    fee: Decimal
    interest: Decimal
    interest_until: date | None
    payment_deadline: date | None
    rule: str
    earliest_next_step_date: date | None

    @property
    def total_due(self) -> Decimal:
        return self.overdue_total + self.fee + self.interest


def _eligible_from(item: OpenItem, level: DunningLevel, procedure: Procedure,
                   locks: tuple[Lock, ...]) -> date | None:
    """The first day ``item`` counts for ``level``; ``None`` if an open-ended lock holds it."""
    day = item.due_date + timedelta(days=max(procedure.grace_days + 1, level.days_after_due))
    for lock in locks:
        if lock.item_id == item.item_id:
            if lock.until is None:
                return None
            day = max(day, lock.until + timedelta(days=1))
    return day


def _account_locked(locks: tuple[Lock, ...], today: date) -> bool:
    return any(lock.covers_account and lock.active_on(today) for lock in locks)


def _eligible_items(state: DunningState, level: DunningLevel, procedure: Procedure,
                    today: date) -> tuple[OpenItem, ...]:
    chosen = []
    for item in state.items:
        if not item.is_open:
            continue
        start = _eligible_from(item, level, procedure, state.locks)
        if start is not None and start <= today:
            chosen.append(item)
    return tuple(sorted(chosen, key=lambda i: (i.due_date, i.seq)))


def interest_start(item: OpenItem, state: DunningState, procedure: Procedure) -> date:
    """The last day of ``item`` free of late interest, or already charged: interest runs from the day after.

    The latest of the due date (plus the procedure's interest-free window, see
    :class:`~ledger.dunning.procedure.Procedure`), the day the account's interest was charged until, and
    the day an instalment plan's interest covered the item until (``DunningState.interest_covered``).
    """
    start = procedure.interest_free_until(item.due_date)
    if state.interest_charged_until is not None:
        start = max(start, state.interest_charged_until)
    for item_id, covered in state.interest_covered:
        if item_id == item.item_id:
            start = max(start, covered)
    return start


def _interest(items: tuple[OpenItem, ...], state: DunningState, procedure: Procedure, today: date,
              rates: InterestRateTable | None, day_count: DayCount) -> Decimal:
    principal = [item for item in items if item.kind is ItemKind.INVOICE]
    if not principal:
        return ZERO
    if rates is None:
        raise InvalidInput("this level charges interest: an interest rate table is needed", "rates")
    exact = ZERO
    for item in principal:
        exact += exact_interest(item.open_amount, interest_start(item, state, procedure), today, rates,
                                day_count)
    return round_cents(exact)  # one rounding for the whole step (see ledger.dunning.interest)


def propose_step(state: DunningState, procedure: Procedure, today: date,
                 rates: InterestRateTable | None = None,
                 day_count: DayCount = "ACT/365") -> DunningProposal | None:
    """The next dunning step for the account on ``today``, or ``None`` if none is allowed yet."""
    level = procedure.level(state.level + 1)
    if level is None or _account_locked(state.locks, today):
        return None
    if state.last_step_on is not None and today < level.earliest_after(state.last_step_on):
        return None
    items = _eligible_items(state, level, procedure, today)
    overdue = sum((item.open_amount for item in items), ZERO)
    if not items or overdue < level.min_amount:
        return None
    interest = _interest(items, state, procedure, today, rates, day_count) if level.charges_interest else ZERO
    after = replace(state, level=level.level, last_step_on=today,
                    interest_charged_until=today if level.charges_interest else state.interest_charged_until)
    return DunningProposal(
        procedure=procedure.code,
        level=level,
        items=items,
        overdue_total=overdue,
        fee=level.fee,
        interest=interest,
        interest_until=today if level.charges_interest else None,
        # Counted in calendar days from the sending day, the conservative reading of "≥ 15 days from
        # the sending of the notice" (TIMOE art. 3, https://www.arera.it/it/docs/15/258-15.htm).
        payment_deadline=today + timedelta(days=level.days_to_pay) if level.days_to_pay else None,
        rule=level.rule,
        earliest_next_step_date=earliest_next_step_date(after, procedure),
    )


def holding_locks(state: DunningState, procedure: Procedure, today: date,
                  rates: InterestRateTable | None = None,
                  day_count: DayCount = "ACT/365") -> tuple[Lock, ...]:
    """The locks that stop a step :func:`propose_step` would propose without them (none: nothing held).

    The account-wide locks in force, and the locks on the items the step would have dunned; a lock on an
    item that is not overdue yet holds nothing today.
    """
    if not state.locks or propose_step(state, procedure, today, rates, day_count) is not None:
        return ()
    unlocked = propose_step(replace(state, locks=()), procedure, today, rates, day_count)
    if unlocked is None:
        return ()
    items = {item.item_id for item in unlocked.items}
    return tuple(lock for lock in state.locks if lock.active_on(today)
                 and (lock.covers_account or lock.item_id in items))


def earliest_next_step_date(state: DunningState, procedure: Procedure) -> date | None:
    """The first day :func:`propose_step` would propose the next level if nothing changes.

    "Nothing changes" means no payment, no new item, and locks ending as scheduled. ``None`` when
    the last level is reached, an open-ended account lock holds, or the eligible items can never
    reach the level's minimum amount. The date may lie in the past: the step is due now.
    """
    level = procedure.level(state.level + 1)
    if level is None:
        return None
    earliest = [level.earliest_after(state.last_step_on)] if state.last_step_on else []
    for lock in state.locks:
        if lock.covers_account:
            if lock.until is None:
                return None
            earliest.append(lock.until + timedelta(days=1))
    candidates = sorted(
        (start, item.open_amount) for item in state.items if item.is_open
        if (start := _eligible_from(item, level, procedure, state.locks)) is not None)
    running = ZERO
    for start, amount in candidates:
        running += amount
        if running >= level.min_amount:
            earliest.append(start)
            break
    else:
        return None
    return max(earliest)
