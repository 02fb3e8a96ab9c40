"""Issue 13 item 2, Spain: the Facturae 3.2.2 of an issued invoice or credit note, on both stores.

Each file is validated against the official schema (api/documents/schemas/facturae) and read back: its
totals, taxes per rate and lines are the invoice's, a credit note is a corrective invoice naming the one
it corrects with negative amounts, the parties carry their tax ids, the payment is the company's IBAN or
the customer's direct debit, and the same events give the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from api.bootstrap import build
from api.documents.einvoice import EInvoiceFile
from api.documents.einvoice.facturae import NAMESPACE, facturae, province
from api.documents.einvoice.validation import SCHEMA_ROOT, validate
from ledger.accounts import commands as ac
from ledger.collections.commands import RegisterMandate
from ledger.core.errors import InvalidInput
from ledger.core.money import line_amount
from ledger.documents.loading import load_invoice_facts
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk
from tests.documents_scenario import doc_clerk
from tests.einvoice_scenario import billed, decimals, replaced, texts, xml

__all__ = ["doc_clerk"]

PERSON_NIF = ("es.nif", "12345678Z")
BUSINESS_NIF = ("es.nif", "B58378431")
NS = {"fe": NAMESPACE}


def written(clerk: Clerk, number: str) -> EInvoiceFile:
    file = facturae(load_invoice_facts(clerk.services.app, number))
    validate(file)
    return file


def test_an_invoice_is_valid_and_its_totals_taxes_and_lines_are_the_invoices(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "es-water", tax_ids=(PERSON_NIF,))
    facts = load_invoice_facts(doc_clerk.services.app, issued["number"])
    root = xml(written(doc_clerk, issued["number"]).content)
    assert root.tag == f"{{{NAMESPACE}}}Facturae"
    assert texts(root, "//InvoiceHeader/InvoiceNumber/text()") == [issued["number"]]
    assert texts(root, "//InvoiceHeader/InvoiceClass/text()") == ["OO"]
    totals = facts.invoice.totals
    assert decimals(root, "//InvoiceTotals/TotalGrossAmountBeforeTaxes/text()") == [totals.net]
    assert decimals(root, "//InvoiceTotals/TotalTaxOutputs/text()") == [totals.vat]
    assert decimals(root, "//InvoiceTotals/InvoiceTotal/text()") == [Decimal(issued["gross"])]
    assert decimals(root, "//Batch/TotalInvoicesAmount/TotalAmount/text()") == [Decimal(issued["gross"])]
    taxes = [(Decimal(t.findtext("TaxRate")), Decimal(t.findtext("TaxableBase/TotalAmount")),
              Decimal(t.findtext("TaxAmount/TotalAmount")))
             for t in root.xpath("/*/Invoices/Invoice/TaxesOutputs/Tax")]
    assert taxes == [(v.rate, v.taxable, v.vat) for v in totals.vat_lines] and len(taxes) == 2
    lines = root.xpath("//Items/InvoiceLine")
    assert len(lines) == len(facts.invoice.lines)
    for element, line in zip(lines, facts.invoice.lines, strict=True):
        quantity, price = (Decimal(element.findtext(t)) for t in ("Quantity", "UnitPriceWithoutTax"))
        assert (quantity, price) == (line.quantity, line.unit_price)
        assert Decimal(element.findtext("TotalCost")) == line_amount(quantity, price) == line.amount
        assert Decimal(element.findtext("TaxesOutputs/Tax/TaxRate")) == line.vat_rate
    assert sum(Decimal(e.findtext("GrossAmount")) for e in lines) == totals.net
    # The parties: the company's NIF and the customer's, a person split into name and surnames.
    assert texts(root, "//SellerParty/TaxIdentification/TaxIdentificationNumber/text()") == ["A43012343"]
    assert texts(root, "//BuyerParty/TaxIdentification/*/text()") == ["F", "R", PERSON_NIF[1]]
    assert texts(root, "//BuyerParty/Individual/Name/text()") == ["Núria"]
    assert texts(root, "//BuyerParty/Individual/FirstSurname/text()") == ["Castellví i Puigdomènech"]
    assert texts(root, "//BuyerParty//Province/text()") == ["Tarragona"]
    # Paid by transfer to the company's IBAN, with the reference, by the due date.
    assert texts(root, "//Installment/PaymentMeans/text()") == ["04"]
    assert texts(root, "//AccountToBeCredited/IBAN/text()") == [facts.company.bank_account]
    assert texts(root, "//PaymentReconciliationReference/text()") == [issued["payment_reference"]]
    assert texts(root, "//InstallmentDueDate/text()") == [issued["due_date"]]


def test_the_same_events_give_the_same_bytes(doc_clerk: Clerk, store_url: str) -> None:
    issued = billed(doc_clerk, "es-water", PartnerKind.ORGANISATION, (BUSINESS_NIF,),
                    name="Cooperativa Reus SCCL")
    first = written(doc_clerk, issued["number"])
    assert written(doc_clerk, issued["number"]) == first
    fresh = build(store_url, clock=doc_clerk.clock)
    try:
        assert facturae(load_invoice_facts(fresh.app, issued["number"])) == first
    finally:
        fresh.close()
    root = xml(first.content)
    assert texts(root, "//BuyerParty/TaxIdentification/PersonTypeCode/text()") == ["J"]
    assert texts(root, "//BuyerParty/LegalEntity/CorporateName/text()") == ["Cooperativa Reus SCCL"]
    assert first.file_name == f"A43012343_{issued['number']}.xml"


def test_a_credit_note_is_a_corrective_invoice_with_negative_amounts(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "es-water", tax_ids=(PERSON_NIF,))
    note = doc_clerk.run(ac.IssueCreditNote(issued["number"], "lectura errónea"))
    facts = load_invoice_facts(doc_clerk.services.app, note["number"])
    root = xml(written(doc_clerk, note["number"]).content)
    assert texts(root, "//InvoiceHeader/InvoiceClass/text()") == ["OR"]
    assert texts(root, "//Corrective/InvoiceNumber/text()") == [issued["number"]]
    assert texts(root, "//Corrective/CorrectionMethod/text()") == ["02"]
    assert decimals(root, "//InvoiceTotals/InvoiceTotal/text()") == [-Decimal(note["gross"])]
    taxes = decimals(root, "/*/Invoices/Invoice/TaxesOutputs/Tax/TaxAmount/TotalAmount/text()")
    assert taxes == [-v.vat for v in facts.invoice.totals.vat_lines]
    for element in root.xpath("//Items/InvoiceLine"):
        quantity, price = (Decimal(element.findtext(t)) for t in ("Quantity", "UnitPriceWithoutTax"))
        assert Decimal(element.findtext("TotalCost")) == line_amount(quantity, price) < 0
    assert root.xpath("//PaymentDetails") == []


def test_direct_debit_names_the_customers_account_and_the_mandate(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "es-water", tax_ids=(PERSON_NIF,))
    doc_clerk.run(RegisterMandate(issued["account_id"], "AR-UMR-000123", date(2026, 2, 1), "Núria Castellví",
                                  "ES7921000813610123456789"))
    debited = doc_clerk.run(ac.IssueInvoice(issued["account_id"], (ac.LineInput(
        "water: block 1", "water", Decimal("17.700"), "m3", Decimal("0.950000"), Decimal("10")),),
        doc_clerk.clock.today))
    root = xml(written(doc_clerk, debited["number"]).content)
    assert texts(root, "//Installment/PaymentMeans/text()") == ["02"]
    assert texts(root, "//AccountToBeDebited/IBAN/text()") == ["ES7921000813610123456789"]
    assert "AR-UMR-000123" in texts(root, "//CollectionAdditionalInformation/text()")[0]
    assert texts(root, "//InvoiceLine/UnitOfMeasure/text()") == ["33"]


def test_a_customer_in_another_eu_state_is_written_with_prefixed_vat_ids(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "es-water", PartnerKind.ORGANISATION, (("eu.vat", "FR40303265045"),),
                    name="Eaux de Perpignan SA",
                    address=PostalAddress("1 rue Foch", "66000", "Perpignan", "FR"))
    root = xml(written(doc_clerk, issued["number"]).content)
    assert texts(root, "//SellerParty//TaxIdentificationNumber/text()") == ["ESA43012343"]
    assert texts(root, "//BuyerParty/TaxIdentification/*/text()") == ["J", "U", "FR40303265045"]
    assert texts(root, "//BuyerParty//OverseasAddress/CountryCode/text()") == ["FRA"]


@pytest.mark.parametrize(("kind", "tax_ids", "name", "field"), [
    (PartnerKind.PERSON, (), None, "partner.tax_ids"),
    (PartnerKind.ORGANISATION, (), "Aigües SL", "partner.tax_ids"),
    (PartnerKind.PERSON, (PERSON_NIF,), "Núria", "partner.name"),
])
def test_a_missing_required_fact_is_a_clear_error_naming_it(doc_clerk: Clerk, kind: PartnerKind,
                                                            tax_ids: tuple[tuple[str, str], ...],
                                                            name: str | None, field: str) -> None:
    issued = billed(doc_clerk, "es-water", kind, tax_ids, name=name)
    with pytest.raises(InvalidInput) as error:
        facturae(load_invoice_facts(doc_clerk.services.app, issued["number"]))
    assert error.value.field == field


def test_the_province_is_the_postcodes_and_a_foreign_postcode_is_refused() -> None:
    assert [province(p, "f") for p in ("43201", "08001", "28013", "38001", "52001")] == [
        "Tarragona", "Barcelona", "Madrid", "S.C. Tenerife", "Melilla"]
    for bad in ("53001", "00100", "4320"):
        with pytest.raises(InvalidInput):
            province(bad, "partner.address.postcode")


def test_the_validator_rejects_a_broken_copy_with_the_schemas_message(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "es-water", tax_ids=(PERSON_NIF,))
    file = written(doc_clerk, issued["number"])
    broken = replaced(file.content, "//InvoiceHeader/InvoiceClass", "XX")
    with pytest.raises(InvalidInput, match="InvoiceClass") as error:
        validate(EInvoiceFile(file.file_name, "facturae", broken))
    assert error.value.field == "content"
    with pytest.raises(InvalidInput, match="malformed"):
        validate(EInvoiceFile(file.file_name, "facturae", file.content[:-20]))


def test_the_shipped_files_are_byte_for_byte_the_ones_the_readme_records() -> None:
    folder = SCHEMA_ROOT / "facturae"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    shipped = sorted(p for p in folder.iterdir() if p.name != "README.md")
    assert len(shipped) == 2
    for path in shipped:
        assert f"`{path.name}` sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}" in readme
