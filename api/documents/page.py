"""The deterministic page the invoice and the letters are printed on (fpdf2, https://py-pdf.github.io/fpdf2/).

What makes the bytes the same every time, shared by :mod:`api.documents.invoice_pdf` and
:mod:`api.documents.letter_pdf`:

- :func:`new_page` fixes the metadata fpdf2 would otherwise take from the clock or the environment: the
  creation date is the document's own date at midnight UTC, the producer names the renderer and its
  versions, the creator is "Saldo"; the file identifier is fpdf2's default, an MD5 of the bytes and that
  date (https://py-pdf.github.io/fpdf2/Metadata.html; PDF 1.7 §14.4);
- the font is a fixed file shipped here (DejaVu Sans, subset to the Latin scripts of Saldo's languages,
  see fonts/README.md), embedded as fpdf2 subsets it: the same glyphs in the same order every time;
- :class:`Page`'s footer names the document and the page, so a page that comes loose still says which
  document it belongs to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVu"
#: The footer's page count in English; a letter passes its own language's (``{page}``, ``{pages}``).
PAGE_OF = "page {page} of {pages}"


class Page(FPDF):
    """An A4 page whose footer names the document and the page ("page 1 of 2"): a page that comes loose
    from a multi-page document still says which document it belongs to."""

    def __init__(self, footer_text: str, page_of: str = PAGE_OF) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.page_of = page_of
        #: Where the footer goes (from the page's foot): above a Swiss QR-bill's payment part on its page.
        self.footer_y = -12.0

    def footer(self) -> None:
        self.set_y(self.footer_y)
        self.set_font(FONT, "", 7)
        # fpdf2 writes the page count where "{nb}" stands once the last page is known.
        self.cell(0, 4, f"{self.footer_text} · {self.page_of.format(page=self.page_no(), pages='{nb}')}",
                  align="R")


def new_page(footer_text: str, on: date, producer: str, title: str, author: str,
             page_of: str = PAGE_OF) -> Page:
    """A first page with the fixed metadata (dated ``on``), the shipped fonts and 15 mm margins."""
    pdf = Page(footer_text, page_of)
    pdf.set_creation_date(datetime.combine(on, datetime.min.time(), UTC))
    pdf.set_producer(producer)
    pdf.set_creator("Saldo")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    return pdf


def text(pdf: FPDF, text: str, size: float = 9, bold: bool = False, height: float = 4.5) -> None:
    """A paragraph across the page's width, wrapped, left-aligned; the cursor goes to the next line."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")
