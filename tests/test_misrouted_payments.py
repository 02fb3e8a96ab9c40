"""Money lands on the account and the item it was meant for: the matching cascade and the clerk's paths.

Each test is a way a payment was misrouted (issue 9): a word glued to a reference, payer IBANs stored as
typed, an IBAN match naming a reversal item, a clerk's allocation that ignored the tolerance, and an
invoice named twice.
"""

from __future__ import annotations

import itertools
import string
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from api.bootstrap import Services
from importers.bank import service
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts.account import ContractAccount
from ledger.accounts.references import rf
from ledger.core.errors import InvalidInput
from ledger.payments import commands as pmt
from tests.auth import api_client
from tests.clerk import Clerk

OUR_IBAN = "IT60X0542811101000000123456"
PAYER = "DE89370400440532013000"
_files = itertools.count(1)


def receive(clerk: Clerk, tmp_path: Path, *entries: SynthEntry) -> service.ImportReport:
    """Import a statement with these entries (each file new)."""
    path = tmp_path / f"s{next(_files)}.xml"
    write_camt053(path, entries, account_iban=OUR_IBAN, booking_date=date(2026, 3, 20),
                  statement_id=path.stem)
    return service.import_statement(clerk.services, path.read_bytes(), path.name)


def known_payer(clerk: Clerk, account: UUID, iban: str = PAYER) -> dict[str, Any]:
    """A counter payment of 0.01 that makes ``iban`` known on ``account`` (it pays 0.01 of what is open)."""
    return clerk.run(pmt.RecordPayment(account, Decimal("0.01"), clerk.clock.today, payer_iban=iban,
                                       note="card check"))


def parked(clerk: Clerk, cents: int) -> UUID:
    (row,) = [r for r in clerk.services.view.suspense() if r[1] == cents]
    return UUID(row[0])


# -- a reference read from free text is a whole token --------------------------------------------------


def test_a_short_word_after_the_reference_does_not_send_the_money_elsewhere(
    clerk: Clerk, tmp_path: Path
) -> None:
    account = clerk.customer("Anna")
    bill = clerk.bill(account, "42.00", vat="0")
    reference = bill["payment_reference"]
    word = next(a + b for a, b in itertools.product(string.ascii_lowercase, repeat=2)
                if rf.is_valid(reference + (a + b).upper()))  # a word that would also be valid, glued on
    text = f"pagato {reference} {word} x"
    report = receive(clerk, tmp_path, SynthEntry(Decimal("42.00"), unstructured=(text,)))
    assert report.by_rule == {"reference-in-text": 1}, report.as_dict()
    assert clerk.owes(account) == 0


# -- payer IBANs: normalised, and only valid ones are known --------------------------------------------


def test_a_payer_iban_typed_with_spaces_is_known_compact_and_matches(clerk: Clerk, tmp_path: Path) -> None:
    account = clerk.customer("Bruno")
    bill = clerk.bill(account, "55.00", vat="0")
    known_payer(clerk, account, "de89 3704 0044 0532 0130 00")
    assert [r[1] for r in clerk.services.view.accounts_by_iban([PAYER])] == [str(account)]
    report = receive(clerk, tmp_path, SynthEntry(Decimal("54.99"), debtor_iban=PAYER))  # 55.00 less the 0.01
    assert report.by_rule == {"payer-iban": 1}, report.as_dict()
    assert bill["number"] not in clerk.open_amounts(account) and clerk.owes(account) == 0


def test_an_invalid_payer_iban_is_refused_naming_the_field(clerk: Clerk) -> None:
    account = clerk.customer("Carla")
    with pytest.raises(InvalidInput) as info:
        known_payer(clerk, account, "not-an-iban")
    assert info.value.field == "payer_iban"
    with pytest.raises(InvalidInput) as info:
        known_payer(clerk, account, "DE89370400440532013001")  # a check digit off
    assert info.value.field == "payer_iban"
    assert clerk.services.view.ibans_of([str(account)]) == []


