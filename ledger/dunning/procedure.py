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
    """A country's (or segment's) dunning procedure. ``grace_days`` after the due date come first.

    ``interest_free_days`` is a window after the due date in which no late interest accrues (AMAM
    Messina: "no interest for the 15 days after the due date"); 0, the default, charges from the day
    after the due date, as every procedure stored before the window existed did.

    **Once the window has passed, interest runs from the window's end, not from the due date** (a
    *franchigia assoluta*: the days of the window are never charged). Why: it is what the rule says
    literally ("no interest for the 15 days"); it has no cliff (paying on the 16th day costs one day of
    interest, not sixteen), so the interest grows by one day's worth per day late like everywhere else
    in :mod:`ledger.dunning.interest`; and when a contract's text is read two ways, the reading that
    charges a consumer less is the safe one (Codice del consumo, D.Lgs. 206/2005 art. 35: a doubtful
    clause is read in the consumer's favour, https://www.normattiva.it/uri-res/N2Ls?urn:nir:stato:
    decreto.legislativo:2005-09-06;206~art35). A company whose contract says "from the due date once
    late by more than 15 days" (a *franchigia relativa*) must not use this window.

    The window concerns interest only: when a level may be reached is still ``grace_days`` and the
    level's ``days_after_due``.
    """

    code: str
    country: str
    levels: tuple[DunningLevel, ...]
    grace_days: int
    description: str = ""
    interest_free_days: int = 0

    def __post_init__(self) -> None:
        if not self.levels:
            raise InvalidInput(f"procedure {self.code} has no levels", "levels")
        if [lvl.level for lvl in self.levels] != list(range(1, len(self.levels) + 1)):
            raise InvalidInput(f"procedure {self.code}: levels must be numbered 1..n in order", "levels")
        if self.grace_days < 0:
            raise InvalidInput("grace_days must not be negative", "grace_days")
        if self.interest_free_days < 0:
            raise InvalidInput("interest_free_days must not be negative", "interest_free_days")

    def interest_free_until(self, due_date: date) -> date:
        """The last day without late interest for an item due on ``due_date`` (interest runs after it)."""
        return due_date + timedelta(days=self.interest_free_days)

    def level(self, number: int) -> DunningLevel | None:
        """Level ``number`` (1-based), or ``None`` past the last one."""
        return self.levels[number - 1] if 1 <= number <= len(self.levels) else None
