"""The reading review list over HTTP: readings held as implausible, and a clerk's decision on each."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas import Quantity, Strict
from api.schemas.limits import MAX_NOTE_LENGTH, MAX_REASON_LENGTH


class HeldReadingItem(BaseModel):
    reading_id: str  #: ``<supply point>#<n>``: what the acceptance and rejection routes take
    supply_point: str
    read_on: date
    index: Quantity
    source: str  #: self-reading (the only kind held)
    problem: str  #: why it was held
    held_on: date


class AcceptanceIn(Strict):
    note: str = Field(default="", max_length=MAX_NOTE_LENGTH, description="what the clerk checked")


class RejectionIn(Strict):
    reason: str = Field(min_length=1, max_length=MAX_REASON_LENGTH)


class DecisionOut(BaseModel):
    reading_id: str
    status: str  #: accepted or rejected
