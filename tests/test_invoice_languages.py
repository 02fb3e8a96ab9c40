"""Issue 13 item 5: the invoice and credit-note PDF in the partner's language, on both stores.

An Italian, Spanish, Catalan, Finnish and Swedish customer's page reads its labels in their language and
none in English, writes figures and dates as the language does (checked against forms written out here,
not against the formatter that made them), and every printed line still recomputes: the quantity and unit
price read back in the language's digits, multiplied and rounded half up to cents, are the printed amount.
The bytes stay a function of the events: the same per language, also after the partner changes language.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest

from api.bootstrap import build
from api.documents import service
from ledger.accounts import commands as ac
from ledger.core.money import line_amount
from ledger.documents.invoice_document import InvoiceDocument
from ledger.parties import commands as pc
from tests.clerk import Clerk
from tests.documents_scenario import PERIOD, customer, doc_clerk, lines, text_of

__all__ = ["doc_clerk"]

#: Which company's customer speaks which language (Finland's customers in Finnish or Swedish).
COMPANY = {"it": "it-pagopa", "es": "es-water", "ca": "es-water", "fi": "fi-network", "sv": "fi-network"}
VAT = {"it-pagopa": "22", "es-water": "21", "fi-network": "25.5"}
#: Labels the page must carry, as a native reader expects them (and the header of the lines' table).
LABELS = {
    "it": ("Fattura ", "Data di emissione: 1 mar 2026", "Scadenza: ", "Totale da pagare ",
           "Punto di fornitura ", "Descrizione Quantità Unità Prezzo unit. € Importo € IVA %",
           "Imponibile IVA 22 %: ", "Spesa per la materia energia ", "Riferimento di pagamento: ",
           "pagina 1 di "),
    "es": ("Factura ", "Fecha de emisión: 1 mar 2026", "Fecha de vencimiento: ", "Total a pagar ",
           "Punto de suministro ", "Descripción Cantidad Unidad Precio unit. € Importe € IVA %",
           "Base imponible al 21 % de IVA: ", "Referencia de pago: ", "página 1 de "),
    "ca": ("Factura ", "Data d'emissió: 1 de març 2026", "Data de venciment: ", "Total a pagar ",
           "Punt de subministrament ", "Descripció Quantitat Unitat Preu unit. € Import € IVA %",
           "Base imposable a l'IVA del 21 %: ", "Referència de pagament: ", "pàgina 1 de "),
    "fi": ("Lasku ", "Laskun päiväys: 1.3.2026", "Eräpäivä: ", "Maksettava yhteensä ", "Käyttöpaikka ",
           "Kuvaus Määrä Yksikkö Yks.hinta € Summa € ALV %", "Veron peruste ALV 25,5 %: ", "Viitenumero: ",
           "Virtuaaliviivakoodi: ", "sivu 1/"),
    "sv": ("Faktura ", "Fakturadatum: 1 mars 2026", "Förfallodag: ", "Att betala ", "Användningsställe ",
           "Beskrivning Mängd Enhet À-pris € Belopp € Moms %", "Beskattningsunderlag moms 25,5 %: ",
           "Referensnummer: ", "Virtuell streckkod: ", "sida 1 av "),
}
ENGLISH = ("Issue date", "Due date", "Total to pay", "Supply point", "Description", "Payment reference",
           "Taxable amount", "page 1 of", "estimated consumption")
#: How each language groups thousands and marks decimals (CLDR; Finnish and Swedish group with a space).
GROUP = {"it": ".", "es": ".", "ca": ".", "fi": "\xa0", "sv": "\xa0"}
SPACES = ("\xa0", "\u202f", " ")


def written(value: Decimal, language: str) -> str:
    """``value`` as ``language`` writes it, every stored decimal kept: an independent spelling-out."""
    whole, _, decimals = format(value, "f").lstrip("-").partition(".")
    grouped = f"{int(whole):,}".replace(",", GROUP[language])
    return ("-" if value < 0 else "") + grouped + ("," + decimals if decimals else "")


def read(text: str, language: str) -> Decimal:
    """A figure printed in ``language`` read back as a decimal."""
    for space in SPACES:
        text = text.replace(space, "")
    if GROUP[language] == ".":
        text = text.replace(".", "")
    return Decimal(text.replace(",", "."))


def flat(text: str) -> str:
    """The page's text with every kind of space as one (PDF text extraction may give either back)."""
    return re.sub(r"[\xa0\u202f ]", " ", text)


