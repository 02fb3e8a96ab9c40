"""Instalment plans (rateizzazione / pla de pagament / maksusuunnitelma): pure planning functions.

:func:`plan_instalments` splits a total into N instalments with increasing due dates:

* Equal principal parts, computed in whole cents; the rounding remainder (at most N − 1 cents) goes
  on the **first** instalment, so all later instalments are identical and the plan's principal
  sums exactly to the total.
* Monthly due dates are counted from the first due date (not chained), clamped to month end:
  31 Jan → 28/29 Feb → 31 Mar (the end-of-month rule, see :func:`ledger.core.calendar.add_months`).
* With an annual ``interest_rate`` (percent), each instalment carries simple interest on the
  principal still open during its period (declining balance), ACT/365, from ``start`` (default: one
  interval before the first due date) — the way ARERA-regulated Italian plans charge interest at
  the reference rate. Each instalment's interest is rounded half up to cents on its own, because
  each instalment is a separate document the customer pays; ``amount = principal + interest``, so
  the plan sums to total + Σ interest exactly.

>>> plan = plan_instalments(Decimal("100.00"), 3, date(2026, 1, 31))
>>> [(i.number, str(i.due_date), str(i.amount)) for i in plan]
[(1, '2026-01-31', '33.34'), (2, '2026-02-28', '33.33'), (3, '2026-03-31', '33.33')]
>>> with_interest = plan_instalments(Decimal("300.00"), 3, date(2026, 2, 1),
...                                  interest_rate=Decimal("3.65"), start=date(2026, 1, 1))
>>> [(str(i.principal), str(i.interest), str(i.amount)) for i in with_interest]
[('100.00', '0.93', '100.93'), ('100.00', '0.56', '100.56'), ('100.00', '0.31', '100.31')]

Interest by hand: 1 Jan → 1 Feb, 300.00 × 3.65 % × 31/365 = 0.93; 1 Feb → 1 Mar,
200.00 × 3.65 % × 28/365 = 0.56; 1 Mar → 1 Apr, 100.00 × 3.65 % × 31/365 = 0.31.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from ledger.core.calendar import add_months
from ledger.core.errors import InvalidInput
from ledger.core.money import CENT, ZERO, MoneyError, parse_amount, round_cents

#: ARERA's mandatory instalment offer (check the current TIF/TIV text before relying on it): a bill
#: at least this share of the 12-month average, and above the minimum amount.
IT_RATIO_DOMESTIC = Decimal("1.5")
IT_RATIO_NON_DOMESTIC = Decimal("2.5")
IT_MIN_AMOUNT = Decimal("50.00")
MAX_INSTALMENTS = 120


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int
    due_date: date
    principal: Decimal
    interest: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InstalmentPayment:
    """A payment towards the plan, applied to the oldest unpaid instalment first."""

    paid_on: date
    amount: Decimal


def _money(value: Decimal, field: str) -> Decimal:
    try:
        return parse_amount(value, field)
    except MoneyError as error:
        raise InvalidInput(str(error), field) from None


def _due_dates(n: int, first_due: date, interval_months: int | None,
               interval_days: int | None) -> list[date]:
    if (interval_months is None) == (interval_days is None):
        raise InvalidInput("give exactly one of interval_months and interval_days", "interval")
    if interval_days is not None:
        if interval_days < 1:
            raise InvalidInput("interval_days must be at least 1", "interval_days")
        return [first_due + timedelta(days=interval_days * k) for k in range(n)]
    if interval_months is None or interval_months < 1:
        raise InvalidInput("interval_months must be at least 1", "interval_months")
    return [add_months(first_due, interval_months * k) for k in range(n)]


def _principals(total: Decimal, n: int, custom_amounts: Sequence[Decimal] | None) -> list[Decimal]:
    if custom_amounts is not None:
        parts = [_money(value, f"custom_amounts[{k}]") for k, value in enumerate(custom_amounts)]
        if len(parts) != n:
            raise InvalidInput(f"{len(parts)} custom amounts for {n} instalments", "custom_amounts")
        if sum(parts, ZERO) != total:
            raise InvalidInput(f"custom amounts sum to {sum(parts, ZERO)}, not {total}", "custom_amounts")
        return parts
    # Floor to cents so the remainder is never negative; it goes on the first instalment (module doc,
    # https://docs.python.org/3/library/decimal.html#decimal.ROUND_DOWN).
    base = (total / n).quantize(CENT, rounding=ROUND_DOWN)
    if base <= 0:
        raise InvalidInput(f"{total} cannot be split into {n} instalments of at least 0.01", "n")
    return [total - base * (n - 1)] + [base] * (n - 1)


def plan_instalments(total: Decimal, n: int, first_due: date, *, interval_months: int | None = None,
                     interval_days: int | None = None, interest_rate: Decimal | None = None,
                     custom_amounts: Sequence[Decimal] | None = None,
                     start: date | None = None) -> tuple[Instalment, ...]:
    """Split ``total`` into ``n`` instalments from ``first_due`` (monthly unless told otherwise)."""
    total = _money(total, "total")
    if not 1 <= n <= MAX_INSTALMENTS:
        raise InvalidInput(f"n must be between 1 and {MAX_INSTALMENTS}", "n")
    if interval_months is None and interval_days is None:
        interval_months = 1
    dues = _due_dates(n, first_due, interval_months, interval_days)
    parts = _principals(total, n, custom_amounts)
    if interest_rate is not None and (not interest_rate.is_finite() or interest_rate < 0):
        raise InvalidInput("interest_rate must be a non-negative annual percentage", "interest_rate")
    if start is None:
        start = (first_due - timedelta(days=interval_days) if interval_days is not None
                 else add_months(first_due, -(interval_months or 1)))
    if start > first_due:
        raise InvalidInput("start must not be after the first due date", "start")
    plan = []
    open_principal, period_start = total, start
    for number, (due, principal) in enumerate(zip(dues, parts, strict=True), start=1):
        interest = ZERO
        if interest_rate:
            # Simple interest on the declining balance, ACT/365 like late interest
            # (ledger.dunning.interest), rounded half up per instalment because each is its own
            # document (ledger.core.money.round_cents, https://docs.python.org/3/library/decimal.html).
            days = (due - period_start).days
            interest = round_cents(open_principal * interest_rate * days / Decimal(36500))
        plan.append(Instalment(number, due, principal, interest, principal + interest))
        open_principal -= principal
        period_start = due
    return tuple(plan)


def is_eligible_it(invoice_amount: Decimal, last_12_months_average: Decimal, domestic: bool) -> bool:
    """Whether an Italian bill triggers the mandatory instalment offer (architecture.md §5).

    Domestic: at least 150 % of the 12-month average bill; non-domestic: 250 %; in both cases over
    €50. The ratio is inclusive ("≥"), the €50 exclusive ("over"), as the guide states them; check
    ARERA's current text (TIF, delibera 463/2016/R/com and later amendments) before relying on it.
    With no history (average 0) every bill over €50 qualifies.

    >>> is_eligible_it(Decimal("150.00"), Decimal("100.00"), domestic=True)
    True
    >>> is_eligible_it(Decimal("200.00"), Decimal("100.00"), domestic=False)
    False
    >>> is_eligible_it(Decimal("50.00"), Decimal("10.00"), domestic=True)
    False
    """
    if invoice_amount <= IT_MIN_AMOUNT:
        return False
    ratio = IT_RATIO_DOMESTIC if domestic else IT_RATIO_NON_DOMESTIC
    return invoice_amount >= ratio * max(last_12_months_average, ZERO)


def missed_instalments(plan: Sequence[Instalment], payments: Sequence[InstalmentPayment], today: date,
                       grace_days: int) -> tuple[int, ...]:
    """Numbers of the instalments missed as of ``today``.

    An instalment is missed when its grace has run out (``today > due + grace_days``) and the
    payments received by the end of its grace do not cover it together with every earlier one.
    A payment arriving after the grace does not undo the miss: the plan's cancellation is decided
    by what happened in time, not by when the run looked (architecture.md §4.5: "a missed
    instalment past its grace cancels the plan", /work/shared/architecture.md).
    """
    if grace_days < 0:
        raise InvalidInput("grace_days must not be negative", "grace_days")
    missed = []
    owed = ZERO
    for instalment in sorted(plan, key=lambda i: i.due_date):
        owed += instalment.amount
        deadline = instalment.due_date + timedelta(days=grace_days)
        if today <= deadline:
            break
        paid = sum((p.amount for p in payments if p.paid_on <= deadline), ZERO)
        if paid < owed:
            missed.append(instalment.number)
    return tuple(missed)


def missed_instalment(plan: Sequence[Instalment], payments: Sequence[InstalmentPayment], today: date,
                      grace_days: int) -> bool:
    """Whether any instalment is missed (see :func:`missed_instalments`): the plan is to be cancelled."""
    return bool(missed_instalments(plan, payments, today, grace_days))
