"""Which e-invoice a company sends, and writing it from the store: what the HTTP route and the CLI share.

By the company's country (:func:`format_for`), because each of these is what that country's receivers
expect: Italy's FatturaPA through SDI (mandatory B2B and B2C since 2019, art. 1 d.lgs. 127/2015), Spain's
Facturae (FACe for the public sector, Ley 25/2013; B2B under Ley 18/2022 once its regulation applies),
Finland's Finvoice (the banks' e-lasku and the operators' verkkolasku), and EN 16931 UBL as Peppol BIS
Billing 3.0 for every other company (the EU's standard, Directive 2014/55/EU). A company may name another
in its configuration (``einvoice_format``, e.g. ``ubl`` for a Finnish company whose customers receive
Peppol), and a caller may ask for any format for one document (``format``).
"""

from __future__ import annotations

from typing import Any

from api.documents.einvoice import EInvoiceFile, Writer
from api.documents.einvoice.facturae import facturae
from api.documents.einvoice.fatturapa import fatturapa
from api.documents.einvoice.finvoice import finvoice
from api.documents.einvoice.ubl import ubl
from ledger.core.errors import InvalidInput
from ledger.core.handling import Workspace
from ledger.documents.loading import find_invoice, load_invoice_facts
from ledger.parties.company import EINVOICE_FORMATS, CompanyConfig

#: Every format name a company or a caller may give.
FORMATS = EINVOICE_FORMATS
#: The format of each country that has its own; every other country's companies send UBL.
BY_COUNTRY = {"IT": "fatturapa", "ES": "facturae", "FI": "finvoice"}
#: The writer of each format this installation has.
WRITERS: dict[str, Writer] = {
    "fatturapa": fatturapa,
    "facturae": facturae,
    "finvoice": finvoice,
    "ubl": ubl,
}
#: The longest format name a caller may send.
MAX_FORMAT_LENGTH = 16


def format_for(company: CompanyConfig) -> str:
    """The e-invoice format ``company`` sends: its configured one, else its country's, else ``ubl``."""
    return company.einvoice_format or BY_COUNTRY.get(company.address.country, "ubl")


def writer(format: str) -> Writer:
    """The writer of ``format``, or InvalidInput naming ``format`` and those there are."""
    found = WRITERS.get(format)
    if found is None:
        known = ", ".join(sorted(WRITERS))
        why = "is not available on this installation" if format in FORMATS else "is not an e-invoice format"
        raise InvalidInput(f"{format!r} {why} (available: {known})", "format")
    return found


def write(ws: Workspace[Any], number: str, format: str | None = None) -> EInvoiceFile:
    """The e-invoice of invoice or credit note ``number`` (NotFound naming ``invoice_number`` if there is
    none), in ``format`` or the company's (:func:`format_for`); InvalidInput naming what is missing."""
    invoice = find_invoice(ws, number, "invoice_number")
    facts = load_invoice_facts(ws, invoice.number)
    return writer(format or format_for(facts.company))(facts)
