"""The workplace's pages (issue 14) without a browser: who may open which page, the session cookie, CSRF,
confirm-then-POST with its Idempotency-Key, and bad input answered as a page, never a 500.

Every page route of :mod:`api.access` is walked, so a page added later is checked here too.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.access import ACCESS, PORTAL
from api.auth.gate import SESSION_COOKIE
from api.auth.ratelimit import FailedAuthLimiter
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.core.actor import Role
from projections.trail import account_subjects
from tests.auth import app, bearer, token
from tests.billing.helpers import pod
from tests.browser.world import World, build_world
from tests.clerk import Clerk

HTML = "text/html; charset=utf-8"
PAGES = {route: rule for route, rule in ACCESS.items() if rule.page}


@pytest.fixture
def world(clerk: Clerk) -> World:
    return build_world(clerk)


@pytest.fixture
def http(clerk: Clerk) -> Iterator[TestClient]:
    with TestClient(app(clerk.services), base_url="http://127.0.0.1") as client:
        yield client


def session(http: TestClient, role: str, **claims: Any) -> str:
    """Log ``http`` in as ``role`` (the cookie the login sets); the session's CSRF token."""
    http.cookies.set(SESSION_COOKIE, token(role, **claims))
    form = http.get("/ui/search" if role != "portal" else "/login")
    found = re.search(r'name="csrf" value="([^"]*)"', form.text)
    assert found is not None, form.text[:500]
    return found.group(1)


def fill(template: str, world: World, clerk: Clerk, own: dict[str, str] | None = None) -> str:
    """``template`` with Giulia's ids (and ``own``: her partner, her contract), any other id a new one."""
    values = {"account_id": str(world.giulia), "suspense_id": str(world.suspense_id),
              "invoice_number": world.giulia_invoices[0], "kind": "dunning-step", "source_id": "none",
              **(own or {})}
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), str(uuid.uuid4())), template)


def test_every_page_sends_a_stranger_to_the_login_and_refuses_other_roles_with_a_page(
        http: TestClient, world: World, clerk: Clerk) -> None:
    partner = clerk.balance(world.giulia)[1]
    contract = clerk.run(ac.SignContract(world.giulia, "pod", pod(), Commodity.ELECTRICITY, "HOME",
                                         BillingFrequency.MONTHLY, clerk.clock.today))["contract_id"]
    own = {"partner_id": str(partner), "contract_id": str(contract)}  # a portal page of Giulia's own
    assert "GET /ui/worklist" in PAGES and "POST /ui/worklist/{suspense_id}/allocation" in PAGES
    for route, rule in PAGES.items():
        method, template = route.split(" ", 1)
        path = fill(template, world, clerk, own)
        http.cookies.clear()
        anonymous = http.request(method, path, follow_redirects=False)
        assert anonymous.status_code == 303, route
        assert anonymous.headers["location"].startswith("/login"), route
        for role in Role:
            http.cookies.clear()
            http.cookies.set(SESSION_COOKIE, token(role, partner=partner if role is PORTAL else None))
            answer = http.request(method, path, follow_redirects=False)
            where = f"{role.value} {route}: {answer.status_code}"
            if role not in rule.roles:
                assert answer.status_code == 403, where
                assert answer.headers["content-type"] == HTML, where
                assert f"may not use {method} {template}" in answer.text, where
            elif method == "POST":  # past the gate: the page's own CSRF check refuses a post without its form
                assert answer.status_code == 403 and "did not carry this session" in answer.text, where
            else:
                assert answer.status_code not in (401, 403), where


def test_the_json_api_does_not_accept_the_session_cookie(http: TestClient, world: World) -> None:
    http.cookies.set(SESSION_COOKIE, token("finance"))
    assert http.get(f"/accounts/{world.giulia}/balance").status_code == 401
    assert http.get(f"/ui/accounts/{world.giulia}").status_code == 200
    # ... while a page also takes the API's header, as the API does.
    http.cookies.clear()
    assert http.get(f"/ui/accounts/{world.giulia}", headers=bearer("auditor")).status_code == 200


