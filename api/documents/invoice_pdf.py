"""The invoice and credit-note PDF: lays out an :class:`~ledger.documents.invoice_document.InvoiceDocument`.

fpdf2 (pure Python, https://py-pdf.github.io/fpdf2/) draws the page; every figure comes printed from the
model. The bytes are deterministic — the same document gives the same bytes, so an auditor can re-render
from the events and compare the hash recorded when it was issued:

- the creation date is the document's issue date at midnight UTC (fpdf2 would write "now"), the producer
  and creator are fixed texts, and the file identifier is fpdf2's default, an MD5 of the bytes and that
  date (https://py-pdf.github.io/fpdf2/Metadata.html; PDF 1.7 §14.4);
- the font is a fixed file shipped here (DejaVu Sans, subset to the Latin scripts of Saldo's languages,
  see fonts/README.md), embedded as fpdf2 subsets it: the same glyphs in the same order every time;
- the QR code is drawn as vector squares from segno's matrix and the Code 128 bars as rectangles: no
  raster image, so no encoder settings that could vary.

The labels are in the partner's language (the model's ``language``; catalogue ``documents``, see
:mod:`api.i18n`); the figures and dates come written in it from the model (:mod:`api.documents.wording`).

:data:`RENDERER` names this layout, the model and the versions of the libraries that write the bytes; it
is recorded with each hash (:class:`~ledger.documents.renderings.DocumentRenderings`), since another
version may lay out other bytes.
"""

from __future__ import annotations

import hashlib
from typing import cast

import fontTools
import segno
from fpdf import FPDF, FPDF_VERSION

from api.documents import code128
from api.documents.message_texts import box_texts
from api.documents.page import FONT, new_page
from api.documents.page import text as _text
from api.documents.swiss_payment_part import TOP_MM, draw_payment_part
from api.i18n import N_, translate
from ledger.documents.invoice_document import MODEL_VERSION, InvoiceDocument, PaymentCode, SiteSection

CATALOG = "documents"
#: Bumped whenever this module lays out anything differently.
LAYOUT_VERSION = 4  # 2: the personal messages box; 3: labels in the partner's language; 4: courtesy copy
#: fontTools subsets the embedded fonts and segno lays out the QR code: another version of either may
#: write other bytes for the same page, so they are part of the renderer's name too.
RENDERER = (f"saldo-invoice-pdf/{LAYOUT_VERSION} model/{MODEL_VERSION} fpdf2/{FPDF_VERSION} "
            f"fonttools/{fontTools.version} segno/{segno.__version__}")
#: Columns of a line: description, quantity, unit, unit price, amount, VAT % (mm; 180 mm of text width).
COLUMNS = (70.0, 24.0, 16.0, 28.0, 26.0, 16.0)
#: The QR code's side including its 4-module quiet zone (EPC069-12 asks for a code readable from paper;
#: 40 mm is what the German GiroCode guideline suggests at most, and plenty for 331 bytes at level M).
QR_SIDE_MM = 40.0
#: Code 128 module width and bar height (Pankkiviivakoodi-opas: module 0.25-0.5 mm, height ≥ 13 mm... to
#: be checked against the guide's print rules before real bills are printed).
BAR_MODULE_MM, BAR_HEIGHT_MM, QUIET_MODULES = 0.3, 13.0, 10


def sha256(pdf: bytes) -> str:
    return hashlib.sha256(pdf).hexdigest()


def _t(doc: InvoiceDocument, message: str, **fields: object) -> str:
    """A label of the page in the document's language."""
    return translate(doc.language, CATALOG, message, **fields)


#: How each kind of reading is named on the page (the model's ``ReadingRow.kind``).
READING_KINDS = {"actual": N_("actual"), "self-reading": N_("self-reading"), "estimated": N_("estimated"),
                 "correction": N_("correction")}


def _new_pdf(doc: InvoiceDocument) -> FPDF:
    footer = f"{doc.company.name} · " + _t(doc, N_("{title} {number} of {date}"), title=doc.title,
                                           number=doc.number, date=doc.issue_date)
    return new_page(footer, doc.issued_on, RENDERER, f"{doc.title} {doc.number}", doc.company.name,
                    page_of=_t(doc, N_("page {page} of {pages}")))


