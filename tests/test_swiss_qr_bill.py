"""Issue 13 item 1, Switzerland: the QR-bill on the invoice's last page, on both stores.

A customer of a Swiss company paid to its QR-IBAN gets a bill whose Swiss QR code — read off the
rasterised page by an independent decoder (zxing-cpp) — pays the invoice's gross in CHF to that QR-IBAN
with the invoice's QR reference (which validates, mod 10 recursive), names the company as creditor and the
customer as debtor; a company paid in EUR to an ordinary IBAN gets the same with an RF reference (SCOR).
The page prints the receipt and the payment part; the same events give the same bytes; a company file
pairing a QR-IBAN with another reference scheme is refused, naming the field.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import build
from api.company_file import check_file
from api.documents import service
from ledger.accounts import commands as ac
from ledger.accounts.invoice import Invoice, document_id
from ledger.accounts.references import ch_qrr, rf
from ledger.documents.swiss_qr_bill import is_qr_iban, parse
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk
from tests.documents_scenario import COMPANIES, codes_on, doc_clerk, lines, text_of

__all__ = ["doc_clerk"]

NAME, ADDRESS = "Pia-Maria Rutschmann-Schnyder", PostalAddress("Grosse Marktgasse 28", "9400", "Rorschach",
                                                                "CH")


def _swiss_invoice(clerk: Clerk, company: str, currency: str) -> Invoice:
    partner = UUID(clerk.run(pc.RegisterPartner(NAME, PartnerKind.PERSON, address=ADDRESS))["partner_id"])
    account = UUID(clerk.run(ac.OpenContractAccount(partner, f"{NAME} — Haus", currency=currency,
                                                    company=company))["account_id"])
    number = clerk.run(ac.IssueInvoice(account, lines("8.1"), clerk.clock.today))["number"]
    return clerk.services.app.get(Invoice, document_id(number), "invoice", "number")


@pytest.mark.parametrize(("company", "currency", "kind"), [("ch-water", "CHF", "QRR"),
                                                           ("ch-euro", "EUR", "SCOR")])
def test_the_scanned_swiss_qr_code_pays_the_invoice_to_the_company(doc_clerk: Clerk, company: str,
                                                                   currency: str, kind: str) -> None:
    invoice = _swiss_invoice(doc_clerk, company, currency)
    config = doc_clerk.services.app.companies.named(company)
    assert config is not None and invoice.payment_reference is not None
    pdf = service.render(doc_clerk.services.app, invoice.number).pdf
    (code,) = codes_on(pdf)
    assert code[0] == "QR Code"
    paid = parse(code[1])
    assert paid.iban == config.bank_account and is_qr_iban(paid.iban) is (kind == "QRR")
    assert (paid.amount, paid.currency) == (invoice.totals.gross, currency)
    assert (paid.reference_type, paid.reference) == (kind, invoice.payment_reference)
    assert ch_qrr.is_valid(paid.reference) if kind == "QRR" else rf.is_valid(paid.reference)
    address = config.address
    assert (paid.creditor.name, paid.creditor.street, paid.creditor.building_number, paid.creditor.postcode,
            paid.creditor.town, paid.creditor.country) == (config.legal_name, address.street_name,
                                                           address.building_number, address.postcode,
                                                           address.town, "CH")
    assert paid.debtor is not None
    assert (paid.debtor.name, paid.debtor.street, paid.debtor.postcode, paid.debtor.town) == (
        NAME, ADDRESS.street, ADDRESS.postcode, ADDRESS.town)
    assert paid.message == invoice.number
    text = text_of(pdf)
    for printed in ("Receipt", "Payment part", "Acceptance point", "Separate before paying in",
                    paid.printed_reference, f"{invoice.totals.gross:,.2f}".replace(",", " ")):
        assert printed in text


def test_the_same_events_give_the_same_qr_bill_bytes(doc_clerk: Clerk, store_url: str) -> None:
    invoice = _swiss_invoice(doc_clerk, "ch-water", "CHF")
    first = service.render(doc_clerk.services.app, invoice.number).pdf
    assert service.render(doc_clerk.services.app, invoice.number).pdf == first
    doc_clerk.services.projections.rebuild()
    fresh = build(store_url, clock=doc_clerk.clock)
    try:
        assert service.render(fresh.app, invoice.number).pdf == first
    finally:
        fresh.close()


def test_a_qr_reference_is_paid_only_to_a_qr_iban_and_a_qr_iban_only_with_one(tmp_path: Path) -> None:
    text = COMPANIES.read_text(encoding="utf-8")
    swapped = tmp_path / "swapped.toml"
    swapped.write_text(text.replace('collections = "CH4431999123000889012"', 'collections = "CH56 0483 5012 '
                                    '3456 7800 9"', 1), encoding="utf-8")
    (problem,) = check_file(swapped)
    assert problem.startswith("companies[3].reference_scheme: QR references (ch_qrr) are paid to a QR-IBAN")
    rf_to_qr_iban = tmp_path / "rf.toml"
    rf_to_qr_iban.write_text(text.replace('reference_scheme = "ch_qrr"', 'reference_scheme = "rf"'),
                             encoding="utf-8")
    (problem,) = check_file(rf_to_qr_iban)
    assert problem.startswith("companies[3].reference_scheme: a QR-IBAN (institution id 30000-31999)")


def test_a_qr_bill_amount_is_printed_with_spaces_between_thousands() -> None:
    payload = ("SPC\n0200\n1\nCH4431999123000889012\nS\nA\nB\n1\n2501\nBiel\nCH\n\n\n\n\n\n\n\n"
               "1949.75\nCHF\n\n\n\n\n\n\n\nQRR\n210000000003139471430009017\n\nEPD")
    from api.documents.swiss_payment_part import amount_text
    assert amount_text(parse(payload)) == "1 949.75" and parse(payload).amount == Decimal("1949.75")
