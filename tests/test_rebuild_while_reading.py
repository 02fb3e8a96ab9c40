"""A rebuild of the ledger view in another process never hides an account from the API (issue 14 item 4:
4 of 60 balance reads answered 404 while ``saldo projections rebuild`` ran).

The rebuild runs in a subprocess (:mod:`tests.rebuild_driver`), in batches of a few notifications, and
stops after its first batch until the test lets it go on: the 60 reads are made while it is certainly half
way through, on the SQLite file store and on PostgreSQL. Each read must find the account with the balance
it had before; after the rebuild the view is the one the commands left, row for row.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import Services, build
from projections.rebuild import NEXT, ViewMovedOn, next_view, switch
from projections.runner import CatchUp
from tests.auth import api_client
from tests.clerk import Clerk, Clock
from tests.postgres import scratch_database
from tests.test_company_stores import _drop_role, _make_reader, _portal_account

#: Balance reads made while the rebuild is half-way (the issue's count).
READS = 60
ROOT = Path(__file__).resolve().parents[1]


def _accounts(clerk: Clerk) -> list[str]:
    """A few accounts with invoices and payments: more events than the rebuild's first batch."""
    accounts = []
    for i in range(4):
        account = clerk.customer(f"Rebuild Customer {i}")
        invoice = clerk.bill(account, "100.00", "20.00")
        clerk.pay(account, "40.00", invoice["number"])
        accounts.append(str(account))
    return accounts


def _rebuild_paused(store_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SALDO_DATABASE_URL": store_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.rebuild_driver", "--batch", "3", "--", "projections", "rebuild"],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "paused":
        process.kill()
        _, errors = process.communicate()
        raise AssertionError(f"the rebuild did not pause: {line!r} {errors}")
    return process


def test_reads_during_a_rebuild_in_another_process_find_every_account(services: Services, clerk: Clerk,
                                                                       store_url: str) -> None:
    accounts = _accounts(clerk)
    last = accounts[-1]  # opened after the rebuild's first batch: missing from a half-replayed view
    http = api_client(services, "finance")
    first = http.get(f"/accounts/{last}/balance")
    assert first.status_code == 200, first.text
    before = first.json()
    rows = services.view.dump()
    rebuild = _rebuild_paused(store_url)
    try:
        answers = [http.get(f"/accounts/{last}/balance") for _ in range(READS)]
    finally:
        out, errors = rebuild.communicate("go\n", timeout=600)
    assert [a.status_code for a in answers] == [200] * READS, answers[0].text
    assert all(a.json() == before for a in answers)
    assert rebuild.returncode == 0, errors
    assert "rebuilt the ledger view" in out
    assert http.get(f"/accounts/{last}/balance").json() == before
    assert services.view.dump() == rows


def test_what_is_booked_during_a_rebuild_is_in_the_rebuilt_view(services: Services, clerk: Clerk,
                                                                store_url: str) -> None:
    accounts = _accounts(clerk)
    http = api_client(services, "finance")
    rebuild = _rebuild_paused(store_url)
    try:
        clerk.pay(UUID(accounts[0]), "30.00")  # caught up into the view being read, not yet the new one
        during = http.get(f"/accounts/{accounts[0]}/balance").json()
    finally:
        _, errors = rebuild.communicate("go\n", timeout=600)
    assert rebuild.returncode == 0, errors
    assert during["balance"] == "76.40"  # 146.40 billed, 40.00 and 30.00 paid
    assert http.get(f"/accounts/{accounts[0]}/balance").json() == during
    live = services.view.dump()
    services.projections.rebuild()
    assert services.view.dump() == live


