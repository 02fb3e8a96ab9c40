"""Late-payment interest (interessi di mora / intereses de demora / viivästyskorko).

Rates come from an effective-dated :class:`InterestRateTable` of *annual* percentages, typically a
reference rate plus a margin (Italy, regulated customers: ECB reference rate + 3.5 points; Finland:
reference rate + 7 points, korkolaki 633/1982 §4; Spain: interés legal del dinero). The table is
data: whether the reference rate follows every ECB decision or is fixed per half-year (as
D.Lgs. 231/2002 art. 5 does for commercial transactions,
https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:decreto.legislativo:2002-10-09;231~art5) is
decided by whoever builds it; check the regulator's and the contract's texts.

How :func:`late_interest` counts, and why:

* Interest runs from the day *after* the due date up to and including ``until``: the debtor may
  pay on the due date itself (D.Lgs. 231/2002 art. 4: interest "decorrono dal giorno successivo
  alla scadenza"). A procedure may add an interest-free window after the due date
  (:attr:`ledger.dunning.procedure.Procedure.interest_free_days`): its callers then pass the window's
  last day as ``due_date``.
* Every day uses the rate in force and the principal open on that day, so a rate change or a
  partial payment splits the period exactly where it happens.
* Day count ``ACT/365`` by default (each day is 1/365 of the annual rate, leap years too, the
  usual Italian and Spanish practice for legal/late interest); ``ACT/360`` and ``ACT/ACT`` (1/366
  in leap years) on request (https://en.wikipedia.org/wiki/Day_count_convention).
* The exact sum is rounded once, half up, to cents (:func:`ledger.core.money.round_cents`): rounding
  each period would make the total depend on how many rate changes fell in it.

Worked example, by hand: 1,000.00 due 1 Sep 2024, paid 15 Oct 2024, table 7.75 % until
17 Sep and 7.15 % from 18 Sep (ECB 4.25 → 3.65, + 3.5):

* 2 Sep – 17 Sep: 16 days × 1,000 × 7.75 % / 365 = 124.00 / 36.5 = 3.397260…
* 18 Sep – 15 Oct: 28 days × 1,000 × 7.15 % / 365 = 200.20 / 36.5 = 5.484931…
* total 324.20 / 36.5 = 8.882191… → **8.88**

>>> table = InterestRateTable.reference_plus_margin(
...     [(date(2024, 6, 12), Decimal("4.25")), (date(2024, 9, 18), Decimal("3.65"))], Decimal("3.5"))
>>> late_interest(Decimal("1000.00"), date(2024, 9, 1), date(2024, 10, 15), table)
Decimal('8.88')
>>> late_interest(Decimal("1000.00"), date(2024, 9, 1), date(2024, 9, 1), table)
Decimal('0.00')
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from itertools import pairwise
from typing import Literal

from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO, round_cents

DayCount = Literal["ACT/365", "ACT/360", "ACT/ACT"]
#: A principal open from the due date on, or a step function: ``(from_day, open_principal)`` pairs,
#: each amount open from its day (inclusive) until the next pair's day (e.g. after a part payment).
OpenPrincipal = Decimal | Sequence[tuple[date, Decimal]]

_HUNDRED = Decimal(100)

#: Margins over the reference rate (check the texts): Italy, ARERA-regulated customers (TIV/TIVG);
#: Finland, korkolaki 633/1982 §4 (https://www.finlex.fi/fi/laki/ajantasa/1982/19820633).
ITALY_REGULATED_MARGIN = Decimal("3.5")
FINLAND_MARGIN = Decimal("7")


@dataclass(frozen=True, slots=True)
class InterestRate:
    """An annual rate in percent, in force from ``effective_from`` until the next one."""

    effective_from: date
    annual_percent: Decimal
    source: str = ""


@dataclass(frozen=True, slots=True)
class InterestRateTable:
    """Effective-dated annual rates, sorted, non-negative; no rate is assumed before the first."""

    rates: tuple[InterestRate, ...]
    name: str = ""

    def __post_init__(self) -> None:
        if not self.rates:
            raise InvalidInput("an interest rate table needs at least one rate", "rates")
        days = [rate.effective_from for rate in self.rates]
        if any(later <= earlier for earlier, later in pairwise(days)):
            raise InvalidInput("rates must be in strictly increasing effective_from order", "rates")
        # finiteness first: comparing NaN with < raises decimal.InvalidOperation instead of refusing it
        if any(not rate.annual_percent.is_finite() or rate.annual_percent < 0 for rate in self.rates):
            raise InvalidInput("interest rates must be finite and not negative", "rates")

    @classmethod
    def reference_plus_margin(cls, reference: Sequence[tuple[date, Decimal]], margin: Decimal,
                              name: str = "") -> InterestRateTable:
        """A table of ``reference + margin``, each reference rate from its date."""
        rates = tuple(InterestRate(day, _floored(ref + margin), f"reference {ref} + {margin}")
                      for day, ref in reference)
        return cls(rates, name)

    def rate_on(self, day: date) -> Decimal:
        current = None
        for rate in self.rates:
            if rate.effective_from > day:
                break
            current = rate
        if current is None:
            raise InvalidInput(f"no interest rate known on {day} (table {self.name or 'unnamed'} "
                               f"starts {self.rates[0].effective_from})", "rates")
        return current.annual_percent


def _floored(percent: Decimal) -> Decimal:
    """A negative reference + margin is no interest (0 %); what is not a number is left for the check."""
    return max(ZERO, percent) if percent.is_finite() else percent


def _principal_steps(principal: OpenPrincipal, due_date: date) -> tuple[tuple[date, Decimal], ...]:
    steps = ((due_date, principal),) if isinstance(principal, Decimal) else tuple(principal)
    days = [day for day, _ in steps]
    if any(later <= earlier for earlier, later in pairwise(days)):
        raise InvalidInput("principal steps must be in strictly increasing date order", "principal")
    if any(not amount.is_finite() or amount < 0 for _, amount in steps):
        raise InvalidInput("open principal must be finite and not negative", "principal")
    return steps


def _value_on(steps: Sequence[tuple[date, Decimal]], day: date) -> Decimal:
    value = ZERO
    for start, amount in steps:
        if start > day:
            break
        value = amount
    return value


def _segments(first: date, last: date, cuts: Sequence[date]) -> Iterator[tuple[date, date]]:
    """``[start, end]`` runs of days between ``first`` and ``last`` split before every cut day."""
    start = first
    for cut in sorted({c for c in cuts if first < c <= last}):
        yield start, cut - timedelta(days=1)
        start = cut
    yield start, last


def _basis(day_count: DayCount, year: int) -> int:
    if day_count == "ACT/360":
        return 360
    if day_count == "ACT/ACT":
        return 366 if calendar.isleap(year) else 365
    if day_count == "ACT/365":
        return 365
    raise InvalidInput(f"unknown day count {day_count!r}", "day_count")


def late_interest(principal: OpenPrincipal, due_date: date, until: date, table: InterestRateTable,
                  day_count: DayCount = "ACT/365") -> Decimal:
    """Interest on the open principal for the days after ``due_date`` up to ``until``, in cents.

    See the module docstring for the counting rules; this is :func:`exact_interest` rounded once.
    """
    return round_cents(exact_interest(principal, due_date, until, table, day_count))


def exact_interest(principal: OpenPrincipal, due_date: date, until: date, table: InterestRateTable,
                   day_count: DayCount = "ACT/365") -> Decimal:
    """The unrounded interest: add several of these and round the sum once."""
    first = due_date + timedelta(days=1)
    if until < first:
        _basis(day_count, due_date.year)  # still reject an unknown convention
        return ZERO
    steps = _principal_steps(principal, due_date)
    cuts = [rate.effective_from for rate in table.rates] + [day for day, _ in steps]
    cuts += [date(year, 1, 1) for year in range(first.year + 1, until.year + 1)]
    numerators: dict[int, Decimal] = {}
    with localcontext() as context:
        context.prec = 60  # exact products; the only rounding is the final one below
        for start, end in _segments(first, until, cuts):
            days = (end - start).days + 1
            amount = _value_on(steps, start) * table.rate_on(start) * days
            basis = _basis(day_count, start.year)
            numerators[basis] = numerators.get(basis, ZERO) + amount
        return sum((num / (_HUNDRED * basis) for basis, num in numerators.items()), ZERO)
