"""An Italian company's PDF is the courtesy copy of the FatturaPA it sends through SDI, and says so.

Since 2019 the Italian invoice with legal value is the electronic one transmitted through the Sistema di
Interscambio (art. 1 d.lgs. 127/2015); a paper or PDF bill is a "copia di cortesia" and must not pass for
the invoice (Agenzia delle Entrate, provvedimento 30 aprile 2018 n. 89757, §6.4). The page names the file
whose copy it is, so a customer or an auditor can find the electronic original.
"""

from __future__ import annotations

from api.documents import service
from api.documents.einvoice.fatturapa import file_name
from ledger.documents.loading import load_invoice_facts
from tests.clerk import Clerk
from tests.documents_scenario import doc_clerk, invoice, text_of

__all__ = ["doc_clerk"]


def flat(text: str) -> str:
    return " ".join(text.split())


def test_an_italian_invoice_pdf_says_it_is_the_courtesy_copy_of_its_sdi_file(doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "it-pagopa", language="it")
    app = doc_clerk.services.app
    sdi_file = file_name(load_invoice_facts(app, issued["number"]))
    text = flat(text_of(service.render(app, issued["number"]).pdf))
    assert "Copia di cortesia" in text
    assert sdi_file in text and sdi_file.startswith("IT")


def test_an_english_reader_of_an_italian_invoice_is_told_too(doc_clerk: Clerk) -> None:
    _, issued = invoice(doc_clerk, "it-pagopa", language="en")
    app = doc_clerk.services.app
    text = flat(text_of(service.render(app, issued["number"]).pdf))
    assert "Courtesy copy" in text and file_name(load_invoice_facts(app, issued["number"])) in text


def test_other_countries_invoices_carry_no_such_notice(doc_clerk: Clerk) -> None:
    for company in ("fi-network", "es-water"):
        _, issued = invoice(doc_clerk, company, language="en")
        text = flat(text_of(service.render(doc_clerk.services.app, issued["number"]).pdf))
        assert "Courtesy copy" not in text
