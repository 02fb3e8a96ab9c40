"""Open items kept in a snapshot as rows, read only when used (issue 12, bench/growth.py).

A ten-year account owing 125 bills decoded all 125 from its snapshot on every command, for a payment that
settles one. The snapshot now holds them as rows (:class:`ledger.core.archive.RowCodec`); a row becomes
its :class:`~ledger.accounts.clearing.OpenItem` when something reads it. What any command decides must be
what it decides on the account replayed from its first event.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.accounts.archiving import COMPACT_RECORDS, OpenItemRows, in_order
from ledger.accounts.clearing import ItemKind, OpenItem, clearing_order
from ledger.application import ACCOUNT_SNAPSHOT_INTERVAL, Saldo
from ledger.collections.account_part import DirectDebit
from ledger.collections.mandate import CollectionRecord
from ledger.core.archive import ArchivedMap, IdFilter, RowTuple
from ledger.core.snapshots import COMPACT
from ledger.payments import commands as pmt


def next_sequence_type(account: DirectDebit) -> str:
    return account.next_sequence_type()


def _replayed(app: Saldo, account: UUID) -> Any:
    aggregate = None
    for event in app.events.get(account):
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def _rows_left(items: Any) -> int:
    return sum(type(v) is list for v in dict.values(items))


def _owing_account(clerk: Any, bills: int) -> UUID:
    account = clerk.customer()
    for _ in range(bills):
        clerk.bill(account, "10.00")
        clerk.clock.advance(1)
    return account


def test_a_payment_reads_only_the_open_items_it_pays(clerk: Any) -> None:
    app = clerk.services.app
    account = _owing_account(clerk, ACCOUNT_SNAPSHOT_INTERVAL + 5)
    (snapshot,) = app.snapshots.get(account, desc=True, limit=1)
    assert snapshot.state[COMPACT] == {"items": "map", "mandate_history": "tuple"}
    assert isinstance(snapshot.state["items"], list)
    rows = len(snapshot.state["items"])
    loaded = app.repository.get(account)
    assert isinstance(loaded.items, ArchivedMap) and _rows_left(loaded.items) == rows > 40
    numbers = [i.document_number for i in _replayed(app, account).open_items()]
    loaded.receive_payment("p1", Decimal("12.20"), "EUR", clerk.clock.today, "bank:x")  # the oldest bill
    loaded.item_by_number(numbers[7])  # a payer naming a bill: looked up by its row's number
    assert _rows_left(loaded.items) >= rows - 3, "decoded every open item"
    # And the answers are the full replay's.
    clerk.run(pmt.RecordPayment(account, Decimal("30.00"), clerk.clock.today))
    clerk.run(pmt.RecordPayment(account, Decimal("5.00"), clerk.clock.today, invoice_numbers=(numbers[9],)))
    loaded, expected = app.repository.get(account), _replayed(app, account)
    assert loaded.open_items() == expected.open_items() and loaded.balance == expected.balance
    assert vars(loaded) == vars(expected)


def _item(n: int, due: date, kind: ItemKind, open_amount: str, seq: int) -> OpenItem:
    return OpenItem(f"i{n}", f"INV-{n}", kind, Decimal("50.00"), Decimal(open_amount), due, due, None, seq)


def test_the_order_from_rows_is_the_clearing_order() -> None:
    """Ties on due date, kind and seq keep the map's order; cleared items (any spelling of zero) are out."""
    rng = random.Random(5)
    start = date(2026, 1, 1)
    codec = COMPACT_RECORDS["items"]
    zeros = ("0.00", "0", "0E-2", "0E+1")
    for _ in range(30):
        items = {}
        for n in range(40):
            amount = rng.choice(("10.00", "0.01", "1E+1", *zeros))
            item = _item(n, start + timedelta(days=rng.randint(0, 4)), rng.choice(list(ItemKind)), amount,
                         rng.randint(1, 6))
            items[item.item_id] = item
        rows = {k: codec.to_row(v) if rng.random() < 0.7 else v for k, v in items.items()}
        mixed = ArchivedMap(rows, None, None, codec)
        expected = clearing_order(list(items.values()))
        assert [i.item_id for i in in_order(mixed)] == [i.item_id for i in expected]
        assert all(codec.from_row(codec.to_row(i)) == i for i in items.values())


def test_a_row_reads_back_as_its_item() -> None:
    codec = OpenItemRows()
    item = OpenItem("x", "INV-9", ItemKind.FEE, Decimal("1E+1"), Decimal("0.10"), date(999, 1, 2),
                    date(2026, 12, 31), "RF12", 7)
    again = codec.from_row(codec.to_row(item))
    assert again == item and str(again.amount) == "1E+1" and str(again.open_amount) == "0.10"


def test_a_filter_read_back_answers_as_the_one_written_without_decoding_it_whole() -> None:
    ids = [f"id-{n}" for n in range(300)]
    written = IdFilter.sized_for(len(ids)).adding(ids)
    assert written is not None
    read = IdFilter.from_state(written.to_state())
    probes = [*ids, *(f"other-{n}" for n in range(3000))]
    answers = [read.might_hold(p) for p in probes]
    bits = written.bits
    m = len(bits) * 8
    assert answers == [all(bits[p >> 3] >> (p & 7) & 1 for p in written._positions(k)) for k in probes]
    assert all(answers[:300]) and sum(answers[300:]) < 60 and m == written.capacity * 10


