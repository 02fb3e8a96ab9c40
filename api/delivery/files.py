"""The file-drop channels: e-invoice files into the intermediary's folder, and print batches.

Both write whole files or none (:mod:`importers.files`), under names fixed by what they hold, so that an
attempt repeated after a crash (:mod:`ledger.delivery.outbox`) writes the same file again rather than a
second one:

- e-invoice: one file per document, named by its format's naming rule, written by the format's writer
  (:data:`api.documents.einvoice.Writer`, given as a callable: which format a company files is the
  writers' decision), into ``<outbox>/e-invoice/``, where the intermediary's connector picks it up;
- print: one ZIP per run with every parcel's PDF (``<number>.pdf``, in number order, fixed timestamps:
  the same parcels give the same bytes), named by the SHA-256 of its content, into ``<outbox>/print/``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from api.documents.einvoice import EInvoiceFile
from importers.files import write_atomically
from ledger.core.errors import DomainError
from ledger.delivery.transport import Channel, Outcome, Parcel

#: A ZIP entry's timestamp: the earliest a ZIP can hold, the same for every batch (deterministic bytes).
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

#: The e-invoice file of document ``number`` (the facts loaded and the format's writer applied).
EInvoiceFor = Callable[[str], EInvoiceFile]


class EInvoiceDrop:
    channel = Channel.EINVOICE

    def __init__(self, folder: Path, e_invoice_for: EInvoiceFor) -> None:
        self.folder = folder
        self.e_invoice_for = e_invoice_for

    def deliver(self, parcels: Sequence[Parcel]) -> list[Outcome]:
        outcomes = []
        for parcel in parcels:
            try:
                file = self.e_invoice_for(parcel.number)
                self.folder.mkdir(parents=True, exist_ok=True)
                write_atomically(self.folder / file.file_name, file.content)
            except (DomainError, OSError) as e:  # a fact the format needs is missing; the folder is not there
                outcomes.append(Outcome(parcel.delivery_id, False, str(e)))
                continue
            outcomes.append(Outcome(parcel.delivery_id, True, receipt=file.file_name))
        return outcomes


def print_batch(parcels: Sequence[Parcel]) -> bytes:
    """The ZIP of the parcels' PDFs, in document number order: the same parcels give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for parcel in sorted(parcels, key=lambda p: p.number):
            archive.writestr(zipfile.ZipInfo(f"{parcel.number}.pdf", ZIP_EPOCH), parcel.pdf,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


class PrintBatch:
    channel = Channel.PRINT

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def deliver(self, parcels: Sequence[Parcel]) -> list[Outcome]:
        if not parcels:
            return []
        content = print_batch(parcels)
        name = f"print-{hashlib.sha256(content).hexdigest()[:16]}.zip"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.folder / name, content)
        except OSError as e:
            reason = f"cannot write the print batch {name}: {e}"
            return [Outcome(p.delivery_id, False, reason) for p in parcels]
        return [Outcome(p.delivery_id, True, receipt=name) for p in parcels]
