"""Invoice PDFs per second, as a ratio to rendering a blank page with the same renderer (issue 13).

Setup (not timed): a scratch PostgreSQL schema with ``--invoices`` customers of the Catalan water company
of ``tests/fixtures/companies.documents.toml`` (EPC QR code), each billed once with the test scenario's
lines (two supply points, nine lines, two VAT rates). Timed, alternating in rounds so that the shared
machine's load falls on all three alike:

- ``blank``: the limit, a new fpdf2 document with the same embedded fonts and one empty page, output;
- ``render``: the page of an invoice from its printed model (built once, outside the timing);
- ``issue``: what ``saldo documents render`` does per document: load the invoice, its account, partner
  (as of the invoice) and readings from the store, build the model, render.

``--renders`` PDFs of each kind are rendered (1,000 by default; ``--renders 10000`` is the issue's
10k-invoice run, some 25 minutes here), cycling through the invoices. It prints PDFs per second of each
and their time as a ratio to the blank page; the goal (issue 13) is an invoice within 5x a blank page of
the same renderer, i.e. that drawing the content and the QR code costs no more than a few blank documents
(whose cost is mostly subsetting and embedding the fonts).

Usage: ``python bench/documents.py [--invoices 500] [--renders 1000] [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fpdf import FPDF

from api.documents.invoice_pdf import render_invoice_pdf
from api.documents.page import FONT, FONTS
from bench.common import scratch_services
from ledger.accounts import commands as ac
from ledger.documents.loading import load_invoice_document
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress

GOAL = 5.0
COMPANIES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "companies.documents.toml"


def blank_page() -> bytes:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(datetime(2026, 3, 1, tzinfo=UTC))
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    pdf.set_font(FONT, "", 9)
    return bytes(pdf.output())


def _bill(app: Any, invoices: int) -> list[str]:
    from tests.documents_scenario import lines

    address = PostalAddress("Carrer Major 12", "43201", "Reus", "ES")
    partners = app.execute_many([(pc.RegisterPartner(f"Núria Castellví {i}", PartnerKind.PERSON,
                                                     address=address), f"bench-doc:p:{i}")
                                 for i in range(invoices)])
    accounts = app.execute_many([(ac.OpenContractAccount(p.result["partner_id"], f"Núria {i} — casa",
                                                         company="es-water"), f"bench-doc:a:{i}")
                                 for i, p in enumerate(partners)])
    issued = app.execute_many([(ac.IssueInvoice(a.result["account_id"], lines("21"), date(2026, 3, 1)),
                                f"bench-doc:i:{i}") for i, a in enumerate(accounts)])
    return [item.result["number"] for item in issued]


def _timed(work: Callable[[int], object], count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        work(i)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--renders", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ["SALDO_CONFIG"] = str(COMPANIES)
    with scratch_services("bench_docs", date(2026, 3, 1)) as (svc, _, _):
        numbers = _bill(svc.app, args.invoices)
        docs = [load_invoice_document(svc.app, n) for n in numbers]
        each = max(1, args.renders // args.rounds)
        totals = {"blank": 0.0, "render": 0.0, "issue": 0.0}
        work: dict[str, Callable[[int], object]] = {
            "blank": lambda i: blank_page(),
            "render": lambda i: render_invoice_pdf(docs[i % len(docs)]),
            "issue": lambda i: render_invoice_pdf(load_invoice_document(svc.app, numbers[i % len(numbers)])),
        }
        for _ in range(args.rounds):
            for name, job in work.items():
                totals[name] += _timed(job, each)
    n = each * args.rounds
    blank = totals["blank"] / n
    print(f"blank page (limit): {n / totals['blank']:.0f} PDFs/s")
    for name in ("render", "issue"):
        per = totals[name] / n
        print(f"{name}: {n / totals[name]:.0f} PDFs/s; {per / blank:.2f}x a blank page (goal <= {GOAL}x)")


if __name__ == "__main__":
    main()
