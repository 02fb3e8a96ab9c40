"""E-invoices: the structured invoice a tax authority, an intermediary or the customer's bank receives.

One module per format writes the XML of an issued invoice or credit note from its
:class:`~ledger.documents.loading.InvoiceFacts` (what the PDF is made from too): Italy's FatturaPA
(``fatturapa``), Spain's Facturae (``facturae``), Finland's Finvoice (``finvoice``) and EN 16931 UBL,
Peppol BIS Billing 3.0 (``ubl``), for every other company. Each writer is a pure function of the facts:
the same events give the same bytes. The official schemas each file is checked against are under
``api/documents/schemas/<format>/``, with their source in a README there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ledger.documents.loading import InvoiceFacts


@dataclass(frozen=True, slots=True)
class EInvoiceFile:
    """One e-invoice file: its name (the format's naming rule, e.g. SDI's ``IT<VAT>_<progressive>.xml``),
    its format (``fatturapa``, ``facturae``, ``finvoice``, ``ubl``) and its bytes (UTF-8 XML)."""

    file_name: str
    format: str
    content: bytes
    media_type: str = "application/xml"


#: A format's writer: the e-invoice of an issued document, or an InvalidInput (ledger.core.errors) naming the
#: missing fact (a B2B FatturaPA needs the customer's VAT number or recipient code, say).
Writer = Callable[[InvoiceFacts], EInvoiceFile]
