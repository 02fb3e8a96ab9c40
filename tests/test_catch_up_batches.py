"""The catch-up's batch writer and reads (issue 12 item 2): what they write is what the events say, on both
stores, whatever the text; the reads find every key however many; the collector is back on after a batch;
a batch translated while the one before is still being written (PostgreSQL's pipelined catch-up) gives the
rows it gives once that one is written, and a rebuild in batches of any size gives the same rows.

PostgreSQL writes a batch's new rows with ``COPY`` in text format, where a tab, a newline, a backslash and
the two characters ``\\N`` (COPY's NULL) mean something: the text of a receipt must arrive as it was booked.
"""

from __future__ import annotations

import gc
from datetime import date
from decimal import Decimal

import pytest

from api.bootstrap import Services
from ledger.payments import commands as pmt
from ledger.payments.matching import SUSPENSE, MatchDecision, Receipt
from projections.following import collector_paused
from projections.ledger_view import TOPICS
from projections.queries import IN_CHUNK
from projections.sql import StaleView
from tests.clerk import Clerk

OUR_IBAN = "IT60X0542811101000000123456"
#: Everything COPY's text format escapes, and what it reads as NULL, inside text a receipt may carry.
AWKWARD = ("tab\there", "line\nbreak", "back\\slash", "\\N", "\\.", "quote \" and ' ", "Ünïcödé €", "\r\n")


def _park(clerk: Clerk, payer: str, remittance: tuple[str, ...]) -> None:
    receipt = Receipt(Decimal("12.34"), "EUR", date(2026, 3, 20), payer, None, None, remittance)
    clerk.run(pmt.ImportReceipt(receipt, OUR_IBAN, MatchDecision(SUSPENSE, None, (), "no match")))


def test_text_reaches_the_view_as_it_was_booked_and_a_rebuild_gives_the_same_rows(clerk: Clerk) -> None:
    for i, text in enumerate(AWKWARD):
        _park(clerk, f"{text} payer {i}", (text, f"second {text}"))
    rows = {r[4]: r for r in clerk.services.view.suspense(limit=100)}
    assert set(rows) == {f"{text} payer {i}" for i, text in enumerate(AWKWARD)}
    for i, text in enumerate(AWKWARD):
        row = rows[f"{text} payer {i}"]
        assert row[7] == f"{text} | second {text}"  # remittance lines as the view joins them
        assert row[5] is None and row[6] is None  # no IBAN, no reference: NULL, not the text "\N"
    live = clerk.services.view.dump()
    clerk.services.projections.rebuild()
    assert clerk.services.view.dump() == live


def test_the_reads_of_a_batch_find_every_key_however_many(services: Services) -> None:
    """More keys than one ``IN`` list takes on SQLite, and one array on PostgreSQL: every row comes back."""
    view = services.view
    many = [f"item:{i:05d}" for i in range(2 * IN_CHUNK + 7)]
    with view._write() as curs:  # rows the dating reads, written as the view writes them
        view._upsert_since(curs, [(k, "2026-03-01", "2026-03-31") for k in many])
    dating = view.move_dating([*many, "item:absent"])
    assert sorted(dating.since) == many
    assert len(dating.due) == len(many)
    assert view.currencies([]) == {} and view.account_companies([]) == {}


def test_the_collector_is_back_on_after_a_batch_and_after_one_that_failed() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # nested (another caller that paused it): left off until the outer ends
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(StaleView), collector_paused():
        raise StaleView("another worker was first")
    assert gc.isenabled()


def test_a_catch_up_that_raises_leaves_the_collector_on(services: Services, clerk: Clerk,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _park(clerk, "before", ())
    services.view.drop_rows(services.projections.tracking_name)

    def broken(*_: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.view, "apply", broken)  # the write of a batch, in either loop
    with pytest.raises(RuntimeError):
        services.projections.catch_up()
    assert gc.isenabled()


def _history(clerk: Clerk) -> None:
    """Accounts opened, billed, paid (early and late: their moves count from dates the batch before set),
    a payment reversed: each batch of a small-batch rebuild reads what the one before wrote."""
    clock = clerk.clock
    accounts = [clerk.customer(f"Customer {i}") for i in range(3)]
    for i, account in enumerate(accounts):
        invoice = clerk.bill(account, "100.00", "20.00")
        clerk.pay(account, "50.00", invoice["number"])
        if i == 1:
            clerk.run(pmt.RecordPayment(account, Decimal("30.00"), date(2026, 1, 5)))  # before the invoice
    clerk.pay(accounts[0], "500.00")  # more than is open: credit on account
    paid = clerk.pay(accounts[2], "10.00")
    clerk.run(pmt.ReversePayment(accounts[2], paid["payment_id"], "bounced", clock.today))


def test_a_batch_translated_before_the_one_before_is_written_sees_what_that_one_wrote(
        services: Services, clerk: Clerk) -> None:
    """The pipelined catch-up translates each batch while the one before is being written: translated over
    that batch's changes, unwritten, it must be what it is once they are written."""
    _history(clerk)
    catch_up = services.projections
    notifications = services.app.recorder.select_notifications(start=1, limit=10_000, topics=TOPICS)
    assert len(notifications) > 8
    for cut in range(1, len(notifications)):
        services.view.drop_rows(catch_up.tracking_name)
        first, rest = notifications[:cut], notifications[cut:]
        before = catch_up.changes(first)
        over_unwritten = catch_up.changes(rest, before)
        services.view.apply(before, catch_up.tracking_name, None, first[-1].id)
        assert over_unwritten == catch_up.changes(rest), f"cut after {cut}"


def test_a_rebuild_in_small_batches_gives_the_rows_the_commands_left(services: Services,
                                                                    clerk: Clerk) -> None:
    _history(clerk)
    live = services.view.dump()
    ids = [n.id for n in services.app.recorder.select_notifications(start=1, limit=10_000, topics=TOPICS)]
    for batch in (1, 2, 3, 5):
        services.projections.batch = batch
        report = services.projections.rebuild()
        assert (report.events, report.position) == (len(ids), ids[-1])
        assert services.view.dump() == live, f"batches of {batch}"
