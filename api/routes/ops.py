"""Operations: is the service up, and how far has the projection got."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ServicesDep
from api.schemas.ops import HealthOut

router = APIRouter()


@router.get("/health", tags=["ops"])
def health(svc: ServicesDep) -> HealthOut:
    return HealthOut(status="ok", store=svc.database_url.split(":", 1)[0],
                     events_position=svc.app.recorder.max_notification_id(),
                     projection_position=svc.projections.position())
