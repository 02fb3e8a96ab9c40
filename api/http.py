"""The HTTP API: the FastAPI application, its problem documents and one router per capability.

The endpoints live in :mod:`api.routes`, their bodies in :mod:`api.schemas`, what they share (services,
``Idempotency-Key``, the actor, amounts, running a command) in :mod:`api.deps`. Every request passes the
authentication gate (:mod:`api.auth.gate`), which enforces :mod:`api.access`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from api.access import rule_for
from api.auth.config import AuthConfig, auth_config
from api.auth.gate import Gate, Gatekeeper, passed_gate
from api.auth.ratelimit import FailedAuthLimiter
from api.auth.tokens import TokenVerifier
from api.bootstrap import Services
from api.hardening import harden
from api.languages import LanguageMiddleware
from api.metrics import Metrics
from api.problems import install_problem_handlers
from api.request_log import RequestLogMiddleware
from api.routes import (
    accounts,
    audit,
    billing,
    changes,
    collections,
    consumption,
    credit_refunds,
    documents,
    dunning,
    exports,
    keys,
    lists,
    moves,
    ops,
    payments,
    reading_reviews,
    report_tables,
    reports,
    search,
    supply_points,
    write_offs,
)
from api.stores import Stores
from api.web import install_workplace

#: In the order the paths appear in the OpenAPI document (and Swagger UI).
ROUTERS = (ops.router, accounts.router, exports.router, payments.router, dunning.router, billing.router,
           collections.router, reports.router, keys.router, audit.router, lists.router, search.router,
           consumption.router, reading_reviews.router, moves.router, write_offs.router, credit_refunds.router,
           changes.router, supply_points.router, documents.router, report_tables.router)

#: The two ways to authenticate, as the OpenAPI document declares them (Swagger UI's "Authorize").
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
               "description": "a token from `saldo tokens issue` (`make run` prints one per role) or from "
                              "the identity provider"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
               "description": "a machine client's key from `saldo keys create` or `POST /keys`"},
}


def create_app(svc: Services, *, auth: AuthConfig | None = None, limiter: FailedAuthLimiter | None = None,
               clock: Callable[[], datetime] | None = None, stores: Stores | None = None) -> FastAPI:
    """The application over ``svc``. ``auth`` defaults to the environment's settings
    (:func:`api.auth.config.auth_config`); ``limiter`` and ``clock`` are injected by tests. ``stores``: a
    partitioned installation's stores (:mod:`api.stores`), ``svc`` being their main one; each request is
    served by the store it names (:func:`api.deps.services`)."""
    app = FastAPI(title="Saldo", version="0.1.0", docs_url=None, redoc_url=None,  # api.docs serves them
                  description="Event-sourced receivables ledger for utilities. Every request but `/health` "
                              "needs a bearer token or an API key (**Authorize**); each operation names the "
                              "roles that may use it. Every POST takes an `Idempotency-Key` header; errors "
                              "are RFC 9457 `application/problem+json`.",
                  swagger_ui_parameters={"persistAuthorization": True},
                  dependencies=[Depends(passed_gate)])
    app.state.services = svc
    app.state.stores = stores
    app.state.auth = auth or auth_config(svc.database_url)
    verifier = TokenVerifier(app.state.auth, clock) if clock is not None else TokenVerifier(app.state.auth)
    install_problem_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    refused_page = install_workplace(app)  # the pages (api.web), after the API's routes and handlers
    app.state.gatekeeper = Gatekeeper(svc, verifier, limiter or FailedAuthLimiter(),
                                      stores.holding if stores is not None else None)
    app.add_middleware(Gate, routes=app.router.routes, keeper=app.state.gatekeeper, pages=refused_page)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    # After the gate, so its middleware wraps the gate's answers too (401, 403, 429 carry the headers);
    # after the document's override, which the body limits read their declared sizes from.
    harden(app)
    # Outermost: every problem document, whoever wrote it, in the language the client accepts.
    app.add_middleware(LanguageMiddleware)
    # Around everything: each request's JSON log line and latency, with the status actually sent.
    app.state.metrics = Metrics(lambda: stores.all if stores is not None else (svc,))
    app.add_middleware(RequestLogMiddleware, metrics=app.state.metrics)
    return app


#: What a command answers when others kept changing the same records past its time limit (ledger.application).
CONTENDED_RESPONSE = {
    "description": "others kept changing the same records for as long as a command may wait; nothing was "
                   "written: send it again (same Idempotency-Key) after Retry-After",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the security schemes and, per operation, who may use it."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    for path, item in document["paths"].items():
        for method, operation in item.items():
            rule = rule_for(method.upper(), path)
            if rule is not None and rule.public:
                operation["security"] = []
                continue
            operation["security"] = [{"bearer": []}, {"apiKey": []}]
            roles = sorted(r.value for r in rule.roles) if rule is not None else []
            scope = rule.portal_scope(path) if rule is not None else None
            operation["x-roles"] = roles
            said = ", ".join(roles) or "none: the route declares no roles"
            if scope is not None:
                said += f" (portal: only its own {scope.removesuffix('_id')})"
            operation["description"] = f"{operation.get('description', '')}\n\n**Roles:** {said}".strip()
            operation["responses"].setdefault("401", {"description": "no credentials, or wrong ones"})
            operation["responses"].setdefault("403", {"description": "the role may not use this route"})
            if method == "post":  # a command: others may be changing the same records (ledger.application)
                operation["responses"].setdefault("503", CONTENDED_RESPONSE)
    app.openapi_schema = document
    return document
