"""A letter or notice as PDF: lays out a :class:`~ledger.documents.letters.Letter` in its customer's language.

The letter's texts are message ids of the ``letters`` catalogue with typed fields; here each is translated
(:func:`api.i18n.translate`) and each value formatted as the language writes it (:func:`api.i18n.money`,
:func:`~api.i18n.day`, :func:`~api.i18n.number`), then laid out on the same deterministic page as the
invoice (:mod:`api.documents.page`): the same letter gives the same bytes, its creation date is the
letter's own date. :data:`RENDERER` names this layout, the model and the libraries that write the bytes.

The page: the company's letterhead, our reference, date and account on the right; the addressee; the
subject; the salutation and the paragraphs; the table (the items dunned, a plan's schedule); the box with
the amount due, the deadline, the payment reference (and the IBAN when the letter asks for a transfer);
the closing; and, in small print, the rule applied and the event the letter was issued for.
"""

from __future__ import annotations

from decimal import Decimal

import fontTools
from fpdf import FPDF, FPDF_VERSION
from fpdf.fonts import FontFace

from api.documents.page import FONT, new_page, text
from api.i18n import day, money, number, translate
from ledger.documents import letter_texts as t
from ledger.documents.letters import MODEL_VERSION, Letter, Money, Phrase, Table, Value, phrase

#: Bumped whenever this module lays out anything differently.
LAYOUT_VERSION = 1
RENDERER = (f"saldo-letter-pdf/{LAYOUT_VERSION} model/{MODEL_VERSION} fpdf2/{FPDF_VERSION} "
            f"fonttools/{fontTools.version}")
#: Column widths (mm, of the 180 mm of text) by the number of columns a table has.
WIDTHS = {4: (62.0, 30.0, 53.0, 35.0), 6: (12.0, 28.0, 28.0, 24.0, 30.0, 58.0)}


def value(v: Value, language: str) -> str:
    """A field's value as ``language`` writes it."""
    if isinstance(v, Money):
        return money(v.amount, v.currency, language)
    if isinstance(v, Phrase):
        return say(v, language)
    if isinstance(v, bool | int | str):
        return str(v)
    if isinstance(v, Decimal):
        return number(v, language)
    return day(v, language)


def say(p: Phrase, language: str) -> str:
    """A text of the letter in ``language``, its fields filled."""
    fields = {name: value(v, language) for name, v in p.fields}
    return translate(language, t.CATALOG, p.msgid, **fields)


def _header(pdf: FPDF, letter: Letter, lang: str) -> None:
    head = letter.head
    top = pdf.get_y()
    text(pdf, head.company.name, 13, bold=True, height=6)
    for line in head.company.address:
        text(pdf, line)
    if head.company.tax_id:
        text(pdf, head.company.tax_id)
    bottom = pdf.get_y()
    pdf.set_xy(110, top)
    pdf.set_font(FONT, "", 9)
    for line in (say(phrase(t.LETTER_REF, reference=letter.number), lang),
                 say(phrase(t.DATE, date=letter.dated), lang),
                 say(phrase(t.ACCOUNT, account=head.account), lang)):
        pdf.set_x(110)
        pdf.multi_cell(85, 4.5, line, align="R", new_x="LEFT", new_y="NEXT")
    pdf.set_xy(15, max(bottom, pdf.get_y()) + 8)
    text(pdf, head.addressee.name, 10, bold=True, height=5)
    for line in head.addressee.address:
        text(pdf, line)
    pdf.ln(8)


def _table(pdf: FPDF, table: Table, lang: str) -> None:
    widths = WIDTHS.get(len(table.header), tuple(180.0 / len(table.header) for _ in table.header))
    align = tuple("RIGHT" if any(isinstance(r[i], Money) for r in table.rows) else "LEFT"
                  for i in range(len(table.header)))
    pdf.set_font(FONT, "", 8)
    with pdf.table(col_widths=widths, text_align=align, line_height=4.5, width=180,
                   headings_style=FontFace(emphasis="BOLD"), first_row_as_headings=True,
                   borders_layout="HORIZONTAL_LINES") as rows:
        heading = rows.row()
        for msgid in table.header:
            heading.cell(say(Phrase(msgid), lang))
        for cells in table.rows:
            row = rows.row()
            for cell in cells:
                row.cell(value(cell, lang))
    pdf.ln(4)


def _due(pdf: FPDF, letter: Letter, lang: str) -> None:
    lines = []
    if letter.amount_due is not None:
        lines.append((say(phrase(t.AMOUNT_DUE, amount=letter.amount_due), lang), True))
    if letter.deadline is not None:
        lines.append((say(phrase(t.DEADLINE, date=letter.deadline), lang), True))
    if letter.payment_reference:
        lines.append((say(phrase(t.PAYMENT_REFERENCE, reference=letter.payment_reference), lang), False))
    if letter.asks_transfer and letter.head.pay_to:
        lines.append((say(phrase(t.PAY_TO, iban=letter.head.pay_to), lang), False))
    for line, bold in lines:
        text(pdf, line, 10 if bold else 9, bold=bold, height=5)
    if lines:
        pdf.ln(3)


def render_letter_pdf(letter: Letter) -> bytes:
    """The PDF of ``letter``: the same letter always gives the same bytes."""
    lang = letter.head.language
    pdf = new_page(f"{letter.head.company.name} · {letter.number} · {day(letter.dated, lang)}", letter.dated,
                   RENDERER, f"{say(letter.subject, lang)} {letter.number}", letter.head.company.name,
                   page_of=say(Phrase(t.PAGE_OF), lang))
    _header(pdf, letter, lang)
    text(pdf, say(letter.subject, lang), 11, bold=True, height=6)
    pdf.ln(2)
    text(pdf, say(phrase(t.DEAR, name=letter.head.addressee.name), lang), 9.5, height=5)
    pdf.ln(1)
    for paragraph in letter.paragraphs:
        text(pdf, say(paragraph, lang), 9.5, height=5)
        pdf.ln(1.5)
    if letter.table is not None:
        pdf.ln(1)
        _table(pdf, letter.table, lang)
    _due(pdf, letter, lang)
    text(pdf, say(Phrase(t.REGARDS), lang), 9.5, height=5)
    text(pdf, letter.head.company.name, 9.5, bold=True, height=5)
    pdf.ln(6)
    text(pdf, say(phrase(t.RULE, rule=letter.rule), lang), 7.5, height=3.8)
    text(pdf, say(phrase(t.CAUSE, cause=letter.cause), lang), 7.5, height=3.8)
    return bytes(pdf.output())
