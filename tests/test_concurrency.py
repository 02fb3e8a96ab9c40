"""Concurrent writers on one account and concurrent projection workers lose nothing, apply nothing twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

from api.bootstrap import Services, build
from ledger.accounts.account import ContractAccount
from ledger.payments import commands as pmt
from tests.clerk import Clerk, Clock

WRITERS = 6
PAYMENTS_EACH = 5


def test_concurrent_payments_on_one_account_are_all_recorded(clerk: Clerk, store_url: str) -> None:
    account = clerk.customer()
    clerk.bill(account, "1000.00", vat="0")
    # Separate Services per writer: separate connection pools, like separate API processes.
    writers = [build(store_url, clock=clerk.clock) for _ in range(WRITERS)]

    def pay(w: int) -> list[str]:
        svc = writers[w]
        return [svc.app.execute(pmt.RecordPayment(account, Decimal("1.00"), date(2026, 3, 2)),
                                f"writer-{w}-{n}")["payment_id"] for n in range(PAYMENTS_EACH)]

    try:
        with ThreadPoolExecutor(WRITERS) as pool:
            ids = [i for batch in pool.map(pay, range(WRITERS)) for i in batch]
        # Several workers catch up at once; the compare-and-set tracking lets exactly one apply each batch.
        with ThreadPoolExecutor(WRITERS) as pool:
            list(pool.map(lambda svc: svc.projections.catch_up(), writers))
    finally:
        for svc in writers:
            svc.close()
    assert len(set(ids)) == WRITERS * PAYMENTS_EACH
    aggregate = clerk.services.app.repository.get(account)
    assert isinstance(aggregate, ContractAccount)
    assert len(aggregate.payments) == WRITERS * PAYMENTS_EACH
    assert aggregate.open_total == Decimal("1000.00") - WRITERS * PAYMENTS_EACH
    assert clerk.owes(account) == aggregate.balance
    live = clerk.services.view.dump()
    clerk.services.projections.rebuild()
    assert clerk.services.view.dump() == live


def test_same_key_from_two_processes_runs_once(store_url: str) -> None:
    clock = Clock(date(2026, 3, 1))
    a, b = build(store_url, clock=clock), build(store_url, clock=clock)
    try:
        clerk = Clerk(a, clock)
        account = clerk.customer()
        command = pmt.RecordPayment(account, Decimal("5.00"), date(2026, 3, 1))
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda svc: svc.app.execute(command, "one-key"), [a, b, a, b]))
        assert len({r["payment_id"] for r in results}) == 1
        assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    finally:
        a.close()
        b.close()


def test_services_fixture_is_usable(services: Services) -> None:
    assert services.projections.catch_up().events == 0


def test_a_request_reads_its_own_write_made_through_another_process(clerk: Clerk, store_url: str) -> None:
    """``follow_through`` waits for the command's own events, whichever process wrote what before them."""
    account = clerk.customer()
    clerk.bill(account, "100.00", vat="0")
    other = build(store_url, clock=clerk.clock)  # a second API process on the same store
    try:
        other.app.execute(pmt.RecordPayment(account, Decimal("30.00"), date(2026, 3, 2)), "other-1")
        mine = clerk.services.app
        mine.execute(pmt.RecordPayment(account, Decimal("20.00"), date(2026, 3, 2)), "mine-1")
        written = mine.written_through()
        assert written is not None and written == mine.recorder.max_notification_id()
        clerk.services.projections.follow_through(written)
        row = clerk.services.view.account(str(account))
        assert row is not None and row[4] == 5000  # both payments applied: 100 - 30 - 20
    finally:
        other.close()


def test_follow_through_reads_nothing_once_this_process_has_seen_that_far(services: Services) -> None:
    from ledger.parties import commands as pc
    from ledger.parties.partner import PartnerKind

    services.app.execute(pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON), "p-1")
    written = services.app.written_through()
    assert written is not None
    services.projections.follow_through(written)
    reads: list[int] = []
    recorder = services.app.recorder
    original = recorder.select_notifications
    recorder.select_notifications = lambda *a, **k: reads.append(1) or original(*a, **k)  # type: ignore
    try:
        services.projections.follow_through(written)
        assert reads == []  # seen already: no read at all
        services.app.execute(pc.RegisterPartner("Anna Bianchi", PartnerKind.PERSON), "p-2")
        newer = services.app.written_through()
        assert newer is not None and newer > written
        services.projections.follow_through(newer)
        assert reads  # not seen yet: caught up
    finally:
        recorder.select_notifications = original  # type: ignore
    # A replay writes nothing, so there is nothing to wait for but the log as it is.
    services.app.execute(pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON), "p-1")
    assert services.app.written_through() is None
