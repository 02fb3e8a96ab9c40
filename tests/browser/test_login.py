"""Logging in to the workplace in a browser: no session → the login page; a pasted token → the home page,
with an HttpOnly session cookie the JSON API does not accept."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import Workplace


def test_a_person_logs_in_with_a_token_and_sees_the_workplace_then_logs_out(workplace: Workplace,
                                                                             page: Page) -> None:
    page.goto(workplace.url + "/")
    assert page.url == f"{workplace.url}/login"
    workplace.log_in(page, "finance", subject="anna@example.com")
    assert page.url == f"{workplace.url}/"
    assert "anna@example.com · finance" in page.inner_text("header")
    cookie = next(c for c in page.context.cookies() if c["name"] == "saldo_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    # The API stays bearer-only: the session cookie opens no JSON route.
    api = page.request.get(f"{workplace.url}/accounts/{workplace.world.giulia}/balance")
    assert api.status == 401
    page.click("text=Log out")
    assert page.url == f"{workplace.url}/login"
    assert "Logged out." in page.inner_text("main")
    page.goto(workplace.url + "/")
    assert page.url == f"{workplace.url}/login"


def test_a_wrong_token_is_refused_on_the_login_page(workplace: Workplace, page: Page) -> None:
    page.goto(f"{workplace.url}/login")
    page.fill("textarea[name=credential]", "eyJ.not-a-token")
    page.click("button[type=submit]")
    assert page.url == f"{workplace.url}/login"
    assert "Not logged in" in page.inner_text(".error")
    assert not [c for c in page.context.cookies() if c["name"] == "saldo_session"]
