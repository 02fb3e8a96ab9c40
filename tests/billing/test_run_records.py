"""A billing run's record: saved with the documents it counts, added up across attempts, closed at the end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from ledger.accounts import commands as ac
from ledger.billing import commands as b
from ledger.billing.records import BillingRun, RunBatch, RunIssue
from ledger.core.errors import Conflict
from ledger.core.transcoding import SaldoTranscoder
from tests.billing.helpers import BillingClerk, D
from tests.clerk import energy_line

JAN, FEB_END = date(2026, 1, 1), date(2026, 2, 28)


def _run(biller: BillingClerk) -> UUID:
    return UUID(biller.run(b.StartBillingRun(JAN, FEB_END))["run_id"])


def _batch(invoices: int, gross: str, *, already: int = 0, billed: int = 0, attempt: int = 1,
           contracts: int = 0, errors: int = 0) -> RunBatch:
    issues = tuple(RunIssue(f"c{i}", "IT001E00000001", "2026-01-01..2026-02-28", "not-found", "no tariff")
                   for i in range(errors))
    return RunBatch(contracts, invoices, 0, already, 0, errors, D(gross), D(0), D(gross), issues, billed,
                    attempt)


def test_a_resumed_run_adds_every_attempts_documents_and_takes_the_rest_from_the_latest(
        biller: BillingClerk) -> None:
    run_id = _run(biller)
    # Attempt 1 billed 3 contracts (2 documents, one collective) and met 1 problem, then died.
    biller.run(b.RecordRunBatch(run_id, _batch(2, "30.00", billed=3, contracts=5, errors=1)))
    # Attempt 2 finds those 3 billed, bills the other one, meets the same problem again.
    biller.run(b.RecordRunBatch(run_id, _batch(0, "0", already=3, contracts=3, attempt=2)))
    biller.run(b.RecordRunBatch(run_id, _batch(1, "12.50", billed=1, contracts=2, errors=1, attempt=2)))
    biller.run(b.FinishBillingRun(run_id, 5))
    run = biller.app.get(BillingRun, run_id, "billing run", "run_id")
    totals = run.totals()
    names = ("attempts", "contracts", "invoices", "already_billed", "errors", "gross")
    assert {k: totals[k] for k in names} == {
        "attempts": 2, "contracts": 5, "invoices": 3, "already_billed": 0, "errors": 1, "gross": "42.50"}
    assert [i.contract_id for i in run.issues()] == ["c0"]


def test_a_finished_run_takes_no_more_batches(biller: BillingClerk) -> None:
    run_id = _run(biller)
    biller.run(b.RecordRunBatch(run_id, _batch(1, "10.00", billed=1)))
    biller.run(b.FinishBillingRun(run_id, 1))
    events = biller.events()
    with pytest.raises(Conflict, match=r"finished on .*: it takes no more batches"):
        biller.run(b.RecordRunBatch(run_id, _batch(0, "0", already=1, attempt=2)))
    assert biller.events() == events


def test_the_record_of_a_batch_is_saved_with_its_documents_or_neither_is(biller: BillingClerk) -> None:
    """``execute_many(..., then=...)``: the follow-up runs in the batch's transaction; if it is refused,
    the documents it would have recorded are not saved either."""
    account = biller.customer()
    run_id = _run(biller)
    invoice = (ac.IssueInvoice(account, (energy_line("10.00"),), JAN), biller.key())

    def record(items: object) -> list[tuple[object, str]]:
        return [(b.RecordRunBatch(run_id, _batch(1, "12.20", billed=1)), biller.key())]

    (item,) = biller.app.execute_many([invoice], then=record)
    assert item.error is None
    assert biller.app.get(BillingRun, run_id, "billing run", "run_id").totals()["gross"] == "12.20"
    biller.run(b.FinishBillingRun(run_id, 1))
    events = biller.events()
    with pytest.raises(Conflict):
        biller.app.execute_many([(ac.IssueInvoice(account, (energy_line("20.00"),), JAN), biller.key())],
                                then=record)
    assert biller.events() == events  # no invoice without its record


def test_a_run_loads_the_same_from_its_snapshot_as_from_its_events(biller: BillingClerk) -> None:
    run_id = _run(biller)
    for i in range(1, 251):
        biller.app.execute(b.RecordRunBatch(run_id, _batch(1, "1.01", billed=1, attempt=1 + i // 100,
                                                           errors=i % 2)), f"snap:{i}")
    loaded = biller.app.repository.get(run_id)
    replayed = None
    for stored in biller.app.events.get(run_id):
        replayed = stored.mutate(replayed)
    assert isinstance(loaded, BillingRun) and isinstance(replayed, BillingRun)
    assert biller.app.snapshots is not None
    assert list(biller.app.snapshots.get(run_id))  # it was snapshotted
    assert loaded.totals() == replayed.totals() and loaded.issues() == replayed.issues()
    assert loaded.totals()["invoices"] == 250 and loaded.totals()["attempts"] == 3


def test_a_batch_recorded_before_attempts_were_counted_reads_as_the_first_attempt() -> None:
    """RunBatch gained ``billed`` and ``attempt``: a record stored without them reads with 0 and 1."""
    old = (b'{"_type_":"record","_data_":["ledger.billing.records:RunBatch",{"contracts":2,"invoices":2,'
           b'"credit_notes":0,"already_billed":0,"nothing_to_bill":0,"errors":0,'
           b'"net":{"_type_":"decimal","_data_":"20.00"},"vat":{"_type_":"decimal","_data_":"4.40"},'
           b'"gross":{"_type_":"decimal","_data_":"24.40"},"issues":{"_type_":"tuple","_data_":[]}}]}')
    batch = SaldoTranscoder().decode(old)
    assert batch == RunBatch(2, 2, 0, 0, 0, 0, Decimal("20.00"), Decimal("4.40"), Decimal("24.40"))
    assert (batch.billed, batch.attempt) == (0, 1)