def billed(clerk: Clerk, language: str) -> dict[str, Any]:
    """A customer of the language's company, speaking it, billed with lines over a thousand euros; the
    issue's result and the partner's id (``partner_id``)."""
    company = COMPANY.get(language, "it-pagopa")
    partner, account = customer(clerk, company, language)
    big = ac.LineInput("energy: F2", "energy", Decimal("12345.678"), "kWh", Decimal("0.123456"),
                       Decimal(VAT[company]), site="IT001E11110001", period=PERIOD)
    issued = clerk.run(ac.IssueInvoice(account, (*lines(VAT[company]), big), clerk.clock.today,
                                       period=PERIOD))
    return dict(issued, partner_id=partner)


def _lines_recompute(doc: InvoiceDocument, text: str, language: str) -> int:
    count = 0
    for section in doc.sections:
        for li in section.lines:
            assert flat(f"{li.description} {li.quantity} {li.unit} {li.unit_price} {li.amount}") in text
            quantity, price, amount = (read(x, language) for x in (li.quantity, li.unit_price, li.amount))
            assert line_amount(quantity, price) == amount, li
            count += 1
    return count


@pytest.mark.parametrize("language", ["it", "es", "ca", "fi", "sv"])
def test_the_page_is_in_the_partners_language_and_every_line_recomputes(doc_clerk: Clerk,
                                                                       language: str) -> None:
    issued = billed(doc_clerk, language)
    app = doc_clerk.services.app
    doc = service.document(app, issued["number"])
    text = flat(text_of(service.render(app, issued["number"]).pdf))
    assert doc.language == language
    for label in LABELS[language]:
        assert flat(label) in text, label
    assert [english for english in ENGLISH if english in text] == []
    gross = Decimal(issued["gross"])
    assert gross > 1000 and doc.gross == written(gross, language)  # grouped thousands, decimal comma
    total = LABELS[language][3]
    assert flat(f"{total}{written(gross, language)} €") in text
    assert _lines_recompute(doc, text, language) == 10
    assert sum(read(v.taxable, language) for v in doc.vat_rows) == read(doc.net, language)
    assert read(doc.net, language) + read(doc.vat, language) == gross


def test_the_italian_summary_keeps_the_regulators_names_and_an_english_one_says_what_they_are(
        doc_clerk: Clerk) -> None:
    app = doc_clerk.services.app
    italian = service.document(app, billed(doc_clerk, "it")["number"])
    english = service.document(app, billed(doc_clerk, "en")["number"])
    assert [r.label for r in italian.summary] == [
        "Spesa per la materia energia", "Spesa per il trasporto e la gestione del contatore",
        "Spesa per oneri di sistema", "Imposte"]  # ARERA, bolletta 2.0
    assert [r.label for r in english.summary] == [
        "Energy supply charges", "Transport and meter management charges", "System charges", "Taxes"]
    assert [r.key for r in italian.summary] == [r.key for r in english.summary]
    assert [read(r.amount, "it") for r in italian.summary] == [Decimal(r.amount) for r in english.summary]


def test_the_bytes_are_the_same_per_language_and_stay_so_when_the_partner_changes_language(
        doc_clerk: Clerk, store_url: str) -> None:
    app = doc_clerk.services.app
    issued = {language: billed(doc_clerk, language) for language in ("it", "sv", "en")}
    numbers = {language: i["number"] for language, i in issued.items()}
    first = {language: service.render(app, n).pdf for language, n in numbers.items()}
    assert len({service.sha256(pdf) for pdf in first.values()}) == 3  # the language shows in the bytes
    doc = service.document(app, numbers["sv"])
    doc_clerk.run(pc.ChangePartnerDetails(issued["sv"]["partner_id"], language="fi"))
    fresh = build(store_url, clock=doc_clerk.clock)
    try:
        for language, n in numbers.items():
            assert service.render(app, n).pdf == first[language]
            assert service.render(fresh.app, n).pdf == first[language]
    finally:
        fresh.close()
    assert doc.language == "sv" and service.document(app, numbers["sv"]).language == "sv"


def test_a_credit_note_speaks_the_language_of_its_invoice(doc_clerk: Clerk) -> None:
    app = doc_clerk.services.app
    issued = billed(doc_clerk, "ca")
    credit = doc_clerk.run(ac.IssueCreditNote(issued["number"], "lectura errònia"))
    doc = service.document(app, credit["number"])
    text = flat(text_of(service.render(app, credit["number"]).pdf))
    assert doc.title == "Factura rectificativa" and f"Factura rectificativa {credit['number']}" in text
    assert f"Rectifica: {issued['number']}" in text and "Total abonat " in text
    assert "Res a pagar: l'import s'abona al seu compte." in text
    assert _lines_recompute(doc, text, "ca") == 10
