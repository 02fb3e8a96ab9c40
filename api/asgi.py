"""The ASGI application as a factory, for ``saldo serve --workers N`` (uvicorn starts N processes, each
calling :func:`create`, so each has its own store connections and its own projection worker).

The store is ``SALDO_DATABASE_URL`` (``saldo serve`` sets it); the companies ``SALDO_CONFIG``; the token
secret ``SALDO_JWT_SECRET`` or the generated file every worker reads the same (:mod:`api.auth.config`).
Several workers catch the projection up at once safely: its tracking record is compare-and-set, so exactly
one applies each batch (:mod:`projections.runner`). With ``SALDO_PROJECTIONS=separate`` (``saldo serve
--projections separate``) a worker starts no background thread: the installation runs ``saldo projections
run`` for writes made by other processes, and each request still catches the view up after its command.
Where companies have stores of their own (``store_url``, :mod:`api.stores`) a worker serves every store and
polls each one.
"""

from __future__ import annotations

import os
import threading

from fastapi import FastAPI

from api.bootstrap import Services, build
from api.http import create_app
from api.stores import build_stores

#: Longest wait, when the server stops, for the polling thread to finish the batch it is applying.
STOP_WAIT_S = 60.0


class ProjectionPolling:
    """The thread that keeps the view current with writes of other processes, and how to stop it."""

    def __init__(self, svc: Services) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=svc.projections.run_forever, args=(self._stop,), daemon=True,
                                        name="projection-catch-up")
        self._thread.start()

    def stop(self) -> None:
        """Stop polling and wait for the batch being applied: the caller closes the store's connections
        next, and a thread still using a closed SQLite connection crashes the process (seen in CI)."""
        self._stop.set()
        self._thread.join(STOP_WAIT_S)


def start_projection_worker(svc: Services) -> ProjectionPolling:
    """Catch the view up now, then in a background thread until it is stopped."""
    svc.projections.catch_up()
    return ProjectionPolling(svc)


#: ``SALDO_PROJECTIONS``: who polls for writes made by other processes (``in-process``: each API worker's
#: thread; ``separate``: a ``saldo projections run`` process).
PROJECTIONS_MODES = ("in-process", "separate")


def projections_mode() -> str:
    mode = os.environ.get("SALDO_PROJECTIONS") or PROJECTIONS_MODES[0]
    if mode not in PROJECTIONS_MODES:
        raise ValueError(f"SALDO_PROJECTIONS must be one of {', '.join(PROJECTIONS_MODES)}, got {mode!r}")
    return mode


def create() -> FastAPI:
    """One worker's application (uvicorn's ``factory=True``)."""
    mode = projections_mode()
    stores = build_stores(os.environ.get("SALDO_DATABASE_URL"))
    svc = build(os.environ.get("SALDO_DATABASE_URL")) if stores is None else stores.main
    if mode == "in-process":
        for each in (svc,) if stores is None else stores.all:  # every store has its own view to keep current
            start_projection_worker(each)
    return create_app(svc, stores=stores)
