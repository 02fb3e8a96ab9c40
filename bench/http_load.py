"""The portal and the clerks under load (issue 12 item 3): ``saldo serve`` on 127.0.0.1 with several uvicorn
workers on PostgreSQL, driven by a bounded asyncio load generator, against raw psycopg in the same run.

Three phases, each for ``--seconds``:

- **payments**: ``--pay-clients`` clients (16) each post payments to its own account, one request at a
  time; the limit is the rate of raw one-row insert transactions from as many psycopg connections (one
  thread each). Goals: ratio >= 0.3, p99 <= 100 ms.
- **contention**: the same clients all post to ONE account. Goal: every request answered 201 (no 409, no
  lost request; the command retries with backoff, :mod:`ledger.application`).
- **balance reads**: ``--read-clients`` clients (64) read account balances; the limit is the p99 of a raw
  primary-key select from as many psycopg connections. Goal: p99 <= 3x the raw p99.

The load generator shares the machine's cores with the server and PostgreSQL, as a real client would
not: the figures are a floor. Setup (accounts with an invoice each) is not timed.

Issue 12 calls it ``bench/http.py``; it is ``http_load.py`` because a script named ``http.py`` in
``bench/`` would shadow the standard library's ``http`` package for every benchmark run from that folder.

Usage: ``python bench/http_load.py [--workers 2] [--pay-clients 16] [--read-clients 64] [--seconds 10]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psycopg

from api.auth.config import AuthConfig
from api.auth.tokens import issue_token
from bench.common import ROOT, scratch_services
from bench.http_client import Connection, Reply
from ledger.accounts import commands as ac
from ledger.core.actor import Role
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind

PAY_GOAL, P99_GOAL_MS, READ_GOAL = 0.3, 100.0, 3.0
SECRET = "bench-http-secret-" + "0123456789abcdef" * 3
#: Longest a server may take to answer /health after starting.
STARTUP_LIMIT_S = 90.0
#: Most requests one client sends in a phase (a bound on the generator, whatever --seconds says).
MAX_REQUESTS_PER_CLIENT = 100_000
#: Longest one request may take before the phase fails (a hung server must not hang the benchmark).
REQUEST_TIMEOUT_S = 60.0


def _accounts(svc: Any, count: int) -> list[UUID]:
    batch = []
    for i in range(count):
        batch.append((pc.RegisterPartner(f"Bench Customer {i}", PartnerKind.PERSON), f"bench:p:{i}"))
    partners = [UUID(item.result["partner_id"]) for item in svc.app.execute_many(batch)]
    opened = svc.app.execute_many([(ac.OpenContractAccount(p, f"Bench {i}"), f"bench:a:{i}")
                                   for i, p in enumerate(partners)])
    accounts = [UUID(item.result["account_id"]) for item in opened]
    line = ac.LineInput("energy", "energy", Decimal(1), "lump", Decimal("100000.00"), Decimal(0))
    svc.app.execute_many([(ac.IssueInvoice(a, (line,)), f"bench:i:{i}") for i, a in enumerate(accounts)])
    return accounts


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(database_url: str, workers: int) -> Any:
    port = _free_port()
    env = {**os.environ, "SALDO_JWT_SECRET": SECRET, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "--database-url", database_url, "serve", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() - started > STARTUP_LIMIT_S:
                raise RuntimeError(f"saldo serve did not start: {process.stderr.read().decode()[-2000:]}"
                                   if process.stderr else "saldo serve did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


Request = Callable[[Connection, int, int], Awaitable[Reply]]


async def _phase(base: str, token: str, clients: int, seconds: float, request: Request
                 ) -> tuple[float, list[float], Counter[int]]:
    """Requests/s, latencies (ms) and status codes of ``clients`` clients sending ``request`` in turn."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    host, port = base.removeprefix("http://").split(":")
    deadline = time.perf_counter() + seconds

    async def client(i: int) -> None:
        http = Connection(host, int(port), {"Authorization": f"Bearer {token}"})
        try:
            for n in range(MAX_REQUESTS_PER_CLIENT):
                if time.perf_counter() >= deadline:
                    return
                started = time.perf_counter()
                reply = await asyncio.wait_for(request(http, i, n), REQUEST_TIMEOUT_S)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[reply.status_code] += 1
        finally:
            await http.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    took = time.perf_counter() - started
    return len(latencies) / took, latencies, statuses


