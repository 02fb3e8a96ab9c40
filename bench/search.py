"""The search box against a primary-key select on the same table, as the number of accounts grows.

Setup (not timed): the catalog's tables of a scratch PostgreSQL schema are filled with N customers by
``COPY`` — per customer a partner (two name words, a tax id), a contract (a POD), an invoice (number and
RF payment reference), a mandate (reference and IBAN): nine search keys each, shaped as
:mod:`projections.catalog` writes them. The timed part is :meth:`projections.lists.ListQueries.search`
with each kind of key typed as a person would (spaces, lower case), through the view's own ``_read``;
the limit is a primary-key select of one partner row through the same ``_read`` in the same run. The
goal (issue 11) is a search within 3x of the primary-key select at 1M accounts; the script prints the
ratio per size, so how it grows can be read off and extrapolated (a B-tree lookup grows with log N).

Usage: ``python bench/search.py [--sizes 10000,100000,300000] [--repeat 300]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from bench.common import scratch_services
from projections.catalog import search_key
from projections.lists import ListQueries

GOAL = 3.0
FIRST = ("mario", "anna", "jukka", "giulia", "pedro", "laura", "matti", "sofia", "marco", "elena")


def _customer(i: int) -> dict[str, str]:
    last = f"surname{i:07d}"
    return {"partner": f"00000000-0000-4000-8000-{i:012d}", "first": FIRST[i % len(FIRST)], "last": last,
            "tax": f"{i:011d}", "pod": f"IT001E{i:08d}", "number": f"INV-2026-{i:06d}",
            "reference": f"RF{(i * 7) % 97:02d}2026{i:06d}", "mandate": f"UMR-{i:08d}",
            "iban": f"IT60X05428111010{i:011d}"}


def _fill(url: str, schema: str, start: int, stop: int) -> None:
    """COPY customers ``start``..``stop`` into the catalog's partner and search tables."""
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(f'COPY "{schema}".saldo_partners FROM STDIN') as copy:
            for i in range(start, stop):
                c = _customer(i)
                copy.write_row((c["partner"], f"{c['first'].title()} {c['last'].title()}", "person",
                                f"it.iva:{c['tax']}", None, "it", i))
        with cur.copy(f'COPY "{schema}".saldo_search FROM STDIN') as copy:
            for i in range(start, stop):
                c = _customer(i)
                pid, name = c["partner"], f"{c['first']} {c['last']}"
                for key, kind, entity in ((c["first"], "name", "partner"), (c["last"], "name", "partner"),
                                          (c["tax"], "tax_id", "partner"),
                                          (c["pod"], "supply_point", "contract"),
                                          (search_key(c["number"]), "invoice_number", "document"),
                                          (c["reference"], "payment_reference", "document"),
                                          (search_key(c["mandate"]), "mandate_reference", "mandate"),
                                          (c["iban"], "iban", "account")):
                    copy.write_row((key, kind, entity, pid, name))
        conn.commit()
        conn.execute(f'ANALYZE "{schema}".saldo_search')
        conn.execute(f'ANALYZE "{schema}".saldo_partners')
        conn.commit()


def _typed(c: dict[str, str]) -> dict[str, str]:
    """Each kind of key as a clerk types it."""
    spaced = " ".join(c["iban"][j:j + 4] for j in range(0, len(c["iban"]), 4)).lower()
    return {"name": c["last"].title(), "tax_id": f"IT {c['tax']}",
            "supply_point": c["pod"][:6] + " " + c["pod"][6:], "iban": spaced,
            "invoice_number": c["number"].lower(), "payment_reference": c["reference"].lower(),
            "mandate_reference": c["mandate"].lower()}


def _median_us(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def measure(view: ListQueries, size: int, repeat: int, rng: random.Random) -> list[str]:
    picks = [_customer(rng.randrange(size)) for _ in range(repeat)]
    it = iter(range(10**9))

    def pk() -> None:
        c = picks[next(it) % repeat]
        if view.one("partners", c["partner"]) is None:
            raise RuntimeError("the primary-key select found nothing")

    limit = _median_us(pk, repeat)
    lines = [f"N={size:>9,} accounts  primary-key select of a partner: {limit:8.0f} µs (the limit)"]
    for kind in _typed(picks[0]):
        def find(kind: str = kind) -> None:
            c = picks[next(it) % repeat]
            hits = view.search(_typed(c)[kind])
            if not any(h.kind == kind and h.entity_id == c["partner"] for h in hits):
                raise RuntimeError(f"search by {kind} did not find {c}")
        took = _median_us(find, repeat)
        ratio = took / limit
        lines.append(f"  search by {kind:<18} {took:8.0f} µs  {ratio:5.2f}x the limit"
                     f"  {'within' if ratio <= GOAL else 'OVER'} the {GOAL:.0f}x goal")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = random.Random(11)
    with scratch_services("bench_search", date(2026, 3, 1)) as (svc, url, schema):
        done = 0
        for size in sizes:
            _fill(url, schema, done, size)
            done = size
            for line in measure(svc.view, size, args.repeat, rng):
                print(line, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