def test_an_expired_or_forged_session_goes_back_to_the_login_saying_why(http: TestClient) -> None:
    http.cookies.set(SESSION_COOKIE, "eyJhbGciOiJIUzI1NiJ9.e30.forged")
    answer = http.get("/ui/worklist", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/ui/worklist"
    assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"]  # forgotten
    assert "Your session has ended" in http.get("/login").text
    http.cookies.set(SESSION_COOKIE, "eyJhbGciOiJIUzI1NiJ9.e30.forged")
    command = http.post("/ui/worklist/x/refund", follow_redirects=False)  # a command: not to be reopened
    assert command.status_code == 303 and command.headers["location"] == "/login"


def test_the_login_form_refuses_a_post_without_its_own_token(http: TestClient) -> None:
    refused = http.post("/login", data={"credential": token("finance"), "csrf": "guess"},
                        follow_redirects=False)
    assert refused.status_code == 403 and SESSION_COOKIE not in refused.headers.get("set-cookie", "")
    form = http.get("/login?next=//evil.example/")
    csrf = re.search(r'name="csrf" value="([^"]*)"', form.text).group(1)  # type: ignore[union-attr]
    assert 'name="next" value=""' in form.text  # another site is never a place to return to
    done = http.post("/login", data={"credential": token("finance"), "csrf": csrf, "next": "/ui/worklist"},
                     follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ui/worklist"
    cookie = done.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie  # http here


def test_a_command_needs_the_sessions_csrf_token_and_its_confirmation_replays_once(
        http: TestClient, world: World, clerk: Clerk) -> None:
    form = {"account_id": str(world.giulia), "mode": "oldest"}
    action = f"/ui/worklist/{world.suspense_id}/allocation"
    csrf = session(http, "finance")
    other_session = TestClient(app(clerk.services), base_url="http://127.0.0.1")
    for sent in ({}, {"csrf": "forged"}, {"csrf": session(other_session, "finance", subject="bruno")}):
        refused = http.post(action, data={**form, **sent, "confirmed": "yes", "idempotency_key": "w-1"})
        assert refused.status_code == 403 and "did not carry this session" in refused.text
    assert clerk.owes(world.giulia) == 183  # nothing booked
    asked = http.post(action, data={**form, "csrf": csrf})
    assert asked.status_code == 200 and "Allocate the receipt" in asked.text
    assert clerk.owes(world.giulia) == 183  # the first click only asks
    key = re.search(r'name="idempotency_key" value="([^"]+)"', asked.text).group(1)  # type: ignore[union-attr]
    confirmed = {**form, "csrf": csrf, "confirmed": "yes", "idempotency_key": key}
    done = http.post(action, data=confirmed, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/ui/worklist"
    assert clerk.owes(world.giulia) == 61
    again = http.post(action, data=confirmed, follow_redirects=False)  # a double click, a reload
    assert again.status_code == 303 and clerk.owes(world.giulia) == 61
    trail = clerk.services.trail.entries(account_subjects(world.giulia), 0, 100)
    assert [e.actor["subject"] for e in trail if e.command == "AllocateSuspense"] == ["test-finance"]


@pytest.mark.parametrize("query, said", [
    ("as_of=2026-13-01", "'2026-13-01' is not a date"),
    ("as_of=yesterday", "'yesterday' is not a date"),
    ("known_at=soon", "'soon' is not a moment"),
    ("known_at=2999-01-01T00:00", "is in the future"),
    ("known_at=2000-01-01T00:00", "was not yet recorded"),
])
def test_a_bad_point_in_time_is_a_message_on_the_account_page(http: TestClient, world: World, query: str,
                                                               said: str) -> None:
    session(http, "auditor")
    answer = http.get(f"/ui/accounts/{world.giulia}?{query}")
    assert answer.status_code == 200, answer.text[:300]
    assert said in html.unescape(answer.text)
    assert 'data-testid="balance">€183.00' in answer.text  # the live page, with the message


def test_bad_input_anywhere_is_a_page_never_a_500(http: TestClient, world: World) -> None:
    csrf = session(http, "finance")
    for path in ("/ui/accounts/not-an-id", f"/ui/accounts/{uuid.uuid4()}", "/ui/search?q=" + "x" * 500,
                 "/ui/audit/trail?account=nope", "/ui/audit/trail?document=NOPE-1",
                 f"/ui/accounts/{world.giulia}?as_of=" + "9" * 100, "/ui/invoices/NOPE-1.pdf",
                 f"/ui/accounts/{world.giulia}/letters/nonsense/1.pdf"):
        answer = http.get(path)
        assert answer.status_code in (200, 404, 422), (path, answer.status_code)
        assert answer.headers["content-type"] == HTML, path
    action = f"/ui/worklist/{world.suspense_id}/allocation"
    for data, status in (({"account_id": "nope"}, 422),
                         ({"account_id": str(world.giulia), "mode": "items"}, 422),
                         ({"account_id": str(uuid.uuid4()), "mode": "oldest"}, 404),
                         ({"account_id": str(world.giulia), "mode": "rather"}, 422)):
        answer = http.post(action, data={**data, "csrf": csrf})
        assert answer.status_code == status, (data, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"] == HTML
    # What a person typed is shown as text, never as markup.
    typed = {"account_id": str(world.giulia), "mode": "items", "invoice_numbers": "<b>bold</b>"}
    shown = http.post(action, data={**typed, "csrf": csrf})
    assert "&lt;b&gt;bold&lt;/b&gt;" in shown.text and "<b>bold" not in shown.text
    refund = http.post(f"/ui/worklist/{world.suspense_id}/refund",
                       data={"csrf": csrf, "to_iban": "DE00", "to_name": "x", "to_town": "y",
                             "to_country": "DE", "reason": "wrong", "confirmed": "yes",
                             "idempotency_key": "r-1"})
    assert refund.status_code == 422 and refund.headers["content-type"] == HTML


def test_the_auditor_reads_the_trail_and_the_hash_chain(http: TestClient, world: World) -> None:
    session(http, "auditor")
    trail = http.get(f"/ui/audit/trail?account={world.giulia}")
    assert trail.status_code == 200 and "IssueInvoice" in trail.text
    chain = http.get("/ui/audit/chain")
    assert chain.status_code == 200 and "Chain intact:" in chain.text


def test_the_search_box_leads_to_the_account_page(http: TestClient, world: World) -> None:
    session(http, "finance")
    found = http.get("/ui/search?q=Giulia")
    assert found.status_code == 200 and f'href="/ui/accounts/{world.giulia}"' in found.text
    assert "Nothing found for" in http.get("/ui/search?q=Zzyzx").text


def test_wrong_tokens_pasted_into_the_login_count_as_failed_authentications(clerk: Clerk) -> None:
    limited = app(clerk.services, limiter=FailedAuthLimiter(max_failures=2))
    with TestClient(limited, base_url="http://127.0.0.1") as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]*)"', form.text).group(1)  # type: ignore[union-attr]
        for _ in range(2):
            assert client.post("/login", data={"credential": "eyJ.wrong", "csrf": csrf}).status_code == 401
        blocked = client.post("/login", data={"credential": token("finance"), "csrf": csrf})
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_the_account_pages_invoice_links_open_the_pdf_the_api_serves(http: TestClient, world: World) -> None:
    session(http, "auditor")
    number = world.giulia_invoices[0]
    assert f'href="/ui/invoices/{number}.pdf"' in http.get(f"/ui/accounts/{world.giulia}").text
    pdf = http.get(f"/ui/invoices/{number}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    api = http.get(f"/invoices/{number}.pdf", headers=bearer("auditor"))
    assert pdf.content == api.content and pdf.headers["x-content-sha256"] == api.headers["x-content-sha256"]
