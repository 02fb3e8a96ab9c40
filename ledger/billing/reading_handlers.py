"""Register readings for the billing capability: record one, the portal's self-reading, and the review of
readings held as not plausible (:mod:`ledger.billing.reading_reviews`).

Functions of the running :class:`~ledger.core.handling.Workspace`, not a capability of their own:
:class:`ledger.billing.handlers.BillingHandlers` registers the commands and delegates here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from eventsourcing.domain import Aggregate

from ledger.accounts.contract import Contract
from ledger.billing import commands as b
from ledger.billing.reading_reviews import ReadingReviewList, ReviewEntry, Verdict, plausibility
from ledger.billing.readings import MeterReadings, ReadingSource, supply_point_key
from ledger.core.errors import InvalidInput, NotFound
from ledger.core.handling import Handled, Workspace
from ledger.parties.company import CompanyConfig


def readings_of(ws: Workspace[CompanyConfig], supply_point: str) -> MeterReadings:
    key = supply_point_key(supply_point)
    return ws.find(MeterReadings, MeterReadings.id_for(key)) or MeterReadings(MeterReadings.id_for(key), key)


def review_list(ws: Workspace[CompanyConfig]) -> ReadingReviewList:
    found = ws.find(ReadingReviewList, ReadingReviewList.id_for())
    return found or ReadingReviewList(ReadingReviewList.id_for(), "company")


def _hold(ws: Workspace[CompanyConfig], readings: MeterReadings, read_on: date, index: Decimal,
          source: ReadingSource, multiplier: Decimal, digits: int | None, note: str,
          verdict: Verdict) -> Handled:
    problem = verdict.problem or ""
    today = ws.today()
    reading_id, new = readings.hold(read_on, index, source, multiplier, digits, today, note, problem)
    changed: list[Aggregate] = [readings]
    if new:
        listed = review_list(ws)
        listed.add(ReviewEntry(reading_id, readings.supply_point, read_on, index, source, problem, today))
        changed.append(listed)
    held = readings.reviews.get(reading_id)
    return changed, {"reading_id": reading_id, "supply_point": readings.supply_point, "new": new,
                     "accepted": False, "held_for_review": True,
                     "problem": held.problem if held is not None else problem}


def record_reading(ws: Workspace[CompanyConfig], cmd: b.RecordReading, factor: Decimal) -> Handled:
    """A reading from a file or the API; a self-reading that is not plausible is held, never refused."""
    readings = readings_of(ws, cmd.supply_point)
    note = cmd.note.strip()
    if cmd.source is ReadingSource.SELF_READING and cmd.supersedes is None:
        verdict = plausibility(readings, cmd.read_on, cmd.index, factor, cmd.multiplier, cmd.digits)
        if verdict.problem is not None:
            return _hold(ws, readings, cmd.read_on, cmd.index, cmd.source, cmd.multiplier, cmd.digits, note,
                         verdict)
    reading_id, new = readings.record(cmd.read_on, cmd.index, cmd.source, cmd.multiplier, cmd.digits,
                                      cmd.supersedes, ws.today(), note)
    return [readings], {"reading_id": reading_id, "supply_point": readings.supply_point, "new": new,
                        "held_for_review": False}


def submit_self_reading(ws: Workspace[CompanyConfig], cmd: b.SubmitSelfReading, factor: Decimal) -> Handled:
    """The portal's self-reading: refused if it contradicts an actual read, held if it is not plausible."""
    contract = ws.get(Contract, cmd.contract_id, "contract", "contract_id")
    if cmd.read_on > ws.today():
        raise InvalidInput("a self-reading cannot be dated in the future", "read_on")
    if cmd.read_on < contract.start_date or (contract.end_date and cmd.read_on > contract.end_date):
        raise InvalidInput("the reading date is outside the contract's supply", "read_on")
    readings = readings_of(ws, contract.supply_point.id)
    last = readings.last_actual() or next(reversed(readings.effective()), None)
    multiplier = last.multiplier if last else Decimal(1)
    digits = last.digits if last else None
    note = cmd.note.strip() or "portal"
    verdict = plausibility(readings, cmd.read_on, cmd.index, factor, multiplier, digits)
    if verdict.contradicts:
        raise InvalidInput(verdict.problem or "the self-reading contradicts an actual reading", "index")
    if verdict.problem is not None:
        return _hold(ws, readings, cmd.read_on, cmd.index, ReadingSource.SELF_READING, multiplier, digits,
                     note, verdict)
    reading_id, new = readings.record(cmd.read_on, cmd.index, ReadingSource.SELF_READING, multiplier, digits,
                                      None, ws.today(), note)
    return [readings], {"reading_id": reading_id, "supply_point": readings.supply_point, "new": new,
                        "accepted": True, "held_for_review": False}


def _held_readings(ws: Workspace[CompanyConfig], supply_point: str) -> MeterReadings:
    key = supply_point_key(supply_point)
    readings = ws.find(MeterReadings, MeterReadings.id_for(key))
    if readings is None:
        raise NotFound(f"supply point {key} has no readings", "supply_point")
    return readings


def accept_held_reading(ws: Workspace[CompanyConfig], cmd: b.AcceptHeldReading) -> Handled:
    readings = _held_readings(ws, cmd.supply_point)
    today = ws.today()
    readings.accept_held(cmd.reading_id, today, cmd.note.strip())
    listed = review_list(ws)
    listed.resolve(cmd.reading_id, "accepted", today)
    return [readings, listed], {"reading_id": cmd.reading_id, "status": "accepted"}


def reject_held_reading(ws: Workspace[CompanyConfig], cmd: b.RejectHeldReading) -> Handled:
    readings = _held_readings(ws, cmd.supply_point)
    today = ws.today()
    readings.reject_held(cmd.reading_id, today, cmd.reason)
    listed = review_list(ws)
    listed.resolve(cmd.reading_id, "rejected", today)
    return [readings, listed], {"reading_id": cmd.reading_id, "status": "rejected"}


def reading_reviews(ws: Workspace[CompanyConfig], limit: int, after: tuple[date, str] | None = None,
                    supply_point: str | None = None) -> list[ReviewEntry]:
    """The readings waiting for a clerk, oldest held first (after ``after``, of ``supply_point``)."""
    found = ws.find(ReadingReviewList, ReadingReviewList.id_for())
    return [] if found is None else found.entries(limit, after, supply_point)

