"""Rendering an issued document from the store and recording its hash: what the HTTP route and the CLI
share.

:func:`render` draws the PDF of invoice or credit note ``number`` from its events
(:func:`ledger.documents.loading.load_invoice_document`), in its partner's language (:func:`document`);
:func:`issue` renders it and records the rendering's SHA-256, byte length and renderer version as an event
(:class:`~ledger.documents.commands.RecordRendering`), so an auditor can re-render later and compare.
:func:`render_letter` draws a letter or notice from the event that caused it
(:func:`ledger.documents.letter_loading.load_letter`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from api.documents.einvoice.dispatch import format_for
from api.documents.einvoice.fatturapa import file_name as fatturapa_file_name
from api.documents.invoice_pdf import RENDERER, render_invoice_pdf, sha256
from api.documents.letter_pdf import render_letter_pdf
from api.documents.wording import wording_for
from ledger.application import Saldo
from ledger.core.actor import Actor
from ledger.core.errors import DomainError
from ledger.documents.commands import RecordRendering
from ledger.documents.invoice_document import InvoiceDocument
from ledger.documents.letter_loading import load_letter
from ledger.documents.loading import InvoiceFacts, document_of, find_invoice, load_invoice_facts
from ledger.documents.renderings import DocumentRenderings


@dataclass(frozen=True)
class Rendered:
    number: str
    pdf: bytes
    sha256: str
    #: The hash recorded for this document and renderer when it was issued, if it was.
    recorded_sha256: str | None


def document(app: Saldo, number: str) -> InvoiceDocument:
    """What the page of ``number`` prints, in the language its partner spoke when it was issued; for a
    company whose e-invoice is the FatturaPA, the name of the SDI file it is the courtesy copy of."""
    facts = load_invoice_facts(app, number)
    return replace(document_of(app, facts, wording_for), tax_document=_tax_document(facts))


def _tax_document(facts: InvoiceFacts) -> str | None:
    """Since 2019 an Italian invoice is the FatturaPA sent through SDI (art. 1 d.lgs. 127/2015); a PDF of
    it is only a "copia di cortesia" and must say so (Agenzia delle Entrate, provvedimento 30 aprile 2018
    n. 89757, §6.4, https://www.agenziaentrate.gov.it/portale/web/guest/provvedimento-del-30-aprile-2018):
    the page names the file, so the customer can find the original in their tax drawer ("" when the
    number cannot be an SDI file's: the page still says it is a copy, and the e-invoice reports why)."""
    if format_for(facts.company) != "fatturapa":
        return None
    try:
        return fatturapa_file_name(facts)
    except DomainError:
        return ""


def render(app: Saldo, number: str) -> Rendered:
    """The PDF of invoice or credit note ``number`` (NotFound if there is none), with its recorded hash."""
    invoice = find_invoice(app, number, "invoice_number")
    pdf = render_invoice_pdf(document(app, invoice.number))
    renderings = app.find(DocumentRenderings, DocumentRenderings.id_for(invoice.number))
    recorded = None if renderings is None else renderings.of(RENDERER)
    return Rendered(invoice.number, pdf, sha256(pdf), None if recorded is None else recorded.sha256)


def issue(app: Saldo, number: str, key: str, actor: Actor | None = None) -> tuple[Rendered, dict[str, Any]]:
    """Render ``number`` and record the rendering (once per renderer version); the PDF and the result."""
    rendered = render(app, number)
    command = RecordRendering(rendered.number, rendered.sha256, len(rendered.pdf), RENDERER)
    return rendered, app.execute(command, key, actor=actor)


@dataclass(frozen=True)
class RenderedLetter:
    filename: str
    pdf: bytes
    sha256: str
    language: str


def render_letter(app: Saldo, account_id: UUID, kind: str, source_id: str) -> RenderedLetter:
    """The PDF of the letter of ``kind`` that event ``source_id`` on the account caused (NotFound if the
    account's events name none), in the partner's language as it was then; the same bytes every time."""
    letter = load_letter(app, account_id, kind, source_id)
    pdf = render_letter_pdf(letter)
    return RenderedLetter(f"{kind}-{letter.number}.pdf", pdf, sha256(pdf), letter.head.language)