def test_a_placeholder_iban_from_a_bank_file_never_becomes_known(clerk: Clerk, tmp_path: Path) -> None:
    """A clerk places a receipt whose file said NOTPROVIDED; the next such receipt must not follow it."""
    owner, other = clerk.customer("Dario"), clerk.customer("Elena")
    clerk.bill(owner, "30.00", vat="0")
    clerk.bill(owner, "30.00", vat="0")
    clerk.bill(other, "30.00", vat="0")
    receive(clerk, tmp_path, SynthEntry(Decimal("30.00"), debtor_iban="NOTPROVIDED", debtor_name="Dario"))
    clerk.run(pmt.AllocateSuspense(parked(clerk, 3000), owner, note="phoned"))
    assert clerk.services.view.ibans_of([str(owner)]) == []
    report = receive(clerk, tmp_path, SynthEntry(Decimal("30.00"), debtor_iban="NOTPROVIDED"))
    assert report.to_suspense == 1 and report.by_rule == {}
    assert clerk.owes(owner) == Decimal("30.00")


def test_an_iban_stored_with_spaces_by_older_code_is_known_compact(clerk: Clerk) -> None:
    """The view normalises what older events recorded as typed (the handler now stores it compact)."""
    account = clerk.customer("Fabio")
    aggregate = clerk.services.app.repository.get(account)
    assert isinstance(aggregate, ContractAccount)
    aggregate.receive_payment("old-payment", Decimal("1.00"), "EUR", clerk.clock.today, f"bank:{OUR_IBAN}",
                              payer_iban="de89 3704 0044 0532 0130 00")
    clerk.services.app.save(aggregate)
    clerk.services.projections.catch_up()
    assert clerk.services.view.accounts_by_iban([PAYER]) == [(PAYER, str(account))]


# -- which account and which item an IBAN match pays ---------------------------------------------------


def test_a_payer_iban_known_on_two_accounts_goes_to_suspense_with_the_reason(
    clerk: Clerk, tmp_path: Path
) -> None:
    first, second = clerk.customer("Giulia"), clerk.customer("Giulio")
    clerk.bill(first, "20.01", vat="0")
    clerk.bill(second, "80.00", vat="0")
    known_payer(clerk, first)
    known_payer(clerk, second)
    report = receive(clerk, tmp_path, SynthEntry(Decimal("20.00"), debtor_iban=PAYER))
    assert report.to_suspense == 1 and report.by_rule == {}
    (row,) = clerk.services.view.suspense()
    assert "payer IBAN known on 2 accounts" in row[8]
    assert clerk.owes(first) == Decimal("20.00") and clerk.owes(second) == Decimal("79.99")


def test_of_two_equal_open_items_an_iban_match_pays_the_one_due_first(clerk: Clerk, tmp_path: Path) -> None:
    account = clerk.customer("Hanna")
    known_payer(clerk, account)  # 0.01 of credit, used up by the next invoice
    clerk.bill(account, "0.01", vat="0")
    later = clerk.bill(account, "40.00", vat="0", due=date(2026, 4, 30))["number"]  # issued first
    sooner = clerk.bill(account, "40.00", vat="0", due=date(2026, 4, 15))["number"]
    report = receive(clerk, tmp_path, SynthEntry(Decimal("40.00"), debtor_iban=PAYER))
    assert report.by_rule == {"payer-iban": 1}, report.as_dict()
    assert clerk.open_amounts(account) == {later: Decimal("40.00")}
    assert sooner not in clerk.open_amounts(account)


