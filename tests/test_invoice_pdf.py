"""Issue 13 item 1: the invoice and credit-note PDF, on both stores.

The same events give the same bytes (twice, after a rebuild of the projections, and from a new application
on the same store), whose hash was recorded as an event when the PDF was issued; the page's text shows the
customer, the VAT per rate, the total, the due date and the reference; and the payment code an
independent decoder (zxing-cpp) reads off the rasterised page is the one the invoice asks for.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from api.bootstrap import build
from api.documents import code128, service
from api.documents.invoice_pdf import RENDERER, sha256
from ledger.accounts import commands as ac
from ledger.accounts.references import fi, it_pagopa
from ledger.collections.commands import RegisterMandate
from ledger.core.errors import Conflict
from ledger.documents.commands import RecordRendering
from ledger.documents.loading import load_invoice_document
from ledger.documents.renderings import DocumentRenderings
from ledger.parties import commands as pc
from ledger.parties.partner import PostalAddress
from tests.clerk import Clerk
from tests.documents_scenario import CUSTOMERS, codes_on, customer, doc_clerk, invoice, lines, text_of

__all__ = ["doc_clerk"]


def test_the_same_events_give_the_same_bytes_and_the_recorded_hash(doc_clerk: Clerk, store_url: str) -> None:
    _, issued = invoice(doc_clerk, "es-water")
    number = issued["number"]
    app = doc_clerk.services.app
    first, result = service.issue(app, number, "render-1")
    assert result["recorded"] is True and result["renderer"] == RENDERER
    assert result["sha256"] == sha256(first.pdf) and result["byte_length"] == len(first.pdf)
    assert first.pdf.startswith(b"%PDF-") and b"/CreationDate (D:20260301000000Z)" in first.pdf
    renderings = app.get(DocumentRenderings, DocumentRenderings.id_for(number), "renderings", "number")
    assert [(r.sha256, r.renderer) for r in renderings.renderings] == [(first.sha256, RENDERER)]

    again = service.render(app, number)
    assert again.pdf == first.pdf and again.recorded_sha256 == first.sha256
    doc_clerk.services.projections.rebuild()
    assert service.render(app, number).pdf == first.pdf
    fresh = build(store_url, clock=doc_clerk.clock)  # another process: everything read back from the store
    try:
        replayed = service.render(fresh.app, number)
        assert replayed.sha256 == first.sha256 == replayed.recorded_sha256
        _, second = service.issue(fresh.app, number, "render-2")
        assert second["recorded"] is False  # rendered again by the same renderer: nothing new to record
    finally:
        fresh.close()
    with pytest.raises(Conflict, match="was recorded as"):
        app.execute(RecordRendering(number, "0" * 64, len(first.pdf), RENDERER), "render-3")


def test_a_later_change_of_address_does_not_change_an_issued_invoice(doc_clerk: Clerk) -> None:
    partner, issued = invoice(doc_clerk, "it-pagopa")
    before = service.render(doc_clerk.services.app, issued["number"])
    doc_clerk.run(pc.ChangePartnerDetails(partner, address=PostalAddress("Via Nuova 1", "90100", "Palermo",
                                                                         "IT")))
    after = service.render(doc_clerk.services.app, issued["number"])
    assert after.pdf == before.pdf
    assert "Palermo" not in text_of(after.pdf) and "Messina" in text_of(after.pdf)


@pytest.mark.parametrize("company", ["it-pagopa", "fi-network", "es-water"])
def test_the_page_shows_customer_vat_per_rate_total_due_date_and_reference(doc_clerk: Clerk,
                                                                          company: str) -> None:
    _, issued = invoice(doc_clerk, company)
    doc = load_invoice_document(doc_clerk.services.app, issued["number"])
    text = text_of(service.render(doc_clerk.services.app, issued["number"]).pdf)
    name, address = CUSTOMERS[company]
    assert name in text and address.town in text  # letters beyond Latin-1 (Ł, ř) come back as written
    assert f"Total to pay {issued['gross']} EUR" in text
    assert f"Due date: {issued['due_date']}" in text
    assert f"Payment reference: {issued['payment_reference']}" in text
    assert len(doc.vat_rows) == 2
    for v in doc.vat_rows:
        assert f"Taxable amount at VAT {v.rate} %: {v.taxable} EUR" in text
        assert f"VAT {v.rate} %: {v.vat} EUR" in text
    for section in doc.sections:
        for line in section.lines:
            assert f"{line.description} {line.quantity} {line.unit} {line.unit_price} {line.amount}" in text
    assert [s.site for s in doc.sections] == ["IT001E11110001", "IT001E11110002", None]  # one per site
    assert [s.estimated for s in doc.sections] == [False, True, False]
    assert "Supply point IT001E11110002 — estimated consumption" in text
    pages = text.count(f"Invoice {issued['number']} of {doc.issue_date} · page ")
    assert pages >= 1 and f"page {pages} of {pages}" in text  # each page names its bill


def test_the_italian_summary_is_the_four_blocks_of_the_bolletta_2_0_and_adds_up_to_the_total(
        doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "it-pagopa")
    doc = load_invoice_document(doc_clerk.services.app, issued["number"])
    assert [r.key for r in doc.summary] == ["materia-energia", "trasporto", "oneri", "imposte"]
    assert sum(Decimal(r.amount) for r in doc.summary) == Decimal(issued["gross"])
    text = text_of(service.render(doc_clerk.services.app, issued["number"]).pdf)
    for row in doc.summary:
        assert f"{row.label} {row.amount} EUR" in text


def test_the_pagopa_qr_code_on_the_page_carries_the_notice_the_creditor_and_the_amount(
        doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "it-pagopa")
    codes = codes_on(service.render(doc_clerk.services.app, issued["number"]).pdf)
    assert [fmt for fmt, _ in codes] == ["QR Code"]
    tag, version, notice, creditor, cents = codes[0][1].split("|")
    assert (tag, version) == ("PAGOPA", "002")
    assert notice == issued["payment_reference"] and it_pagopa.is_valid(notice)
    assert creditor == "00743110157"  # the company's fiscal code: its VAT number without IT
    assert Decimal(cents) / 100 == Decimal(issued["gross"])


def test_the_epc_qr_code_on_the_page_pays_the_invoice_to_the_company(doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "es-water")
    codes = codes_on(service.render(doc_clerk.services.app, issued["number"]).pdf)
    assert [fmt for fmt, _ in codes] == ["QR Code"]
    fields = codes[0][1].split("\n")
    assert fields[:4] == ["BCD", "002", "1", "SCT"]
    assert fields[4:8] == ["CAIXESBBXXX", "Aigües de Reus, S.A.", "ES9121000418450200051332",
                           f"EUR{Decimal(issued['gross'])}"]
    assert fields[9] == issued["payment_reference"]  # the RF reference, structured


def test_the_finnish_bank_barcode_is_printed_as_digits_and_as_code_128(doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "fi-network")
    pdf = service.render(doc_clerk.services.app, issued["number"]).pdf
    codes = codes_on(pdf)
    assert [fmt for fmt, _ in codes] == ["Code 128"]
    digits = codes[0][1]
    assert f"Virtuaaliviivakoodi: {digits}" in text_of(pdf)
    # Pankkiviivakoodi-opas, version 4: 4, the IBAN's 16 digits, euros (6) and cents (2), 000, the
    # viitenumero (20), the due date YYMMDD.
    assert len(digits) == 54 and digits[0] == "4" and digits[1:17] == "2112345600000785"
    assert Decimal(digits[17:23] + "." + digits[23:25]) == Decimal(issued["gross"])
    assert digits[25:28] == "000" and digits[28:48].lstrip("0") == issued["payment_reference"]
    assert fi.is_valid(issued["payment_reference"])
    assert digits[48:] == date.fromisoformat(issued["due_date"]).strftime("%y%m%d")


def test_code_128_bars_decode_back_to_their_digits_from_the_pattern_table() -> None:
    digits = "479440520200360820048831500000000868516259619897100612"  # the guide's own example
    widths = code128.widths(digits)
    table = {p: v for v, p in enumerate(code128.PATTERNS)}
    values = [table[widths[i:i + 6]] for i in range(0, len(widths) - 7, 6)]
    assert widths.endswith(code128.PATTERNS[code128.STOP])
    assert values[0] == code128.START_C
    assert values[-1] == (values[0] + sum(i * v for i, v in enumerate(values[1:-1], start=1))) % 103
    assert "".join(f"{v:02d}" for v in values[1:-1]) == digits
    with pytest.raises(ValueError, match="even number"):
        code128.widths("123")


def test_a_credit_note_prints_what_it_corrects_and_no_payment_code(doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "es-water")
    credit = doc_clerk.run(ac.IssueCreditNote(issued["number"], "wrong meter read"))
    doc = load_invoice_document(doc_clerk.services.app, credit["number"])
    assert (doc.kind, doc.title, doc.corrects, doc.payment_code) == ("credit-note", "Credit note",
                                                                     issued["number"], None)
    pdf = service.render(doc_clerk.services.app, credit["number"]).pdf
    text = text_of(pdf)
    assert f"Credit note {credit['number']}" in text and f"Corrects: {issued['number']}" in text
    assert f"Total credited {doc.gross} EUR" in text and codes_on(pdf) == []


def test_a_long_description_wraps_in_its_column_and_loses_no_word(doc_clerk: Clerk) -> None:
    _, account = customer(doc_clerk, "es-water")
    description = ("Quota de servei del comptador d'aigua per a habitatges, segons l'ordenança fiscal "
                   "municipal de Reus, article 7è, tarifa domèstica amb bonificació social")
    line = ac.LineInput(description, "water", Decimal("59"), "day", Decimal("0.2375"), Decimal("10"))
    issued = doc_clerk.run(ac.IssueInvoice(account, (line,), doc_clerk.clock.today))
    text = text_of(service.render(doc_clerk.services.app, issued["number"]).pdf)
    words = " ".join(text.split())
    assert description in words.replace("- ", "-")  # the wrapped lines join back into the description
    assert "59 day 0.2375 14.01 10" in words


def test_an_invoice_collected_by_direct_debit_carries_no_payment_code_and_earlier_ones_keep_theirs(
        doc_clerk: Clerk) -> None:
    _, account = customer(doc_clerk, "es-water")
    app = doc_clerk.services.app
    before = doc_clerk.run(ac.IssueInvoice(account, lines("21"), doc_clerk.clock.today))
    first = service.render(app, before["number"]).pdf
    doc_clerk.run(RegisterMandate(account, "AR-UMR-000123", date(2026, 2, 1), "Núria Castellví",
                                  "ES7921000813610123456789"))
    after = doc_clerk.run(ac.IssueInvoice(account, lines("21"), doc_clerk.clock.today))
    doc = load_invoice_document(app, after["number"])
    assert doc.payment_code is None
    assert doc.collection == "Collected by SEPA direct debit from ES79 **** 6789 (mandate AR-UMR-000123)"
    pdf = service.render(app, after["number"]).pdf
    assert codes_on(pdf) == [] and doc.collection in text_of(pdf)
    # The earlier invoice was issued to be paid by transfer: re-rendered now, it is the same document.
    assert service.render(app, before["number"]).pdf == first
    assert [fmt for fmt, _ in codes_on(first)] == ["QR Code"]


def test_a_long_collective_invoice_runs_over_pages_each_under_its_table_header(doc_clerk: Clerk) -> None:
    _, account = customer(doc_clerk, "es-water")
    many = tuple(ac.LineInput(f"water: block {i % 3 + 1}", "water", Decimal(f"{i}.125"), "m3",
                              Decimal("0.95"), Decimal("10"), site=f"ES00314063995{i % 4:05d}YL")
                 for i in range(1, 121))
    issued = doc_clerk.run(ac.IssueInvoice(account, many, doc_clerk.clock.today))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(service.render(doc_clerk.services.app,
                                                                           issued["number"]).pdf)).pages]
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert f"page {n} of {len(pages)}" in page
    for page in pages[1:-1]:  # a page in the middle of the lines starts with the table's header again
        assert page.lstrip().startswith("Description Quantity Unit Unit price EUR Amount EUR VAT %")
    assert f"Total to pay {issued['gross']} EUR" in pages[-1]
