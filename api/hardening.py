"""What every response of the HTTP API gets, whatever the route: see :func:`harden`."""

from __future__ import annotations

from fastapi import FastAPI

from api.incidents import IncidentMiddleware


def harden(app: FastAPI) -> None:
    """Install the middleware that every request passes (the last added is the outermost)."""
    app.add_middleware(IncidentMiddleware)
