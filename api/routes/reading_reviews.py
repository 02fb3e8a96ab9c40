"""The reading review list (issue 11): self-readings held as implausible
(:mod:`ledger.billing.reading_reviews`), listed for the staff, accepted or rejected by finance.

The list is one aggregate (:class:`~ledger.billing.reading_reviews.ReadingReviewList`), paged by (day
held, reading id) with the same opaque cursor as every list (:mod:`api.listing`), oldest held first. A
reading's id names its supply point (``<supply point>#<n>``), so a decision needs only the id, and replays
under its ``Idempotency-Key`` even after the reading has left the list.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.deps import ActorDep, IdempotencyKey, ServicesDep, run_command
from api.listing import After, Filter, Format, Limit, Page, decode_cursor, encode_cursor, list_response
from api.schemas import limits as n
from api.schemas.reading_reviews import AcceptanceIn, DecisionOut, HeldReadingItem, RejectionIn
from ledger.billing import commands as b
from ledger.billing.reading_reviews import ReviewEntry
from ledger.core.errors import InvalidInput

router = APIRouter(tags=["readings"])
#: The one order of the list: the day held, then the reading id.
SORT = "held"
ReadingId = Annotated[str, Path(max_length=n.MAX_IDENTIFIER_LENGTH + 12,
                                description="as listed, `#` written `%23`", examples=["IT001E12345678#3"])]


def _item(e: ReviewEntry) -> HeldReadingItem:
    return HeldReadingItem(reading_id=e.reading_id, supply_point=e.supply_point, read_on=e.read_on,
                           index=e.index, source=e.source.value, problem=e.problem, held_on=e.held_on)


@router.get("/readings/reviews", response_model=None)
def reading_reviews(svc: ServicesDep, after: After = None, limit: Limit = 100, format: Format = "json",
                    supply_point: Filter = None) -> Page | Response:
    """Readings held for review, oldest held first; ``supply_point`` narrows to one meter."""
    position = None
    if after is not None:
        held_on, reading_id = decode_cursor(after, SORT, False, numeric=False)
        try:
            position = (date.fromisoformat(held_on), reading_id)
        except ValueError:
            raise InvalidInput("after is not a cursor this list gave for this sort", "after") from None
    # One more than the page: whether there is a next one.
    entries = svc.app.billing.reading_reviews(limit + 1, position, supply_point)
    page = entries[:limit]
    last = page[-1] if len(entries) > limit else None
    cursor = encode_cursor(SORT, False, (last.held_on.isoformat(), last.reading_id)) if last else None
    items = [_item(e) for e in page]
    if format != "json":
        return list_response(items, HeldReadingItem, cursor, format, "reading-reviews")
    return Page(items=list(items), next=cursor)


def _supply_point(reading_id: str) -> str:
    point, hash_mark, number = reading_id.rpartition("#")
    if not hash_mark or not point or not number.isdigit():
        raise InvalidInput(f"reading_id must be <supply point>#<n> as listed, got {reading_id!r}",
                           "reading_id")
    return point


@router.post("/readings/reviews/{reading_id}/acceptance", status_code=201)
def accept_reading(reading_id: ReadingId, body: AcceptanceIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> DecisionOut:
    """The held reading is right after all (say what was checked): it counts, and is a reference."""
    command = b.AcceptHeldReading(_supply_point(reading_id), reading_id, body.note)
    return DecisionOut.model_validate(run_command(svc, command, key, response, actor))


@router.post("/readings/reviews/{reading_id}/rejection", status_code=201)
def reject_reading(reading_id: ReadingId, body: RejectionIn, key: IdempotencyKey, svc: ServicesDep,
                   actor: ActorDep, response: Response) -> DecisionOut:
    """The held reading is wrong, for the reason given: it never counts."""
    command = b.RejectHeldReading(_supply_point(reading_id), reading_id, body.reason)
    return DecisionOut.model_validate(run_command(svc, command, key, response, actor))
