"""The demo's documents, rendered and delivered (issue 13 item 7): every invoice and credit note the demo
issued is rendered and its hash recorded; those whose customers have a postal address go into the print
outbox and one send run writes them as a print
batch, ``var/outbox/print/print-<hash>.zip`` (under ``saldo demo --demo-folder``). Idempotent like the rest
of the demo: its keys are fixed, so loading the demo again renders, records and writes nothing new."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from api.bootstrap import Services
from api.delivery import runs
from api.delivery.files import PrintBatch
from api.documents.invoice_pdf import RENDERER
from api.documents.service import issue
from ledger.delivery.transport import Channel
from ledger.documents.renderings import DocumentRenderings
from projections.lists import MAX_PAGE_SIZE, PageRequest


def issued_numbers(svc: Services) -> list[str]:
    """Every document number the store holds, in number order (from the catalog's documents list)."""
    svc.catalog.catch_up()
    numbers: list[str] = []
    after = None
    while True:
        rows, after = svc.view.page("documents", PageRequest("number", after=after, limit=MAX_PAGE_SIZE))
        numbers += [str(row[1]) for row in rows]
        if after is None:
            return numbers


def _rendered_before(svc: Services, number: str) -> bool:
    """Whether today's renderer's rendering of ``number`` is recorded (queued for print, or issued)."""
    renderings = svc.app.find(DocumentRenderings, DocumentRenderings.id_for(number))
    return renderings is not None and renderings.of(RENDERER) is not None


def deliver_demo_documents(svc: Services, folder: Path,
                           progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Queue the demo's documents for print and send them into ``folder/outbox/print``; a document that
    cannot be printed (its customer has no postal address) is rendered and its hash recorded all the same.
    The counts and the batch file; ``progress(rendered, to render)`` after each chunk."""
    numbers = issued_numbers(svc)
    todo = [n for n in numbers if not _rendered_before(svc, n)]
    queued, unprintable = 0, 0
    for start in range(0, len(todo), runs.MAX_QUEUE_DOCUMENTS):
        chunk = todo[start: start + runs.MAX_QUEUE_DOCUMENTS]
        report = runs.queue(svc.app, chunk, Channel.PRINT, "demo:print")
        queued += len(report["deliveries"])
        for error in report["errors"]:
            issue(svc.app, error["number"], f"demo:render:{error['number']}:{RENDERER}")
            unprintable += 1
        if progress is not None:
            progress(start + len(chunk), len(todo))
    printer = PrintBatch(folder / "outbox" / "print")
    sent = runs.send_run(svc.app, {Channel.PRINT: printer}, [Channel.PRINT], "demo:print:run")
    svc.projections.catch_up()
    batches = [d["receipt"] for d in runs.deliveries(svc.app, Channel.PRINT, limit=1) if d["receipt"]]
    return {"documents": len(numbers), "rendered": len(todo), "queued": queued, "unprintable": unprintable,
            "sent": sent["sent"], "batch": batches[:1], "folder": str(printer.folder)}
