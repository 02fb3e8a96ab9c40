"""Bodies of the operations endpoints."""

from __future__ import annotations

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: str
    store: str
    events_position: int | None
    projection_position: int | None