def _raw(url: str, clients: int, seconds: float, work: Callable[[psycopg.Connection[Any], int], None]
         ) -> tuple[float, list[float]]:
    """Operations/s and latencies (ms) of ``work`` from ``clients`` psycopg connections, one thread each."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def run(i: int) -> None:
        own: list[float] = []
        with psycopg.connect(url) as conn:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                work(conn, i)
                own.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(own)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def _p(latencies: list[float], q: float) -> float:
    return statistics.quantiles(latencies, n=100)[int(q) - 1] if len(latencies) > 1 else latencies[0]


def _raw_limits(url: str, schema: str, args: argparse.Namespace, accounts: int
                ) -> tuple[tuple[float, list[float]], tuple[float, list[float]]]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE "{schema}".raw_payments (id bigserial PRIMARY KEY, account integer, '
                     "amount_cents bigint, note text)")
        conn.execute(f'CREATE TABLE "{schema}".raw_balances (account integer PRIMARY KEY, open_cents bigint)')
        conn.execute(f'INSERT INTO "{schema}".raw_balances SELECT g, 100 FROM generate_series(0, %s) g',
                     (accounts,))

    def insert(conn: psycopg.Connection[Any], i: int) -> None:
        with conn.transaction():
            conn.execute(f'INSERT INTO "{schema}".raw_payments (account, amount_cents, note) '
                         "VALUES (%s, 1, 'bench')", (i,))

    def select(conn: psycopg.Connection[Any], i: int) -> None:
        conn.execute(f'SELECT open_cents FROM "{schema}".raw_balances WHERE account = %s', (i,)).fetchone()

    return (_raw(url, args.pay_clients, args.seconds, insert),
            _raw(url, args.read_clients, args.seconds, select))


def _report(name: str, rate: float, latencies: list[float], statuses: Counter[int]) -> str:
    return (f"{name:<15} {rate:8.1f} req/s  p50 {_p(latencies, 50):7.1f} ms  p99 {_p(latencies, 99):7.1f} ms"
            f"  statuses {dict(sorted(statuses.items()))}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pay-clients", type=int, default=16)
    parser.add_argument("--read-clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    token = issue_token(AuthConfig(secret=SECRET.encode()), Role.FINANCE, "bench-http")
    with scratch_services("bench_http", date(2026, 3, 1)) as (svc, url, schema):
        accounts = _accounts(svc, max(args.pay_clients, args.read_clients))
        store_url = svc.database_url
        (insert_rate, insert_ms), (_, select_ms) = _raw_limits(url, schema, args, len(accounts))
        with _server(store_url, args.workers) as base:
            def pay(on: Callable[[int], UUID], tag: str) -> Request:
                def send(http: Connection, i: int, n: int) -> Awaitable[Reply]:
                    body = {"amount": "0.01", "received_on": "2026-03-02"}
                    return http.post(f"/accounts/{on(i)}/payments", json=body,
                                     headers={"Idempotency-Key": f"{tag}-{i}-{n}"})
                return send

            def read(http: Connection, i: int, n: int) -> Awaitable[Reply]:
                return http.get(f"/accounts/{accounts[(i + n) % len(accounts)]}/balance")

            paid = asyncio.run(_phase(base, token, args.pay_clients, args.seconds,
                                      pay(lambda i: accounts[i], "own")))
            contended = asyncio.run(_phase(base, token, args.pay_clients, args.seconds,
                                           pay(lambda i: accounts[0], "one")))
            reads = asyncio.run(_phase(base, token, args.read_clients, args.seconds, read))
    print(f"saldo serve --workers {args.workers} on PostgreSQL; {args.seconds:g} s per phase")
    print(f"{'raw insert txn':<15} {insert_rate:8.1f} txn/s  p99 {_p(insert_ms, 99):7.1f} ms"
          f"  ({args.pay_clients} psycopg connections: the payments' limit)")
    print(f"{'raw pk select':<15} {'':14}  p99 {_p(select_ms, 99):7.2f} ms"
          f"  ({args.read_clients} psycopg connections: the reads' limit)")
    print(_report("payments", *paid))
    print(_report("one account", *contended))
    print(_report("balance reads", *reads))
    pay_ratio, read_ratio = paid[0] / insert_rate, _p(reads[1], 99) / _p(select_ms, 99)
    lost = sum(n for status, n in contended[2].items() if status != 201)
    print(f"payments {pay_ratio:.3f}x the raw insert rate (goal >= {PAY_GOAL}), "
          f"p99 {_p(paid[1], 99):.0f} ms (goal <= {P99_GOAL_MS:.0f}); "
          f"balance p99 {read_ratio:.1f}x the raw select's (goal <= {READ_GOAL:g}); "
          f"one account: {lost} of {sum(contended[2].values())} requests not 201 (goal 0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
