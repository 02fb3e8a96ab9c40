"""What the benchmarks share: a scratch PostgreSQL schema, and the raw-psycopg limits they compare against."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.bootstrap import Services, build  # noqa: E402
from tests.postgres import server_url  # noqa: E402


@contextmanager
def scratch_services(prefix: str, today: date) -> Iterator[tuple[Services, str, str]]:
    """Services on a fresh schema of the benchmark PostgreSQL; yields (services, server url, schema)."""
    with server_url() as base:
        url = os.environ.get("SALDO_BENCH_DATABASE_URL", base)
        schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        svc = build(f"{url}{'&' if '?' in url else '?'}schema={schema}", clock=lambda: today)
        try:
            yield svc, url, schema
        finally:
            svc.close()
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def raw_insert_seconds(
    url: str, schema: str, payloads: Sequence[tuple[str, bytes]], transactions: int
) -> float:
    """executemany ``payloads`` (topic, state) into a copy of the event table's shape, timed."""
    with psycopg.connect(url) as conn:
        conn.execute(
            f'CREATE TABLE "{schema}".raw_events (originator_id uuid NOT NULL, '
            "originator_version bigint NOT NULL, topic text, state bytea, "
            "notification_id bigserial, PRIMARY KEY (originator_id, originator_version))"
        )
        conn.commit()
        rows = [(uuid.uuid4(), 1, topic, state) for topic, state in payloads]
        per_txn = -(-len(rows) // max(transactions, 1))
        started = time.perf_counter()
        for start in range(0, len(rows), per_txn):
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(
                    f'INSERT INTO "{schema}".raw_events '
                    "(originator_id, originator_version, topic, state) VALUES (%s, %s, %s, %s)",
                    rows[start : start + per_txn],
                )
        seconds = time.perf_counter() - started
        conn.execute(f'DROP TABLE "{schema}".raw_events')
        conn.commit()
        return seconds


def stored_payloads(url: str, schema: str, table: str, after: int) -> list[tuple[str, bytes]]:
    with psycopg.connect(url) as conn:
        return [
            (t, bytes(s))
            for t, s in conn.execute(
                f'SELECT topic, state FROM "{schema}".{table} WHERE notification_id > %s '
                "ORDER BY notification_id",
                (after,),
            ).fetchall()
        ]