def test_the_switch_is_refused_while_the_view_is_ahead_of_the_rebuilt_tables(services: Services,
                                                                             clerk: Clerk) -> None:
    """A command caught up after the new tables' last batch: switching then would lose it, so the switch
    is refused, nothing is replaced, and the rebuild catches up and switches on its next attempt."""
    accounts = _accounts(clerk)
    live = services.projections
    builder = CatchUp(services.app, services.view, f"ledger{NEXT}")
    builder.view = next_view(services.view, builder.tracking_name)
    builder.follow()
    clerk.pay(UUID(accounts[1]), "5.00")
    rows, ahead = services.view.dump(), live.position()
    assert ahead is not None and ahead > (builder.position() or 0)
    with pytest.raises(ViewMovedOn):
        switch(services.view, builder.view, live.tracking_name, builder.tracking_name)
    assert services.view.dump() == rows and live.position() == ahead
    builder.follow()
    assert switch(services.view, builder.view, live.tracking_name, builder.tracking_name) == live.position()
    assert services.view.dump() == rows
    clerk.pay(UUID(accounts[1]), "5.00")  # the switched-in tables are caught up and read like the old ones
    assert clerk.owes(UUID(accounts[1])) == Decimal("96.40")  # 146.40 billed, 40.00 and twice 5.00 paid


def test_a_read_only_role_still_reads_the_rebuilt_view(pg_url: str) -> None:
    """The replaced tables are new ones: what was granted on the old ones (the read URL's SELECT) is
    granted on them too, or every portal read through the read URL would fail after a rebuild."""
    tag = uuid.uuid4().hex[:8]
    role = f"saldo_reader_{tag}"
    with scratch_database(pg_url, f"saldo_rebuild_{tag}") as primary:
        database = primary.rsplit("/", 1)[1]
        build(primary, read_url="").close()
        reader = _make_reader(pg_url, database, role)
        try:
            svc = build(primary, read_url=reader, clock=Clock(date(2026, 3, 1)))
            try:
                http, account = _portal_account(svc)
                before = http.get(f"/accounts/{account}/balance").json()
                svc.projections.rebuild()
                answer = http.get(f"/accounts/{account}/balance")
                assert answer.status_code == 200, answer.text
                assert answer.json() == before
            finally:
                svc.close()
        finally:
            _drop_role(pg_url, database, role)


def _indexes(services: Services) -> list[tuple[str, str]]:
    view = services.view
    if view.renames_indexes:  # PostgreSQL
        return sorted((name, table) for name, table in view._read(
            "SELECT indexname, tablename FROM pg_indexes WHERE schemaname = ? AND tablename LIKE ?",
            (view.prefix.strip('".'), "saldo%")))
    return sorted((name, table) for name, table in view._read(
        "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE ?", ("saldo%",)))


def test_the_switched_in_tables_have_the_indexes_and_names_the_old_ones_had(services: Services,
                                                                            clerk: Clerk) -> None:
    """Twice, so the second rebuild finds the names the first one left free: no table or index of the
    rebuild is left over, none is missing, none is doubled."""
    _accounts(clerk)
    indexes, rows = _indexes(services), services.view.dump()
    assert any(name == "saldo_open_items_account" for name, _ in indexes)
    for _ in range(2):
        services.projections.rebuild()
        assert _indexes(services) == indexes
        assert services.view.dump() == rows


def test_a_rebuild_after_one_that_died_half_way_starts_its_tables_again(services: Services,
                                                                        clerk: Clerk) -> None:
    _accounts(clerk)
    indexes, rows = _indexes(services), services.view.dump()
    dead = CatchUp(services.app, services.view, f"ledger{NEXT}")
    dead.view = next_view(services.view, dead.tracking_name)
    dead.batch = 2
    dead.follow(stop=_stopped())  # one batch, then the process "died"
    assert dead.position() is not None and services.view.dump() == rows  # the view read is untouched
    report = services.projections.rebuild()
    assert report.position == services.projections.position()
    assert services.view.dump() == rows and _indexes(services) == indexes


def _stopped() -> threading.Event:
    stop = threading.Event()
    stop.set()
    return stop
