"""Direct-debit returns in camt.053/054 (issue 9, finding 5): routed to the returns handling, whichever
import they arrive through, matched by end-to-end id, then mandate + amount + date, never by name.

Fixtures: tests/fixtures/sepa/ (see its README.md); the OCA files are copies of published test files.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from importers.bank.service import import_statement
from importers.sepa import service as dd
from ledger.accounts.account import ContractAccount
from ledger.accounts.terms import PaymentMethod
from ledger.collections import DEFAULT_POLICY
from tests.auth import api_client, new_key
from tests.clerk import Clerk
from tests.dd_scenario import dd_customer, run_today

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sepa"
BANK = "bank:IT60X0542811101000000123456"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def status_of(clerk: Clerk, e2e: str) -> tuple[str, str | None]:
    row = clerk.services.view.collections_by_e2e([e2e])[e2e]
    return row[2], row[8]


def camt_run(clerk: Clerk) -> dict[str, UUID]:
    """Three customers collected on 11 March and settled; the bank files are of 13 March."""
    accounts = {
        "c1": dd_customer(clerk, "c1", "Pekka Nieminen", "UMR-C-0001", "IT07U0306909606000000000011"),
        "c2": dd_customer(clerk, "c2", "Aino Virtanen", "UMR-C-0002", "IT81V0306909606000000000012"),
        "c3": dd_customer(clerk, "c3", "Jordi Puig", "UMR-C-0003", "IT58W0306909606000000000013"),
    }
    for tag, amount in (("c1", "65.40"), ("c2", "45.00"), ("c3", "12.00")):
        clerk.bill(accounts[tag], amount, vat="0")
    clerk.clock.advance(10)
    run = run_today(clerk, "camt-run")
    assert run.collections == {"DD2B5AD9BB1D0000001": (accounts["c2"], "45.00"),
                               "DD2B5AD9BB1D0000002": (accounts["c3"], "12.00"),
                               "DD2B5AD9BB1D0000003": (accounts["c1"], "65.40")}
    assert dd.settle_due(clerk.services, clerk.clock.today) == 3
    clerk.clock.advance(2)
    return accounts


def bank_movement(clerk: Clerk, day: str) -> int:
    return sum(r[9] - r[10] for r in clerk.services.view.journal(0, 100_000) if r[8] == BANK and r[3] == day)


def test_returns_in_a_statement_are_handled_as_returns_not_as_outgoing_payments(clerk: Clerk) -> None:
    accounts = camt_run(clerk)
    report = import_statement(clerk.services, fixture("camt053_with_returns.xml"), "stmt.xml")
    assert (report.entries, report.to_suspense, report.booked) == (5, 1, 0)  # the customer's transfer
    assert [n["where"].rsplit(", ", 1)[1] for n in report.not_allocated] == ["Stmt[1]/Ntry[5]"]
    assert report.not_allocated[0]["reason"] == "outgoing payment (DBIT): not a receipt"
    returns = report.returns
    assert returns is not None
    assert (returns.returned, returns.by_action) == (2, {"retry": 1, "stop-dd-switch-to-transfer": 1})
    assert returns.matched_by == {"end-to-end-id": 1, "mandate-amount-date": 1}
    assert status_of(clerk, "DD2B5AD9BB1D0000003") == ("returned", "AM04")  # by end-to-end id
    assert status_of(clerk, "DD2B5AD9BB1D0000001") == ("returned", "AC04")  # by mandate, amount, date
    (held,) = returns.reviews
    assert (held["problem"], held["end_to_end_id"], held["where"]) == (
        "amount-differs", "DD2B5AD9BB1D0000002", "line 208, Stmt[1]/Ntry[4]")
    assert status_of(clerk, "DD2B5AD9BB1D0000002") == ("settled", None)
    am04, ac04 = DEFAULT_POLICY.rule_for("AM04"), DEFAULT_POLICY.rule_for("AC04")
    assert clerk.owes(accounts["c1"]) == Decimal("65.40") + am04.bank_charge + am04.return_fee
    assert clerk.owes(accounts["c2"]) == Decimal("45.00") + ac04.bank_charge + ac04.return_fee
    assert clerk.owes(accounts["c3"]) == 0
    account = clerk.services.app.repository.get(accounts["c2"])
    assert isinstance(account, ContractAccount) and account.payment_method is PaymentMethod.BANK_TRANSFER
    # the bank: +100.00 received, -65.40 and -45.00 returned; the held 12.50 waits for the clerk
    assert bank_movement(clerk, "2026-03-13") == 10000 - 6540 - 4500
    assert report.imported_in_full and report.as_dict()["direct_debit_returns"]["returned"] == 2
    again = import_statement(clerk.services, fixture("camt053_with_returns.xml"), "stmt.xml")
    assert again.file_already_imported and bank_movement(clerk, "2026-03-13") == 10000 - 6540 - 4500


def test_a_camt054_then_the_camt053_of_the_same_day_return_each_collection_once(clerk: Clerk) -> None:
    accounts = camt_run(clerk)
    early = dd.import_returns(clerk.services, fixture("camt054_returns.xml"), "ntfctn.xml")
    assert (early.returned, early.matched_by) == (1, {"end-to-end-id": 1})  # by its RtrInf alone
    assert [(r["problem"], r["end_to_end_id"]) for r in early.reviews] == [
        ("unknown-collection", "E2E-ALTRO-CREDITORE-0042")]
    assert [u["end_to_end_id"] for u in early.unknown] == ["E2E-ALTRO-CREDITORE-0042"]
    owed = clerk.owes(accounts["c1"])
    late = import_statement(clerk.services, fixture("camt053_with_returns.xml"), "stmt.xml")
    assert late.returns is not None
    assert (late.returns.returned, late.returns.duplicates) == (1, 1)  # c2 new, c1 came in the camt.054
    assert clerk.owes(accounts["c1"]) == owed
    assert bank_movement(clerk, "2026-03-13") == 10000 - 6540 - 4500
    assert len(clerk.services.view.return_reviews()) == 2  # the stranger's return, the 12.50


def test_published_unpaid_files_of_other_creditors_are_held_not_dropped(clerk: Clerk) -> None:
    """OCA's test files (a Bank of Ireland style pain.002 with four rejects, a camt.054 and camt.053
    with one unpaid direct debit) name collections we never sent: every one is held for a person."""
    camt_run(clerk)
    pain = dd.import_returns(clerk.services, fixture("oca/test-sepa-pain-unpaid.xml"), "oca-pain.xml")
    assert pain.returned == 0
    assert [(r["problem"], r["end_to_end_id"], r["reason"]) for r in pain.reviews] == [
        ("unknown-collection", "E2EID1", "AC01"), ("unknown-collection", "E2EID2", "MS02"),
        ("unknown-collection", "E2EID3", "MD06"), ("unknown-collection", "E2EID4", "AM04")]
    assert [s["status"] for s in pain.statuses] == ["RJCT"] * 4
    camt = dd.import_returns(clerk.services, fixture("oca/test-sepa-camt-054-unpaid.xml"), "oca-054.xml")
    assert [(r["problem"], r["end_to_end_id"], r["reason"]) for r in camt.reviews] == [
        ("unknown-collection", "E2EID1", "AC06")]
    again = dd.import_returns(clerk.services, fixture("oca/test-sepa-camt-054-unpaid.xml"), "copy.xml")
    assert [r["held_before"] for r in again.reviews] == ["yes"]  # the same return: held once
    assert len(clerk.services.view.return_reviews()) == 5
    # OCA's camt.053 has no balances, which the standard allows (issue 9, finding 4): it is imported and
    # said not reconcilable, and its return, the one the camt.054 reported, is the review already held
    statement = import_statement(clerk.services, fixture("oca/test-sepa-camt-053-unpaid.xml"), "oca-053.xml")
    assert [line["reason"] for line in statement.not_reconcilable] == [
        "not reconcilable: no booked opening (OPBD or PRCD) or closing (CLBD) balance (balances given: "
        "none), so nothing proves the entries complete"]
    assert statement.returns is not None and statement.returns.returned == 0
    assert [(r["problem"], r["end_to_end_id"], r["held_before"]) for r in statement.returns.reviews] == [
        ("unknown-collection", "E2EID1", "yes")]
    assert len(clerk.services.view.return_reviews()) == 5


def test_the_statement_report_shows_its_returns_over_http_and_on_the_command_line(
        clerk: Clerk, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli.output import print_import

    camt_run(clerk)
    with api_client(clerk.services) as http:
        body = fixture("camt053_with_returns.xml")
        answer = http.post("/bank/statements", files={"file": ("stmt.xml", body, "application/xml")},
                           headers=new_key())
    assert answer.status_code == 201, answer.text
    report = answer.json()
    returns = report["direct_debit_returns"]
    assert (returns["returned"], [r["problem"] for r in returns["reviews"]]) == (2, ["amount-differs"])
    assert [n["reason"] for n in report["not_allocated"]] == ["outgoing payment (DBIT): not a receipt"]
    print_import(report)
    printed = capsys.readouterr().out
    assert "direct-debit returns: 2 applied" in printed and "1 held for a person" in printed
    assert "return amount-differs: line 208, Stmt[1]/Ntry[4] — the bank returns 12.50" in printed
