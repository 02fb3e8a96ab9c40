"""The dunning state of one account on one day: its dunning level and the next step (reminder, formal
notice), what is overdue, the fees and late interest open and accrued, the locks, the steps taken and the
live instalment plan. A read of the account's dunning and instalment-plan parts
(:mod:`ledger.dunning.account_part`, :mod:`ledger.dunning.account_plans`) for the API and the portal.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledger.accounts.clearing import ItemKind
from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO, round_cents
from ledger.dunning import DayCount, InterestRateTable, Procedure, earliest_next_step_date, exact_interest
from ledger.dunning.account_part import Dunning, LockView, StepRecord
from ledger.dunning.account_plans import PlanState
from ledger.dunning.proposal import interest_start


@dataclass(frozen=True, slots=True)
class DunningOverview:
    """The dunning state of one account on one day (what the API and the portal show)."""

    procedure: str
    level: int
    level_name: str | None
    last_step_on: date | None
    next_level: int | None
    next_level_name: str | None
    next_step_on: date | None
    next_rule: str | None
    overdue: Decimal
    overdue_items: int
    fees_open: Decimal
    interest_open: Decimal
    interest_accrued: Decimal
    interest_charged_until: date | None
    locks: tuple[LockView, ...]
    steps: tuple[StepRecord, ...]
    plan: PlanState | None


def dunning_overview(account: Dunning, procedure: Procedure, today: date, rates: InterestRateTable | None,
                     day_count: DayCount = "ACT/365") -> DunningOverview:
    """The dunning state of ``account`` on ``today`` under ``procedure`` (``rates``: for interest accrued)."""
    state = account.dunning_state(today)
    current = procedure.level(state.level)
    following = procedure.level(state.level + 1)
    overdue = [i for i in state.items if i.due_date < today]
    accrued = ZERO
    if rates is not None:
        exact = ZERO
        for item in overdue:
            if item.kind is ItemKind.INVOICE:
                start = interest_start(item, state, procedure)
                with suppress(InvalidInput):  # the table does not reach back that far: none
                    exact += exact_interest(item.open_amount, start, today, rates, day_count)
        accrued = round_cents(exact)
    return DunningOverview(
        procedure=procedure.code,
        level=state.level,
        level_name=current.name if current else None,
        last_step_on=state.last_step_on,
        next_level=following.level if following else None,
        next_level_name=following.name if following else None,
        next_step_on=earliest_next_step_date(state, procedure),
        next_rule=following.rule if following else None,
        overdue=sum((i.open_amount for i in overdue), ZERO),
        overdue_items=len(overdue),
        fees_open=sum((i.open_amount for i in state.items if i.kind is ItemKind.FEE), ZERO),
        interest_open=sum((i.open_amount for i in state.items if i.kind is ItemKind.INTEREST), ZERO),
        interest_accrued=accrued,
        interest_charged_until=state.interest_charged_until,
        locks=account.dunning_locks(today),
        steps=tuple(account.dunning_steps),
        plan=account.plan,
    )
