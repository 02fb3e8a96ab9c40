"""Register readings (letture, autoletture): what the meters' registers said, per supply point.

:class:`MeterReadings`, keyed by the supply point (normalised by :func:`supply_point_key`), holds the
register readings of one supply point: a cumulative index with the meter's multiplier (CT ratio, meter
constant) and its number of digits (the index rolls over at ``10**digits``), a source (actual,
self-reading, estimate, correction) and the reading it supersedes. Nothing is ever changed: a correction
is a new reading naming the one it replaces. A self-reading that is not plausible against the actual
reads is *held*: recorded, but out of the consumption chain until a clerk accepts it (then it counts, and
is a reference for later checks) or rejects it (:mod:`ledger.billing.reading_reviews`). Interval
consumption (curve di carico) is in :mod:`ledger.billing.load_curves`.

A reading dated D is the index at the end of local day D (24:00), so a billing period of the days
[s, e] consumes ``index(e) - index(s - 1 day)``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.core.errors import Conflict, InvalidInput, NotFound
from ledger.core.ids import name_id

#: Most digits a register may have (an index up to 10**15 - 1).
MAX_DIGITS = 15
#: Days of history behind a reading used for the daily average (plausibility and estimation).
HISTORY_DAYS = 365


class ReadingSource(enum.Enum):
    ACTUAL = "actual"
    SELF_READING = "self-reading"
    ESTIMATE = "estimate"
    CORRECTION = "correction"

    @property
    def is_read(self) -> bool:
        """A real look at the meter (billing treats it as actual); an estimate is not."""
        return self is not ReadingSource.ESTIMATE

    @property
    def is_actual(self) -> bool:
        """Read by the distributor (or corrected by it): what a self-reading is checked against."""
        return self in (ReadingSource.ACTUAL, ReadingSource.CORRECTION)


def supply_point_key(value: str) -> str:
    """The form readings are keyed by: no spaces, dashes or dots, upper case.

    >>> supply_point_key(" it001e 1234-5678 ")
    'IT001E12345678'
    """
    key = "".join(ch for ch in value if ch not in " -.\t").upper()
    if not 1 <= len(key) <= 64 or not key.isprintable():
        raise InvalidInput(f"supply point {value!r} is empty, too long or not printable", "supply_point")
    return key


@dataclass(frozen=True, slots=True)
class RegisterReading:
    reading_id: str  # "<supply point>#<n>", n counting from 1 per supply point
    read_on: date
    index: Decimal
    multiplier: Decimal
    digits: int | None
    source: ReadingSource
    supersedes: str | None
    recorded_on: date
    note: str = ""


@dataclass(frozen=True, slots=True)
class HeldReading:
    """A reading held for review: why, since when, and how a clerk resolved it."""

    reading_id: str
    problem: str
    held_on: date
    status: str = "held"  # held → accepted | rejected
    resolved_on: date | None = None
    resolution: str = ""


@dataclass(frozen=True, slots=True)
class ChainPoint:
    """A reading on the consumption chain: ``cumulative`` units consumed since the chain's first read."""

    reading: RegisterReading
    cumulative: Decimal


