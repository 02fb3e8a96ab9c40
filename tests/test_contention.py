"""Issue 12 item 3: no 409 under contention. Writers that lose an optimistic-concurrency race on the same
account retry with jittered exponential backoff until a time limit; only past it is the command refused,
as 503 with ``Retry-After`` and nothing written, never as a lost request or a 409."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError

from api.bootstrap import Services, build
from ledger import application
from ledger.core import contention
from ledger.core.errors import Contended
from ledger.payments import commands as pmt
from tests.auth import api_client
from tests.clerk import Clerk

#: As many HTTP clients as issue 12's benchmark runs, spread over servers as uvicorn workers would be
#: (each Services its own connection pool, like a worker process).
CLIENTS, SERVERS = 16, 4
PAYMENTS_EACH = 3


def test_sixteen_clients_paying_into_one_account_all_succeed(clerk: Clerk, store_url: str) -> None:
    account = clerk.customer()
    clerk.bill(account, "1000.00", vat="0")
    writers = [build(store_url, clock=clerk.clock) for _ in range(SERVERS)]

    def pay(w: int) -> list[int]:
        with api_client(writers[w % SERVERS]) as http:
            return [http.post(f"/accounts/{account}/payments", headers={"Idempotency-Key": f"c{w}-{n}"},
                              json={"amount": "1.00", "received_on": "2026-03-02"}).status_code
                    for n in range(PAYMENTS_EACH)]

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = [s for batch in pool.map(pay, range(CLIENTS)) for s in batch]
    finally:
        for svc in writers:
            svc.close()
    assert statuses == [201] * (CLIENTS * PAYMENTS_EACH)
    paid = Decimal(CLIENTS * PAYMENTS_EACH)
    assert clerk.services.app.repository.get(account).open_total == Decimal("1000.00") - paid


class _FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.woke: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.woke.append(self.now + seconds)
        self.now += seconds + 0.05  # each attempt also costs time


def _always_losing(services: Services, monkeypatch: pytest.MonkeyPatch) -> _FakeTime:
    fake = _FakeTime()
    saved: list[Any] = []

    def lose(*aggregates: Any) -> None:
        saved.append(aggregates)
        raise IntegrityError("another writer appended this version first")

    monkeypatch.setattr(services.app, "save", lose)
    monkeypatch.setattr(services.app, "monotonic", lambda: fake.now)
    monkeypatch.setattr(application.time, "sleep", fake.sleep)
    return fake


def test_past_the_time_limit_the_command_is_contended_and_nothing_is_written(
        clerk: Clerk, monkeypatch: pytest.MonkeyPatch) -> None:
    account = clerk.customer()
    before = clerk.services.app.recorder.max_notification_id()
    fake = _always_losing(clerk.services, monkeypatch)
    with pytest.raises(Contended) as refused:
        clerk.services.app.execute(pmt.RecordPayment(account, Decimal("5.00"), date(2026, 3, 2)), "k")
    assert refused.value.retry_after_s >= 1
    assert max(fake.woke) <= contention.MAX_CONTENTION_WAIT_S  # never slept past the limit
    assert fake.now >= contention.MAX_CONTENTION_WAIT_S - contention.MAX_BACKOFF_S - 0.05  # used it
    assert len(fake.slept) > 20  # many more attempts than the old fixed 20 fit in the limit
    # the pauses grow (exponential backoff) and never exceed the cap
    assert max(fake.slept) <= contention.MAX_BACKOFF_S
    assert sum(fake.slept[-10:]) > sum(fake.slept[:10])
    monkeypatch.undo()
    assert clerk.services.app.recorder.max_notification_id() == before


def test_over_http_a_contended_command_is_503_with_retry_after(clerk: Clerk,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    account = clerk.customer()
    _always_losing(clerk.services, monkeypatch)
    with api_client(clerk.services) as http:
        reply = http.post(f"/accounts/{account}/payments", headers={"Idempotency-Key": "p"},
                          json={"amount": "5.00", "received_on": "2026-03-02"})
    assert reply.status_code == 503
    assert reply.headers["content-type"].startswith("application/problem+json")
    assert reply.headers["Retry-After"] == "1" and reply.json()["type"] == "/problems/contended"


def test_no_turn_at_the_writer_is_waited_out_like_a_lost_race(clerk: Clerk,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite has one writer connection: a command that times out waiting for it wrote nothing, so it is
    run again (a 500 under 16 clients on one account, in CI); past the contention limit it is a 503."""
    from eventsourcing.persistence import ConnectionUnavailableError

    account = clerk.customer()
    app, real_save, busy = clerk.services.app, clerk.services.app.save, [3]

    def save(*aggregates: Any) -> Any:
        if busy[0]:
            busy[0] -= 1
            raise ConnectionUnavailableError("Timed out waiting for return of writer")
        return real_save(*aggregates)

    monkeypatch.setattr(app, "save", save)
    monkeypatch.setattr(application.time, "sleep", lambda seconds: None)
    result = app.execute(pmt.RecordPayment(account, Decimal("5.00"), date(2026, 3, 2)), "busy-writer")
    assert busy == [0] and result["payment_id"]
    assert app.repository.get(account).payments  # booked once the writer was free
    real_preload, readers_busy = app._preload, [2]

    def preload(*args: Any) -> None:  # no reader connection free in the pool's time, twice
        if readers_busy[0]:
            readers_busy[0] -= 1
            raise ConnectionUnavailableError("Timed out waiting for connection pool semaphore")
        real_preload(*args)

    monkeypatch.setattr(app, "_preload", preload)
    assert app.execute(pmt.RecordPayment(account, Decimal("4.00"), date(2026, 3, 2)), "busy-readers")
    assert readers_busy == [0]
    busy[0] = 10**6  # never free: refused in time, nothing written
    before = app.recorder.max_notification_id()
    fake = _FakeTime()
    monkeypatch.setattr(app, "monotonic", lambda: fake.now)
    monkeypatch.setattr(application.time, "sleep", fake.sleep)
    with pytest.raises(Contended):
        app.execute(pmt.RecordPayment(account, Decimal("6.00"), date(2026, 3, 2)), "never-free")
    assert app.recorder.max_notification_id() == before
