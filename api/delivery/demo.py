"""The demo's documents, rendered and delivered (issue 13 item 7): every invoice and credit note the demo
issued goes into the print outbox (recording the hash of its PDF) and one send run writes them as a print
batch, ``var/outbox/print/print-<hash>.zip`` (under ``saldo demo --demo-folder``). Idempotent like the rest
of the demo: its keys are fixed, so loading the demo again renders, records and writes nothing new."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.bootstrap import Services
from api.delivery import runs
from api.delivery.files import PrintBatch
from ledger.delivery.transport import Channel
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


def deliver_demo_documents(svc: Services, folder: Path) -> dict[str, Any]:
    """Queue the demo's documents for print and send them into ``folder/outbox/print``; the counts and the
    batch file."""
    numbers = issued_numbers(svc)
    queued = 0
    for start in range(0, len(numbers), runs.MAX_QUEUE_DOCUMENTS):
        chunk = numbers[start: start + runs.MAX_QUEUE_DOCUMENTS]
        queued += len(runs.queue(svc.app, chunk, Channel.PRINT, f"demo:print:{start}")["deliveries"])
    printer = PrintBatch(folder / "outbox" / "print")
    sent = runs.send_run(svc.app, {Channel.PRINT: printer}, [Channel.PRINT], "demo:print:run")
    svc.projections.catch_up()
    batches = [d["receipt"] for d in runs.deliveries(svc.app, Channel.PRINT, limit=1) if d["receipt"]]
    return {"documents": len(numbers), "queued": queued, "sent": sent["sent"], "batch": batches[:1],
            "folder": str(printer.folder)}
