"""The run pages in a browser, on both stores: a dunning proposal reviewed and discarded (one click and a
confirmation; no dunning step recorded), and a bank statement uploaded with its import report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page

from api.routes.dunning import dunning_state
from importers.bank.synth import SynthEntry, write_camt053
from tests.browser.conftest import Workplace
from tests.clerk import Clerk


def test_a_dunning_proposal_is_reviewed_and_discarded(workplace: Workplace, page: Page, clerk: Clerk) -> None:
    clerk.clock.today = date(2026, 5, 4)  # Giulia's and Marco's invoices are weeks overdue
    workplace.log_in(page, "finance", subject="rita@example.com")
    page.goto(f"{workplace.url}/ui/runs")
    page.click("#dunning-form button[type=submit]")
    assert "/ui/runs/dunning/" in page.url
    assert page.inner_text("#status") == "proposed"
    proposed = int(page.inner_text("#steps-proposed"))
    assert proposed >= 1 and page.locator("#items tbody tr").count() == proposed
    assert str(workplace.world.giulia) in page.inner_text("#items")
    page.fill("#discard-form input[name=reason]", "the letters go out tomorrow")
    page.click("#discard-form button[type=submit]")
    assert "the letters go out tomorrow" in page.inner_text(".confirm")  # the confirmation says what it does
    page.click(".confirm button[type=submit]")
    assert "/ui/runs/dunning/" in page.url and page.inner_text("#status") == "discarded"
    assert "discarded" in page.inner_text(".flash")
    assert page.locator("#discard-form").count() == 0  # decided: no button left
    state = dunning_state(workplace.services, workplace.world.giulia)
    assert state.steps == [] and state.level == 0  # no dunning step was recorded


def test_a_statement_upload_shows_its_import_report(workplace: Workplace, page: Page, tmp_path: Path) -> None:
    path = tmp_path / "camt053-today.xml"
    write_camt053(path, [SynthEntry(Decimal("97.60"), debtor_name="Marco Esposito",
                                    account_servicer_reference="B1", unstructured=("bolletta marzo",)),
                         SynthEntry(Decimal("0.00"), debtor_name="Zero", account_servicer_reference="B2")],
                  booking_date=date(2026, 3, 20))
    workplace.log_in(page, "finance")
    page.goto(f"{workplace.url}/ui/statements")
    page.set_input_files("#file", str(path))
    page.click("#statement-form button[type=submit]")
    summary = page.inner_text("#summary")
    assert "camt053-today.xml" in page.inner_text("h1")
    assert "Entries\n2" in summary.replace("\t", "\n")
    where = page.locator("table.report-lines tbody tr")
    assert where.count() >= 1 and "camt053-today.xml line " in where.first.inner_text()
