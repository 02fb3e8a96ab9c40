"""The rounding rule on paper (issue 9, issue 13 item 1): every printed line recomputes from its printed
quantity and unit price, and the printed totals from the printed lines, for every invoice and credit note
of the whole demo (typed lines, rated lines of the billing run, the Finnish companies' invoices), each of
which renders.

The figures are read back from the document model's printed strings, exactly as the page shows them
(tests/test_invoice_pdf.py checks the page's text carries those strings).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from api.bootstrap import build
from api.cli import main
from api.documents.invoice_pdf import render_invoice_pdf
from ledger.accounts.commands import IssueCreditNote
from ledger.accounts.invoice import Invoice, InvoiceLine
from ledger.application import Saldo
from ledger.core.money import line_amount
from ledger.documents.invoice_document import InvoiceDocument, plain, printed_line
from ledger.documents.loading import load_invoice_document

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"
CENT = Decimal("0.01")


def _check_adds_up(doc: InvoiceDocument) -> int:
    taxable: dict[Decimal, Decimal] = defaultdict(Decimal)
    lines = 0
    for section in doc.sections:
        subtotal = Decimal(0)
        for line in section.lines:
            amount = Decimal(line.amount)
            # quantity × unit price, exact, rounded half up to cents: the rule of ledger.core.money
            recomputed = (Decimal(line.quantity) * Decimal(line.unit_price)).quantize(CENT, ROUND_HALF_UP)
            assert recomputed == amount, f"{doc.number}: {line}"
            assert amount == amount.quantize(CENT)
            taxable[Decimal(line.vat_rate)] += amount
            subtotal += amount
            lines += 1
        assert Decimal(section.subtotal) == subtotal, doc.number
    assert {Decimal(v.rate): Decimal(v.taxable) for v in doc.vat_rows} == dict(taxable), doc.number
    for v in doc.vat_rows:
        assert Decimal(v.vat) == (Decimal(v.taxable) * Decimal(v.rate) / 100).quantize(CENT, ROUND_HALF_UP)
    assert Decimal(doc.net) == sum(taxable.values())
    assert Decimal(doc.vat) == sum(Decimal(v.vat) for v in doc.vat_rows)
    assert Decimal(doc.gross) == Decimal(doc.net) + Decimal(doc.vat)
    italian = doc.summary and doc.summary[0].key == "materia-energia"
    assert sum(Decimal(r.amount) for r in doc.summary) == Decimal(doc.gross if italian else doc.net)
    return lines


def _document_numbers(app: Saldo) -> list[str]:
    """Every invoice and credit note in the store, in the order they were issued."""
    numbers, start = [], 1
    while notes := app.recorder.select_notifications(start=start, limit=1000):
        numbers += [app.get(Invoice, n.originator_id, "invoice", "number").number for n in notes
                    if n.topic == "ledger.accounts.invoice:Invoice.Issued"]
        start = notes[-1].id + 1
    return numbers


def test_every_printed_line_of_the_demo_recomputes_and_every_document_renders(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO_CONFIG))
    url = f"sqlite:///{tmp_path}/demo.sqlite"
    assert main(["--database-url", url, "demo", "--demo-folder", str(tmp_path / "demo")]) == 0
    svc = build(url, clock=lambda: date(2026, 3, 5))
    try:
        invoices = _document_numbers(svc.app)
        for number in invoices[-8:]:  # the billing run's rated invoices and the Finnish companies'
            svc.app.execute(IssueCreditNote(number, "test: credited in full"), f"test-credit:{number}")
        numbers = _document_numbers(svc.app)
        kinds, lines, codes, readings, estimated = set(), 0, set(), set(), 0
        for number in numbers:
            doc = load_invoice_document(svc.app, number)
            lines += _check_adds_up(doc)
            kinds.add(doc.kind)
            codes.add(None if doc.payment_code is None else doc.payment_code.kind)
            readings |= {(r.reading_id, r.kind) for s in doc.sections for r in s.readings}
            estimated += sum(s.estimated for s in doc.sections)
            assert render_invoice_pdf(doc).startswith(b"%PDF-")
    finally:
        svc.close()
    assert len(numbers) > 100 and lines > 500
    assert kinds == {"invoice", "credit-note"} and {"epc-qr", "fi-barcode", None} <= codes
    # The billing run's invoices print the readings they used, and the household without one is marked
    # estimated (on its invoice and on the credit note that reverses it).
    assert ("IT001E90000001#2", "actual") in readings and estimated >= 2


def test_a_line_stored_before_the_rule_prints_as_the_lump_sum_it_charged() -> None:
    d = Decimal
    old = InvoiceLine("energy: block 1", "energy", d("17.700"), "m3", d("0.950000"), d("16.81"), d("10"))
    printed = printed_line(old)  # 17.700 × 0.950000 = 16.815 would print 16.82, not the 16.81 charged
    assert (printed.quantity, printed.unit, printed.unit_price, printed.amount) == ("1", "lump sum", "16.81",
                                                                                  "16.81")
    assert "as invoiced: 17.700 m3 x 0.950000" in printed.description
    assert line_amount(d(printed.quantity), d(printed.unit_price)) == d(printed.amount)
    assert (plain(d("1E+3")), plain(d("-0.00")), plain(d("0.123400"))) == ("1000", "0.00", "0.123400")
