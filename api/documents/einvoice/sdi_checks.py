"""SDI's content checks on a FatturaPA's lines, VAT summary and totals, which the XSD cannot express.

FatturaPA has no official schematron: SDI checks a received file against the rules of the "Elenco
controlli" of the Specifiche tecniche (Allegato A to the Provvedimento of 30 April 2018, 1.7.1 and later,
https://www.fatturapa.gov.it/it/norme-e-regole/documentazione-fattura-elettronica/formato-fatturapa/) and
rejects it ("notifica di scarto") with the failed check's code. The ones on amounts and VAT, as written
here (the tolerances are SDI's as stated in the Specifiche; to be re-read against the current version):

* 00400 — a line or summary at AliquotaIVA 0 without Natura; 00401 — Natura with a rate above 0;
* 00419 — a rate (and Natura) of the lines without its DatiRiepilogo;
* 00421 — Imposta ≠ ImponibileImporto × AliquotaIVA / 100, beyond 1 cent;
* 00422 — ImponibileImporto ≠ the sum of the PrezzoTotale at that rate (+ SpeseAccessorie +
  Arrotondamento), beyond 1 euro;
* 00423 — PrezzoTotale ≠ PrezzoUnitario × Quantita (1 if none), beyond 1 cent (no discounts here).

Saldo's own consistency, not an SDI check (SDI does not check it): ImportoTotaleDocumento is the sum of
the summaries' ImponibileImporto and Imposta (code ``saldo-total``).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from api.documents.einvoice.validation import parse

CENT = Decimal("0.01")
EURO = Decimal("1")


def _number(element: Any, path: str, default: str | None = None) -> Decimal:
    found = element.findtext(path)
    return Decimal(found if found is not None else default or "0")


def _line_checks(lines: list[Any]) -> list[tuple[str, str]]:
    found = []
    for line in lines:
        n = line.findtext("NumeroLinea")
        rate, nature = _number(line, "AliquotaIVA"), line.findtext("Natura")
        if rate == 0 and nature is None:
            found.append(("00400", f"line {n}: AliquotaIVA 0 without Natura"))
        if rate != 0 and nature is not None:
            found.append(("00401", f"line {n}: Natura with AliquotaIVA {rate}"))
        expected = _number(line, "PrezzoUnitario") * _number(line, "Quantita", "1")
        if abs(_number(line, "PrezzoTotale") - expected) > CENT:
            found.append(("00423", f"line {n}: PrezzoTotale is not PrezzoUnitario x Quantita ({expected})"))
    return found


def _summary_checks(lines: list[Any], summaries: list[Any]) -> list[tuple[str, str]]:
    found = []
    by_rate: dict[tuple[Decimal, str | None], Decimal] = defaultdict(Decimal)
    for line in lines:
        by_rate[(_number(line, "AliquotaIVA"), line.findtext("Natura"))] += _number(line, "PrezzoTotale")
    summarised = {(_number(s, "AliquotaIVA"), s.findtext("Natura")): s for s in summaries}
    for key, total in by_rate.items():
        summary = summarised.get(key)
        if summary is None:
            found.append(("00419", f"no DatiRiepilogo for AliquotaIVA {key[0]} Natura {key[1]}"))
            continue
        taxable = _number(summary, "ImponibileImporto")
        extra = _number(summary, "SpeseAccessorie") + _number(summary, "Arrotondamento")
        if abs(taxable - (total + extra)) > EURO:
            found.append(("00422", f"ImponibileImporto {taxable} at {key[0]} is not the lines' {total}"))
    for (rate, _), summary in summarised.items():
        tax = _number(summary, "Imposta")
        if abs(tax - _number(summary, "ImponibileImporto") * rate / 100) > CENT:
            found.append(("00421", f"Imposta {tax} at {rate} is not ImponibileImporto x AliquotaIVA"))
    return found


def sdi_check(content: bytes) -> list[tuple[str, str]]:
    """The (check code, message) of every amount or VAT check a FatturaPA file fails; empty if none."""
    root = parse(content)
    found = []
    for body in root.iter("FatturaElettronicaBody"):
        lines = list(body.iter("DettaglioLinee"))
        summaries = list(body.iter("DatiRiepilogo"))
        found += _line_checks(lines) + _summary_checks(lines, summaries)
        stated = body.findtext("DatiGenerali/DatiGeneraliDocumento/ImportoTotaleDocumento")
        summed = sum((_number(s, "ImponibileImporto") + _number(s, "Imposta") for s in summaries), Decimal(0))
        if stated is not None and Decimal(stated) != summed:
            found.append(("saldo-total", f"ImportoTotaleDocumento {stated} is not the summaries' {summed}"))
    return found
