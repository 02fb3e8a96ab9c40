"""Plausibility of self-readings (autoletture), and the list of readings held for a person to review.

:func:`plausibility` judges a self-reading against the **actual reads only** — the distributor's reads and
corrections, and readings a clerk accepted on review — never against estimates or other self-readings,
so one wrong reading can never make the next right one look wrong (the audit's case: 99999 three days
after an actual 500 was accepted, and then made a plausible reading fail). It looks at **both sides**: the
actual read before the reading and, for a reading dated in the past, the actual read after it.

* Below the actual read before it, or above the actual read after it (a register without rollover
  digits): the reading contradicts a fact (``contradicts``). The portal refuses it, naming the reading;
  a readings file holds it for review instead (a file is never refused for it).
* Otherwise the consumption on each side, per day, must lie within ``factor`` of the expected daily
  consumption: the consumption between the two actual reads around it when there are both, else the
  history of actual reads (:func:`~ledger.billing.readings.daily_average`, up to the reading's day).
  Over fewer than :data:`MIN_DAYS_FOR_PLAUSIBILITY` days a daily rate says little, so only the upper
  bound is checked, and against at least that many days' consumption (three days may not hold a week's
  worth): that is what lets 99999 after 500 through no longer.
* Without two actual reads there is nothing to judge by: the reading is plausible.

A reading that is not plausible is **held** (:meth:`~ledger.billing.readings.MeterReadings.hold`): it is
recorded with the problem, stays out of billing and of every later check, and waits on the review list
(:class:`ReadingReviewList`) until a clerk accepts it (it then counts, and is a reference) or rejects it.
Estimates and actual reads are never held: the distributor's reads are the reference itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.billing.readings import MeterReadings, ReadingSource, RegisterReading, chain, daily_average, delta
from ledger.core.errors import Conflict
from ledger.core.ids import name_id

#: A self-reading this few days from an actual read is only checked against an upper bound.
MIN_DAYS_FOR_PLAUSIBILITY = 7
#: Most held readings one list query returns (the oldest first).
MAX_REVIEWS_LISTED = 1000


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a reading is plausible: ``problem`` says why not (None: plausible, or nothing to judge by)."""

    problem: str | None = None
    contradicts: bool = False


def _expected_per_day(references: list[RegisterReading], before: RegisterReading | None,
                      after: RegisterReading | None, read_on: date) -> Decimal | None:
    if before is not None and after is not None:
        days = (after.read_on - before.read_on).days
        return delta(before, after) / days if days > 0 else None
    average = daily_average(chain(references, with_estimates=False), read_on)
    if average is None and after is not None:
        average = daily_average(chain(references, with_estimates=False))
    return average


def _side(earlier: RegisterReading, later: RegisterReading, expected: Decimal, factor: Decimal,
          where: str) -> str | None:
    days = (later.read_on - earlier.read_on).days
    consumed = delta(earlier, later)
    per_day = consumed / days
    if consumed > expected * factor * max(days, MIN_DAYS_FOR_PLAUSIBILITY):
        return (f"self-reading implies {per_day:.2f} per day {where}, more than {factor}x the historical "
                f"{expected:.2f} per day")
    if days >= MIN_DAYS_FOR_PLAUSIBILITY and per_day < expected / factor:
        return (f"self-reading implies {per_day:.2f} per day {where}, less than 1/{factor} of the "
                f"historical {expected:.2f} per day")
    return None


def plausibility(readings: MeterReadings | None, read_on: date, index: Decimal, factor: Decimal,
                 multiplier: Decimal = Decimal(1), digits: int | None = None) -> Verdict:
    """Judge a self-reading of ``index`` on ``read_on`` (see the module docstring)."""
    if readings is None:
        return Verdict()
    references = readings.references()
    before = next((r for r in reversed(references) if r.read_on < read_on), None)
    after = next((r for r in references if r.read_on > read_on), None)
    if before is not None and before.digits is None and index < before.index:
        return Verdict(f"self-reading {index} is below the last actual reading {before.index} of "
                       f"{before.read_on}", contradicts=True)
    if after is not None and after.digits is None and index > after.index:
        return Verdict(f"self-reading {index} is above the actual reading {after.index} of {after.read_on}, "
                       "read later", contradicts=True)
    expected = _expected_per_day(references, before, after, read_on)
    if expected is None or expected <= 0:
        return Verdict()
    probe = RegisterReading("probe", read_on, index, multiplier, digits, ReadingSource.SELF_READING, None,
                            read_on)
    for earlier, later, where in ((before, probe, f"since {before.read_on}" if before else ""),
                                  (probe, after, f"until the actual reading of {after.read_on}" if after
                                   else "")):
        if earlier is not None and later is not None:
            problem = _side(earlier, later, expected, factor, where)
            if problem is not None:
                return Verdict(problem)
    return Verdict()


# -- the review list ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReviewEntry:
    """A held reading on the list: where, what it said, and why it was held."""

    reading_id: str
    supply_point: str
    read_on: date
    index: Decimal
    source: ReadingSource
    problem: str
    held_on: date


class ReadingReviewList(Aggregate):
    """The readings held for a person, across supply points: the clerk's list.

    The supply point's :class:`~ledger.billing.readings.MeterReadings` is the authority on a held reading;
    this list only says which are waiting, so that finding them is one read. It is saved with the supply
    point in the same transaction (a held reading is listed exactly when it is held), keeps only what is
    waiting, and is snapshotted (:class:`ledger.application.Saldo`), so it loads in one read however long
    it has lived.
    """

    class Opened(Aggregate.Created):
        name: str

    class Listed(Aggregate.Event):
        entry: ReviewEntry

    class Resolved(Aggregate.Event):
        reading_id: str
        status: str  # accepted | rejected
        resolved_on: date

    @event(Opened)
    def __init__(self, id: UUID, name: str) -> None:
        self.name = name
        self.waiting: dict[str, ReviewEntry] = {}

    @staticmethod
    def id_for(name: str = "company") -> UUID:
        return name_id("reading-review-list", name)

    def add(self, entry: ReviewEntry) -> None:
        if entry.reading_id in self.waiting:
            raise Conflict(f"reading {entry.reading_id} is already on the review list", "reading_id")
        self._listed(entry)

    @event(Listed)
    def _listed(self, entry: ReviewEntry) -> None:
        self.waiting = {**self.waiting, entry.reading_id: entry}

    def resolve(self, reading_id: str, status: str, resolved_on: date) -> None:
        self._resolved(reading_id, status, resolved_on)

    @event(Resolved)
    def _resolved(self, reading_id: str, status: str, resolved_on: date) -> None:
        self.waiting = {k: v for k, v in self.waiting.items() if k != reading_id}

    def entries(self, limit: int = MAX_REVIEWS_LISTED, after: tuple[date, str] | None = None,
                supply_point: str | None = None) -> list[ReviewEntry]:
        """What is waiting, held first first: at most ``limit`` (and :data:`MAX_REVIEWS_LISTED`) entries,
        from the one after ``after`` (day held, reading id: a keyset page), of ``supply_point`` if named."""
        chosen = [e for e in self.waiting.values()
                  if (after is None or (e.held_on, e.reading_id) > after)
                  and (supply_point is None or e.supply_point == supply_point)]
        return sorted(chosen, key=lambda e: (e.held_on, e.reading_id))[:min(limit, MAX_REVIEWS_LISTED)]
