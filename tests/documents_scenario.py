"""Invoices to print (issue 13): customers of the three companies of ``companies.documents.toml``, each
billed with lines whose quantities and prices carry more decimals than cents, at two VAT rates, on two
supply points; and the readers a test needs to check the page: its text, its QR code, its bars."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from api.bootstrap import build
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk, Clock

COMPANIES = Path(__file__).resolve().parent / "fixtures" / "companies.documents.toml"
D = Decimal
PERIOD = (date(2026, 1, 1), date(2026, 2, 28))
#: Names with letters beyond Latin-1 (Ł, ő, ř) as well as Italian, Catalan and Finnish ones.
CUSTOMERS = {"it-pagopa": ("Niccolò Łukasiewicz-Sciascià",
                           PostalAddress("Via dei Mille 3", "98123", "Messina", "IT")),
             "fi-network": ("Maija Meikäläinen-Dvořák", PostalAddress("Mannerheimintie 1 A 5", "00100",
                                                                     "Helsinki", "FI")),
             "es-water": ("Núria Castellví i Puigdomènech", PostalAddress("Carrer Major 12", "43201", "Reus",
                                                                        "ES"))}


@pytest.fixture
def doc_clerk(store_url: str, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clerk]:
    monkeypatch.setenv("SALDO_CONFIG", str(COMPANIES))
    svc = build(store_url, clock=clock)
    yield Clerk(svc, clock)
    svc.close()


def lines(vat: str = "22") -> tuple[ac.LineInput, ...]:
    """Two sites' lines: energy, network, system charges and excise at ``vat``, a fee at 10 %."""
    out = []
    for site, kwh in (("IT001E11110001", D("480.100")), ("IT001E11110002", D("123.456"))):
        src = ("estimate:profile",) if site.endswith("2") else ()
        out += [ac.LineInput(text, component, kwh, "kWh", D(price), D(vat), site=site, period=PERIOD,
                             sources=src)
                for text, component, price in (("energy: F1", "energy", "0.123456"),
                                               ("network: per-unit charge", "network", "0.0415"),
                                               ("system charges (ASOS)", "system", "0.029871"),
                                               ("excise duty", "excise", "0.0227"))]
    out.append(ac.LineInput("meter service", "standing", D("2"), "month", D("1.125"), D("10")))
    return tuple(out)


def customer(clerk: Clerk, company: str, language: str = "en") -> tuple[UUID, UUID]:
    """Register the company's customer, speaking ``language`` (the page's), and open an account; return
    (partner id, account id)."""
    name, address = CUSTOMERS[company]
    partner = UUID(clerk.run(pc.RegisterPartner(name, PartnerKind.PERSON, address=address,
                                                language=language))["partner_id"])
    account = clerk.run(ac.OpenContractAccount(partner, f"{name} — casa", company=company))["account_id"]
    return partner, UUID(account)


def invoice(clerk: Clerk, company: str, language: str = "en") -> tuple[UUID, dict[str, Any]]:
    """A customer of ``company`` speaking ``language`` billed once; (partner id, the issue's result)."""
    partner, account = customer(clerk, company, language)
    vat = {"it-pagopa": "22", "fi-network": "25.5", "es-water": "21"}[company]
    return partner, clerk.run(ac.IssueInvoice(account, lines(vat), clerk.clock.today, period=PERIOD))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def codes_on(pdf: bytes) -> list[tuple[str, str]]:
    """Every barcode an independent decoder (zxing-cpp) finds on the rasterised pages: (format, text)."""
    found = []
    document = pypdfium2.PdfDocument(pdf)
    for page in document:
        image = page.render(scale=4).to_pil()
        found += [(str(r.format), r.text) for r in zxingcpp.read_barcodes(image)]
    document.close()
    return found
