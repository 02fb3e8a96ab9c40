"""The staff's pages in a browser, on both stores: finance clears a worklist item and sees the account's
balance change; an auditor moves the as-of picker and sees the balance of that day; a portal token is
refused the staff's pages."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import Workplace


def balance_shown(page: Page) -> str:
    return page.inner_text("[data-testid=balance]")


def test_finance_allocates_a_receipt_from_the_worklist_and_the_account_balance_falls(
        workplace: Workplace, page: Page) -> None:
    world = workplace.world
    workplace.log_in(page, "finance", subject="anna@example.com")
    page.goto(f"{workplace.url}/ui/accounts/{world.giulia}")
    assert balance_shown(page) == "€183.00"  # 122.00 + 61.00 open
    page.goto(f"{workplace.url}/ui/worklist")
    receipt = page.locator(f"#receipt-{world.suspense_id}")
    assert "Giulia Bianchi" in receipt.inner_text()
    assert "same amount" in receipt.inner_text()  # the candidate's reason is shown
    receipt.locator(f"button:text-is('to {world.giulia_invoices[0]}')").click()
    # The confirmation says what will happen; nothing is booked yet.
    assert page.url == f"{workplace.url}/ui/worklist/{world.suspense_id}/allocation"
    assert "Placed on account Giulia Bianchi home" in page.inner_text("main")
    assert workplace.services.view.suspense("open")  # still waiting
    page.click("button:text-is('Allocate')")
    assert page.url == f"{workplace.url}/ui/worklist"
    assert "its balance is now €61.00" in page.inner_text(".flash")
    assert page.locator(f"#receipt-{world.suspense_id}").count() == 0
    page.goto(f"{workplace.url}/ui/accounts/{world.giulia}")
    assert balance_shown(page) == "€61.00"
    assert world.giulia_invoices[0] not in page.inner_text("table:below(h2:text('Open items'))")


def test_an_auditor_picks_a_business_date_and_sees_that_days_balance(workplace: Workplace,
                                                                     page: Page) -> None:
    world = workplace.world
    workplace.log_in(page, "auditor")
    page.goto(f"{workplace.url}/ui/accounts/{world.giulia}")
    assert balance_shown(page) == "€183.00"
    page.fill("input[name=as_of]", "2026-03-05")  # before the second invoice
    page.click("button:text-is('Show')")
    assert balance_shown(page) == "€122.00"
    assert "As of 2026-03-05" in page.inner_text("main")
    # A date that does not exist is a message on the form, and the live page.
    answer = page.goto(f"{workplace.url}/ui/accounts/{world.giulia}?as_of=2026-02-30")
    assert answer is not None and answer.status == 200
    assert "'2026-02-30' is not a date" in page.inner_text(".error")
    assert balance_shown(page) == "€183.00"
    # The auditor reads the worklist but is offered no command.
    page.goto(f"{workplace.url}/ui/worklist")
    assert "Giulia Bianchi" in page.inner_text("main")
    assert page.locator("form[action$='/allocation']").count() == 0


def test_a_portal_token_is_refused_the_staff_pages(workplace: Workplace, page: Page) -> None:
    partner = workplace.services.view.account(str(workplace.world.giulia))[1]  # type: ignore[index]
    workplace.log_in(page, "portal", partner=partner)
    for path in ("/", "/ui/worklist", f"/ui/accounts/{workplace.world.giulia}", "/ui/search?q=Giulia"):
        answer = page.goto(workplace.url + path)
        assert answer is not None and answer.status == 403, path
        assert "a portal token may not use" in page.inner_text(".error"), path
