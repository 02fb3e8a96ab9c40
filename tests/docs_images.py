"""The invoice pages shown in the README (issue 13 item 7): one Italian, one Spanish and one Finnish invoice,
rendered by today's renderer and rasterised with PDFium (pypdfium2, whose wheel ships it).

``make docs-images`` (``python -m tests.docs_images``) writes ``docs/invoice-<country>.png`` and
``docs/invoice-pages.json``: per page, the document number, the SHA-256 of the PDF it was rasterised from,
the renderer version and the PDFium version. ``tests/test_docs_images.py`` re-renders the three invoices
and checks that the PDFs' hashes are the recorded ones (so the pictures show what the renderer draws
today) and, with the same PDFium, that the pixels are the PNGs' pixels. The invoices come from a scratch
SQLite store with fixed keys and a fixed clock, so the same code gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pypdfium2
from PIL import Image

from api.bootstrap import build
from api.documents.invoice_pdf import RENDERER
from api.documents.service import render
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.documents_scenario import COMPANIES, CUSTOMERS, PERIOD, lines

DOCS = Path(__file__).resolve().parent.parent / "docs"
MANIFEST = DOCS / "invoice-pages.json"
#: country → the company whose invoice shows it, and its VAT rate
PAGES = {"it": ("it-pagopa", "22"), "es": ("es-water", "21"), "fi": ("fi-network", "25.5")}
#: Pixels per PDF point: 1.5 gives a 893 x 1263 px A4 page, legible on a README.
SCALE = 1.5
DAY = date(2026, 3, 1)


def pdfium_version() -> str:
    return str(pypdfium2.PDFIUM_INFO)


def render_pdfs() -> dict[str, tuple[str, bytes]]:
    """country → (invoice number, PDF) from a scratch store: the same code gives the same bytes."""
    previous = os.environ.get("SALDO_CONFIG")
    os.environ["SALDO_CONFIG"] = str(COMPANIES)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            svc = build(f"sqlite:///{scratch}/docs.sqlite", clock=lambda: DAY, read_url="")
            try:
                return {country: _invoice(svc.app, country, company, vat)
                        for country, (company, vat) in PAGES.items()}
            finally:
                svc.close()
    finally:
        if previous is None:
            os.environ.pop("SALDO_CONFIG", None)
        else:
            os.environ["SALDO_CONFIG"] = previous


def _invoice(app: Any, country: str, company: str, vat: str) -> tuple[str, bytes]:
    name, address = CUSTOMERS[company]
    partner = UUID(app.execute(pc.RegisterPartner(name, PartnerKind.PERSON, language=country,
                                                  address=address), f"docs:{country}:partner")["partner_id"])
    account = UUID(app.execute(ac.OpenContractAccount(partner, f"{name} — casa", company=company),
                               f"docs:{country}:account")["account_id"])
    number = app.execute(ac.IssueInvoice(account, lines(vat), DAY, period=PERIOD),
                         f"docs:{country}:invoice")["number"]
    return str(number), render(app, number).pdf


def rasterise(pdf: bytes) -> Image.Image:
    """The first page as an RGB image."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return document[0].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        document.close()


def write() -> dict[str, Any]:
    DOCS.mkdir(exist_ok=True)
    pages = {}
    for country, (number, pdf) in render_pdfs().items():
        path = DOCS / f"invoice-{country}.png"
        rasterise(pdf).save(path, optimize=True)
        pages[path.name] = {"number": number, "pdf_sha256": hashlib.sha256(pdf).hexdigest()}
    manifest = {"renderer": RENDERER, "pdfium": pdfium_version(), "scale": SCALE, "pages": pages}
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


if __name__ == "__main__":
    written = write()
    print("\n".join(f"docs/{name}: {page['number']}, PDF sha256 {page['pdf_sha256']}"
                    for name, page in written["pages"].items()), file=sys.stdout)