class MeterReadings(Aggregate):
    class Opened(Aggregate.Created):
        supply_point: str

    class ReadingRecorded(Aggregate.Event):
        reading: RegisterReading

    class ReadingHeld(Aggregate.Event):
        reading: RegisterReading
        problem: str

    class HeldReadingAccepted(Aggregate.Event):
        reading_id: str
        accepted_on: date
        note: str
        supersedes: str | None  # the estimate of its day it replaces, if any

    class HeldReadingRejected(Aggregate.Event):
        reading_id: str
        rejected_on: date
        reason: str

    @event(Opened)
    def __init__(self, id: UUID, supply_point: str) -> None:
        self.supply_point = supply_point
        self.readings: dict[str, RegisterReading] = {}
        self.superseded_by: dict[str, str] = {}
        self.reviews: dict[str, HeldReading] = {}

    @staticmethod
    def id_for(supply_point: str) -> UUID:
        return name_id("meter-readings", supply_point_key(supply_point))

    def counts(self, reading_id: str) -> bool:
        """Whether a reading is not held for review, or was accepted on review."""
        review = self.reviews.get(reading_id)
        return review is None or review.status == "accepted"

    def effective(self) -> list[RegisterReading]:
        """Readings not superseded and not held (or rejected) on review, by date."""
        return sorted(
            (r for r in self.readings.values()
             if r.reading_id not in self.superseded_by and self.counts(r.reading_id)),
            key=lambda r: r.read_on,
        )

    def references(self) -> list[RegisterReading]:
        """What plausibility compares against: actual reads, and readings a clerk accepted on review."""
        return [r for r in self.effective() if r.source.is_actual or r.reading_id in self.reviews]

    def held(self) -> list[tuple[RegisterReading, HeldReading]]:
        """Readings waiting for a clerk, oldest held first."""
        return [(self.readings[i], h) for i, h in self.reviews.items() if h.status == "held"]

    def last_actual(self, on_or_before: date | None = None) -> RegisterReading | None:
        """The latest effective actual reading (actual or correction) up to a date."""
        found = None
        for r in self.effective():
            if r.source.is_actual and (on_or_before is None or r.read_on <= on_or_before):
                found = r
        return found

    def _checked(
        self,
        read_on: date,
        index: Decimal,
        source: ReadingSource,
        multiplier: Decimal,
        digits: int | None,
        supersedes: str | None,
        recorded_on: date,
        note: str,
        replaces_estimate: bool = True,
    ) -> tuple[RegisterReading | None, str]:
        """The new reading, checked (not yet recorded); or (None, id) when it is recorded already."""
        if not index.is_finite() or index < 0:
            raise InvalidInput(f"index must be a non-negative number, got {index}", "index")
        if not multiplier.is_finite() or multiplier <= 0:
            raise InvalidInput(f"multiplier must be positive, got {multiplier}", "multiplier")
        if digits is not None and not 1 <= digits <= MAX_DIGITS:
            raise InvalidInput(f"digits must be 1..{MAX_DIGITS}", "digits")
        if digits is not None and index >= Decimal(10) ** digits:
            raise InvalidInput(f"index {index} does not fit a {digits}-digit register", "index")
        if supersedes is not None:
            if supersedes not in self.readings:
                raise InvalidInput(
                    f"reading {supersedes} of {self.supply_point} does not exist", "supersedes"
                )
            if supersedes in self.superseded_by:
                raise Conflict(
                    f"reading {supersedes} was already superseded by {self.superseded_by[supersedes]}",
                    "supersedes",
                )
        elif source is ReadingSource.CORRECTION:
            raise InvalidInput("a correction names the reading it supersedes", "supersedes")
        same_day = [r for r in self.effective() if r.read_on == read_on and r.reading_id != supersedes]
        if same_day:
            existing = same_day[0]
            if (existing.index, existing.multiplier, existing.source) == (index, multiplier, source):
                return None, existing.reading_id
            if supersedes is None and existing.source is ReadingSource.ESTIMATE and source.is_read:
                if replaces_estimate:
                    supersedes = existing.reading_id  # a real read replaces the estimate of its day
            elif supersedes is None:
                raise Conflict(
                    f"reading {existing.reading_id} already records {read_on} (index "
                    f"{existing.index}); send a correction that supersedes it",
                    "read_on",
                )
            else:
                raise Conflict(f"reading {existing.reading_id} also records {read_on}", "read_on")
        reading = RegisterReading(
            f"{self.supply_point}#{len(self.readings) + 1}",
            read_on,
            index,
            multiplier,
            digits,
            source,
            supersedes,
            recorded_on,
            note,
        )
        return reading, reading.reading_id

    def record(
        self,
        read_on: date,
        index: Decimal,
        source: ReadingSource,
        multiplier: Decimal,
        digits: int | None,
        supersedes: str | None,
        recorded_on: date,
        note: str,
    ) -> tuple[str, bool]:
        """Record a reading; return (its id, whether it is new). The same reading again is a no-op."""
        reading, reading_id = self._checked(read_on, index, source, multiplier, digits, supersedes,
                                            recorded_on, note)
        if reading is None:
            return reading_id, False
        self._check_monotone(reading)
        self._recorded(reading)
        return reading.reading_id, True

    def hold(self, read_on: date, index: Decimal, source: ReadingSource, multiplier: Decimal,
             digits: int | None, recorded_on: date, note: str, problem: str) -> tuple[str, bool]:
        """Record a reading held for review (out of the chain until accepted); (its id, whether it is new).

        The same reading held again (a file imported twice) is a no-op; so is one already in force."""
        for reading, _ in self.held():
            if (reading.read_on, reading.index, reading.multiplier, reading.source) == (
                    read_on, index, multiplier, source):
                return reading.reading_id, False
        new, reading_id = self._checked(read_on, index, source, multiplier, digits, None, recorded_on, note,
                                        replaces_estimate=False)
        if new is None:
            return reading_id, False
        self._held(new, problem)
        return new.reading_id, True

    def _review(self, reading_id: str) -> HeldReading:
        review = self.reviews.get(reading_id)
        if review is None:
            raise NotFound(f"reading {reading_id} of {self.supply_point} is not held for review",
                           "reading_id")
        if review.status != "held":
            raise Conflict(f"reading {reading_id} was {review.status} on {review.resolved_on}", "reading_id")
        return review

    def accept_held(self, reading_id: str, accepted_on: date, note: str) -> None:
        """A clerk confirms a held reading: it counts from now on, as a reference for later checks too."""
        self._review(reading_id)
        reading = self.readings[reading_id]
        same_day = [r for r in self.effective() if r.read_on == reading.read_on]
        supersedes = None
        for existing in same_day:
            if existing.source is not ReadingSource.ESTIMATE:
                raise Conflict(f"reading {existing.reading_id} records {reading.read_on} since; send a "
                               "correction that supersedes it instead", "reading_id")
            supersedes = existing.reading_id
        self._held_accepted(reading_id, accepted_on, note, supersedes)

    def reject_held(self, reading_id: str, rejected_on: date, reason: str) -> None:
        self._review(reading_id)
        if not reason.strip():
            raise InvalidInput("a rejection needs a reason", "reason")
        self._held_rejected(reading_id, rejected_on, reason.strip())

    def _check_monotone(self, new: RegisterReading) -> None:
        """An actual read may not go below an earlier actual (or above a later one) unless the register
        rolls over. Self-readings are checked when they arrive (:mod:`ledger.billing.reading_reviews`), and
        one that a later actual contradicts is left out of the consumption chain."""
        if not new.source.is_actual or new.digits is not None:
            return
        for r in self.effective():
            if r.reading_id == new.supersedes or not r.source.is_actual:
                continue
            if r.read_on < new.read_on and new.index < r.index:
                raise InvalidInput(
                    f"index {new.index} is below {r.index} read on {r.read_on} (no rollover digits given)",
                    "index",
                )
            if r.read_on > new.read_on and new.index > r.index:
                raise InvalidInput(
                    f"index {new.index} is above {r.index} read later, on {r.read_on}", "index"
                )

    @event(ReadingRecorded)
    def _recorded(self, reading: RegisterReading) -> None:
        self.readings[reading.reading_id] = reading
        if reading.supersedes is not None:
            self.superseded_by[reading.supersedes] = reading.reading_id

    @event(ReadingHeld)
    def _held(self, reading: RegisterReading, problem: str) -> None:
        self.readings[reading.reading_id] = reading
        self.reviews[reading.reading_id] = HeldReading(reading.reading_id, problem, reading.recorded_on)

    @event(HeldReadingAccepted)
    def _held_accepted(self, reading_id: str, accepted_on: date, note: str, supersedes: str | None) -> None:
        self.reviews[reading_id] = replace(self.reviews[reading_id], status="accepted",
                                           resolved_on=accepted_on, resolution=note)
        if supersedes is not None:
            self.superseded_by[supersedes] = reading_id

    @event(HeldReadingRejected)
    def _held_rejected(self, reading_id: str, rejected_on: date, reason: str) -> None:
        self.reviews[reading_id] = replace(self.reviews[reading_id], status="rejected",
                                           resolved_on=rejected_on, resolution=reason)


