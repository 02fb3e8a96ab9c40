"""A billing run rated on a Dask cluster (two worker processes) issues the very invoices of a local run.

The same portfolio is built in two fresh stores and billed twice (January-February, then March-April
with the true-ups of the estimated periods): once in the run's own process, once with each chunk rated
and drafted in partitions on a ``LocalCluster``. Event timestamps come from one counter in both, so every
stored event — invoices and their numbers, lines and totals, credit notes, histories, the run's records
of its batches and their problems — must be byte for byte the same. Both stores, as every store test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from eventsourcing import domain

from api import distributed
from api.bootstrap import Services, build
from api.cli import main
from api.distributed import DaskSettingError, local_workers, partition_mapper
from api.routes import billing as billing_routes
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.accounts.invoice import DocumentKind, Invoice
from ledger.billing import commands as b
from ledger.billing.partitions import InProcess, Prefetched
from ledger.billing.ports import PartitionMapper
from ledger.billing.rating import (
    Excise,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TariffVersion,
    TimeOfUse,
)
from ledger.billing.run import RunReport, run_billing
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from tests.auth import api_client, bearer
from tests.billing.helpers import ROME
from tests.clerk import Clock

ROOT = Path(__file__).resolve().parent.parent
D = Decimal
CONTRACTS = 40
#: Small chunks and partitions: several chunks per run (the next one rated while one is issued), several
#: partitions per chunk, accounts with two contracts (collective invoices) kept whole.
CHUNK, PARTITION = 16, 7
TOU = TariffVersion(
    "TOU", "2026-01", date(2025, 1, 1), None, "EUR", D("10"),
    (
        StandingCharge(D("0.1780")),
        TimeOfUse((D("0.1520"), D("0.1410"), D("0.1190")), "IT-ARERA-F123"),
        PerUnitCharge("network", D("0.0410")),
        Excise(D("0.0227")),
    ),
)
SPOTLESS = TariffVersion("SPOTLESS", "v1", date(2025, 1, 1), None, "EUR", D("10"),
                         (SpotIndexed(D("0.1"), D("0.01")),))


def worktree_pythonpath() -> str:
    """PYTHONPATH with this checkout first: spawned workers import from it, not from pytest's sys.path."""
    return os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)


@pytest.fixture(scope="module")
def dask() -> Iterator[PartitionMapper]:
    """Two worker processes. They import this worktree's code (spawned processes read PYTHONPATH)."""
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = worktree_pythonpath()
    try:
        with partition_mapper("local:2") as mapper:
            assert mapper is not None
            yield mapper
    finally:
        if before is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = before


class Ticks:
    """Event timestamps from a counter, restarted for each store, so that two stores can be compared byte
    for byte: the wall clock is the one thing that would differ."""

    def __init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        self.ticks = count()

    def __call__(self) -> datetime:
        return datetime(2026, 3, 5, tzinfo=UTC) + timedelta(microseconds=next(self.ticks))


@pytest.fixture
def ticking(monkeypatch: pytest.MonkeyPatch) -> Ticks:
    ticks = Ticks()
    monkeypatch.setattr(domain, "datetime_now_with_tzinfo", ticks)
    return ticks


