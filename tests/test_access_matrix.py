"""Who may use which route: every operation of the OpenAPI document × every role × own and other account.

The roles come from ONE table (``api/access.py``); this walks the published document, so a new route that
is not declared there fails here (and is denied to everyone meanwhile). For each operation and role it
checks what the gate does: no token → 401; a role the route does not name → 403; a named role gets past
the gate (whatever the endpoint then says of the empty request); a portal token gets its own account or
contract, and for anyone else's exactly the 404 of an id that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.access import ACCESS, ACCOUNTING, ADMIN, AUDITOR, BULK_MONEY_RUNS, FINANCE, PORTAL, check_table
from api.auth.gate import api_routes
from api.bootstrap import Services
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.core.actor import Role
from tests.auth import app, bearer
from tests.billing.helpers import pod
from tests.clerk import Clerk

PROBLEM = "application/problem+json"


def operations(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item]


def test_every_route_of_the_document_declares_its_roles_and_the_table_keeps_the_rules(
        services: Services) -> None:
    application = app(services)
    document = application.openapi()
    # Every API route of the application, also those the document leaves out (the documentation pages).
    routes = [f"{m} {r.path}" for r in api_routes(application.routes) for m in sorted(r.methods or ())
              if m != "HEAD"]
    assert {f"{m} {p}" for m, p in operations(document)} <= set(routes)
    assert check_table(routes) == []
    gets = {r for r in ACCESS if r.startswith("GET ") and not ACCESS[r].public}
    assert all(AUDITOR in ACCESS[r].roles for r in gets)  # the auditor reads everything ...
    assert all(AUDITOR not in rule.roles for r, rule in ACCESS.items() if r not in gets)  # ... never writes
    assert {r for r, rule in ACCESS.items() if ACCOUNTING in rule.roles} == {
        "GET /journal", "GET /trial-balance", "GET /reports/aged-receivables",
        "GET /reports/aged-receivables/chart.svg", "GET /reports/consumption-revenue",
        "GET /reports/consumption-revenue/chart.svg",
        # the workplace's reports page and downloads of the same reports (api.web.reports)
        "GET /ui/reports", "GET /ui/reports/aged-receivables.{fmt}",
        "GET /ui/reports/consumption-revenue.{fmt}", "GET /ui/reports/trial-balance.{fmt}"}
    assert {r for r, rule in ACCESS.items() if ADMIN in rule.roles} == {
        "POST /tariffs", "GET /tariffs/{code}", "POST /keys", "POST /keys/{name}/revocation",
        "GET /dunning/procedures", "GET /dunning/procedures/{code}", "PUT /dunning/procedures/{code}",
        "GET /dunning/packs", "GET /dunning/packs/{country}", "PUT /dunning/packs/{country}", "GET /metrics"}
    assert all(ACCESS[r].roles == {FINANCE} for r in BULK_MONEY_RUNS)
    assert [r for r, rule in ACCESS.items() if rule.public] == [
        "GET /health", "GET /docs", "GET /docs/oauth2-redirect", "GET /redoc",
        "GET /login", "POST /login", "POST /logout"]  # the workplace's login (api.web.login)
    # Every operation in the document says who may use it, and how to authenticate.
    for method, path in operations(document):
        operation = document["paths"][path][method.lower()]
        if path != "/health":
            assert operation["security"] == [{"bearer": []}, {"apiKey": []}]
            assert set(operation["x-roles"]) == {r.value for r in ACCESS[f"{method} {path}"].roles}


class World:
    """Two customers, each with an account, a contract and an invoice: "own" is the portal token's, "other"
    is not."""

    def __init__(self, clerk: Clerk) -> None:
        self.own_account, self.other_account = clerk.customer("Anna Own"), clerk.customer("Otto Other")
        self.partner = clerk.balance(self.own_account)[1]
        self.own_partner, self.other_partner = self.partner, clerk.balance(self.other_account)[1]
        self.own_contract, self.other_contract = (self._contract(clerk, a)
                                                  for a in (self.own_account, self.other_account))
        self.own_invoice, self.other_invoice = (clerk.bill(a, "10.00")["number"]
                                                for a in (self.own_account, self.other_account))

    @staticmethod
    def _contract(clerk: Clerk, account: UUID) -> UUID:
        result = clerk.run(ac.SignContract(account, "pod", pod(), Commodity.ELECTRICITY, "HOME",
                                           BillingFrequency.BIMONTHLY, clerk.clock.today))
        return UUID(result["contract_id"])

    def path(self, template: str, whose: str) -> str:
        values = {"account_id": getattr(self, f"{whose}_account"),
                  "contract_id": getattr(self, f"{whose}_contract"),
                  "partner_id": getattr(self, f"{whose}_partner"),
                  "invoice_number": getattr(self, f"{whose}_invoice"), "name": "nobody", "code": "NONE"}
        out = template
        while "{" in out:
            name = out[out.index("{") + 1:out.index("}")]
            out = out.replace("{" + name + "}", str(values.get(name, uuid.uuid4())))
        return out


@pytest.fixture
def world(clerk: Clerk) -> World:
    return World(clerk)


@pytest.fixture
def http(services: Services) -> Iterator[TestClient]:
    with TestClient(app(services)) as client:
        yield client


def _call(http: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    return http.request(method, path, headers=headers)


def test_the_matrix_of_routes_roles_and_accounts(http: TestClient, world: World) -> None:
    document = http.get("/openapi.json").json()
    checked = 0
    for method, template in operations(document):
        rule = ACCESS[f"{method} {template}"]
        own = world.path(template, "own")
        anonymous = _call(http, method, own, {})
        if rule.public:
            assert anonymous.status_code == 200, template
            continue
        assert anonymous.status_code == 401, f"{method} {template}: {anonymous.text}"
        assert anonymous.headers["content-type"] == PROBLEM
        for role in Role:
            headers = bearer(role, partner=world.partner if role is PORTAL else None)
            answer = _call(http, method, own, headers)
            where = f"{role.value} {method} {template}: {answer.status_code} {answer.text[:200]}"
            if role not in rule.roles:
                assert answer.status_code == 403, where
                assert answer.json()["type"] == "/problems/forbidden", where
                continue
            assert answer.status_code not in (401, 403), where
            if role is PORTAL:
                assert answer.status_code in (200, 422), where  # its own account exists and is read
                scope = rule.portal_scope(template) or ""
                own_id, other_id = {"account_id": (world.own_account, world.other_account),
                                    "contract_id": (world.own_contract, world.other_contract),
                                    "partner_id": (world.own_partner, world.other_partner),
                                    "invoice_number": (world.own_invoice, world.other_invoice)}[scope]
                missing_id = uuid.uuid4()
                other = _call(http, method, world.path(template, "other"), headers)
                missing = _call(http, method, own.replace(str(own_id), str(missing_id)), headers)
                assert other.status_code == missing.status_code == 404, where
                # Word for word what an id that does not exist gets: nothing tells the two apart.
                assert other.json() == {**missing.json(), "detail": missing.json()["detail"].replace(
                    str(missing_id), str(other_id)), "instance": other.json()["instance"],
                    "errors": [{**e, "reason": e["reason"].replace(str(missing_id), str(other_id))}
                               for e in missing.json()["errors"]]}, where
            checked += 1
    assert checked > 60  # every allowed (route, role) pair was reached


def test_a_route_without_a_declaration_is_denied_to_every_role_and_one_the_gate_cannot_see_too(
        services: Services) -> None:
    from fastapi import APIRouter

    application = app(services)

    @application.get("/undeclared")
    def undeclared() -> dict[str, str]:
        return {"secret": "data"}

    hidden = APIRouter()

    @hidden.get("/report")
    def report() -> dict[str, str]:
        return {"secret": "data"}

    application.include_router(hidden, prefix="/hidden")  # the gate knows no such path
    with TestClient(application) as http:
        for role in Role:
            headers = bearer(role, partner=uuid.uuid4() if role is PORTAL else None)
            for path in ("/undeclared", "/hidden/report"):
                answer = http.get(path, headers=headers)
                assert answer.status_code == 403, (role, path, answer.text)
                assert "secret" not in answer.text
        assert "declares no roles" in http.get("/undeclared", headers=bearer("admin")).json()["detail"]