def delta(previous: RegisterReading, current: RegisterReading) -> Decimal:
    """Units consumed between two readings: index difference (rolled over) times the multiplier."""
    diff = current.index - previous.index
    if diff < 0 and current.digits is not None:
        diff += Decimal(10) ** current.digits
    if diff < 0:
        raise InvalidInput(
            f"reading {current.reading_id} ({current.index}) is below "
            f"{previous.reading_id} ({previous.index})",
            "index",
        )
    return diff * current.multiplier


def chain(readings: list[RegisterReading], *, with_estimates: bool = True) -> list[ChainPoint]:
    """Effective readings as cumulative consumption: the actual reads and the self-readings they do not
    contradict, then (optionally) the estimates dated after the last real read, which is where an
    estimate can still say something."""
    actual = [r for r in readings if r.source.is_actual]

    def consistent(r: RegisterReading) -> bool:
        if r.source.is_actual or r.digits is not None:
            return True
        before = [a.index for a in actual if a.read_on <= r.read_on]
        after = [a.index for a in actual if a.read_on >= r.read_on]
        return (not before or before[-1] <= r.index) and (not after or r.index <= after[0])

    real = [r for r in readings if r.source.is_read and consistent(r)]
    last = real[-1].read_on if real else None
    tail = [
        r for r in readings if with_estimates and not r.source.is_read and (last is None or r.read_on > last)
    ]
    points: list[ChainPoint] = []
    for r in real:
        points.append(
            ChainPoint(r, Decimal(0) if not points else points[-1].cumulative + delta(points[-1].reading, r))
        )
    for r in tail:  # an estimate below what was really read says nothing: left out
        if points and r.digits is None and r.index < points[-1].reading.index:
            continue
        points.append(
            ChainPoint(r, Decimal(0) if not points else points[-1].cumulative + delta(points[-1].reading, r))
        )
    return points


def daily_average(points: list[ChainPoint], until: date | None = None) -> Decimal | None:
    """Units per day over the real reads of the last :data:`HISTORY_DAYS` days (up to ``until``)."""
    real = [p for p in points if p.reading.source.is_read and (until is None or p.reading.read_on <= until)]
    if len(real) < 2:
        return None
    last = real[-1]
    window = [p for p in real if (last.reading.read_on - p.reading.read_on).days <= HISTORY_DAYS]
    first = window[0] if len(window) >= 2 else real[-2]
    days = (last.reading.read_on - first.reading.read_on).days
    return None if days <= 0 else (last.cumulative - first.cumulative) / days
