"""Operations: is the service up, how far have the projections got, and what Prometheus scrapes.

``/health`` is public (a load balancer asks it without credentials), so it says only what an outsider
may know: whether the stores answer, and how far behind the ledger view is. Each store is asked one cheap
query in a worker thread, waited for at most :data:`HEALTH_TIMEOUT_S`: a store that hangs makes the answer
503, not a request that hangs with it.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as CheckTimedOut

from fastapi import APIRouter, Request, Response

from api.bootstrap import Services
from api.deps import ServicesDep
from api.metrics import Metrics, projection_lag
from api.schemas.ops import HealthOut

router = APIRouter()
log = logging.getLogger("saldo.health")

#: Longest wait for a store's answer before ``/health`` calls it unreachable.
HEALTH_TIMEOUT_S = 2.0
#: Threads asking the stores: a check that hangs holds one; more checks wait for one, then time out.
_CHECKS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health-check")
PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _ask(svc: Services) -> tuple[int | None, int | None, int, float]:
    """The log's head, the ledger view's position and its lag (events, seconds): one query each."""
    head = svc.app.recorder.max_notification_id()
    position = svc.projections.position()
    events, seconds = projection_lag(svc, svc.projections, head)
    return head, position, events, seconds


@router.get("/health", tags=["ops"], responses={503: {"model": HealthOut,
                                                       "description": "a store did not answer in time"}})
def health(svc: ServicesDep, response: Response) -> HealthOut:
    store = svc.database_url.split(":", 1)[0]
    try:
        head, position, events, seconds = _CHECKS.submit(_ask, svc).result(timeout=HEALTH_TIMEOUT_S)
    except CheckTimedOut:
        return _unavailable(response, store, f"no answer within {HEALTH_TIMEOUT_S} s")
    except Exception as error:  # what failed goes to the log only: an outsider learns nothing of it
        return _unavailable(response, store, f"{type(error).__name__}: {error}")
    return HealthOut(status="ok", store=store, events_position=head, projection_position=position,
                     store_reachable=True, projection_lag_events=events,
                     projection_lag_seconds=round(seconds, 3))


def _unavailable(response: Response, store: str, why: str) -> HealthOut:
    log.error("health: the store is unreachable: %s", why)
    response.status_code = 503
    return HealthOut(status="unavailable", store=store, events_position=None, projection_position=None,
                     store_reachable=False)


@router.get("/metrics", tags=["ops"], response_class=Response,
            responses={200: {"content": {PROMETHEUS_TEXT: {}},
                             "description": "Prometheus' text exposition format"}})
def metrics(request: Request) -> Response:
    """Request latency, projection lag, runs in progress and import counts (see :mod:`api.metrics`)."""
    published: Metrics = request.app.state.metrics
    return Response(published.exposition(), media_type=PROMETHEUS_TEXT)
