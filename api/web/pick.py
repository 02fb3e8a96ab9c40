"""The as-of / known-at picker of the account pages: the API's ``as_of`` and ``known_at`` (api/as_of.py)
typed into a form, where a bad value is a message next to the form, never an error page.

``as_of`` is a business date (YYYY-MM-DD); ``known_at`` a moment, as the browser's ``datetime-local``
field sends it (no zone: read as UTC, and the form says so) or with a zone (``Z``, ``+01:00``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import Query

from api.as_of import point_in_time
from api.bootstrap import Services
from ledger.core.errors import InvalidInput
from projections.as_of import PointInTime

#: Longest text read from either field (an ISO moment with a zone and microseconds is 32).
MAX_PICKED_LENGTH = 40
PickedText = Annotated[str, Query(max_length=MAX_PICKED_LENGTH)]


@dataclass(frozen=True)
class Picked:
    """What the picker asked for: the point in time (None: live), the fields as typed, what was wrong."""

    at: PointInTime | None
    as_of: str
    known_at: str
    error: str | None = None


def picked(svc: Services, as_of: str, known_at: str) -> Picked:
    """The point in time the form names, as the API reads it; a bad value → live, with the message."""
    as_of, known_at = as_of.strip(), known_at.strip()
    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        return Picked(None, as_of, known_at, f"As of: {as_of!r} is not a date (YYYY-MM-DD).")
    try:
        moment = datetime.fromisoformat(known_at) if known_at else None
    except ValueError:
        return Picked(None, as_of, known_at, f"Known at: {known_at!r} is not a moment (YYYY-MM-DDTHH:MM).")
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # the form's field has no zone: it says UTC
    try:
        return Picked(point_in_time(svc, day, moment), as_of, known_at)
    except InvalidInput as e:
        return Picked(None, as_of, known_at, f"{str(e)[:1].upper()}{str(e)[1:]}.")