def _header(pdf: FPDF, doc: InvoiceDocument) -> None:
    top = pdf.get_y()
    _text(pdf, doc.company.name, 13, bold=True, height=6)
    for line in doc.company.address:
        _text(pdf, line)
    if doc.company.tax_id:
        _text(pdf, _t(doc, N_("VAT {vat_id}"), vat_id=doc.company.tax_id))
    bottom = pdf.get_y()
    pdf.set_xy(120, top)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(75, 6, f"{doc.title} {doc.number}", align="R", new_x="LEFT", new_y="NEXT")
    facts = [(N_("Issue date"), doc.issue_date), (N_("Due date"), doc.due_date), (N_("Period"), doc.period),
             (N_("Account"), doc.account_name)]
    if doc.corrects:
        facts.append((N_("Corrects"), doc.corrects))
    pdf.set_font(FONT, "", 9)
    for label, value in facts:
        if value:
            pdf.set_x(120)
            pdf.cell(75, 4.5, f"{_t(doc, label)}: {value}", align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(15, max(bottom, pdf.get_y()) + 6)
    _text(pdf, _t(doc, N_("Customer")), 8, bold=True)
    _text(pdf, doc.customer.name, 10, bold=True, height=5)
    for line in doc.customer.address:
        _text(pdf, line)
    if doc.customer.tax_id:
        _text(pdf, _t(doc, N_("Tax id {tax_id}"), tax_id=doc.customer.tax_id))
    pdf.ln(4)
    _courtesy_copy(pdf, doc)


def _courtesy_copy(pdf: FPDF, doc: InvoiceDocument) -> None:
    """Where the invoice with legal value is an e-invoice (Italy: the FatturaPA sent through SDI), the page
    says it is only a copy and names the file (api.documents.service._tax_document)."""
    if doc.tax_document is None:
        return
    if doc.tax_document:
        notice = _t(doc, N_("Courtesy copy: the invoice for tax purposes is the electronic invoice {file} "
                            "sent through the Exchange System (SdI), available in your reserved area of "
                            "the Revenue Agency's website."), file=doc.tax_document)
    else:
        notice = _t(doc, N_("Courtesy copy: the invoice for tax purposes is the electronic invoice sent "
                            "through the Exchange System (SdI), available in your reserved area of the "
                            "Revenue Agency's website."))
    _text(pdf, notice, 8, bold=True)
    pdf.ln(3)


def _row(pdf: FPDF, cells: tuple[str, ...], bold: bool = False,
         header: tuple[str, ...] | None = None) -> None:
    """One table row; a description longer than its column wraps (nothing printed is ever cut off), and the
    row moves whole to the next page if it does not fit, under the table's ``header`` again."""
    pdf.set_font(FONT, "B" if bold else "", 8)
    border = "B" if bold else ""
    # Most descriptions fit: measuring one is far cheaper than fpdf2's line breaking (a third of the time).
    fits = pdf.get_string_width(cells[0]) <= COLUMNS[0] - 2 * pdf.c_margin
    wrapped = [cells[0]] if fits else pdf.multi_cell(COLUMNS[0], 4.5, cells[0], dry_run=True, output="LINES")
    height = 4.5 * max(1, len(wrapped) if isinstance(wrapped, list) else 1)
    if pdf.will_page_break(height):
        pdf.add_page()
        if header is not None:
            _row(pdf, header, bold=True)
            pdf.set_font(FONT, "B" if bold else "", 8)
    x, y = pdf.get_x(), pdf.get_y()
    if fits:
        pdf.cell(COLUMNS[0], height, cells[0], border=border, align="L")
    else:
        pdf.multi_cell(COLUMNS[0], 4.5, cells[0], border=border, align="L", new_x="RIGHT", new_y="TOP")
    for i, (width, text) in enumerate(zip(COLUMNS[1:], cells[1:], strict=True), start=1):
        pdf.cell(width, height, text, border=border, align="L" if i == 2 else "R")
    pdf.set_xy(x, y + height)


def _section(pdf: FPDF, doc: InvoiceDocument, section: SiteSection) -> None:
    if pdf.will_page_break(25):  # a heading starts its table on the same page: heading, header, two lines
        pdf.add_page()
    heading = (_t(doc, N_("Supply point {site}"), site=section.site) if section.site
               else _t(doc, N_("Charges")))
    estimated = " — " + _t(doc, N_("estimated consumption")) if section.estimated else ""
    _text(pdf, heading + estimated, 10, bold=True, height=6)
    if section.readings:
        used = "; ".join(_t(doc, N_("{reading} {date} index {index} ({kind})"), reading=r.reading_id,
                            date=r.read_on, index=r.index, kind=_t(doc, READING_KINDS[r.kind]))
                         for r in section.readings)
        _text(pdf, _t(doc, N_("Readings used: {readings}"), readings=used), 8, height=4)
    else:  # the note says how the consumption was found (an estimate, a load curve)
        for note in dict.fromkeys(li.note for li in section.lines if li.note):
            _text(pdf, note, 8, height=4)
    header = (_t(doc, N_("Description")), _t(doc, N_("Quantity")), _t(doc, N_("Unit")),
              _t(doc, N_("Unit price {currency}"), currency=doc.currency),
              _t(doc, N_("Amount {currency}"), currency=doc.currency), _t(doc, N_("VAT %")))
    _row(pdf, header, bold=True)
    period = ""
    for li in section.lines:
        if li.period != period and li.period:  # lines come by period (a tariff change splits them)
            _text(pdf, _t(doc, N_("Period {period}"), period=li.period), 8, bold=True, height=4.5)
        period = li.period
        cells = (li.description, li.quantity, li.unit, li.unit_price, li.amount, li.vat_rate)
        _row(pdf, cells, header=header)
    _row(pdf, (_t(doc, N_("Subtotal")), "", "", "", section.subtotal, ""), bold=True)
    pdf.ln(3)


def _totals(pdf: FPDF, doc: InvoiceDocument) -> None:
    _text(pdf, _t(doc, N_("Summary")), 10, bold=True, height=6)
    pdf.set_font(FONT, "", 9)
    for row in doc.summary:
        pdf.cell(140, 4.5, row.label)
        pdf.cell(40, 4.5, f"{row.amount} {doc.currency}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for v in doc.vat_rows:
        pdf.cell(140, 4.5, _t(doc, N_("Taxable amount at VAT {rate} %: {taxable} {currency}"), rate=v.rate,
                              taxable=v.taxable, currency=doc.currency))
        pdf.cell(40, 4.5, _t(doc, N_("VAT {rate} %: {vat} {currency}"), rate=v.rate, vat=v.vat,
                             currency=doc.currency), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(140, 4.5, _t(doc, N_("Taxable amount")))
    pdf.cell(40, 4.5, f"{doc.net} {doc.currency}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(140, 4.5, _t(doc, N_("VAT")))
    pdf.cell(40, 4.5, f"{doc.vat} {doc.currency}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    label = N_("Total credited") if doc.kind == "credit-note" else N_("Total to pay")
    pdf.cell(140, 6, _t(doc, label))
    pdf.cell(40, 6, f"{doc.gross} {doc.currency}", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _messages(pdf: FPDF, doc: InvoiceDocument) -> None:
    """The personal messages (ledger/documents/messages.py) in a framed box, in the customer's language;
    no box when none was chosen. The box moves whole to the next page if it does not fit."""
    if doc.messages is None:
        return
    title, texts = box_texts(doc.messages)
    pdf.set_font(FONT, "", 8.5)
    lines = sum(len(cast(list[str], pdf.multi_cell(176, 4.2, t, dry_run=True, output="LINES")))
                for t in texts)
    height = 6 + 4.2 * lines + 2 * len(texts) + 2
    if pdf.will_page_break(height + 2):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_draw_color(0, 0, 0)
    pdf.rect(15, top, 180, height)
    pdf.set_xy(17, top + 1)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(176, 5, title, new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "", 8.5)
    for text in texts:
        pdf.set_x(17)
        pdf.multi_cell(176, 4.2, text, align="L", new_x="LEFT", new_y="NEXT")
        pdf.ln(2)
    pdf.set_xy(15, top + height + 4)


def qr_matrix(payload: str) -> tuple[tuple[bool, ...], ...]:
    """The QR code's modules (True: dark), without the quiet zone: level M, UTF-8 bytes, as EPC069-12
    asks (character set 1 = UTF-8) and as the pagoPA notice uses."""
    qr = segno.make(payload, error="m", micro=False, encoding="utf-8", boost_error=False)
    return tuple(tuple(bool(m) for m in row) for row in qr.matrix)


def _draw_qr(pdf: FPDF, payload: str, x: float, y: float) -> None:
    matrix = qr_matrix(payload)
    module = QR_SIDE_MM / (len(matrix) + 8)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules: fewer objects, same picture
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + (4 + start) * module, y + (4 + r) * module, (c - start) * module, module, style="F")


def _draw_barcode(pdf: FPDF, digits: str, x: float, y: float) -> None:
    pdf.set_fill_color(0, 0, 0)
    at = x + QUIET_MODULES * BAR_MODULE_MM
    for i, width in enumerate(code128.widths(digits)):
        w = int(width) * BAR_MODULE_MM
        if i % 2 == 0:
            pdf.rect(at, y, w, BAR_HEIGHT_MM, style="F")
        at += w


def _payment(pdf: FPDF, doc: InvoiceDocument) -> None:
    code = doc.payment_code
    needed = QR_SIDE_MM + 20 if code is not None else 20
    if pdf.will_page_break(needed):
        pdf.add_page()
    if doc.kind == "credit-note":
        _text(pdf, _t(doc, N_("Nothing to pay: the amount is credited to your account.")), 9)
        return
    _text(pdf, _t(doc, N_("Payment")), 10, bold=True, height=6)
    due, reference = _t(doc, N_("Due date")), _t(doc, N_("Payment reference"))
    _text(pdf, f"{due}: {doc.due_date}")
    _text(pdf, f"{reference}: {doc.payment_reference or '—'}")
    if doc.collection is not None:
        _text(pdf, _t(doc, N_("{collection}: nothing to do."), collection=doc.collection))
        return
    _text(pdf, f"IBAN: {doc.payee_iban}" + (f"  BIC: {doc.payee_bic}" if doc.payee_bic else ""))
    if code is not None and code.kind == "ch-qrbill":
        _swiss_qr_bill(pdf, code)
    elif code is not None:
        _payment_code(pdf, doc, code)


def _swiss_qr_bill(pdf: FPDF, code: PaymentCode) -> None:
    """The QR-bill's payment part at the foot of this page, or of a new one if the page is too full; the
    page's footer then moves above it (nothing else may be printed in it)."""
    if pdf.get_y() > TOP_MM - 12:
        pdf.add_page()
    pdf.footer_y = TOP_MM - 9 - pdf.h  # type: ignore[attr-defined]
    draw_payment_part(pdf, code.payload, qr_matrix(code.payload))


def _payment_code(pdf: FPDF, doc: InvoiceDocument, code: PaymentCode) -> None:
    y = pdf.get_y() + 2
    if code.kind == "fi-barcode":
        _draw_barcode(pdf, code.payload, 15, y)
        pdf.set_xy(15, y + BAR_HEIGHT_MM + 1)
        _text(pdf, _t(doc, N_("Virtuaaliviivakoodi: {barcode}"), barcode=code.payload), 8)
        return
    _draw_qr(pdf, code.payload, 15, y)
    pdf.set_xy(15 + QR_SIDE_MM + 4, y + 4)
    label = _t(doc, N_("pagoPA: scan to pay (notice code, creditor, amount)") if code.kind == "pagopa-qr"
               else N_("Scan with your banking app to pay by SEPA credit transfer"))
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(120, 4, label)
    pdf.set_xy(15, y + QR_SIDE_MM + 2)


def render_invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The PDF of ``doc``: the same document always gives the same bytes."""
    pdf = _new_pdf(doc)
    _header(pdf, doc)
    for section in doc.sections:
        _section(pdf, doc, section)
    _totals(pdf, doc)
    _messages(pdf, doc)
    _payment(pdf, doc)
    return bytes(pdf.output())