def test_an_iban_match_on_a_reversal_item_clears_that_item(clerk: Clerk, tmp_path: Path) -> None:
    account = clerk.customer("Ilaria")
    invoice = clerk.bill(account, "50.00", vat="0", due=date(2026, 3, 10))["number"]
    paid = clerk.run(pmt.RecordPayment(account, Decimal("80.00"), clerk.clock.today, payer_iban=PAYER))
    clerk.bill(account, "30.00", vat="0", due=date(2026, 3, 25))  # settled at once from the 30.00 credit
    clerk.clock.advance(30)  # the reversal's shortfall item is due on 31 March, after the invoice
    clerk.run(pmt.ReversePayment(account, paid["payment_id"], "recalled by the payer's bank"))
    open_now = clerk.open_amounts(account)
    (shortfall,) = [n for n in open_now if n.startswith("REV-")]
    assert open_now == {invoice: Decimal("50.00"), shortfall: Decimal("30.00")}
    report = receive(clerk, tmp_path, SynthEntry(Decimal("30.00"), debtor_iban=PAYER))
    assert report.by_rule == {"payer-iban": 1}, report.as_dict()
    assert clerk.open_amounts(account) == {invoice: Decimal("50.00")}


# -- the small-difference tolerance, on every path -----------------------------------------------------


BOUNDARY = [("99.50", None), ("99.49", "0.51")]  # the default tolerance is 0.50


@pytest.mark.parametrize(("paid", "left"), BOUNDARY)
def test_the_tolerance_boundary_on_a_recorded_payment(clerk: Clerk, paid: str, left: str | None) -> None:
    """``rest <= tolerance``: exactly at the boundary the rest is written off, one cent over it stays open."""
    account = clerk.customer("Luca")
    number = clerk.bill(account, "100.00", vat="0")["number"]
    clerk.pay(account, paid, number)
    assert clerk.open_amounts(account) == ({} if left is None else {number: Decimal(left)})


@pytest.mark.parametrize("named", [True, False])
@pytest.mark.parametrize(("paid", "left"), BOUNDARY)
def test_a_clerks_allocation_from_suspense_applies_the_tolerance(
    clerk: Clerk, tmp_path: Path, paid: str, left: str | None, named: bool
) -> None:
    account = clerk.customer("Marta")
    number = clerk.bill(account, "100.00", vat="0")["number"]
    receive(clerk, tmp_path, SynthEntry(Decimal(paid), unstructured=("luce",)))
    names = (number,) if named else ()
    clerk.run(pmt.AllocateSuspense(parked(clerk, int(Decimal(paid) * 100)), account, names, note="phoned"))
    assert clerk.open_amounts(account) == ({} if left is None else {number: Decimal(left)})


# -- an invoice named twice counts once ----------------------------------------------------------------


def test_a_payment_naming_the_same_invoice_twice_pays_it_once(clerk: Clerk) -> None:
    account = clerk.customer("Nora")
    number = clerk.bill(account, "50.00", vat="0")["number"]
    result = clerk.run(pmt.RecordPayment(account, Decimal("80.00"), clerk.clock.today,
                                         invoice_numbers=(number, f" {number} ")))
    assert result["allocations"] == [{"invoice": number, "amount": "50.00"}]
    assert result["to_credit"] == "30.00"
    assert clerk.owes(account) == Decimal("-30.00")


def test_a_clerk_naming_an_invoice_twice_pays_it_once(clerk: Clerk, tmp_path: Path) -> None:
    account = clerk.customer("Olga")
    first = clerk.bill(account, "50.00", vat="0")["number"]
    second = clerk.bill(account, "20.00", vat="0")["number"]
    receive(clerk, tmp_path, SynthEntry(Decimal("80.00"), unstructured=("?",)))
    result = clerk.run(pmt.AllocateSuspense(parked(clerk, 8000), account, (first, second, first)))
    assert result["allocations"] == [{"invoice": first, "amount": "50.00"},
                                     {"invoice": second, "amount": "20.00"}]
    assert result["to_credit"] == "10.00"
    assert clerk.owes(account) == Decimal("-10.00")


def test_over_http_an_invalid_payer_iban_is_a_problem_naming_it(services: Services, clerk: Clerk) -> None:
    account = clerk.customer("Paola")
    body = {"amount": "10.00", "received_on": "2026-03-01", "payer_iban": "not-an-iban"}
    with api_client(services) as http:
        response = http.post(f"/accounts/{account}/payments", json=body, headers={"Idempotency-Key": "i1"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["payer_iban"]
