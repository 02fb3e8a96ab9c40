"""The gate every HTTP request passes: request id, credentials, the failed-attempt limit, the route's roles.

An ASGI middleware, so a request is refused before anything reads its body (an anonymous upload is never
spooled to disk). It finds the API route the request is for the way the router will (the first whose path
and method match), looks up the route's :class:`~api.access.Rule`, and then:

1. ``/health`` (a public rule) and what is not an API route (the documentation pages and their assets,
   unknown paths) pass untouched;
2. a client address blocked for too many failed authentications gets 429 with ``Retry-After``;
3. missing or wrong credentials get 401 (``WWW-Authenticate: Bearer``); wrong ones (a guess) count as a
   failed authentication of the client's address, missing ones (a client before its login) do not;
4. a role the route does not name, or a route that declares none, gets 403;
5. a portal token asking for an account, contract or document that is not its business partner's gets the
   same 404 a missing one gets.

A page of the workplace (a ``page`` rule, :mod:`api.web`) is also authenticated by the session cookie
(:data:`SESSION_COOKIE`, holding the token or key pasted at login) when no header credential is sent; the
JSON API never reads the cookie, so it stays bearer-only (a browser's ambient credential cannot reach
it). A refusal of a page is handed to the gate's ``pages`` function, which answers it as a page (a
redirect to the login page, an HTML 403).

The request's actor (:class:`~ledger.core.actor.Actor`: subject, role, ``http``, request id) is left in the
request's state for :data:`api.deps.ActorDep`; the request id (``X-Request-ID`` as sent, or a new one) is
echoed on every response. The gate also leaves the route it judged; :func:`passed_gate`, a dependency of
every route, refuses a request whose route the router chose differently (a route the gate could not see),
so the gate fails closed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access import PORTAL, rule_for
from api.auth.keys import looks_like_key, verify_key
from api.auth.ratelimit import FailedAuthLimiter
from api.auth.tokens import AuthFailure, Principal, TokenVerifier
from api.bootstrap import Services
from api.problems import problem
from ledger.accounts.contract import Contract
from ledger.accounts.invoice import Invoice, document_id
from ledger.core.actor import Actor, Channel

#: Where the gate leaves the request's actor and the route it judged (``request.state``).
ACTOR_STATE = "saldo_actor"
#: The workplace's session cookie: the credential pasted at login (:mod:`api.web.session`).
SESSION_COOKIE = "saldo_session"
ROUTE_STATE = "saldo_route"
REQUEST_ID_HEADER = "X-Request-ID"
#: Longest request id accepted from a client; letters, digits and ``._:/+=@-`` only (it is logged and stored).
MAX_REQUEST_ID_LENGTH = 128
_REQUEST_ID = re.compile(rf"[A-Za-z0-9._:/+=@-]{{1,{MAX_REQUEST_ID_LENGTH}}}")
NO_CREDENTIALS = ("no credentials: send 'Authorization: Bearer <token>' (from `saldo tokens issue` or the "
                  "identity provider) or 'X-API-Key: <key>' (from `saldo keys create`)")


@dataclass(frozen=True)
class Passed:
    """The gate's verdict for a request it lets through: who asks (None on a public route)."""

    principal: Principal | None


