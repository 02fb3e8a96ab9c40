"""Command handlers of documents: recording the hash of a rendering."""

from __future__ import annotations

from uuid import UUID

from ledger.accounts.invoice import Invoice, document_id
from ledger.core.handling import Capability, Handled, handles
from ledger.documents import commands as dc
from ledger.documents.renderings import record_rendering
from ledger.parties.company import CompanyConfig


class DocumentHandlers(Capability[CompanyConfig]):
    @handles(dc.RecordRendering)
    def record_rendering(self, cmd: dc.RecordRendering, rid: UUID) -> Handled:
        invoice = self.get(Invoice, document_id(cmd.number), "invoice or credit note", "number")
        renderings, recorded = record_rendering(self.ws, invoice.number, cmd.sha256, cmd.byte_length,
                                                cmd.renderer)
        result = {"number": invoice.number, "sha256": cmd.sha256, "byte_length": cmd.byte_length,
                  "renderer": cmd.renderer, "recorded": recorded}
        return [renderings], result
