"""Scenario tests: each command, on both stores, checked against balances, open items and postings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.invoice import Invoice, document_id
from ledger.accounts.references import fi, rf
from ledger.core.errors import Conflict, InvalidInput, NotFound
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from tests.clerk import Clerk, energy_line


def events_in_store(clerk: Clerk) -> int:
    return clerk.services.app.recorder.max_notification_id() or 0


def test_invoice_opens_an_item_and_books_revenue_and_vat(clerk: Clerk) -> None:
    account = clerk.customer(terms_days=30)
    result = clerk.bill(account, "100.00", "23.45")
    assert result["number"] == "INV-2026-000001"
    assert result["gross"] == "150.61"  # 123.45 + 22 % VAT 27.159 -> 27.16
    assert result["due_date"] == "2026-03-31"
    assert rf.is_valid(result["payment_reference"])
    assert clerk.owes(account) == Decimal("150.61")
    journal = clerk.services.view.journal(0, 100)
    lines = {(r[8], r[9], r[10]) for r in journal}
    assert lines == {("receivables", 15061, 0), ("revenue:energy", 0, 12345), ("vat-output:22", 0, 2716)}


def test_invoice_numbers_are_gapless_per_year(clerk: Clerk) -> None:
    account = clerk.customer()
    numbers = [clerk.bill(account, "10.00")["number"] for _ in range(3)]
    clerk.clock.today = date(2027, 1, 2)
    numbers.append(clerk.bill(account, "10.00")["number"])
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003", "INV-2027-000001"]


def test_finnish_reference_scheme_is_configurable(clerk: Clerk) -> None:
    from dataclasses import replace

    from ledger.accounts.invoice import ReferenceScheme

    clerk.services.app.config = replace(clerk.services.app.config, reference_scheme=ReferenceScheme.FI)
    account = clerk.customer()
    reference = clerk.bill(account, "10.00")["payment_reference"]
    assert fi.is_valid(reference)
    assert reference.startswith("2026000001")


def test_payment_clears_oldest_due_first_and_leaves_the_rest_open(clerk: Clerk) -> None:
    account = clerk.customer()
    first = clerk.bill(account, "100.00", vat="0", due=date(2026, 3, 20))["number"]
    second = clerk.bill(account, "50.00", vat="0", due=date(2026, 3, 10))["number"]
    result = clerk.pay(account, "70.00")
    assert result["allocations"] == [
        {"invoice": second, "amount": "50.00"},
        {"invoice": first, "amount": "20.00"},
    ]
    assert clerk.open_amounts(account) == {first: Decimal("80.00")}
    assert clerk.owes(account) == Decimal("80.00")


def test_named_invoice_is_paid_and_the_excess_becomes_credit(clerk: Clerk) -> None:
    account = clerk.customer()
    first = clerk.bill(account, "100.00", vat="0")["number"]
    second = clerk.bill(account, "50.00", vat="0")["number"]
    result = clerk.pay(account, "60.00", second)
    assert result["allocations"] == [{"invoice": second, "amount": "50.00"}]
    assert result["to_credit"] == "10.00"
    row = clerk.balance(account)
    assert (row[4], row[5]) == (10000, 1000)  # 100 open, 10 credit
    assert clerk.open_amounts(account) == {first: Decimal("100.00")}


def test_credit_on_account_settles_the_next_invoice(clerk: Clerk) -> None:
    account = clerk.customer()
    clerk.pay(account, "30.00")  # nothing open: all of it is credit
    number = clerk.bill(account, "100.00", vat="0")["number"]
    assert clerk.open_amounts(account) == {number: Decimal("70.00")}
    assert clerk.balance(account)[5] == 0


def test_credit_note_reduces_the_invoice_or_becomes_credit_when_paid(clerk: Clerk) -> None:
    account = clerk.customer()
    number = clerk.bill(account, "100.00", vat="10")["number"]  # 110.00
    partial = clerk.run(ac.IssueCreditNote(number, "estimate too high", (energy_line("40.00", "10"),)))
    assert partial["gross"] == "44.00" and partial["corrects"] == number
    assert clerk.open_amounts(account) == {number: Decimal("66.00")}
    clerk.pay(account, "66.00")
    clerk.run(ac.IssueCreditNote(number, "meter replaced", (energy_line("10.00", "10"),)))
    assert clerk.owes(account) == Decimal("-11.00")  # paid in full, so the credit note is credit on account
    with pytest.raises(InvalidInput, match="exceed"):
        clerk.run(ac.IssueCreditNote(number, "too much", (energy_line("60.00", "10"),)))
    invoice = clerk.services.app.repository.get(document_id(number))
    assert isinstance(invoice, Invoice) and invoice.credited == Decimal("55.00")


def test_full_credit_note_copies_the_invoice_lines(clerk: Clerk) -> None:
    account = clerk.customer()
    number = clerk.bill(account, "80.00", "20.00")["number"]
    note = clerk.run(ac.IssueCreditNote(number, "billed the wrong customer"))
    assert note["number"] == "CN-2026-000001" and note["gross"] == "122.00"
    assert clerk.owes(account) == 0
    revenue = sum(r[9] - r[10] for r in clerk.services.view.journal(0, 100) if r[8] == "revenue:energy")
    assert revenue == 0


def test_reversal_reopens_items_and_takes_back_unused_credit(clerk: Clerk) -> None:
    account = clerk.customer()
    number = clerk.bill(account, "100.00", vat="0")["number"]
    payment = clerk.pay(account, "120.00")
    assert clerk.owes(account) == Decimal("-20.00")
    clerk.run(pmt.ReversePayment(account, payment["payment_id"], "recalled by the payer's bank"))
    assert clerk.open_amounts(account) == {number: Decimal("100.00")}
    assert clerk.owes(account) == Decimal("100.00")
    with pytest.raises(Conflict, match="already reversed"):
        clerk.run(pmt.ReversePayment(account, payment["payment_id"], "again"))


def test_reversal_after_the_credit_was_used_opens_a_reversal_item(clerk: Clerk) -> None:
    account = clerk.customer()
    clerk.bill(account, "100.00", vat="0")
    payment = clerk.pay(account, "150.00")  # 50 to credit
    clerk.bill(account, "30.00", vat="0")  # uses 30 of the credit
    clerk.run(pmt.ReversePayment(account, payment["payment_id"], "bounced"))
    # Customer owes the first bill again (100) and the 30 of credit that was spent on the second bill.
    assert clerk.owes(account) == Decimal("130.00")
    kinds = sorted(r[2] for r in clerk.services.view.open_items(str(account)))
    assert kinds == ["invoice", "reversal"]


def test_reset_clearing_keeps_the_money_as_credit(clerk: Clerk) -> None:
    account = clerk.customer()
    number = clerk.bill(account, "100.00", vat="0")["number"]
    payment = clerk.pay(account, "100.00", number)
    clerk.run(pmt.ResetClearing(account, payment["payment_id"], "paid for the neighbour's bill"))
    assert clerk.open_amounts(account) == {number: Decimal("100.00")}
    assert clerk.balance(account)[5] == 10000
    assert clerk.owes(account) == 0


def test_same_key_replays_the_result_and_writes_nothing(clerk: Clerk) -> None:
    account = clerk.customer()
    command = ac.IssueInvoice(account, (energy_line("10.00"),), clerk.clock.today)
    first = clerk.run(command, "invoice-once")
    before = events_in_store(clerk)
    again = clerk.run(command, "invoice-once")
    assert again == dict(first, replayed=True)
    assert events_in_store(clerk) == before
    with pytest.raises(Conflict, match="different IssueInvoice"):
        clerk.run(ac.IssueInvoice(account, (energy_line("11.00"),), clerk.clock.today), "invoice-once")


@pytest.mark.parametrize(
    ("command", "error", "field"),
    [
        (lambda a: pmt.RecordPayment(uuid4(), Decimal("1.00"), date(2026, 3, 1)), NotFound, "account_id"),
        (lambda a: pmt.RecordPayment(a, Decimal("-5.00"), date(2026, 3, 1)), InvalidInput, "amount"),
        (lambda a: pmt.RecordPayment(a, Decimal("5.001"), date(2026, 3, 1)), InvalidInput, "amount"),
        (
            lambda a: pmt.RecordPayment(a, Decimal("5.00"), date(2026, 3, 1), currency="CHF"),
            InvalidInput,
            "currency",
        ),
        (
            lambda a: pmt.RecordPayment(a, Decimal("5.00"), date(2026, 3, 1), invoice_numbers=("NOPE",)),
            InvalidInput,
            "invoice_numbers",
        ),
        (lambda a: ac.IssueInvoice(a, ()), InvalidInput, "lines"),
        (lambda a: ac.IssueInvoice(a, (energy_line("10.00", vat="99"),)), InvalidInput, "lines[0].vat_rate"),
        (lambda a: ac.IssueInvoice(a, (energy_line("-10.00"),)), InvalidInput, "lines"),
        (
            lambda a: pc.RegisterPartner("X", PartnerKind.PERSON,
                                         (("it.codicefiscale", "RSSMRA85T10A562X"),)),
            InvalidInput,
            "tax_ids[0].value",
        ),
        (
            lambda a: ac.SignContract(
                a,
                "cups",
                "ES0031406398453003XX",
                Commodity.WATER,
                "T",
                BillingFrequency.MONTHLY,
                date(2026, 1, 1),
            ),
            InvalidInput,
            "supply_point_id",
        ),
        (lambda a: pmt.ReversePayment(a, "unknown", "why"), InvalidInput, "payment_id"),
    ],
)
def test_bad_commands_are_refused_and_write_nothing(clerk: Clerk, command, error, field) -> None:  # type: ignore[no-untyped-def]
    account = clerk.customer()
    before = events_in_store(clerk)
    with pytest.raises(error) as info:
        clerk.run(command(account))
    assert info.value.field == field
    assert events_in_store(clerk) == before


def test_partner_with_valid_tax_ids_is_normalised(clerk: Clerk) -> None:
    result = clerk.run(
        pc.RegisterPartner(
            "Aigües Demo SL",
            PartnerKind.ORGANISATION,
            (("es.nif", "b-58378431"), ("it.iva", "IT 00743110157")),
        )
    )
    from ledger.parties.partner import BusinessPartner

    partner = clerk.services.app.repository.get(UUID(result["partner_id"]))
    assert isinstance(partner, BusinessPartner)
    assert [t.value for t in partner.tax_ids] == ["B58378431", "00743110157"]


def test_overdue_and_next_due_follow_the_clock(clerk: Clerk) -> None:
    account = clerk.customer(terms_days=10)
    clerk.bill(account, "10.00", vat="0")  # due 11 March
    clerk.clock.advance(5)
    clerk.bill(account, "20.00", vat="0")  # due 16 March
    view = clerk.services.view
    assert view.due_summary(str(account), "2026-03-12") == (1000, "2026-03-16")
    assert view.due_summary(str(account), (date(2026, 3, 1) + timedelta(days=30)).isoformat()) == (3000, None)
    # The balance route reads the account's row and both figures in one statement: the same values.
    for day in ("2026-03-01", "2026-03-12", "2026-03-31"):
        row, due = view.account(str(account)), view.due_summary(str(account), day)
        assert row is not None and view.balance_row(str(account), day) == (*row, *due)
    assert view.balance_row(str(uuid4()), "2026-03-12") is None


def test_account_aggregate_and_view_agree(clerk: Clerk) -> None:
    account_id = clerk.customer()
    clerk.bill(account_id, "10.00", "5.55")
    clerk.pay(account_id, "7.77")
    account = clerk.services.app.repository.get(account_id)
    assert isinstance(account, ContractAccount)
    assert clerk.owes(account_id) == account.balance


def test_a_batch_saves_good_commands_together_and_reports_refusals_as_data(clerk: Clerk) -> None:
    account = clerk.customer()
    app = clerk.services.app
    batch = [
        (ac.IssueInvoice(account, (energy_line("10.00", "0"),), clerk.clock.today), "b-1"),
        (ac.IssueInvoice(account, (energy_line("10.00", "99"),), clerk.clock.today), "b-2"),  # bad VAT
        (ac.IssueInvoice(account, (energy_line("20.00", "0"),), clerk.clock.today), "b-3"),
        (pmt.RecordPayment(account, Decimal("25.00"), clerk.clock.today), "b-4"),
        (pmt.RecordPayment(uuid4(), Decimal("1.00"), clerk.clock.today), "b-5"),  # unknown account
    ]
    items = app.execute_many(batch)
    assert [i.error is None for i in items] == [True, False, True, True, False]
    assert isinstance(items[1].error, InvalidInput) and isinstance(items[4].error, NotFound)
    # The refused invoice drew no number: numbering stays gapless.
    assert [items[0].result["number"], items[2].result["number"]] == ["INV-2026-000001", "INV-2026-000002"]
    clerk.services.projections.catch_up()
    assert clerk.owes(account) == Decimal("5.00")
    position = app.recorder.max_notification_id()
    again = app.execute_many(batch)
    assert [i.result["replayed"] for i in again if i.result] == [True, True, True]
    assert app.recorder.max_notification_id() == position


def test_number_range_snapshots_keep_numbering_gapless(clerk: Clerk) -> None:
    from ledger.accounts.invoice import NumberRange

    account = clerk.customer()
    batch = [
        (ac.IssueInvoice(account, (energy_line("1.00", "0"),), clerk.clock.today), f"n-{i}")
        for i in range(210)
    ]
    numbers = [item.result["number"] for item in clerk.services.app.execute_many(batch) if item.result]
    assert numbers == [f"INV-2026-{n:06d}" for n in range(1, 211)]
    snapshots = clerk.services.app.snapshots
    assert snapshots is not None
    assert list(snapshots.get(NumberRange.id_for("INV", 2026)))  # taken at version 200
    assert clerk.bill(account, "1.00", vat="0")["number"] == "INV-2026-000211"
