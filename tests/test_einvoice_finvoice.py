"""Issue 13 item 2, Finland: the Finvoice 3.0 message of an invoice and a credit note, on both stores.

Each message is valid against Finance Finland's ``Finvoice3.0.xsd``; its figures read back are the
invoice's (totals, VAT per rate, every row's quantity × price / base quantity = its amount, the payment
order's IBAN, BIC, reference, amount and due date); the same events give the same bytes; a tampered copy
and a document with a DOCTYPE are refused; and Finance Finland's own example validates, which proves the
schema is the one real messages follow.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from api.bootstrap import build
from api.documents.einvoice import dispatch, validation
from api.documents.einvoice.finvoice import finvoice, unit_price
from ledger.accounts import commands as ac
from ledger.accounts.invoice import Invoice, document_id
from ledger.core.errors import InvalidInput
from ledger.documents.loading import load_invoice_facts
from tests.clerk import Clerk
from tests.documents_scenario import PERIOD, customer, doc_clerk, invoice, lines
from tests.einvoice_business_scenario import EXAMPLES, decimal_of, xml

__all__ = ["doc_clerk"]


def issued(clerk: Clerk, number: str) -> Invoice:
    found = clerk.services.app.find(Invoice, document_id(number))
    assert found is not None
    return found


def amount(node: Any, path: str) -> Decimal:
    return decimal_of(node.findtext(path))


def rows_add_up(root: Any, invoice: Invoice, sign: int) -> None:
    """Every row is its line: quantity × price / base, rounded half up, is the amount written and stored."""
    rows = root.findall("InvoiceRow")
    assert len(rows) == len(invoice.lines)
    for row, line in zip(rows, invoice.lines, strict=True):
        quantity, price = amount(row, "InvoicedQuantity"), amount(row, "UnitPriceAmount")
        base = Decimal(row.findtext("UnitPriceBaseQuantity") or "1")
        written = amount(row, "RowVatExcludedAmount")
        recomputed = (quantity * price / base).quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert recomputed == written == sign * line.amount
        assert quantity == sign * line.quantity and row.findtext("ArticleName") == line.description
        assert decimal_of(row.findtext("RowVatRatePercent")) == line.vat_rate


def test_an_invoice_is_a_valid_finvoice_whose_figures_are_the_invoices(doc_clerk: Clerk,
                                                                       store_url: str) -> None:
    _, result = invoice(doc_clerk, "fi-network")
    number = result["number"]
    written = dispatch.write(doc_clerk.services.app, number)  # a Finnish company's format by default
    assert written.format == "finvoice" and written.file_name == f"{number}.finvoice.xml"
    assert validation.xsd_problems(written.content, "finvoice") == ()
    root, inv = xml(written.content), issued(doc_clerk, number)
    details = root.find("InvoiceDetails")
    assert details.findtext("InvoiceTypeCode") == "INV01" and details.findtext("InvoiceNumber") == number
    assert details.findtext("InvoiceDate") == inv.issue_date.strftime("%Y%m%d")
    assert amount(details, "InvoiceTotalVatExcludedAmount") == inv.totals.net
    assert amount(details, "InvoiceTotalVatAmount") == inv.totals.vat
    assert amount(details, "InvoiceTotalVatIncludedAmount") == inv.totals.gross == Decimal(result["gross"])
    vat = [(decimal_of(v.findtext("VatRatePercent")), amount(v, "VatBaseAmount"), amount(v, "VatRateAmount"))
           for v in details.findall("VatSpecificationDetails")]
    assert vat == [(v.rate, v.taxable, v.vat) for v in inv.totals.vat_lines] and len(vat) == 2
    rows_add_up(root, inv, 1)
    epi = root.find("EpiDetails")
    assert epi.findtext("EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiAccountID") == "FI2112345600000785"
    assert epi.findtext("EpiPartyDetails/EpiBfiPartyDetails/EpiBfiIdentifier") == "NDEAFIHH"
    assert epi.findtext("EpiPartyDetails/EpiBeneficiaryPartyDetails/EpiBei") == "2077474-0"
    ref = epi.find("EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier")
    assert (ref.text, ref.get("IdentificationSchemeName")) == (inv.payment_reference, "SPY")
    assert amount(epi, "EpiPaymentInstructionDetails/EpiInstructedAmount") == inv.totals.gross
    assert epi.findtext("EpiPaymentInstructionDetails/EpiDateOptionDate") == inv.due_date.strftime("%Y%m%d")
    # Deterministic: again, after a rebuild, and from another application on the same store.
    assert dispatch.write(doc_clerk.services.app, number).content == written.content
    fresh = build(store_url, clock=doc_clerk.clock)
    try:
        assert dispatch.write(fresh.app, number).content == written.content
    finally:
        fresh.close()


def test_a_credit_note_is_inv02_naming_the_invoice_with_negative_figures(doc_clerk: Clerk) -> None:
    _, result = invoice(doc_clerk, "fi-network")
    credit = doc_clerk.run(ac.IssueCreditNote(result["number"], "wrong meter read"))
    written = finvoice(load_invoice_facts(doc_clerk.services.app, credit["number"]))
    assert validation.xsd_problems(written.content, "finvoice") == ()
    root, note = xml(written.content), issued(doc_clerk, credit["number"])
    details = root.find("InvoiceDetails")
    assert details.findtext("InvoiceTypeCode") == "INV02" and details.findtext("InvoiceTypeCodeUN") == "381"
    assert details.findtext("OriginalInvoiceNumber") == result["number"]
    assert amount(details, "InvoiceTotalVatIncludedAmount") == -note.totals.gross < 0
    assert amount(root, "EpiDetails/EpiPaymentInstructionDetails/EpiInstructedAmount") == -note.totals.gross
    rows_add_up(root, note, -1)


def test_an_rf_reference_is_iso_and_a_price_of_six_decimals_is_per_ten_units(doc_clerk: Clerk) -> None:
    _, result = invoice(doc_clerk, "es-water")  # RF references; asked for as Finvoice
    written = dispatch.write(doc_clerk.services.app, result["number"], "finvoice")
    assert validation.xsd_problems(written.content, "finvoice") == ()
    root = xml(written.content)
    ref = root.find("EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier")
    assert ref.get("IdentificationSchemeName") == "ISO" and ref.text.startswith("RF")
    first = root.find("InvoiceRow")  # energy at 0.123456 EUR/kWh: more decimals than Finvoice's five
    assert (first.findtext("UnitPriceAmount"), first.findtext("UnitPriceBaseQuantity")) == ("1,23456", "10")
    assert unit_price(Decimal("-0.0000125")) == ("-0,00125", 100)  # the smallest base that fits


def test_a_tampered_message_and_a_doctype_are_refused_and_the_official_example_is_valid(
        doc_clerk: Clerk) -> None:
    _, result = invoice(doc_clerk, "fi-network")
    content = dispatch.write(doc_clerk.services.app, result["number"]).content
    gross = issued(doc_clerk, result["number"]).totals.gross
    tampered = content.replace(f">{str(gross).replace('.', ',')}</InvoiceTotalVatIncludedAmount>".encode(),
                               f">{gross}</InvoiceTotalVatIncludedAmount>".encode())  # a decimal point
    assert tampered != content
    problems = validation.xsd_problems(tampered, "finvoice")
    assert problems and "InvoiceTotalVatIncludedAmount" in problems[0].message and problems[0].line > 1
    no_payment = re.sub(rb"<EpiDetails>.*</EpiDetails>", b"", content, flags=re.S)
    assert any("EpiDetails" in p.message for p in validation.xsd_problems(no_payment, "finvoice"))
    doctype = content.replace(b"<Finvoice", b'<!DOCTYPE Finvoice [<!ENTITY x "y">]>\n<Finvoice', 1)
    with pytest.raises(InvalidInput, match="DOCTYPE"):
        validation.xsd_problems(doctype, "finvoice")
    example = (EXAMPLES / "finvoice-verkkoyhtion-kulutuslaskuesimerkki-20190405.xml").read_bytes()
    assert validation.xsd_problems(example, "finvoice") == ()


def test_a_number_longer_than_finvoice_carries_is_refused_naming_it(doc_clerk: Clerk) -> None:
    _, account = customer(doc_clerk, "fi-network")
    odd = doc_clerk.run(ac.IssueInvoice(account, lines("25.5"), doc_clerk.clock.today, number="FI/2026 7"))
    content = dispatch.write(doc_clerk.services.app, odd["number"]).content
    # the number as it is; a name token where one is asked
    assert validation.xsd_problems(content, "finvoice") == ()
    assert xml(content).findtext("EpiDetails/EpiIdentificationDetails/EpiReference") == "FI_2026_7"
    long = doc_clerk.run(ac.IssueInvoice(account, lines("25.5"), doc_clerk.clock.today, period=PERIOD,
                                         number="FI-CUSTOM-NUMBER-000000001"))
    with pytest.raises(InvalidInput, match="at most 20 characters") as error:
        dispatch.write(doc_clerk.services.app, long["number"])
    assert error.value.field == "invoice_number"
