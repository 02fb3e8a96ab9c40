"""Issue 13 item 6, the file-drop channels: the print batch (one deterministic ZIP per run) and the
e-invoice files for the intermediary (written by a pluggable writer; a writer's refusal is a failed
attempt, reported, not a crash). Both stores."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from api.bootstrap import build
from api.delivery import runs
from api.delivery.files import EInvoiceDrop, PrintBatch, print_batch
from api.documents.einvoice import EInvoiceFile, dispatch, validation
from api.documents.invoice_pdf import RENDERER
from ledger.core.errors import InvalidInput
from ledger.delivery.outbox import Delivery, Outbox
from ledger.delivery.transport import Channel, Parcel
from ledger.documents.renderings import DocumentRenderings
from tests.clerk import Clerk, Clock
from tests.delivery_scenario import customer_with_email
from tests.documents_scenario import COMPANIES, doc_clerk
from tests.einvoice_business_scenario import business_invoice

__all__ = ["doc_clerk"]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_print_run_writes_one_zip_of_the_recorded_pdfs_and_the_next_run_none(doc_clerk: Clerk,
                                                                               tmp_path: Path) -> None:
    app = doc_clerk.services.app
    numbers = [customer_with_email(doc_clerk, c, None)[1] for c in ("it-pagopa", "es-water")]
    assert runs.queue(app, numbers, Channel.PRINT, "q")["queued"] == 2
    folder = tmp_path / "print"
    transports = {Channel.PRINT: PrintBatch(folder)}
    assert runs.send_run(app, transports, [Channel.PRINT], "run-1", now=lambda: T0)["sent"] == 2
    (batch,) = folder.iterdir()
    with zipfile.ZipFile(batch) as archive:
        assert archive.namelist() == sorted(f"{n}.pdf" for n in numbers)
        for number in numbers:
            recorded = app.find(DocumentRenderings, DocumentRenderings.id_for(number))
            assert recorded is not None and recorded.of(RENDERER) is not None
            assert hashlib.sha256(archive.read(f"{number}.pdf")).hexdigest() == recorded.of(RENDERER).sha256
    assert batch.name == f"print-{hashlib.sha256(batch.read_bytes()).hexdigest()[:16]}.zip"
    assert runs.send_run(app, transports, [Channel.PRINT], "run-2", now=lambda: T0)["sent"] == 0
    assert list(folder.iterdir()) == [batch]


def test_a_print_batch_is_the_same_bytes_whatever_the_order_of_its_parcels() -> None:
    parcels = [Parcel(Delivery.id_for(n, Channel.PRINT), 1, Channel.PRINT, n, "addr", "name", "it", "co",
                      f"%PDF {n}".encode()) for n in ("B-2", "A-1", "C-3")]
    batch = print_batch(parcels)
    assert batch == print_batch(parcels[::-1])
    assert zipfile.ZipFile(io.BytesIO(batch)).namelist() == ["A-1.pdf", "B-2.pdf", "C-3.pdf"]


def test_e_invoices_are_dropped_by_the_writer_given_and_a_refusal_is_a_failed_attempt(doc_clerk: Clerk,
                                                                                     tmp_path: Path) -> None:
    app = doc_clerk.services.app
    good = customer_with_email(doc_clerk, "it-pagopa", None)[1]
    bad = customer_with_email(doc_clerk, "es-water", None)[1]
    queued = runs.queue(app, [good, bad], Channel.EINVOICE, "q")
    # the scenario's customers are persons without a tax id: nothing to address an e-invoice to
    assert queued["queued"] == 0 and {e["field"] for e in queued["errors"]} == {"tax_ids"}

    def writer(number: str) -> EInvoiceFile:
        if number == bad:
            raise InvalidInput("a Facturae needs the customer's NIF", "tax_ids")
        return EInvoiceFile(f"{number}.xml", "stub", f"<invoice>{number}</invoice>".encode())

    drop = EInvoiceDrop(tmp_path / "e-invoice", writer)
    parcels = [Parcel(Delivery.id_for(n, Channel.EINVOICE), 1, Channel.EINVOICE, n, "IT:1", "x", "it", "co",
                      b"%PDF") for n in (good, bad)]
    ok, refused = drop.deliver(parcels)
    assert ok.ok and ok.receipt == f"{good}.xml"
    assert (tmp_path / "e-invoice" / f"{good}.xml").read_bytes() == f"<invoice>{good}</invoice>".encode()
    assert not refused.ok and refused.reason == "a Facturae needs the customer's NIF"


def test_an_outbox_read_back_from_its_snapshot_still_knows_its_pending_deliveries(doc_clerk: Clerk) -> None:
    app = doc_clerk.services.app
    outbox = Outbox(Outbox.id_for(Channel.PRINT), Channel.PRINT)
    ids = [Delivery.id_for(f"A-{i}", Channel.PRINT) for i in range(3)]
    for i, delivery_id in enumerate(ids):
        outbox.enter(delivery_id, f"A-{i}")
    outbox.settle(ids[1])
    app.save(outbox)
    app.take_snapshot(outbox.id)
    restored = app.repository.get(outbox.id)
    assert restored.pending_ids() == [ids[0], ids[2]] and restored.recent == tuple(ids)
    restored.settle(ids[0])
    assert restored.pending_ids() == [ids[2]]


def test_the_wired_e_invoice_channel_drops_each_document_in_its_companys_format(
        store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The application as bootstrap wires it: the e-invoice channel writes a Finnish company's document as
    Finvoice (dispatch.write), and the file dropped is the one the route answers, valid against its XSD."""
    monkeypatch.setenv("SALDO_CONFIG", str(COMPANIES))
    monkeypatch.setenv("SALDO_OUTBOX_DIR", str(tmp_path / "outbox"))
    clock = Clock(date(2026, 3, 1))
    svc = build(store_url, clock=clock)
    try:
        clerk = Clerk(svc, clock)
        _, issued = business_invoice(clerk, "fi-network")
        number = issued["number"]
        assert runs.queue(svc.app, [number], Channel.EINVOICE, "q")["queued"] == 1
        assert runs.send_run(svc.app, svc.transports, [Channel.EINVOICE], "run", now=lambda: T0)["sent"] == 1
        expected = dispatch.write(svc.app, number)
        assert expected.format == "finvoice"
        dropped = tmp_path / "outbox" / "e-invoice" / expected.file_name
        assert dropped.read_bytes() == expected.content
        validation.validate(expected)
    finally:
        svc.close()