@dataclass
class Store:
    svc: Services
    clock: Clock

    def run(self, command: object, key: str) -> dict[str, Any]:
        result = self.svc.app.execute(command, key)
        return result

    def events(self) -> list[tuple[object, ...]]:
        rows = self.svc.app.recorder.select_notifications(1, 1_000_000)
        return [(n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state)) for n in rows]


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[str]]:
    """Two fresh stores of one kind."""
    if request.param == "sqlite":
        yield [f"sqlite:///{tmp_path}/local.sqlite", f"sqlite:///{tmp_path}/dask.sqlite"]
        return
    pg = request.getfixturevalue("pg_url")
    schemas = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with psycopg.connect(pg, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    yield [f"{pg}{'&' if '?' in pg else '?'}schema={s}" for s in schemas]
    with psycopg.connect(pg, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _pod(i: int) -> str:
    return f"IT001E{i:08d}"


def _curve(store: Store, pod: str, i: int) -> None:
    """Hourly load curve for January and February, local months, varying by hour and by meter."""
    start = datetime(2026, 1, 1, tzinfo=ROME).astimezone(UTC)
    for first, hours in ((start, 31 * 24), (datetime(2026, 2, 1, tzinfo=ROME).astimezone(UTC), 28 * 24)):
        values = tuple(0.1 + ((h * 7 + i) % 13) / 17 for h in range(hours))
        store.run(b.RecordLoadCurve(pod, first.astimezone(ROME), 60, values), f"curve:{pod}:{first:%m}")


def portfolio(store: Store) -> list[UUID]:
    """40 contracts on 34 accounts (6 with two sites: collective invoices), time-of-use; every 9th on an
    hourly load curve, every 7th without its February reading (estimated, trued up later), one on a spot
    tariff without prices and one on a tariff that does not exist (errors as data)."""
    store.run(b.DefineTariffVersion(TOU), "tariff:tou")
    store.run(b.DefineTariffVersion(SPOTLESS, "NO-PRICES"), "tariff:spotless")
    contracts: list[UUID] = []
    for i in range(CONTRACTS):
        owner = i if i < 34 else i - 34  # contracts 34..39 join the accounts of 0..5
        partner, account = f"p:{owner}", f"a:{owner}"
        if owner == i:
            store.run(pc.RegisterPartner(f"Customer {i}", PartnerKind.PERSON), partner)
            store.run(ac.OpenContractAccount(child_id(record_id("RegisterPartner", partner), "partner"),
                                             f"Home {i}"), account)
        tariff = {13: "SPOTLESS", 21: "NO-SUCH-TARIFF"}.get(i, TOU.code)
        signed = store.run(ac.SignContract(
            child_id(record_id("OpenContractAccount", account), "account"), "pod", _pod(i),
            Commodity.ELECTRICITY, tariff, BillingFrequency.BIMONTHLY, date(2025, 6, 1)), f"c:{i}")
        contracts.append(UUID(signed["contract_id"]))
        store.run(b.RecordReading(_pod(i), date(2025, 11, 30), D(9_000 + 3 * i)), f"r0:{i}")
        store.run(b.RecordReading(_pod(i), date(2025, 12, 31), D(10_000 + i)), f"r1:{i}")
        if i % 9 == 4:
            _curve(store, _pod(i), i)
        elif i % 7 != 3:
            store.run(b.RecordReading(_pod(i), date(2026, 2, 28), D(10_300 + 11 * i)), f"r2:{i}")
    return contracts


def bill_twice(store: Store, mapper: PartitionMapper | None, partition: int = PARTITION) -> list[RunReport]:
    """January-February; then the missing February reads arrive and March-April trues them up."""
    reports = []
    for n, (start, end, today) in enumerate(((date(2026, 1, 1), date(2026, 2, 28), date(2026, 3, 5)),
                                             (date(2026, 3, 1), date(2026, 4, 30), date(2026, 5, 2)))):
        store.clock.today = today
        if n == 1:
            for i in range(CONTRACTS):
                if i % 7 == 3 and i % 9 != 4:
                    store.run(b.RecordReading(_pod(i), date(2026, 2, 28), D(10_250 + 5 * i)), f"late:{i}")
                store.run(b.RecordReading(_pod(i), date(2026, 4, 30), D(10_900 + 13 * i)), f"r3:{i}")
        run_id = UUID(store.run(b.StartBillingRun(start, end, today), f"run:{n}")["run_id"])
        reports.append(run_billing(store.svc.app, start, end, issue_date=today, run_id=run_id,
                                   chunk_contracts=CHUNK, mapper=mapper, partition_contracts=partition))
    return reports


def billed(url: str, mapper: PartitionMapper | None, ticks: Ticks, partition: int = PARTITION
           ) -> tuple[Any, ...]:
    ticks.restart()
    clock = Clock(date(2026, 3, 1))
    svc = build(url, clock=clock)
    try:
        store = Store(svc, clock)
        contracts = portfolio(store)
        reports = bill_twice(store, mapper, partition)
        invoices = [svc.app.repository.get(n.originator_id)
                    for n in svc.app.recorder.select_notifications(1, 1_000_000)
                    if n.topic.endswith("Invoice.Issued")]
        return contracts, [r.as_dict() for r in reports], store.events(), invoices
    finally:
        svc.close()


def test_a_run_rated_on_two_dask_workers_stores_the_same_bytes_as_a_local_run(
    stores: list[str], dask: PartitionMapper, ticking: Ticks
) -> None:
    local = billed(stores[0], None, ticking)
    distributed = billed(stores[1], dask, ticking)
    contracts, reports, events, invoices = local
    first, second = reports
    # The portfolio bills what it should, so that the comparison is of something: invoices, collective
    # invoices, estimates trued up by credit notes, and the two bad contracts as problems of each run.
    assert (first["invoices"], first["errors"]) == (32, 2), first["issues"]
    assert {(i["supply_point"], i["code"]) for i in first["issues"]} == {
        (_pod(13), "missing_spot"), (_pod(21), "not-found")}
    assert (second["credit_notes"], second["invoices"], second["errors"]) == (5, 32 + 5, 2), second
    assert any(isinstance(i, Invoice) and i.contract_id is None for i in invoices)  # collective
    assert all(isinstance(i, Invoice) for i in invoices)
    assert sum(1 for i in invoices if i.kind is DocumentKind.CREDIT_NOTE) == 5
    # And the cluster's run is the local run, byte for byte.
    assert distributed[0] == contracts
    assert distributed[1] == reports
    assert [(i.number, i.lines, i.totals) for i in distributed[3]] == [(i.number, i.lines, i.totals)
                                                                       for i in invoices]
    assert len(distributed[2]) == len(events)
    assert distributed[2] == events


def test_the_cut_into_partitions_changes_nothing(tmp_path: Path, ticking: Ticks) -> None:
    """In process, one contract per partition or the whole chunk in one: the same bytes as the local run
    (and every look-up a partition makes is of something sent with it, else LookupError)."""
    local = billed(f"sqlite:///{tmp_path}/local.sqlite", None, ticking)
    for size in (1, CHUNK):
        assert billed(f"sqlite:///{tmp_path}/p{size}.sqlite", InProcess(), ticking, size)[2] == local[2]


def test_an_error_in_one_contract_comes_back_as_data_and_the_others_are_billed(
    tmp_path: Path, dask: PartitionMapper
) -> None:
    """A contract whose rating fails on a worker (its tariff does not exist) is a problem of the run;
    the distributed run goes on and bills the rest."""
    clock = Clock(date(2026, 3, 5))
    svc = build(f"sqlite:///{tmp_path}/bad.sqlite", clock=clock)
    try:
        store = Store(svc, clock)
        portfolio(store)
        report = run_billing(svc.app, date(2026, 1, 1), date(2026, 2, 28), chunk_contracts=CHUNK,
                             mapper=dask, partition_contracts=PARTITION)
    finally:
        svc.close()
    assert report.errors == 2 and report.invoices == CONTRACTS - 2 - 6  # 6 accounts: collective
    unknown = next(i for i in report.issues if i.supply_point == _pod(21))
    assert (unknown.code, unknown.reason) == ("not-found", "tariff NO-SUCH-TARIFF has no versions defined")


def test_a_partition_looks_up_only_what_was_sent_with_it() -> None:
    with pytest.raises(LookupError, match="was not sent with the partition"):
        Prefetched({}).find(Invoice, uuid.uuid4())


def test_the_scheduler_setting() -> None:
    assert local_workers("local:2") == 2 and local_workers("tcp://10.0.0.5:8786") is None
    with pytest.raises(DaskSettingError, match="SALDO_DASK_SCHEDULER 'local:0'"):
        local_workers("local:0")
    with pytest.raises(DaskSettingError, match="neither a scheduler address"), partition_mapper("dask-host"):
        pass
    with partition_mapper("") as mapper:
        assert mapper is None


def test_saldo_billing_run_on_a_cluster_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--dask local:1`` rates on one local worker process and bills what a local run bills; a malformed
    address (flag or SALDO_DASK_SCHEDULER) is a one-line error naming the setting, nothing billed."""
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    clock = Clock(date(2026, 3, 5))
    svc = build(url, clock=clock)
    try:
        portfolio(Store(svc, clock))
    finally:
        svc.close()
    period = ["--database-url", url, "billing", "run", "--period", "2026-01-01:2026-02-28"]
    monkeypatch.setenv("SALDO_DASK_SCHEDULER", "scheduler-host")
    assert main([*period, "--issue-date", "2026-03-05"]) == 2
    assert "SALDO_DASK_SCHEDULER 'scheduler-host' is neither a scheduler address" in capsys.readouterr().err
    monkeypatch.setenv("PYTHONPATH", worktree_pythonpath())
    # the portfolio's two unbillable contracts are errors as data: the run bills the rest and exits 1
    assert main([*period, "--issue-date", "2026-03-05", "--dask", "local:1"]) == 1
    out = capsys.readouterr().out
    assert "40 contracts due, 32 invoices" in out and "2 errors" in out


def test_a_billing_run_started_over_http_is_rated_on_the_configured_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SALDO_DASK_SCHEDULER set: the run POST /billing/runs starts is rated there, and is the same run."""
    clock = Clock(date(2026, 3, 5))
    svc = build(f"sqlite:///{tmp_path}/http.sqlite", clock=clock)
    used: list[PartitionMapper] = []
    real = distributed.partition_mapper

    @contextmanager
    def watched(address: str | None = None) -> Iterator[PartitionMapper | None]:
        with real(address) as mapper:
            used.extend([mapper] if mapper is not None else [])
            yield mapper

    monkeypatch.setattr(billing_routes, "partition_mapper", watched)
    monkeypatch.setenv("SALDO_DASK_SCHEDULER", "local:1")
    monkeypatch.setenv("PYTHONPATH", worktree_pythonpath())
    try:
        portfolio(Store(svc, clock))
        with api_client(svc) as http:
            body = {"period_start": "2026-01-01", "period_end": "2026-02-28", "issue_date": "2026-03-05"}
            headers = {"Idempotency-Key": "r", **bearer("finance")}
            started = http.post("/billing/runs", json=body, headers=headers)
            assert started.status_code == 202, started.text
            status = http.get(started.json()["status_url"], headers=bearer("finance")).json()
    finally:
        svc.close()
    assert len(used) == 1 and type(used[0]).__name__ == "DaskMapper"
    assert (status["status"], status["invoices"], status["errors"]) == ("finished", 32, 2)
