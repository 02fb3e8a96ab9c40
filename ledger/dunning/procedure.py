"""Dunning procedures as data: levels with their minimum waits, fees, templates and cited rules.

A :class:`Procedure` is an ordered run of :class:`DunningLevel` s (reminder → formal notice →
disconnection notice). Each level says when it may be reached — ``days_after_due`` counted from the
item's due date, and a minimum wait after the previous step in days and/or calendar months — what
it costs, and which rule text allows it (``rule``, e.g. ``'IT-ARERA-258/2015 TIMOE art. 4'``), so a
step can always cite why it was allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ledger.core.calendar import add_months
from ledger.core.errors import InvalidInput
from ledger.core.money import CENT, ZERO


@dataclass(frozen=True, slots=True)
class DunningLevel:
    """One step of a procedure.

    ``min_days_since_previous`` and ``min_months_since_previous`` add up (months first, then days):
    Spain's "two months after the certified demand" is months, not 60 days. ``days_to_pay`` is the
    payment deadline the letter must give (Italy's formal notice: ≥ 15 days), 0 when none.
    """

    level: int
    name: str
    days_after_due: int
    min_amount: Decimal
    fee: Decimal
    template: str
    charges_interest: bool
    min_days_since_previous: int
    rule: str
    min_months_since_previous: int = 0
    days_to_pay: int = 0
    note: str = ""

    def __post_init__(self) -> None:
        where = f"levels[{self.level}]"
        if self.level < 1:
            raise InvalidInput("level numbers start at 1", f"{where}.level")
        for name in ("days_after_due", "min_days_since_previous", "min_months_since_previous",
                     "days_to_pay"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"{name} must not be negative", f"{where}.{name}")
        for name in ("min_amount", "fee"):
            value = getattr(self, name)
            if value < ZERO or value != value.quantize(CENT):
                raise InvalidInput(f"{name} must be a non-negative amount in cents", f"{where}.{name}")
        if not self.rule.strip():
            raise InvalidInput("every level must cite the rule that allows it", f"{where}.rule")

    def earliest_after(self, previous_step: date) -> date:
        """The first day this level may follow a step taken on ``previous_step``."""
        return add_months(previous_step, self.min_months_since_previous) + timedelta(
            days=self.min_days_since_previous)


@dataclass(frozen=True, slots=True)
class Procedure:
    """A country's (or segment's) dunning procedure. ``grace_days`` after the due date come first."""

    code: str
    country: str
    levels: tuple[DunningLevel, ...]
    grace_days: int
    description: str = ""

    def __post_init__(self) -> None:
        if not self.levels:
            raise InvalidInput(f"procedure {self.code} has no levels", "levels")
        if [lvl.level for lvl in self.levels] != list(range(1, len(self.levels) + 1)):
            raise InvalidInput(f"procedure {self.code}: levels must be numbered 1..n in order", "levels")
        if self.grace_days < 0:
            raise InvalidInput("grace_days must not be negative", "grace_days")

    def level(self, number: int) -> DunningLevel | None:
        """Level ``number`` (1-based), or ``None`` past the last one."""
        return self.levels[number - 1] if 1 <= number <= len(self.levels) else None
