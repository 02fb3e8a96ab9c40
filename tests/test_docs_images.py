"""The README's invoice pages (issue 13 item 7) show what the renderer draws today: the three invoices are
re-rendered and their PDFs' hashes are the ones the pictures were made from; with the same PDFium the
pixels are the PNGs' own. A renderer change fails here until ``make docs-images`` is run again."""

from __future__ import annotations

import hashlib
import json

import pytest
from PIL import Image, ImageChops

from api.documents.invoice_pdf import RENDERER
from tests.docs_images import DOCS, MANIFEST, PAGES, pdfium_version, rasterise, render_pdfs


def test_the_readme_shows_today_s_invoice_pages() -> None:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["renderer"] == RENDERER, "the renderer changed: run `make docs-images`"
    assert sorted(manifest["pages"]) == sorted(f"invoice-{c}.png" for c in PAGES)
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    rendered = render_pdfs()
    for country, (number, pdf) in rendered.items():
        name = f"invoice-{country}.png"
        page = manifest["pages"][name]
        assert f"docs/{name}" in readme
        assert page["number"] == number
        stale = f"{name} is stale: run `make docs-images`"
        assert hashlib.sha256(pdf).hexdigest() == page["pdf_sha256"], stale
        if manifest["pdfium"] != pdfium_version():
            continue  # another PDFium may draw other pixels of the same PDF: the hashes above decide
        with Image.open(DOCS / name) as image:
            picture = image.convert("RGB")
        again = rasterise(pdf)
        assert picture.size == again.size
        assert ImageChops.difference(picture, again).getbbox() is None, f"{name} differs from a re-render"


@pytest.mark.parametrize("country", sorted(PAGES))
def test_each_page_is_a_png_of_an_a4_page(country: str) -> None:
    with Image.open(DOCS / f"invoice-{country}.png") as image:
        assert image.format == "PNG"
        width, height = image.size
        assert abs(height / width - 297 / 210) < 0.01
