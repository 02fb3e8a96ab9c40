"""The workplace in a real browser: the application served by uvicorn on 127.0.0.1 (a free port, in a
thread) over a store with data, and headless Chromium driven by Playwright's sync API.

One browser for the session (each test opens its own context, so no cookie is shared); one server per test,
on each store (the ``store_url`` parametrisation of tests/conftest.py). Chromium is Debian's ``chromium``
package; without it the tests fail, saying how to get it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api.bootstrap import Services
from tests.auth import token
from tests.browser.server import serve
from tests.browser.world import World, build_world
from tests.clerk import Clerk

CHROMIUM_SETTING = "SALDO_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str:
    path = os.environ.get(CHROMIUM_SETTING) or DEFAULT_CHROMIUM
    if not Path(path).is_file():
        pytest.fail(f"no Chromium at {path}: install Debian's `chromium` package (`apt-get install "
                    f"chromium`; .ci/run does it) or set {CHROMIUM_SETTING} to a Chromium binary",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"],
                                              headless=True)
        yield launched
        launched.close()


@dataclass(frozen=True)
class Workplace:
    """The served application: its address, the store's services and the world in it."""

    url: str
    services: Services
    world: World

    def log_in(self, page: Page, role: str, **claims: object) -> None:
        """Log ``page`` in as ``role`` the way a person does: paste a token into the login form."""
        page.goto(f"{self.url}/login")
        page.fill("textarea[name=credential]", token(role, **claims))  # type: ignore[arg-type]
        page.click("button[type=submit]")


@pytest.fixture
def workplace(clerk: Clerk) -> Iterator[Workplace]:
    world = build_world(clerk)
    with serve(clerk.services) as url:
        yield Workplace(url, clerk.services, world)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-IE")
    opened = context.new_page()
    yield opened
    context.close()
