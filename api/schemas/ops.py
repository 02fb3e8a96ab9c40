"""Bodies of the operations endpoints."""

from __future__ import annotations

from pydantic import BaseModel


class HealthOut(BaseModel):
    status: str  #: "ok", or "unavailable" (503) when a store did not answer
    store: str
    events_position: int | None
    projection_position: int | None
    store_reachable: bool = True
    #: Notifications of its topics the ledger view has not applied yet, and how old the oldest is.
    projection_lag_events: int | None = None
    projection_lag_seconds: float | None = None
