"""``saldo projections run``: a worker process keeping every read model current, on both stores.

It catches up once (``--once``) or polls until SIGTERM/SIGINT and then exits 0; two workers and an API
process catching up at once apply every event exactly once, and the views equal a rebuild; a failed batch
is logged and tried again on the next pass; told to stop, a worker ends after the batch it is applying.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Notification

from api.bootstrap import Services, build
from api.cli import main
from api.cli.projections import worker_for
from ledger.accounts import commands as ac
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from projections.catalog import CATALOG_TOPICS
from projections.dunning_history import HISTORY_TOPICS
from projections.ledger_view import TOPICS
from projections.trail import TRAIL_TOPICS, TrailCatchUp
from tests.clerk import Clock, energy_line

ROOT = Path(__file__).resolve().parent.parent
#: Each model's topics, by the worker's names for them.
MODEL_TOPICS = {"ledger-view": TOPICS, "audit-trail": TRAIL_TOPICS, "catalog": CATALOG_TOPICS,
                "dunning-history": HISTORY_TOPICS}
#: Longest a test waits for a worker to reach the end of the log.
CAUGHT_UP_SECONDS = 60.0


def open_customers(svc: Services, first: int, count: int) -> None:
    """Customers with an account, an invoice and a part payment, in one transaction (no catch-up)."""
    commands: list[tuple[object, str]] = []
    for i in range(first, first + count):
        partner = child_id(record_id("RegisterPartner", f"w:{i}:partner"), "partner")
        account = child_id(record_id("OpenContractAccount", f"w:{i}:account"), "account")
        commands += [(pc.RegisterPartner(f"Customer {i}", PartnerKind.PERSON), f"w:{i}:partner"),
                     (ac.OpenContractAccount(partner, f"Account {i}"), f"w:{i}:account"),
                     (ac.IssueInvoice(account, (energy_line("100.00"),), date(2026, 3, 1)), f"w:{i}:invoice"),
                     (pmt.RecordPayment(account, Decimal("30.00"), date(2026, 3, 5)), f"w:{i}:payment")]
    items = svc.app.execute_many(commands)
    assert not [item.error for item in items if item.error]


def topic_counts(svc: Services) -> dict[str, int]:
    return {name: len(all_notifications(svc, topics)) for name, topics in MODEL_TOPICS.items()}


def all_notifications(svc: Services, topics: Sequence[str]) -> list[Notification]:
    return svc.app.recorder.select_notifications(start=1, limit=1_000_000, topics=topics)


def read_models(svc: Services) -> dict[str, Any]:
    """Every row of every read model (the trail by everything it indexes)."""
    trail = svc.view._read(f"SELECT * FROM {svc.view.prefix}saldo_audit_trail ORDER BY touched, position")
    return {"view": svc.view.dump(), "catalog": svc.view.dump_catalog(),
            "history": svc.view.dump_history(), "trail": trail}


def positions(svc: Services) -> dict[str, int | None]:
    return {name: model.position() for name, model in worker_for(svc).models}


def last_ids(svc: Services) -> dict[str, int]:
    return {name: all_notifications(svc, topics)[-1].id for name, topics in MODEL_TOPICS.items()}


def assert_equals_rebuild(svc: Services) -> None:
    live = read_models(svc)
    assert main(["--database-url", svc.database_url, "projections", "rebuild"]) == 0
    assert read_models(svc) == live


def test_once_catches_every_model_up_and_says_what_it_applied(store_url: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    svc = build(store_url, clock=Clock(date(2026, 3, 1)))
    try:
        open_customers(svc, 0, 12)
        expected = topic_counts(svc)
        assert all(expected.values())
        capsys.readouterr()
        assert main(["--database-url", store_url, "projections", "run", "--once"]) == 0
        out = capsys.readouterr().out.splitlines()
        ends = last_ids(svc)
        assert [line.split(":")[0] for line in out] == list(MODEL_TOPICS)
        for line, (name, count) in zip(out, expected.items(), strict=True):
            assert f"applied {count} events" in line and f"now at position {ends[name]}" in line
        assert positions(svc) == ends
        assert main(["--database-url", store_url, "projections", "run", "--once", "--only", "catalog"]) == 0
        assert capsys.readouterr().out.startswith("catalog: applied 0 events in")
        assert_equals_rebuild(svc)
    finally:
        svc.close()


def test_once_says_which_model_failed_and_exits_1(store_url: str, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    svc = build(store_url, clock=Clock(date(2026, 3, 1)))
    try:
        open_customers(svc, 0, 2)

        def refuse(self: TrailCatchUp, notifications: Sequence[Notification], expected: int | None) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(TrailCatchUp, "apply", refuse)
        capsys.readouterr()
        assert main(["--database-url", store_url, "projections", "run", "--once"]) == 1
        out = capsys.readouterr().out
        assert "audit-trail: failed, nothing applied (RuntimeError: disk full)" in out
        assert f"dunning-history: applied {topic_counts(svc)['dunning-history']} events" in out
        assert svc.trail.position() is None
    finally:
        svc.close()


def test_two_workers_and_the_api_apply_every_event_exactly_once(store_url: str) -> None:
    clock = Clock(date(2026, 3, 1))
    api, one, two = (build(store_url, clock=clock) for _ in range(3))  # three processes' connections
    stop = threading.Event()
    applied: list[dict[str, int]] = []
    workers = [threading.Thread(target=lambda w=w: applied.append(worker_for(w).run(stop, 0.01)))
               for w in (one, two)]
    try:
        for thread in workers:
            thread.start()
        for batch in range(8):  # written while the workers poll; the API catches its view up after each
            open_customers(api, batch * 5, 5)
            api.projections.catch_up()
        deadline = time.monotonic() + CAUGHT_UP_SECONDS
        while positions(api) != last_ids(api) and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for thread in workers:
            thread.join()
        assert positions(api) == last_ids(api)
        by_api = api.projections.catch_up().events  # nothing left
        assert by_api == 0
        counts = topic_counts(api)
        # The ledger view is applied by the API or by a worker, each batch by exactly one of them.
        totals = {name: sum(a[name] for a in applied) for name in MODEL_TOPICS}
        assert {k: v for k, v in totals.items() if k != "ledger-view"} == {
            k: v for k, v in counts.items() if k != "ledger-view"}
        assert totals["ledger-view"] <= counts["ledger-view"]
        assert_equals_rebuild(api)
    finally:
        stop.set()
        for svc in (api, one, two):
            svc.close()


def test_a_failed_batch_is_logged_and_tried_again_on_the_next_pass(services: Services,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    open_customers(services, 0, 3)
    worker = worker_for(services)
    real_apply = services.trail.apply
    calls: list[int] = []

    def flaky(notifications: Sequence[Notification], expected: int | None) -> None:
        calls.append(len(notifications))
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        real_apply(notifications, expected)

    services.trail.apply = flaky  # type: ignore[method-assign]
    stop = threading.Event()
    seen: list[list[Any]] = []

    def on_pass(passes: list[Any]) -> None:
        seen.append(passes)
        if len(seen) == 2:
            stop.set()

    with caplog.at_level(logging.ERROR, logger="projections.worker"):
        applied = worker.run(stop, 0.01, on_pass)
    first = {p.model: p for p in seen[0]}
    assert first["audit-trail"].error == "RuntimeError: the database went away"
    assert first["catalog"].error is None and first["catalog"].applied > 0  # the others went on
    assert "catching up the audit-trail failed" in caplog.text
    assert applied == topic_counts(services)  # the trail's batch applied on the second pass
    assert positions(services) == last_ids(services)


def test_a_worker_told_to_stop_ends_after_the_batch_it_is_applying(services: Services) -> None:
    open_customers(services, 0, 4)
    stop = threading.Event()
    services.catalog.batch = 3
    read, position = services.catalog.follow(progress=lambda done, at: stop.set(), stop=stop)
    catalog_ids = [n.id for n in all_notifications(services, CATALOG_TOPICS)]
    assert (read, position) == (3, catalog_ids[2])
    assert services.catalog.position() == catalog_ids[2]
    assert services.catalog.catch_up() == len(catalog_ids) - 3  # the next pass goes on from there


def _worker_process(store_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "api.cli", "--database-url", store_url, "projections",
                             "run", "--poll-seconds", "0.05"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_worker_processes_keep_the_views_current_and_stop_cleanly(store_url: str) -> None:
    svc = build(store_url, clock=Clock(date(2026, 3, 1)))
    svc.projections.catch_up()  # the tables exist before two processes race to create them
    processes = [_worker_process(store_url) for _ in range(2)]
    try:
        for p in processes:  # both running (their signals awaited) before anything is written
            assert p.stderr is not None
            assert "projection worker on" in p.stderr.readline()
        for batch in range(4):
            open_customers(svc, batch * 10, 10)
        deadline = time.monotonic() + CAUGHT_UP_SECONDS
        while positions(svc) != last_ids(svc) and time.monotonic() < deadline:
            assert all(p.poll() is None for p in processes), processes[0].communicate()
            time.sleep(0.1)
        assert positions(svc) == last_ids(svc)
        processes[0].send_signal(signal.SIGTERM)
        processes[1].send_signal(signal.SIGINT)
        outcomes = [p.communicate(timeout=30) for p in processes]
        assert [p.returncode for p in processes] == [0, 0], outcomes
        # (each one's first log line was read above)
        assert "SIGTERM: finishing the current batch" in outcomes[0][1]
        assert "SIGINT: finishing the current batch" in outcomes[1][1]
        assert all("projection worker stopped" in err for _, err in outcomes)
        assert_equals_rebuild(svc)
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
        svc.close()


def _projection_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "projection-catch-up" and t.is_alive()]


def test_serve_can_leave_the_polling_to_a_separate_worker(store_url: str, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import uvicorn

    from api import asgi

    started: list[tuple[Any, dict[str, Any], int]] = []
    monkeypatch.setattr(uvicorn, "run",
                        lambda app, **kw: started.append((app, kw, len(_projection_threads()))))
    monkeypatch.delenv("SALDO_PROJECTIONS", raising=False)
    before = len(_projection_threads())
    assert main(["--database-url", store_url, "serve", "--projections", "separate"]) == 0
    assert main(["--database-url", store_url, "serve"]) == 0
    assert [threads - before for _, _, threads in started] == [0, 1]  # in-process: the serving one polls
    # ... and it is stopped, and gone, before serve returns and the store is closed: a polling thread
    # left on a closed SQLite connection crashed the test process (a segmentation fault in CI).
    assert len(_projection_threads()) == before
    assert "a separate `saldo projections run` catches them up" in capsys.readouterr().out
    assert main(["--database-url", store_url, "serve", "--workers", "2", "--projections", "separate"]) == 0
    assert started[-1][0] == "api.asgi:create" and os.environ["SALDO_PROJECTIONS"] == "separate"
    monkeypatch.setenv("SALDO_DATABASE_URL", store_url)
    threads = len(_projection_threads())
    app = asgi.create()  # one of the uvicorn workers: no polling thread of its own
    assert app.title and len(_projection_threads()) == threads
    monkeypatch.setenv("SALDO_PROJECTIONS", "sometimes")
    with pytest.raises(ValueError, match="SALDO_PROJECTIONS must be one of in-process, separate"):
        asgi.create()
