"""The HTTP API: the FastAPI application, its problem documents and one router per capability.

The endpoints live in :mod:`api.routes`, their bodies in :mod:`api.schemas`, what they share (services,
``Idempotency-Key``, amounts, running a command) in :mod:`api.deps`.
"""

from __future__ import annotations

from fastapi import FastAPI

from api.bootstrap import Services
from api.problems import install_problem_handlers
from api.routes import accounts, billing, collections, dunning, exports, ops, payments, reports

#: In the order the paths appear in the OpenAPI document (and Swagger UI).
ROUTERS = (ops.router, accounts.router, exports.router, payments.router, dunning.router, billing.router,
           collections.router, reports.router)


def create_app(svc: Services) -> FastAPI:
    app = FastAPI(title="Saldo", version="0.1.0",
                  description="Event-sourced receivables ledger for utilities. Every POST takes an "
                              "`Idempotency-Key` header; errors are RFC 9457 `application/problem+json`.")
    app.state.services = svc
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
