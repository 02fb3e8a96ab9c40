"""The ASGI application as a factory, for ``saldo serve --workers N`` (uvicorn starts N processes, each
calling :func:`create`, so each has its own store connections and its own projection worker).

The store is ``SALDO_DATABASE_URL`` (``saldo serve`` sets it); the companies ``SALDO_CONFIG``; the token
secret ``SALDO_JWT_SECRET`` or the generated file every worker reads the same (:mod:`api.auth.config`).
Several workers catch the projection up at once safely: its tracking record is compare-and-set, so exactly
one applies each batch (:mod:`projections.runner`).
"""

from __future__ import annotations

import os
import threading

from fastapi import FastAPI

from api.bootstrap import Services, build
from api.http import create_app


def start_projection_worker(svc: Services) -> threading.Event:
    """Catch the view up now, then in a background thread until the returned event is set."""
    svc.projections.catch_up()
    stop = threading.Event()
    threading.Thread(target=svc.projections.run_forever, args=(stop,), daemon=True,
                     name="projection-catch-up").start()
    return stop


def create() -> FastAPI:
    """One worker's application (uvicorn's ``factory=True``)."""
    svc = build(os.environ.get("SALDO_DATABASE_URL"))
    start_projection_worker(svc)
    return create_app(svc)
