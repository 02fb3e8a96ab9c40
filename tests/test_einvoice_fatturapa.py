"""Issue 13 item 2, Italy: the FatturaPA FPR12 of an issued invoice or credit note, on both stores.

Each file is validated against the official schema (Agenzia delle Entrate's XSD 1.2.2, shipped under
api/documents/schemas/fatturapa) and read back: its totals, lines and VAT summary are the invoice's, it
passes SDI's checks on totals and VAT summaries, the recipient fields follow B2C and B2B, the file name
follows SDI's rule, and the same events give the same bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from api.bootstrap import build
from api.documents.einvoice import EInvoiceFile
from api.documents.einvoice.fatturapa import fatturapa, progressive
from api.documents.einvoice.sdi_checks import sdi_check
from api.documents.einvoice.validation import SCHEMA_ROOT, hardened_parser, validate
from ledger.accounts import commands as ac
from ledger.accounts.payment_references import ReferenceScheme
from ledger.collections.commands import RegisterMandate
from ledger.core.errors import InvalidInput
from ledger.core.money import line_amount
from ledger.documents.loading import load_invoice_document, load_invoice_facts
from ledger.parties import commands as pc
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk
from tests.documents_scenario import doc_clerk
from tests.einvoice_scenario import billed, decimals, replaced, texts, xml

__all__ = ["doc_clerk"]

PERSON_CF = ("it.codicefiscale", "RSSMRA80A01H501U")
BUSINESS_VAT = ("it.iva", "02114601004")
SAMPLE = SCHEMA_ROOT / "fatturapa" / "IT01234567890_FPR03.xml"


def written(clerk: Clerk, number: str) -> EInvoiceFile:
    file = fatturapa(load_invoice_facts(clerk.services.app, number))
    validate(file)
    return file


def test_a_b2c_invoice_is_valid_adds_up_and_passes_sdis_checks(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    facts = load_invoice_facts(doc_clerk.services.app, issued["number"])
    file = written(doc_clerk, issued["number"])
    root = xml(file.content)
    assert root.get("versione") == "FPR12" and file.format == "fatturapa"
    assert texts(root, "//DatiGeneraliDocumento/TipoDocumento/text()") == ["TD01"]
    assert texts(root, "//DatiGeneraliDocumento/Numero/text()") == [issued["number"]]
    assert decimals(root, "//ImportoTotaleDocumento/text()") == [Decimal(issued["gross"])]
    # B2C: the codice fiscale, no VAT number, no recipient code.
    assert texts(root, "//CodiceDestinatario/text()") == ["0000000"]
    assert texts(root, "//CessionarioCommittente//CodiceFiscale/text()") == [PERSON_CF[1]]
    assert root.xpath("//CessionarioCommittente//IdFiscaleIVA") == []
    assert texts(root, "//CessionarioCommittente//Denominazione/text()") == ["Niccolò Lukasiewicz-Sciascià"]
    # Each line recomputes: PrezzoTotale = Quantita x PrezzoUnitario rounded half up, and is the line's.
    written_lines = root.xpath("//DettaglioLinee")
    assert len(written_lines) == len(facts.invoice.lines)
    for element, line in zip(written_lines, facts.invoice.lines, strict=True):
        quantity, price, total = (Decimal(element.findtext(t)) for t in ("Quantita", "PrezzoUnitario",
                                                                          "PrezzoTotale"))
        assert (quantity, price) == (line.quantity, line.unit_price)
        assert total == line_amount(quantity, price) == line.amount
        assert Decimal(element.findtext("AliquotaIVA")) == line.vat_rate
    # The VAT summary per rate is the invoice's, and adds up to the total.
    summaries = [(Decimal(s.findtext("AliquotaIVA")), Decimal(s.findtext("ImponibileImporto")),
                  Decimal(s.findtext("Imposta")), s.findtext("EsigibilitaIVA"))
                 for s in root.xpath("//DatiRiepilogo")]
    assert summaries == [(v.rate, v.taxable, v.vat, "I") for v in facts.invoice.totals.vat_lines]
    assert len(summaries) == 2
    assert sum(t + v for _, t, v, _ in summaries) == Decimal(issued["gross"])
    assert sdi_check(file.content) == []
    # pagoPA: MP23 with the notice code, the due date and the amount to pay.
    assert texts(root, "//DettaglioPagamento/ModalitaPagamento/text()") == ["MP23"]
    assert texts(root, "//DettaglioPagamento/CodicePagamento/text()") == [issued["payment_reference"]]
    assert texts(root, "//DataScadenzaPagamento/text()") == [issued["due_date"]]
    assert texts(root, "//DettaglioPagamento/IBAN/text()") == [facts.company.bank_account]
    assert decimals(root, "//ImportoPagamento/text()") == [Decimal(issued["gross"])]


def test_the_same_events_give_the_same_bytes(doc_clerk: Clerk, store_url: str) -> None:
    issued = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    first = written(doc_clerk, issued["number"])
    assert written(doc_clerk, issued["number"]) == first
    fresh = build(store_url, clock=doc_clerk.clock)  # another process, everything read from the store
    try:
        assert fatturapa(load_invoice_facts(fresh.app, issued["number"])) == first
    finally:
        fresh.close()


def test_a_b2b_invoice_names_the_vat_number_and_the_recipient_code(doc_clerk: Clerk) -> None:
    with_code = billed(doc_clerk, "it-pagopa", PartnerKind.ORGANISATION,
                       (("it.sdi", "m5uxcr1"), BUSINESS_VAT), name="Officine Peloritane S.r.l.")
    root = xml(written(doc_clerk, with_code["number"]).content)
    assert texts(root, "//CodiceDestinatario/text()") == ["M5UXCR1"]  # registered as a tax id, normalised
    # The courtesy PDF prints the VAT number as the customer's tax id, not the recipient code.
    page = load_invoice_document(doc_clerk.services.app, with_code["number"])
    assert page.customer.tax_id == BUSINESS_VAT[1]
    with pytest.raises(InvalidInput, match=r"it\.sdi") as error:  # 6 characters are a PA office's code
        doc_clerk.run(pc.RegisterPartner("Gamma S.p.A.", PartnerKind.ORGANISATION,
                                         tax_ids=(BUSINESS_VAT, ("it.sdi", "UFABCD"))))
    assert error.value.field.startswith("tax_ids")
    assert texts(root, "//CessionarioCommittente//IdFiscaleIVA/*/text()") == ["IT", BUSINESS_VAT[1]]
    assert root.xpath("//CessionarioCommittente//CodiceFiscale") == []
    without = billed(doc_clerk, "it-pagopa", PartnerKind.ORGANISATION, (BUSINESS_VAT,), name="Beta S.n.c.")
    assert texts(xml(written(doc_clerk, without["number"]).content), "//CodiceDestinatario/text()") == [
        "0000000"]


def test_a_customer_abroad_is_named_by_its_vat_id_and_the_recipient_code_for_abroad(
        doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "it-pagopa", PartnerKind.ORGANISATION, (("eu.vat", "FR40303265045"),),
                    name="Électricité de Nice SA",
                    address=PostalAddress("1 rue de France", "06000", "Nice", "FR"))
    root = xml(written(doc_clerk, issued["number"]).content)
    assert texts(root, "//CodiceDestinatario/text()") == ["XXXXXXX"]
    assert texts(root, "//CessionarioCommittente//IdFiscaleIVA/*/text()") == ["FR", "40303265045"]
    assert texts(root, "//CessionarioCommittente/Sede/*/text()") == ["1 rue de France", "00000", "Nice", "FR"]


def test_the_file_name_is_the_company_vat_number_and_a_progressive_unique_per_document(
        doc_clerk: Clerk) -> None:
    one = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    two = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    names = [written(doc_clerk, n).file_name for n in (one["number"], two["number"])]
    assert names[0] != names[1]
    for name, number in zip(names, (one["number"], two["number"]), strict=True):
        company = load_invoice_facts(doc_clerk.services.app, number).company
        assert name == f"IT00743110157_{progressive(number, company)}.xml"
        root = xml(written(doc_clerk, number).content)
        assert texts(root, "//ProgressivoInvio/text()") == [name[14:19]]
    company = CompanyConfig(invoice_series="ALM", credit_note_series="ALMNC")
    numbers = [f"{s}-{y}-{n:06d}" for s in ("ALM", "ALMNC") for y in (2020, 2026, 2064)
               for n in (1, 2, 61, 62, 999_999, 9_999_999)]
    codes = [progressive(n, company) for n in numbers]
    assert len(set(codes)) == len(numbers)  # injective over series, years and sequence numbers
    assert all(len(c) == 5 and c.isascii() and c.isalnum() for c in codes)
    for outside in ("ALM-2019-000001", "ALM-2065-000001", "ALM-2026-10000000", "LEGACY-42"):
        with pytest.raises(InvalidInput, match="SDI file name") as error:
            progressive(outside, company)
        assert error.value.field == "number"


def test_a_credit_note_is_td04_names_the_invoice_it_corrects_and_asks_no_payment(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    note = doc_clerk.run(ac.IssueCreditNote(issued["number"], "lettura errata"))
    file = written(doc_clerk, note["number"])
    root = xml(file.content)
    assert texts(root, "//TipoDocumento/text()") == ["TD04"]
    assert texts(root, "//DatiFattureCollegate/IdDocumento/text()") == [issued["number"]]
    assert decimals(root, "//ImportoTotaleDocumento/text()") == [Decimal(note["gross"])]
    assert Decimal(note["gross"]) == Decimal(issued["gross"]) > 0  # a credit note's amounts are positive
    assert root.xpath("//DatiPagamento") == []
    assert sdi_check(file.content) == []
    assert file.file_name != written(doc_clerk, issued["number"]).file_name


def test_direct_debit_is_mp19_with_the_mandate_and_a_transfer_is_mp05_with_the_iban(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    doc_clerk.run(RegisterMandate(issued["account_id"], "ALM-UMR-000042", date(2026, 2, 1), "Mario Rossi",
                                  "IT60X0542811101000000123456"))
    debited = doc_clerk.run(ac.IssueInvoice(issued["account_id"], (ac.LineInput(
        "energy: F1", "energy", Decimal("100.000"), "kWh", Decimal("0.123456"), Decimal("22")),),
        doc_clerk.clock.today))
    root = xml(written(doc_clerk, debited["number"]).content)
    assert texts(root, "//ModalitaPagamento/text()") == ["MP19"]
    assert texts(root, "//CodicePagamento/text()") == ["ALM-UMR-000042"]
    assert root.xpath("//DettaglioPagamento/IBAN") == []  # the customer transfers nothing
    facts = load_invoice_facts(doc_clerk.services.app, issued["number"])
    transfer = fatturapa(replace(facts, company=replace(facts.company, reference_scheme=ReferenceScheme.RF,
                                                            reference_prefix=None)))
    validate(transfer)
    root = xml(transfer.content)
    assert texts(root, "//ModalitaPagamento/text()") == ["MP05"]
    assert texts(root, "//DettaglioPagamento/IBAN/text()") == [facts.company.bank_account]


def test_a_price_with_more_decimals_than_the_schema_allows_is_written_as_a_lump_sum(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    long = doc_clerk.run(ac.IssueInvoice(issued["account_id"], (ac.LineInput(
        "energy: F1", "energy", Decimal("3.5"), "kWh", Decimal("0.1234567891"), Decimal("22")),),
        doc_clerk.clock.today))
    root = xml(written(doc_clerk, long["number"]).content)
    line = root.xpath("//DettaglioLinee")[0]
    amount = line_amount(Decimal("3.5"), Decimal("0.1234567891"))
    assert (line.findtext("Quantita"), Decimal(line.findtext("PrezzoUnitario"))) == ("1.00", amount)
    assert Decimal(line.findtext("PrezzoTotale")) == amount
    assert "(3.5 kWh x 0.1234567891)" in line.findtext("Descrizione")


@pytest.mark.parametrize(("kind", "tax_ids", "with_address", "field"), [
    (PartnerKind.PERSON, (), True, "partner.tax_ids"),  # a consumer without codice fiscale
    (PartnerKind.ORGANISATION, (), True, "partner.tax_ids"),  # a business without VAT number
    (PartnerKind.PERSON, (PERSON_CF,), False, "partner.address"),
])
def test_a_missing_required_fact_is_a_clear_error_naming_it(doc_clerk: Clerk, kind: PartnerKind,
                                                            tax_ids: tuple[tuple[str, str], ...],
                                                            with_address: bool, field: str) -> None:
    issued = billed(doc_clerk, "it-pagopa", kind, tax_ids, with_address=with_address)
    with pytest.raises(InvalidInput) as error:
        fatturapa(load_invoice_facts(doc_clerk.services.app, issued["number"]))
    assert error.value.field == field


def test_a_zero_rate_line_is_refused_for_lack_of_natura(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    exempt = doc_clerk.run(ac.IssueInvoice(issued["account_id"], (ac.LineInput(
        "deposit interest", "energy", Decimal("1"), "month", Decimal("1.00"), Decimal("0")),),
        doc_clerk.clock.today))
    with pytest.raises(InvalidInput, match="Natura") as error:
        fatturapa(load_invoice_facts(doc_clerk.services.app, exempt["number"]))
    assert error.value.field == "lines[0].vat_rate"


def test_sdis_checks_catch_a_line_or_a_summary_that_does_not_add_up(doc_clerk: Clerk) -> None:
    issued = billed(doc_clerk, "it-pagopa", tax_ids=(PERSON_CF,))
    content = written(doc_clerk, issued["number"]).content
    bad_line = replaced(content, "//DettaglioLinee[1]/PrezzoTotale", "9999.99")
    assert {code for code, _ in sdi_check(bad_line)} == {"00422", "00423"}
    bad_tax = replaced(content, "//DatiRiepilogo[1]/Imposta", "0.01")
    assert [code for code, _ in sdi_check(bad_tax)] == ["00421", "saldo-total"]
    no_summary = replaced(content, "//DatiRiepilogo[1]/AliquotaIVA", "4.00")
    assert "00419" in {code for code, _ in sdi_check(no_summary)}


def test_the_validator_accepts_a_real_file_and_rejects_a_broken_copy() -> None:
    sample = SAMPLE.read_bytes()
    validate(EInvoiceFile(SAMPLE.name, "fatturapa", sample))
    broken = replaced(sample, "//DatiGeneraliDocumento/TipoDocumento", "TD99")
    with pytest.raises(InvalidInput, match="TipoDocumento") as error:
        validate(EInvoiceFile(SAMPLE.name, "fatturapa", broken))
    assert error.value.field == "content"
    with pytest.raises(InvalidInput, match="no schema for format") as error:
        validate(EInvoiceFile("x.xml", "no-such-format", sample))
    assert error.value.field == "format"
    with pytest.raises(InvalidInput, match="DOCTYPE"):
        validate(EInvoiceFile("x.xml", "fatturapa", b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'))


def test_the_shipped_files_are_byte_for_byte_the_ones_the_readme_records() -> None:
    folder = SCHEMA_ROOT / "fatturapa"
    readme = (folder / "README.md").read_text(encoding="utf-8")
    shipped = sorted(p for p in folder.iterdir() if p.name != "README.md")
    assert len(shipped) == 3
    for path in shipped:
        assert f"`{path.name}` sha256 {hashlib.sha256(path.read_bytes()).hexdigest()}" in readme


def test_a_schema_import_resolves_only_to_a_file_shipped_next_to_the_schema(tmp_path: Path) -> None:
    (tmp_path / "main.xsd").write_text(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a">'
        '<xs:import namespace="urn:b" schemaLocation="http://example.org/elsewhere/missing.xsd"/></xs:schema>')
    # The resolver refuses it (no such file in the folder): nothing is fetched, the schema does not compile.
    with pytest.raises(etree.XMLSchemaParseError, match=r"missing\.xsd"):
        etree.XMLSchema(etree.parse(str(tmp_path / "main.xsd"), hardened_parser(tmp_path)))