class Gatekeeper:
    """The decisions, synchronous (they may read the store): run in a worker thread by :class:`Gate`."""

    def __init__(self, services: Services, verifier: TokenVerifier, limiter: FailedAuthLimiter,
                 holding: Callable[[UUID], Services] | None = None) -> None:
        self.services = services
        self.verifier = verifier
        self.limiter = limiter
        #: the store holding an account or contract, where the event store is partitioned (api/stores.py)
        self.holding = holding or (lambda _: services)

    def decide(self, method: str, path: str, params: Mapping[str, Any], headers: Mapping[str, str],
               client: str, instance: str) -> Passed | Response:
        rule = rule_for(method, path)
        if rule is not None and rule.public:
            return Passed(None)
        wait = self.limiter.retry_after(client)
        if wait is not None:
            refused = problem(429, "too-many-failed-authentications",
                              f"too many failed authentications from {client}; try again in {wait} s",
                              instance)
            refused.headers["Retry-After"] = str(wait)
            return refused
        session = cookie_parser(headers.get("cookie", "")).get(SESSION_COOKIE) if rule and rule.page else None
        try:
            principal = self.authenticate(headers, session)
        except AuthFailure as e:
            if e.unavailable:
                return problem(503, "authentication-unavailable", str(e), instance)
            refused = problem(401, "unauthenticated", str(e), instance)
            # RFC 6750 §3: no error code when no credentials came; invalid_token when they were wrong.
            if str(e) == NO_CREDENTIALS:
                refused.headers["WWW-Authenticate"] = 'Bearer realm="saldo"'
            else:
                self.limiter.failed(client)
                refused.headers["WWW-Authenticate"] = 'Bearer realm="saldo", error="invalid_token"'
            return refused
        route = f"{method} {path}"
        if rule is None:
            return problem(403, "forbidden", f"{route} declares no roles (api/access.py), so no one may use "
                                             "it", instance)
        if principal.role not in rule.roles:
            allowed = ", ".join(sorted(r.value for r in rule.roles))
            article = "an" if principal.role.value[0] in "aeiou" else "a"
            return problem(403, "forbidden", f"{article} {principal.role.value} {principal.via} may not use "
                                             f"{route} (it is for: {allowed})", instance)
        scope = rule.portal_scope(path) if principal.role is PORTAL else None
        if scope is not None:
            missing = self._not_own(principal, scope, str(params.get(scope, "")))
            if missing is not None:
                message, field = missing
                return problem(404, "not-found", message, instance, [{"field": field, "reason": message}])
        return Passed(principal)

    def authenticate(self, headers: Mapping[str, str], session: str | None = None) -> Principal:
        """Who the headers' credential says asks; without one, the ``session`` cookie's (a page only)."""
        authorization = headers.get("authorization")
        api_key = headers.get("x-api-key")
        if authorization is None and api_key is None and session:
            authorization = f"Bearer {session}"
        if authorization is None and api_key is None:
            raise AuthFailure(NO_CREDENTIALS)
        if authorization is not None and api_key is not None:
            raise AuthFailure("send one credential: Authorization or X-API-Key, not both")
        if authorization is not None:
            scheme, _, credential = authorization.strip().partition(" ")
            if scheme.lower() != "bearer":
                raise AuthFailure(f"the Authorization scheme must be Bearer, got {scheme[:20]!r}")
            credential = credential.strip()
            if not credential:
                raise AuthFailure("the Authorization header has no token after 'Bearer'")
        else:
            credential = (api_key or "").strip()
        if looks_like_key(credential):
            return verify_key(self.services.app, credential)
        if api_key is not None:
            raise AuthFailure("the X-API-Key header does not hold a Saldo API key (saldo_...)")
        return self.verifier.verify(credential)

    def _not_own(self, principal: Principal, scope: str, value: str) -> tuple[str, str] | None:
        """Why a portal principal may not see this account or contract — worded as if it did not exist."""
        try:
            wanted = UUID(value)
        except ValueError:
            wanted = None
        if scope == "partner_id":  # the token's own partner, and no other
            if wanted is None or principal.partner_id is None or wanted != principal.partner_id:
                return f"business partner {wanted or value} does not exist", "partner_id"
            return None
        if scope == "invoice_number":  # a document of one of the partner's accounts
            invoice = self.services.app.find(Invoice, document_id(value.strip()))
            if invoice is None or not self._owns(principal, invoice.account_id):
                return f"invoice or credit note {value} does not exist", "invoice_number"
            return None
        if scope == "contract_id":
            contract = self.holding(wanted).app.find(Contract, wanted) if wanted is not None else None
            if contract is None or not self._owns(principal, contract.account_id):
                return f"contract {wanted or value} does not exist", "contract_id"
            return None
        if wanted is None or not self._owns(principal, wanted):
            return f"contract account {wanted or value} does not exist", "account_id"
        return None

    def _owns(self, principal: Principal, account_id: UUID) -> bool:
        row = self.holding(account_id).view.account(str(account_id))
        return row is not None and principal.partner_id is not None and row[1] == str(principal.partner_id)


class Gate:
    """The ASGI middleware around the application's router (``app.add_middleware(Gate, ...)``)."""

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute], keeper: Gatekeeper,
                 pages: Callable[[Response, Scope], Response] | None = None) -> None:
        self.app = app
        self.routes = routes
        self.keeper = keeper
        #: answers a refused page as a page (:func:`api.web.refused_page`); None: as the API does
        self.pages = pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        sent_id = headers.get(REQUEST_ID_HEADER.lower())
        request_id = sent_id if sent_id is not None and _REQUEST_ID.fullmatch(sent_id) else uuid.uuid4().hex
        send = _echo(send, request_id)
        instance = scope["path"]
        if sent_id is not None and request_id != sent_id:
            reason = (f"at most {MAX_REQUEST_ID_LENGTH} letters, digits or ._:/+=@- (the id of this response "
                      f"is {request_id})")
            await problem(422, "invalid-input", f"{REQUEST_ID_HEADER}: {reason}", instance,
                          [{"field": REQUEST_ID_HEADER, "reason": reason}])(scope, receive, send)
            return
        route, params = self._route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        # The route judged, also for a refusal: the request log names its template (api.request_log).
        state = scope.setdefault("state", {})
        state[ROUTE_STATE] = route
        verdict = await run_in_threadpool(self.keeper.decide, scope["method"], route.path, params, headers,
                                          client, instance)
        if isinstance(verdict, Response):
            rule = rule_for(scope["method"], route.path)
            if self.pages is not None and rule is not None and rule.page:
                verdict = self.pages(verdict, scope)
            await verdict(scope, receive, send)
            return
        if verdict.principal is not None:
            p = verdict.principal
            state[ACTOR_STATE] = Actor(p.subject, p.role, Channel.HTTP, request_id)
        await self.app(scope, receive, send)

    def _route(self, scope: Scope) -> tuple[APIRoute | None, Mapping[str, Any]]:
        """The API route the router will send this request to (its first full match), if it is one."""
        for route in api_routes(self.routes):
            match, child = route.matches(scope)
            if match is Match.FULL:
                return route, child.get("path_params", {})
        return None, {}


def api_routes(routes: Iterable[BaseRoute]) -> list[APIRoute]:
    """Every API route, in the router's order, also those of included routers (FastAPI ≥ 0.120 keeps an
    included router as one route holding the original router)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found.extend(api_routes(inner.routes))
    return found


async def passed_gate(request: Request) -> None:
    """A dependency of every route: the gate judged exactly the route the router chose, else 403."""
    judged = getattr(request.state, ROUTE_STATE, None)
    if judged is None or judged is not request.scope.get("route"):
        raise HTTPException(403, f"{request.method} {request.url.path} was not judged by the authentication "
                                 "gate, so no one may use it")


def _echo(send: Send, request_id: str) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []),
                                  (REQUEST_ID_HEADER.lower().encode("latin-1"), request_id.encode("latin-1"))]
        await send(message)
    return sending
