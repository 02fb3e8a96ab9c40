"""The Swiss QR-bill's payment part with receipt, at the foot of the invoice's last page.

Laid out as the *Swiss Implementation Guidelines for the QR-bill* v2.3 (SIX, 2025,
https://www.six-group.com/en/products-services/banking-services/payment-standardization/standards/qr-bill.html)
§3.4-3.6 describe it: an A6 landscape strip **210 × 105 mm** at the bottom of the A4 page, the **receipt**
62 mm wide on the left and the **payment part** 148 mm wide on the right; titles 11 pt bold, headings
6 pt (receipt) and 8 pt (payment part) bold, values 8 and 10 pt; the **Swiss QR code 46 × 46 mm** 5 mm
from the payment part's edges below its title, with the **Swiss cross 7 × 7 mm** in its centre; amount
sections below the code and the receipt's information, the receipt's "Acceptance point" at its foot.
Nothing else is printed in the strip (the page footer moves above it). Sent as a PDF, the strip is
separated by lines with a scissors symbol and the note "Separate before paying in" above them (§3.7).
The headings are the guidelines' English ones (Annex "Multilingual headings"; the payment part may be in
English, German, French or Italian).

Fonts: the guidelines allow only Arial, Frutiger, Helvetica and Liberation Sans, so the strip is set in
Liberation Sans 2.1.5 (SIL OFL 1.1, shipped unmodified in fonts/, see fonts/README.md), embedded only
in a bill that carries a QR-bill: every other invoice keeps its bytes.

Deterministic as the rest of the page: the QR code is drawn as vector squares from segno's matrix (level
M, as §4.1 asks), not from qrbill's SVG.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from ledger.documents.swiss_qr_bill import SwissAddress, SwissPayment, parse

FONTS = Path(__file__).parent / "fonts"
FONT = "LiberationSans"
#: The strip: 105 mm high at the foot of an A4 page (297 mm), the receipt 62 mm wide.
PAGE_MM, HEIGHT_MM, RECEIPT_MM, MARGIN_MM = (210.0, 297.0), 105.0, 62.0, 5.0
TOP_MM = PAGE_MM[1] - HEIGHT_MM
#: §3.5.2: the QR code's side and the Swiss cross's.
QR_MM, CROSS_MM = 46.0, 7.0


def _iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def amount_text(p: SwissPayment) -> str:
    """The amount as §3.5.3 prints it: a space between thousands, a point before the two decimals.

    >>> from decimal import Decimal
    >>> amount_text(SwissPayment("", SwissAddress("", "", "", "", "", ""), Decimal("1949.75"), "CHF",
    ...                          None, "NON", "", ""))
    '1 949.75'
    """
    return "" if p.amount is None else f"{p.amount:,.2f}".replace(",", " ")


def _put(pdf: FPDF, x: float, y: float, width: float, lines: tuple[str, ...], size: float,
         bold: bool = False, height: float | None = None) -> float:
    """``lines`` at (x, y), each wrapping within ``width``; the y below them."""
    pdf.set_font(FONT, "B" if bold else "", size)
    step = height if height is not None else size * 0.3528 * 1.15
    for line in lines:
        pdf.set_xy(x, y)
        pdf.multi_cell(width, step, line, align="L", new_x="LEFT", new_y="NEXT")
        y = pdf.get_y()
    return y


def _corners(pdf: FPDF, x: float, y: float, width: float, height: float) -> None:
    """A blank field to fill in by hand: its four corners only (§3.5.4), 0.75 pt lines."""
    pdf.set_line_width(0.26)
    for cx, dx in ((x, 3.0), (x + width, -3.0)):
        for cy, dy in ((y, 2.0), (y + height, -2.0)):
            pdf.line(cx, cy, cx + dx, cy)
            pdf.line(cx, cy, cx, cy + dy)


def _scissors(pdf: FPDF, x: float, y: float, vertical: bool) -> None:
    """A small scissors symbol drawn as two rings and two blades, cutting along the line."""
    pdf.set_line_width(0.2)
    pdf.set_fill_color(255, 255, 255)

    def at(u: float, v: float) -> tuple[float, float]:
        return (x + v, y + u) if vertical else (x + u, y + v)

    for v in (-1.0, 1.0):
        cx, cy = at(-1.2, v)
        pdf.ellipse(cx - 0.7, cy - 0.7, 1.4, 1.4, style="DF")
        (x1, y1), (x2, y2) = at(-0.6, v * 0.5), at(3.5, -v * 0.9)
        pdf.line(x1, y1, x2, y2)


def _separation(pdf: FPDF) -> None:
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.0, gap=1.0)
    pdf.line(0, TOP_MM, PAGE_MM[0], TOP_MM)
    pdf.line(RECEIPT_MM, TOP_MM, RECEIPT_MM, PAGE_MM[1])
    pdf.set_dash_pattern()
    _scissors(pdf, 8.0, TOP_MM, vertical=False)
    _scissors(pdf, RECEIPT_MM, TOP_MM + 6.0, vertical=True)
    pdf.set_font(FONT, "", 7)
    pdf.set_xy(0, TOP_MM - 4.0)
    pdf.cell(PAGE_MM[0], 3.5, "Separate before paying in", align="C")


def _party(label: str, address: SwissAddress | None) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return ((label, address.lines()),) if address is not None else ()


def _receipt(pdf: FPDF, p: SwissPayment) -> None:
    x, width = MARGIN_MM, RECEIPT_MM - 2 * MARGIN_MM
    _put(pdf, x, TOP_MM + MARGIN_MM, width, ("Receipt",), 11, bold=True)
    y = TOP_MM + 12.0
    blocks = (("Account / Payable to", (_iban(p.iban), *p.creditor.lines())),
              *((("Reference", (p.printed_reference,)),) if p.reference else ()),
              *_party("Payable by", p.debtor))
    for heading, values in blocks:
        y = _put(pdf, x, y, width, (heading,), 6, bold=True, height=3.2)
        y = _put(pdf, x, y, width, values, 8, height=3.5) + 2.5
    if p.debtor is None:
        y = _put(pdf, x, y, width, ("Payable by (name/address)",), 6, bold=True, height=3.2)
        _corners(pdf, x, y + 0.5, 52.0, 20.0)
    amount_y = TOP_MM + 68.0
    _put(pdf, x, amount_y, 12, ("Currency",), 6, bold=True, height=3.2)
    _put(pdf, x, amount_y + 3.5, 12, (p.currency,), 8, height=3.5)
    _put(pdf, x + 12, amount_y, 40, ("Amount",), 6, bold=True, height=3.2)
    if p.amount is None:
        _corners(pdf, x + 22, amount_y + 2.0, 30.0, 10.0)
    else:
        _put(pdf, x + 12, amount_y + 3.5, 40, (amount_text(p),), 8, height=3.5)
    pdf.set_font(FONT, "B", 6)
    pdf.set_xy(x, TOP_MM + 82.0)
    pdf.cell(width, 3.2, "Acceptance point", align="R")


def _payment_part(pdf: FPDF, p: SwissPayment, matrix: tuple[tuple[bool, ...], ...]) -> None:
    left = RECEIPT_MM + MARGIN_MM
    _put(pdf, left, TOP_MM + MARGIN_MM, 51, ("Payment part",), 11, bold=True)
    draw_swiss_qr(pdf, matrix, left, TOP_MM + 17.0)
    amount_y = TOP_MM + 68.0
    _put(pdf, left, amount_y, 18, ("Currency",), 8, bold=True, height=3.5)
    _put(pdf, left, amount_y + 4.0, 18, (p.currency,), 10, height=4.2)
    _put(pdf, left + 18, amount_y, 33, ("Amount",), 8, bold=True, height=3.5)
    if p.amount is None:
        _corners(pdf, left + 11, amount_y + 4.0, 40.0, 15.0)
    else:
        _put(pdf, left + 18, amount_y + 4.0, 33, (amount_text(p),), 10, height=4.2)
    x, width, y = left + QR_MM + MARGIN_MM, PAGE_MM[0] - MARGIN_MM - (left + QR_MM + MARGIN_MM), TOP_MM + 5.0
    blocks = (("Account / Payable to", (_iban(p.iban), *p.creditor.lines())),
              *((("Reference", (p.printed_reference,)),) if p.reference else ()),
              *((("Additional information", (p.message,)),) if p.message else ()),
              *_party("Payable by", p.debtor))
    for heading, values in blocks:
        y = _put(pdf, x, y, width, (heading,), 8, bold=True, height=3.6)
        y = _put(pdf, x, y, width, values, 10, height=4.2) + 2.8
    if p.debtor is None:
        y = _put(pdf, x, y, width, ("Payable by (name/address)",), 8, bold=True, height=3.6)
        _corners(pdf, x, y + 0.5, 65.0, 25.0)


def draw_swiss_qr(pdf: FPDF, matrix: tuple[tuple[bool, ...], ...], x: float, y: float) -> None:
    """The Swiss QR code, 46 mm square (its quiet zone is the margin around it), and the Swiss cross."""
    module = QR_MM / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules, as the EPC QR code
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
    centre_x, centre_y = x + QR_MM / 2, y + QR_MM / 2
    # §3.5.2 and the Swiss cross graphic: a black square in a white frame, a white cross in it.
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(centre_x - CROSS_MM / 2, centre_y - CROSS_MM / 2, CROSS_MM, CROSS_MM, style="F")
    black = CROSS_MM - 1.0
    pdf.set_fill_color(0, 0, 0)
    pdf.rect(centre_x - black / 2, centre_y - black / 2, black, black, style="F")
    arm, bar = black * 11 / 18.4, black * 3.3 / 18.4
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(centre_x - bar / 2, centre_y - arm / 2, bar, arm, style="F")
    pdf.rect(centre_x - arm / 2, centre_y - bar / 2, arm, bar, style="F")


def draw_payment_part(pdf: FPDF, payload: str, matrix: tuple[tuple[bool, ...], ...]) -> None:
    """The strip at the foot of the current page (the caller has made room for it)."""
    if FONT.lower() not in pdf.fonts:
        pdf.add_font(FONT, "", str(FONTS / "LiberationSans-Regular.ttf"))
        pdf.add_font(FONT, "B", str(FONTS / "LiberationSans-Bold.ttf"))
    payment = parse(payload)
    auto_break, margin = pdf.auto_page_break, pdf.b_margin
    pdf.set_auto_page_break(False)
    _separation(pdf)
    _receipt(pdf, payment)
    _payment_part(pdf, payment, matrix)
    pdf.set_auto_page_break(auto_break, margin=margin)
