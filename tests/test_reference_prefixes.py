"""Issue 11: each company puts its reference prefix in front of the number before the check digit, so two
companies never issue the same reference, and a payment quoting one company's reference that lands on the
other company's IBAN goes to clarification saying whose invoice it is, never to the other's customer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from stdnum import iso11649

from api.bootstrap import build
from api.company_file import check_file
from importers.bank.service import import_file
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts import commands as ac
from ledger.accounts.payment_references import ReferenceScheme, derived_reference
from ledger.accounts.references import fi
from ledger.core.errors import InvalidInput
from ledger.dunning import commands as dc
from ledger.parties import commands as pc
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from tests.clerk import Clerk, Clock, energy_line

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
NETWORK_IBAN = "FI2112345600000785"


@pytest.fixture
def demo_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def _customer(clerk: Clerk, company: str, name: str) -> UUID:
    registered = clerk.run(pc.RegisterPartner(name, PartnerKind.PERSON), f"p:{company}:{name}")
    partner = UUID(registered["partner_id"])
    return UUID(clerk.run(ac.OpenContractAccount(partner, "home", company=company),
                          f"a:{company}:{name}")["account_id"])


def _viite_check(base: str) -> str:
    """The viitenumero check digit by the bank's rule, written again here (python-stdnum has no module for
    it): weights 7, 3, 1 from the right, (10 - sum mod 10) mod 10."""
    weights = (7, 3, 1)
    return str(-sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(base))) % 10)


def test_the_two_finnish_companies_first_invoices_carry_different_valid_references(demo_clerk: Clerk) -> None:
    clerk = demo_clerk
    line = energy_line("80.65", "24")
    network = clerk.run(ac.IssueInvoice(_customer(clerk, "fi-network", "Maija"), (line,)), "i:n")
    heat = clerk.run(ac.IssueInvoice(_customer(clerk, "fi-heat", "Maija"), (line,)), "i:h")
    assert network["number"].endswith("-000001") and heat["number"].endswith("-000001")
    assert network["payment_reference"] != heat["payment_reference"]
    assert network["payment_reference"].startswith("1") and heat["payment_reference"].startswith("2")
    for bill in (network, heat):
        assert fi.is_valid(bill["payment_reference"])
        assert _viite_check(bill["payment_reference"][:-1]) == bill["payment_reference"][-1]
        assert iso11649.is_valid(fi.to_rf(bill["payment_reference"]))  # the RF form carries the prefix too
        assert fi.to_rf(bill["payment_reference"])[4:] == bill["payment_reference"]


def test_a_payment_quoting_the_heat_companys_reference_on_the_network_iban_waits_for_a_clerk(
        demo_clerk: Clerk, tmp_path: Path) -> None:
    clerk = demo_clerk
    heat_customer = _customer(clerk, "fi-heat", "Maija")
    network_customer = _customer(clerk, "fi-network", "Matti")
    heat_bill = clerk.run(ac.IssueInvoice(heat_customer, (energy_line("40.32", "24"),)), "i:h")
    # The network company's customer owes exactly the same amount, and the payer's IBAN is known there:
    # without the reference rule the IBAN-and-amount rule would give him Maija's money.
    network_bill = clerk.run(ac.IssueInvoice(network_customer, (energy_line("40.32", "24"),)), "i:n")
    payer = "DE89370400440532013000"
    clerk.run(pmt.RecordPayment(network_customer, Decimal("0.01"), clerk.clock.today, payer_iban=payer,
                                note="card check", bank_account=NETWORK_IBAN), "known")
    rest = Decimal(network_bill["gross"]) - Decimal("0.01")
    entry = SynthEntry(rest, reference=heat_bill["payment_reference"], debtor_name="Maija Meikäläinen",
                       debtor_iban=payer)
    write_camt053(tmp_path / "wrong.xml", [entry], account_iban=NETWORK_IBAN, statement_id="ST-WRONG",
                  booking_date=date(2026, 3, 1))
    report = import_file(clerk.services, tmp_path / "wrong.xml")
    assert (report.booked, report.to_suspense) == (0, 1), report.as_dict()
    app = clerk.services.app
    assert app.repository.get(network_customer).balance == rest  # nothing of Maija's money landed here
    assert app.repository.get(heat_customer).balance == Decimal(heat_bill["gross"])
    (row,) = clerk.services.view.suspense()
    reason = row[8]
    assert heat_bill["payment_reference"] in reason and "fi-heat" in reason, reason


def test_the_same_reference_in_the_text_only_is_parked_too(demo_clerk: Clerk, tmp_path: Path) -> None:
    clerk = demo_clerk
    line = energy_line("40.32", "24")
    heat_bill = clerk.run(ac.IssueInvoice(_customer(clerk, "fi-heat", "Maija"), (line,)), "i:h")
    entry = SynthEntry(Decimal(heat_bill["gross"]), unstructured=(f"viite {heat_bill['payment_reference']}",))
    write_camt053(tmp_path / "text.xml", [entry], account_iban=NETWORK_IBAN, statement_id="ST-TEXT",
                  booking_date=date(2026, 3, 1))
    report = import_file(clerk.services, tmp_path / "text.xml")
    assert report.to_suspense == 1, report.as_dict()
    (row,) = clerk.services.view.suspense()
    assert "fi-heat" in row[8]


def test_without_a_prefix_references_are_as_before() -> None:
    assert derived_reference(ReferenceScheme.FI, "INV-2026-000001") == "20260000011"  # 7+42+6+14 = 69
    assert CompanyConfig().reference_prefix is None


@pytest.mark.parametrize(("scheme", "prefix", "series"), [
    (ReferenceScheme.FI, "1234567890", "INV"),  # ten digits: more than a prefix may have
    (ReferenceScheme.BE_OGM, "1", "INV"),  # OGM takes ten digits, all the number's
    (ReferenceScheme.IT_PAGOPA, "1234", "INV"),  # 13 digits: 3 left for a prefix
    (ReferenceScheme.RF, "12345678", "ABCDEFGH"),  # 21 letters and digits: 8 + 10 + 8 is too long
    (ReferenceScheme.FI, "2a", "INV"),
    (ReferenceScheme.FI, "07", "INV"),  # a leading zero vanishes from a viitenumero
])
def test_a_prefix_that_does_not_fit_is_refused_naming_the_field(scheme: ReferenceScheme, prefix: str,
                                                                 series: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CompanyConfig(reference_scheme=scheme, reference_prefix=prefix, invoice_series=series)
    assert caught.value.field == "reference_prefix"
    assert "reference_prefix" in str(caught.value)


@pytest.mark.parametrize(("scheme", "prefix"), [
    (ReferenceScheme.FI, "123456789"), (ReferenceScheme.IT_PAGOPA, "123"), (ReferenceScheme.CH_QRR, "7"),
    (ReferenceScheme.NO_KID, "42"), (ReferenceScheme.RF, "5"),
])
def test_the_longest_number_fits_with_the_longest_allowed_prefix(scheme: ReferenceScheme,
                                                                 prefix: str) -> None:
    company = CompanyConfig(reference_scheme=scheme, reference_prefix=prefix)
    reference = derived_reference(scheme, f"{company.invoice_series}-2026-999999", prefix)
    assert reference is not None


def _config(tmp_path: Path, prefixes: tuple[str, str]) -> Path:
    text = DEMO.read_text(encoding="utf-8")
    text = text.replace('reference_prefix = "1"', f'reference_prefix = {prefixes[0]}')
    text = text.replace('reference_prefix = "2"', f'reference_prefix = {prefixes[1]}')
    path = tmp_path / "companies.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_company_file_names_a_prefix_that_is_not_a_string_or_clashes(tmp_path: Path) -> None:
    assert check_file(DEMO) == []
    (problem,) = check_file(_config(tmp_path, ('"1"', '"12"')))
    assert problem.startswith("companies[2].reference_prefix:") and "companies[1]" in problem, problem
    (problem,) = check_file(_config(tmp_path, ("1", '"2"')))  # a TOML number, not a string of digits
    assert problem.startswith("companies[1].reference_prefix:"), problem
    (problem,) = check_file(_config(tmp_path, ('"1234567890"', '"2"')))
    assert problem.startswith("companies[1].reference_prefix:"), problem


def test_an_instalment_plan_of_a_heat_customer_carries_the_heat_companys_references(
        demo_clerk: Clerk) -> None:
    """A plan's instalments draw from the references' sequence: with the account's company's scheme and
    prefix (before issue 11's prefixes they took the default company's scheme, RF here)."""
    clerk = demo_clerk
    account = _customer(clerk, "fi-heat", "Maija")
    bill = clerk.run(ac.IssueInvoice(account, (energy_line("120.00", "24"),)), "i:h")
    first_due = clerk.clock.today + timedelta(days=30)
    plan = clerk.run(dc.CreateInstalmentPlan(account, (bill["number"],), 3, first_due), "plan")
    references = [i["payment_reference"] for i in plan["instalments"]]
    assert len(set(references)) == 3
    assert all(fi.is_valid(r) and r.startswith("29") for r in references), references  # prefix, then 9...
