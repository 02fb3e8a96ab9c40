"""The benchmark's bulk loader writes what the application writes, and the month's runs resume exactly once.

A portfolio built through ``Saldo.execute`` and the billing run (bench/portfolio_history.py) and one of the
same shape written by the loader (bench/portfolio_loader.py) must hold the same events, byte for byte but
for the event timestamps (the library stamps them with the wall clock) and their order in the log; and the
application must then bill, collect and dun them alike, and the projections catch up on both.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from api.bootstrap import Services, build
from api.dunning_run import run_dunning
from bench.portfolio_history import RUN_DAY, RUN_END, RUN_START, account_id, build_history
from bench.portfolio_loader import load
from bench.portfolio_template import Template, capture
from importers.sepa import service as dd
from ledger.accounts.account import ContractAccount
from ledger.billing import commands as b
from ledger.billing.run import RunReport, run_billing

N = 13  # every variant at least once, three of some
TIMESTAMP = re.compile(rb'"timestamp":\{"_type_":"datetime","_data_":"[^"]+"\}')


@pytest.fixture(scope="module")
def template() -> Template:
    return capture()


@pytest.fixture
def loaded(store_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Services]:
    """A second, empty store of the same kind as ``services``'s, on the run day."""
    if store_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path}/loaded.sqlite"
        schema = None
    else:
        pg = request.getfixturevalue("pg_url")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(pg, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{pg}{'&' if '?' in pg else '?'}schema={schema}"
    svc = build(url, clock=lambda: RUN_DAY)
    yield svc
    svc.close()
    if schema is not None:
        with psycopg.connect(request.getfixturevalue("pg_url"), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _through_commands(services: Services, clock: Any, customers: int) -> None:
    def set_today(day: date) -> None:
        clock.today = day

    build_history(services, range(customers), set_today)
    clock.today = RUN_DAY


def _events(svc: Services) -> set[tuple[UUID, int, str, bytes]]:
    return {(n.originator_id, n.originator_version, n.topic, TIMESTAMP.sub(b"", bytes(n.state)))
            for n in svc.app.recorder.select_notifications(1, 10**9)}


def _month(svc: Services) -> dict[str, Any]:
    """The month's runs, and what the accounts and the views hold after them."""
    run = UUID(svc.app.execute(b.StartBillingRun(RUN_START, RUN_END, RUN_DAY), "run")["run_id"])
    report = run_billing(svc.app, RUN_START, RUN_END, run_id=run)
    proposal = dd.propose_run(svc, RUN_DAY, RUN_DAY + timedelta(days=5), "dd")
    executed = dd.execute_run(svc, UUID(proposal["run_id"]))
    steps = sum(r["steps"] for r in run_dunning(svc, RUN_DAY, execute=True, batch=4))
    accounts = {}
    for i in range(N):
        account = svc.app.get(ContractAccount, account_id(i), "account", "account_id")  # type: ignore[arg-type]
        accounts[i] = (account.balance, sorted((o.document_number, o.open_amount, o.due_date)
                                                 for o in account.open_items()))
    caught_up = svc.projections.catch_up()
    views = {str(a): svc.view.open_items(str(account_id(a))) for a in range(N)}
    return {"invoices": report.invoices, "gross": report.gross, "errors": report.errors,
            "collections": executed["collections"], "amount": executed["amount"], "steps": steps,
            "accounts": accounts, "views": views, "position": caught_up}


def test_the_loader_writes_the_events_commands_write_and_the_month_runs_alike(
        services: Services, clock: Any, loaded: Services, template: Template) -> None:
    _through_commands(services, clock, N)
    load(loaded, N, template)
    assert _events(loaded) == _events(services)
    # The loaded accounts start from snapshots: a command does not replay their 24 months.
    assert loaded.app.snapshots is not None
    for i in range(N):
        assert list(loaded.app.snapshots.get(account_id(i), desc=True, limit=1))  # type: ignore[arg-type]
    by_commands, by_loader = _month(services), _month(loaded)
    assert by_loader == {**by_commands, "position": by_loader["position"]}
    assert by_loader["invoices"] == N and by_loader["errors"] == 0
    assert by_loader["collections"] == 6  # variants 0, 1, 2: customers 0, 1, 2, 10, 11, 12
    assert by_loader["steps"] > 0


class Crash(Exception):
    pass


def _crash_after(chunks: int) -> Any:
    def progress(done: int, total: int, report: RunReport) -> None:
        if done >= chunks * 4:
            raise Crash(f"killed after {done} of {total} contracts")

    return progress


def _invoices_of_the_month(svc: Services) -> list[str]:
    """The contract each January 2026 invoice in the store bills (one entry per invoice)."""
    return [re.search(rb'"contract_id":\{"_type_":"uuid","_data_":"([0-9a-f]+)"', n.state)[1].decode()  # type: ignore[index]
            for n in svc.app.recorder.select_notifications(1, 10**9)
            if n.topic == "ledger.accounts.invoice:Invoice.Issued" and b'"2026-01-01"' in n.state]


def test_a_billing_run_that_died_bills_every_contract_exactly_once_when_run_again(
        loaded: Services, template: Template) -> None:
    load(loaded, N, template)
    run = UUID(loaded.app.execute(b.StartBillingRun(RUN_START, RUN_END, RUN_DAY), "run")["run_id"])
    with pytest.raises(Crash):
        run_billing(loaded.app, RUN_START, RUN_END, run_id=run, chunk_contracts=4, progress=_crash_after(2))
    first = _invoices_of_the_month(loaded)
    assert 0 < len(first) < N
    report = run_billing(loaded.app, RUN_START, RUN_END, run_id=run, chunk_contracts=4)
    billed = _invoices_of_the_month(loaded)
    assert len(billed) == len(set(billed)) == N
    assert report.invoices == N  # the run's record: every attempt's invoices, each once
    # Finished: its report as recorded, nothing billed again.
    again = run_billing(loaded.app, RUN_START, RUN_END, run_id=run, chunk_contracts=4)
    assert again.invoices == N and len(_invoices_of_the_month(loaded)) == N


def test_a_dunning_run_that_died_duns_every_account_once_when_run_again(
        loaded: Services, template: Template) -> None:
    load(loaded, N, template)

    def crash(done: int, total: int, steps: int) -> None:
        raise Crash(f"killed after {done} of {total}")

    with pytest.raises(Crash):
        run_dunning(loaded, RUN_DAY, execute=True, batch=2, progress=crash)
    first = _steps(loaded)
    assert sum(first.values()) > 0
    run_dunning(loaded, RUN_DAY, execute=True, batch=2)
    after = _steps(loaded)
    run_dunning(loaded, RUN_DAY, execute=True, batch=2)
    assert _steps(loaded) == after  # a third run finds nothing more to do that day
    assert after and set(after.values()) == {1}  # every overdue account one step, none two


def _steps(svc: Services) -> dict[UUID, int]:
    steps: dict[UUID, int] = {}
    for n in svc.app.recorder.select_notifications(1, 10**9):
        if n.topic.endswith(".DunningStepRecorded"):
            steps[n.originator_id] = steps.get(n.originator_id, 0) + 1  # type: ignore[index]
    return steps


def test_a_collection_run_proposed_again_and_executed_again_collects_once(
        loaded: Services, template: Template) -> None:
    load(loaded, N, template)
    first = dd.propose_run(loaded, RUN_DAY, RUN_DAY + timedelta(days=5), "dd")
    # The process died before executing: the same request proposes the same run, executed once.
    again = dd.propose_run(loaded, RUN_DAY, RUN_DAY + timedelta(days=5), "dd")
    assert again["run_id"] == first["run_id"] and again["replayed"]
    executed = dd.execute_run(loaded, UUID(first["run_id"]))
    repeated = dd.execute_run(loaded, UUID(first["run_id"]))
    assert executed["collections"] == repeated["collections"] == 6 and repeated["replayed"]
    in_transit = [n for n in loaded.app.recorder.select_notifications(1, 10**9)
                  if n.topic.endswith("CollectionBooked")]
    assert len(in_transit) == 6 == len({n.originator_id for n in in_transit})
