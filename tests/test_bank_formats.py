"""MT940 and Finnish reference-payment files through the statement import, HTTP and the command line.

The import tells the format by the content (``importers.bank.service.read_entries``): the same matching
cascade, idempotency and reporting as camt. The fixtures are those of ``tests/fixtures/bank/``; where a
test needs a receipt to pay one of its invoices, the fixture's reference is replaced by the invoice's.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import build
from api.cli import main
from importers.bank import service
from ledger.accounts.invoice import ReferenceScheme
from ledger.parties.company import CompanyConfig
from tests.auth import api_client, new_key
from tests.clerk import Clerk, Clock

BANK = Path(__file__).parent / "fixtures" / "bank"
FINNISH_ACCOUNT = "FI2112345600000785"


def fixture(*parts: str) -> str:
    return BANK.joinpath(*parts).read_bytes().decode("latin-1")


def bank_cents(clerk: Clerk, account: str) -> int:
    journal = clerk.services.view.journal(0, 1_000_000)
    return sum(r[9] - r[10] for r in journal if r[8] == f"bank:{account}")


def test_an_ing_mt940_pays_an_invoice_by_its_structured_reference(clerk: Clerk) -> None:
    account = clerk.customer("Jan Jansen")
    bill = clerk.bill(account, "150.00", vat="0")
    data = fixture("mt940", "nl_ing.sta").replace("RF18539007547034", bill["payment_reference"]).encode()
    with api_client(clerk.services) as http:
        upload = http.post("/bank/statements", files={"file": ("ing.sta", data, "application/octet-stream")},
                           headers=new_key())
        assert upload.status_code == 201, upload.text
        report = upload.json()
        again = http.post("/bank/statements", files={"file": ("ing-again.sta", data, "text/plain")},
                          headers=new_key())
    assert report["matched_by_rule"] == {"structured-reference": 1}
    assert (report["to_suspense"], report["imported_in_full"]) == (1, True)
    assert [r["reason"] for r in report["not_allocated"]] == ["outgoing payment (DBIT): not a receipt"]
    assert clerk.owes(account) == 0
    assert (again.status_code, again.json()["file_already_imported"]) == (200, True)
    assert bank_cents(clerk, "NL69INGB0123456789") == 15000 + 4250


def test_a_german_mt940_without_iban_books_to_the_company_account(clerk: Clerk) -> None:
    report = service.import_statement(clerk.services, fixture("mt940", "de_sepa.sta").encode("latin-1"),
                                      "umsaetze.sta")
    assert (report.entries, report.to_suspense, report.refused) == (6, 4, [])
    reasons = sorted(r["reason"].split(":")[0] for r in report.not_allocated)
    assert reasons == ["a credit marked as a reversal or unpaid direct debit", "outgoing payment (DBIT)"]
    company = clerk.services.app.config.bank_account
    assert bank_cents(clerk, company) == 25000 + 8990
    assert bank_cents(clerk, "DE02120300000000202051") == 6000  # the two identical 30.00 credits


def test_an_italian_mt940_holds_the_storno_and_pays_by_the_reference_in_the_text(clerk: Clerk) -> None:
    account = clerk.customer("Mario Rossi")
    bill = clerk.bill(account, "120.50", vat="0")
    data = fixture("mt940", "it_banca.sta").replace("RF18539007547034", bill["payment_reference"])
    report = service.import_statement(clerk.services, data.encode("latin-1"), "estratto.sta")
    assert report.by_rule["reference-in-text"] == 1 and clerk.owes(account) == 0
    assert report.returns is not None  # the storno (RC) goes to the returns handling, held for a person
    assert [r["where"] for r in report.returns.reviews] == ["line 20, statement[2]/:61:[1]"]
    assert report.to_suspense == 1  # the 230.00 naming an invoice number Saldo never issued


@pytest.fixture
def finnish(store_url: str, clock: Clock) -> Iterator[Clerk]:
    """A Finnish utility: invoices carry a viitenumero, receipts arrive on its Finnish account."""
    config = CompanyConfig(reference_scheme=ReferenceScheme.FI, bank_account=FINNISH_ACCOUNT)
    services = build(store_url, config=config, clock=clock)
    yield Clerk(services, clock)
    services.close()


def ktl_paying(reference: str) -> bytes:
    """The fixture whose first payment (125.00, line 2) quotes ``reference``."""
    lines = fixture("ktl", "viitesiirto.ktl").split("\r\n")
    lines[1] = lines[1][:43] + reference.rjust(20, "0") + lines[1][63:]
    return "\r\n".join(lines).encode("latin-1")


def test_a_reference_payment_file_pays_by_viitenumero_and_holds_the_correction(
    finnish: Clerk, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account = finnish.customer("Matti Virtanen")
    bill = finnish.bill(account, "125.00", vat="0")
    assert bill["payment_reference"].isdigit()  # a Finnish reference, check digit last
    path = tmp_path / "VIITE.TXT"
    path.write_bytes(ktl_paying(bill["payment_reference"]))
    finnish.services.close()  # the command line opens the store itself
    assert main(["--database-url", store_url, "bank", "import", str(path)]) == 0
    printed = capsys.readouterr().out
    assert "VIITE.TXT: 7 entries, 1 booked {'structured-reference': 1}, 5 to the worklist" in printed
    assert "1 held for a person" in printed  # the correction: a reversal, for the returns handling
    assert "line 5, batch[1]/record[4]" in printed
    services = build(store_url, config=finnish.services.app.config, clock=finnish.clock)
    try:
        again = service.import_statement(services, path.read_bytes(), "VIITE-copy.TXT")
        assert again.file_already_imported
        services.projections.catch_up()
        assert Clerk(services, finnish.clock).owes(UUID(str(account))) == Decimal("0")
    finally:
        services.close()
