"""The customer portal's page in a browser, on both stores: a portal login lands on its account, the
consumption chart has one bar group per month with data, a self-reading is accepted, and another
customer's account page is the 404 of an account that does not exist."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from playwright.sync_api import Page

from importers.load_curves import load_curve_commands
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from tests.browser.conftest import Workplace
from tests.clerk import Clerk

POD = "IT001E55500001"


def _consumption(clerk: Clerk, months: list[tuple[date, int]]) -> None:
    """Hourly 1 kWh on the first ``days`` days of each month (Europe/Rome)."""
    for first, days in months:
        start = datetime.combine(first, datetime.min.time(), tzinfo=ZoneInfo("Europe/Rome")).astimezone(UTC)
        points = [(start + timedelta(hours=h), Decimal(1)) for h in range(days * 24)]
        for command in load_curve_commands(POD, points, time_zone="Europe/Rome", resolution_min=60):
            clerk.run(command)


def test_the_portal_page_draws_the_chart_takes_a_self_reading_and_hides_other_accounts(
        workplace: Workplace, page: Page, clerk: Clerk) -> None:
    giulia = workplace.world.giulia
    contract = clerk.run(ac.SignContract(giulia, "pod", POD, Commodity.ELECTRICITY, "HOME",
                                         BillingFrequency.MONTHLY, date(2025, 12, 1)))["contract_id"]
    _consumption(clerk, [(date(2026, 1, 1), 31), (date(2026, 2, 1), 10)])
    partner = clerk.balance(giulia)[1]
    workplace.log_in(page, "portal", partner=partner)
    assert page.url == f"{workplace.url}/portal/accounts/{giulia}"
    assert "Giulia Bianchi" in page.inner_text("h1")
    assert page.locator("#invoices a[href$='.pdf']").count() == 2
    months = page.locator(f"#contract-{contract} svg g.month")
    drawn = [months.nth(i).get_attribute("data-month") for i in range(months.count())]
    assert drawn == ["2026-01", "2026-02"]
    assert months.first.locator("rect.band").count() == 3  # F1, F2 and F3

    form = page.locator(f"#contract-{contract} form.self-reading")
    form.locator("input[name=read_on]").fill("2026-03-01")
    form.locator("input[name=index]").fill("12a")
    form.locator("button[type=submit]").click()
    assert "Meter index" in page.inner_text(".field-error")  # refused on its field, the page kept
    form = page.locator(f"#contract-{contract} form.self-reading")
    form.locator("input[name=read_on]").fill("2026-03-01")
    form.locator("input[name=index]").fill("1520")
    form.locator("button[type=submit]").click()
    assert "Reading received" in page.inner_text(".flash")
    assert "1520" in page.inner_text(f"#contract-{contract}")

    pdf = page.request.get(f"{workplace.url}/ui/invoices/{workplace.world.giulia_invoices[0]}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    other = page.goto(f"{workplace.url}/portal/accounts/{workplace.world.marco}")
    assert other is not None and other.status == 404
    assert "does not exist" in page.inner_text("main")