def test_an_archived_collection_returned_late_gives_the_events_a_full_replay_gives(clerk: Any) -> None:
    """A direct-debit customer's finished collections (and the items they named) leave the snapshot; a
    refund request on the oldest one, months later, fetches it back and books what a full replay books."""
    from ledger.collections import commands as dd
    from tests.dd_scenario import dd_customer

    app = clerk.services.app
    account = dd_customer(clerk, "rows", "Mario Rossi", "UMR-ROWS-1", "IT60X0542811101000000123456")
    first = None
    for month in range(ACCOUNT_SNAPSHOT_INTERVAL // 2):
        clerk.bill(account, "10.00")
        clerk.clock.advance(12)
        today = clerk.clock.today
        run = clerk.run(dd.ProposeCollectionRun(today + timedelta(days=5), today + timedelta(days=2),
                                                (account,)), f"rows-run-{month}")
        clerk.run(dd.ExecuteCollectionRun(UUID(run["run_id"])), f"rows-exec-{month}")
        e2e = f"DD{UUID(run['run_id']).hex[:10].upper()}{1:07d}"
        first = first or e2e
        clerk.clock.advance(3)
        clerk.run(dd.SettleCollection(account, e2e, clerk.clock.today), f"rows-settle-{month}")
        clerk.clock.advance(16)
    loaded = app.repository.get(account)
    assert isinstance(loaded.collections, ArchivedMap) and loaded.collections.may_be_archived(first)
    # Only those booked after the snapshot (it was taken at a multiple of the interval) are live.
    live = ACCOUNT_SNAPSHOT_INTERVAL // 3
    assert len(loaded.collections.live_values()) < live and len(loaded.items.live_values()) < live
    assert len(loaded.mandate_history) == ACCOUNT_SNAPSHOT_INTERVAL // 2
    bill = clerk.bill(account, "10.00")
    loaded = app.repository.get(account)
    item = loaded.item_by_number(bill["number"])
    loaded.receive_payment("p-rows", Decimal("1.00"), "EUR", clerk.clock.today, "bank:x")
    history = loaded.mandate_history  # the events after the snapshot appended to it and settled entries
    assert isinstance(history, RowTuple), "replaying the month's direct debits decoded the mandate's history"
    assert sum(not isinstance(r, CollectionRecord) for r in history._read) >= len(history) - live
    assert next_sequence_type(loaded) == "RCUR" and history == _replayed(app, account).mandate_history
    loaded.book_collection("DD-NEXT", "run", clerk.clock.today, (item.item_id,))  # next month's debit
    assert loaded.items.is_pruned and loaded.collections.is_pruned, "booking a debit fetched the archive"
    loaded = app.repository.get(account)
    expected = _replayed(app, account)
    assert vars(loaded) == vars(expected)
    clerk.run(dd.ReturnCollection(account, first, "MD06", clerk.clock.today), "rows-refund")
    (written,) = app.events.get(account, gt=expected.version)
    again = _replayed(app, account)
    assert written.end_to_end_id == first and app.repository.get(account).balance == again.balance > 0
    assert vars(app.repository.get(account)) == vars(again)


def test_dunning_steps_kept_as_rows_reverse_as_a_full_replay_does(clerk: Any) -> None:
    """A late payer's steps (one a month here) are their stored text in the snapshot, decoded one by one;
    reversing the latest one, after a snapshot, books what the full replay books."""
    from ledger.dunning import commands as dn

    app = clerk.services.app
    account = clerk.customer()
    step = None
    for month in range(ACCOUNT_SNAPSHOT_INTERVAL // 2):
        clerk.bill(account, "20.00")
        clerk.clock.advance(35)
        run = clerk.run(dn.ProposeDunningRun((account,), clerk.clock.today), f"dun-{month}")
        assert run["steps"] == 1
        clerk.run(dn.ExecuteDunningRun(UUID(run["run_id"])), f"dun-exec-{month}")
        if month < ACCOUNT_SNAPSHOT_INTERVAL // 2 - 1:
            clerk.run(pmt.RecordPayment(account, app.repository.get(account).balance, clerk.clock.today),
                      f"dun-pay-{month}")
    loaded = app.repository.get(account)
    (snapshot,) = app.snapshots.get(account, desc=True, limit=1)
    assert "dunning_steps" in snapshot.state[COMPACT]
    assert isinstance(loaded.dunning_steps, RowTuple) and vars(loaded) == vars(_replayed(app, account))
    step = loaded.dunning_steps[-1]
    clerk.run(dn.ReverseDunningStep(account, step.step_id, "sent in error"), "dun-reverse")
    loaded, expected = app.repository.get(account), _replayed(app, account)
    assert loaded.dunning_steps[-1].reversed and vars(loaded) == vars(expected)
