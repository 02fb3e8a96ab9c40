"""Issue 13 item 2, EN 16931 UBL (Peppol BIS Billing 3.0): an invoice and a credit note of each company's
business customer, on both stores.

Each file is valid against the OASIS UBL 2.1 XSD and breaks no fatal rule of either official rule set
(CEN's EN 16931 XSLT and OpenPEPPOL's BIS 3.0 schematron); its figures read back are the invoice's; the same
events give the same bytes; tampered copies are rejected by the rule that guards what was changed, which
proves the rules run; and OpenPEPPOL's own examples pass the same checks.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest

from api.bootstrap import build
from api.documents.einvoice import dispatch, schematron, validation
from api.documents.einvoice.ubl import CUSTOMIZATION, PROFILE
from ledger.accounts import commands as ac
from ledger.accounts.invoice import Invoice, document_id
from ledger.collections.commands import RegisterMandate
from ledger.core.errors import InvalidInput
from tests.clerk import Clerk
from tests.documents_scenario import PERIOD, doc_clerk, invoice, lines
from tests.einvoice_business_scenario import EXAMPLES, business, business_invoice, xml

__all__ = ["doc_clerk"]
CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
NS = {"cbc": CBC[1:-1], "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"}


def checked(content: bytes) -> Any:
    """The parsed file, after the XSD and both rule sets found nothing fatal in it."""
    assert validation.xsd_problems(content, "ubl") == ()
    for report in schematron.ubl_reports(content):
        assert report.fired_rules > 20, report.rule_set  # the rules ran over the document
        assert report.fatal == (), [(f.rule_id, f.text) for f in report.fatal]
    return xml(content)


def money(root: Any, path: str) -> Decimal:
    return Decimal(root.findtext(path, namespaces=NS))


def lines_add_up(root: Any, inv: Invoice, tag: str) -> None:
    written = root.findall(f"cac:{tag}", NS)
    assert len(written) == len(inv.lines)
    for node, line in zip(written, inv.lines, strict=True):
        qty = node.find("cbc:InvoicedQuantity" if tag == "InvoiceLine" else "cbc:CreditedQuantity", NS)
        price = money(node, "cac:Price/cbc:PriceAmount")
        assert (Decimal(qty.text) * price).quantize(Decimal("0.01"), ROUND_HALF_UP) == line.amount
        assert money(node, "cbc:LineExtensionAmount") == line.amount and price >= 0  # BR-27
        assert qty.get("unitCode") == {"kWh": "KWH", "month": "MON"}[line.unit]
        rate = node.findtext("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", namespaces=NS)
        assert Decimal(rate) == line.vat_rate


def totals_are(root: Any, inv: Invoice) -> None:
    t = inv.totals
    assert money(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount") == t.net
    assert money(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == t.gross
    assert money(root, "cac:LegalMonetaryTotal/cbc:PayableAmount") == t.gross
    assert money(root, "cac:TaxTotal/cbc:TaxAmount") == t.vat
    subtotals = [(Decimal(s.findtext("cac:TaxCategory/cbc:Percent", namespaces=NS)),
                  money(s, "cbc:TaxableAmount"), money(s, "cbc:TaxAmount"))
                 for s in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)]
    assert subtotals == [(v.rate, v.taxable, v.vat) for v in t.vat_lines]


def issued(clerk: Clerk, number: str) -> Invoice:
    found = clerk.services.app.find(Invoice, document_id(number))
    assert found is not None
    return found


@pytest.mark.parametrize("company, seller_scheme", [("es-water", "9920"), ("it-pagopa", "0211"),
                                                    ("fi-network", "0213")])
def test_an_invoice_and_its_credit_note_pass_the_xsd_and_both_official_rule_sets(
        doc_clerk: Clerk, company: str, seller_scheme: str) -> None:
    _, result = business_invoice(doc_clerk, company)
    credit = doc_clerk.run(ac.IssueCreditNote(result["number"], "wrong meter read"))
    app = doc_clerk.services.app
    written = dispatch.write(app, result["number"], "ubl")
    assert written.file_name == f"{result['number']}.ubl.xml" and written.format == "ubl"
    root, inv = checked(written.content), issued(doc_clerk, result["number"])
    assert root.tag.endswith("}Invoice") and root.findtext("cbc:InvoiceTypeCode", namespaces=NS) == "380"
    assert root.findtext("cbc:CustomizationID", namespaces=NS) == CUSTOMIZATION
    assert root.findtext("cbc:ProfileID", namespaces=NS) == PROFILE
    assert root.findtext("cbc:DueDate", namespaces=NS) == inv.due_date.isoformat()
    seller = root.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", NS)
    assert seller.get("schemeID") == seller_scheme
    means = root.find("cac:PaymentMeans", NS)
    assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == "58"
    assert means.findtext("cbc:PaymentID", namespaces=NS) == inv.payment_reference
    iban = means.findtext("cac:PayeeFinancialAccount/cbc:ID", namespaces=NS)
    assert iban == app.companies.named(company).bank_account
    totals_are(root, inv)
    lines_add_up(root, inv, "InvoiceLine")
    note_file = dispatch.write(app, credit["number"], "ubl")
    note, cn = checked(note_file.content), issued(doc_clerk, credit["number"])
    assert note.tag.endswith("}CreditNote")
    assert note.findtext("cbc:CreditNoteTypeCode", namespaces=NS) == "381"
    assert note.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID",
                         namespaces=NS) == result["number"]
    totals_are(note, cn)
    lines_add_up(note, cn, "CreditNoteLine")


def test_the_same_events_give_the_same_bytes(doc_clerk: Clerk, store_url: str) -> None:
    _, result = business_invoice(doc_clerk, "it-pagopa")
    first = dispatch.write(doc_clerk.services.app, result["number"], "ubl").content
    doc_clerk.services.projections.rebuild()
    assert dispatch.write(doc_clerk.services.app, result["number"], "ubl").content == first
    fresh = build(store_url, clock=doc_clerk.clock)
    try:
        assert dispatch.write(fresh.app, result["number"], "ubl").content == first
    finally:
        fresh.close()


def fatal_ids(content: bytes) -> set[str]:
    return {f.rule_id for r in schematron.ubl_reports(content) for f in r.fatal}


def test_tampered_copies_are_rejected_by_the_rule_that_guards_what_changed(doc_clerk: Clerk) -> None:
    _, result = business_invoice(doc_clerk, "es-water")
    content = dispatch.write(doc_clerk.services.app, result["number"], "ubl").content
    gross = issued(doc_clerk, result["number"]).totals.gross
    more = str(gross + 1).encode()
    payable = re.sub(rb'(<cbc:PayableAmount currencyID="EUR">)[^<]*', rb"\g<1>" + more, content)
    # well-formed and schema-valid: only the rules see it
    assert validation.xsd_problems(payable, "ubl") == ()
    assert "BR-CO-16" in fatal_ids(payable)
    first_line = rb'(<cbc:LineExtensionAmount currencyID="EUR">)[^<]*(</cbc:LineExtensionAmount>\s*<cac:Item)'
    line = re.sub(first_line, rb"\g<1>999.99\g<2>", content, count=1)
    assert "BR-CO-10" in fatal_ids(line)  # the sum of lines no longer is the line extension amount
    subtotal = (rb"(<cac:TaxSubtotal>\s*<cbc:TaxableAmount[^>]*>[^<]*</cbc:TaxableAmount>\s*"
                rb"<cbc:TaxAmount[^>]*>)([^<]*)")
    vat = re.sub(subtotal, lambda m: m.group(1) + str(Decimal(m.group(2).decode()) + 2).encode(), content,
                 count=1)
    assert {"BR-CO-14", "BR-CO-17"} <= fatal_ids(vat)  # a rate's VAT is no longer its base × rate
    no_endpoint = re.sub(rb"\s*<cbc:EndpointID[^>]*>[^<]*</cbc:EndpointID>", b"", content, count=1)
    assert "PEPPOL-EN16931-R020" in fatal_ids(no_endpoint)


def test_the_official_peppol_examples_pass_the_same_checks_and_each_rule_set_compiles_once() -> None:
    for name in ("peppol-base-example.xml", "peppol-base-creditnote-correction.xml"):
        checked((EXAMPLES / name).read_bytes())
    compiled = schematron._executable.cache_info().currsize
    checked((EXAMPLES / "peppol-base-example.xml").read_bytes())
    assert schematron._executable.cache_info().currsize == compiled == len(schematron.RULE_SETS)


def test_direct_debit_and_a_discount_line_stay_valid(doc_clerk: Clerk) -> None:
    _, account = business(doc_clerk, "es-water")
    doc_clerk.run(RegisterMandate(account, "AR-UMR-000777", date(2026, 2, 1), "Comunitat de Propietaris",
                                  "ES7921000813610123456789"))
    discount = ac.LineInput("loyalty discount", "energy", Decimal("480.100"), "kWh", Decimal("-0.010125"),
                            Decimal("21"))
    result = doc_clerk.run(ac.IssueInvoice(account, (*lines("21"), discount), doc_clerk.clock.today,
                                           period=PERIOD))
    root = checked(dispatch.write(doc_clerk.services.app, result["number"], "ubl").content)
    means = root.find("cac:PaymentMeans", NS)
    assert means.findtext("cbc:PaymentMeansCode", namespaces=NS) == "59"
    assert means.findtext("cac:PaymentMandate/cbc:ID", namespaces=NS) == "AR-UMR-000777"
    debtor = means.findtext("cac:PaymentMandate/cac:PayerFinancialAccount/cbc:ID", namespaces=NS)
    assert debtor == "ES79 **** 6789"  # masked, as the PDF prints it
    last = root.findall("cac:InvoiceLine", NS)[-1]
    assert last.findtext("cbc:InvoicedQuantity", namespaces=NS) == "-480.100"
    assert money(last, "cac:Price/cbc:PriceAmount") == Decimal("0.010125")
    assert money(last, "cbc:LineExtensionAmount") == Decimal("-4.86")


def test_a_consumer_without_a_registration_number_and_an_unknown_unit_are_refused_naming_the_field(
        doc_clerk: Clerk) -> None:
    _, consumer = invoice(doc_clerk, "es-water")
    with pytest.raises(InvalidInput, match="electronic address") as error:
        dispatch.write(doc_clerk.services.app, consumer["number"], "ubl")
    assert error.value.field == "partner.tax_ids"
    _, account = business(doc_clerk, "es-water")
    odd = ac.LineInput("meter rent", "standing", Decimal("1"), "widget", Decimal("2.50"), Decimal("21"))
    result = doc_clerk.run(ac.IssueInvoice(account, (*lines("21"), odd), doc_clerk.clock.today))
    with pytest.raises(InvalidInput, match="Recommendation 20") as error:
        dispatch.write(doc_clerk.services.app, result["number"], "ubl")
    assert error.value.field == f"lines[{len(lines('21'))}].unit"
