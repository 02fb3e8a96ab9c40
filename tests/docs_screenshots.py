"""The workplace pictures in the README (issue 14): the clarification worklist, an account page and a
customer's portal page, taken
by Playwright in headless Chromium from the demo ``make run`` loads.

``make docs-screenshots`` (``python -m tests.docs_screenshots``) loads the demo into a scratch SQLite store,
serves the workplace over it with the application's clock fixed (so "today", and with it what is overdue,
is the same every time; the demo's ids are derived from fixed keys), logs in as finance and writes
``docs/workplace-worklist.png``, ``docs/workplace-account.png`` and ``docs/workplace-reports.png``, then as
the portal of the customer whose load curve the demo has, and writes ``docs/workplace-portal.png``.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from api.bootstrap import build
from api.cli import main as saldo
from api.routes import payments, supply_points
from tests.auth import token
from tests.browser.conftest import CHROMIUM_SETTING, DEFAULT_CHROMIUM
from tests.browser.server import serve

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
DEMO_CONFIG = ROOT / "config" / "companies.demo.toml"
#: The day the pictures are taken on: after the demo's last statement and dunning run.
TODAY = date(2026, 11, 25)
#: The browser window: a desk's screen (the pictures are the whole page, this wide).
VIEWPORT = {"width": 1280, "height": 900}


#: The demo's supply point with a load curve: its customer's portal page shows the consumption chart.
PORTAL_SUPPLY_POINT = ("pod", "IT001E90000002")


def _log_in(page: Page, url: str, credential: str | None = None) -> None:
    page.goto(f"{url}/login")
    page.fill("textarea[name=credential]", credential or token("finance", subject="giulia.conti@example.it"))
    page.click("button[type=submit]")


def take(folder: Path) -> list[Path]:
    url_of_store = f"sqlite:///{folder}/saldo.sqlite"
    os.environ["SALDO_CONFIG"] = str(DEMO_CONFIG)
    with contextlib.redirect_stdout(io.StringIO()):
        if saldo(["--database-url", url_of_store, "demo", "--demo-folder", str(folder / "demo")]) != 0:
            raise RuntimeError("saldo demo failed")
    svc = build(url_of_store, clock=lambda: TODAY)
    written = [DOCS / "workplace-worklist.png", DOCS / "workplace-account.png", DOCS / "workplace-portal.png",
               DOCS / "workplace-reports.png"]
    try:
        # The account of the worklist's first suggestion: the one a person opens next.
        account = payments.worklist(svc, 1)[0].candidates[0].account_id
        holder = supply_points.supply_point(*PORTAL_SUPPLY_POINT, svc).current
        chromium = os.environ.get(CHROMIUM_SETTING) or DEFAULT_CHROMIUM
        with serve(svc) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"],
                                                 headless=True)
            context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="en-IE")
            page = context.new_page()
            _log_in(page, url)
            page.goto(f"{url}/ui/worklist")
            page.screenshot(path=str(written[0]), full_page=True)
            page.goto(f"{url}/ui/accounts/{account}")
            page.screenshot(path=str(written[1]), full_page=True)
            page.goto(f"{url}/ui/reports")  # finance's reports: the first screen, a report and its chart
            page.screenshot(path=str(written[3]), full_page=False)
            portal = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, locale="en-IE").new_page()
            _log_in(portal, url, token("portal", partner=holder.partner_id if holder else None))  # lands on
            portal.screenshot(path=str(written[2]), full_page=True)  # its account's portal page
            browser.close()
    finally:
        svc.close()
    return written


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="saldo-screenshots-") as folder:
        for path in take(Path(folder)):
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
