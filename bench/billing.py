"""Billing-run benchmark on PostgreSQL: N contracts billed end to end by ``ledger.billing.run.run_billing``.

Setup (not timed): N customers, each with one contract account and one bimonthly electricity contract on
an Italian time-of-use tariff (standing charge, F1/F2/F3 energy, network charge, excise), and two register
readings each (31 December and 28 February). The timed part is the whole run for January-February 2026:
list the contracts, load their histories, readings and tariffs, spread the reads by the standard profile,
rate them in the numpy kernel, build the invoice lines, issue one invoice per contract with its history
entry through ``Saldo.execute_many``, in transactions of at most 1.5 MB of events (about 180 invoices;
see ``ledger.billing.issuing.MAX_BATCH_BYTES``).

The limit, measured in the same run on the same database: raw psycopg ``executemany`` of the very event
rows the run stored (same topics and sizes), in the same number of transactions (bench/common.py). The
ratio is raw seconds / run seconds: the share of the database's bare insert speed that billing keeps
after doing all of its work in Python.

With ``--dask local:2`` (or a scheduler address) a second store with the same portfolio is billed with
each chunk rated and drafted on that cluster (``api.distributed``), and before its run the portfolio is
simulated (nothing written) here and on the cluster, alternated: the rates are printed as ratios to the
local ones measured in the same run. The two runs must book the same gross.

Usage: ``python bench/billing.py [--contracts 10000] [--dask local:2] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services
from api.distributed import partition_mapper
from bench.common import raw_insert_seconds, scratch_services, stored_payloads
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.application import BatchItem
from ledger.billing import commands as b
from ledger.billing.ports import PartitionMapper
from ledger.billing.rating import Excise, PerUnitCharge, StandingCharge, TariffVersion, TimeOfUse
from ledger.billing.run import run_billing
from ledger.core.actor import Actor
from ledger.core.handling import FollowUp
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind

ROOT = Path(__file__).resolve().parent.parent
SETUP_BATCH = 4000
START, END = date(2026, 1, 1), date(2026, 2, 28)
TARIFF = TariffVersion(
    "BENCH-TOU",
    "2026-01",
    date(2025, 1, 1),
    None,
    "EUR",
    Decimal("10"),
    (
        StandingCharge(Decimal("0.1780")),
        TimeOfUse((Decimal("0.1520"), Decimal("0.1410"), Decimal("0.1190")), "IT-ARERA-F123"),
        PerUnitCharge("network", Decimal("0.0410")),
        Excise(Decimal("0.0227")),
    ),
)


def _pod(i: int) -> str:
    return f"IT001E{i:08d}"


def _setup(svc: Services, contracts: int) -> None:
    svc.app.execute(b.DefineTariffVersion(TARIFF), "bench:tariff")
    per = SETUP_BATCH // 5
    for first in range(0, contracts, per):
        commands: list[tuple[object, str]] = []
        for i in range(first, min(first + per, contracts)):
            partner, account = f"bench:{i}:partner", f"bench:{i}:account"
            commands += [
                (pc.RegisterPartner(f"Customer {i}", PartnerKind.PERSON), partner),
                (
                    ac.OpenContractAccount(
                        child_id(record_id("RegisterPartner", partner), "partner"), f"Home {i}"
                    ),
                    account,
                ),
                (
                    ac.SignContract(
                        child_id(record_id("OpenContractAccount", account), "account"),
                        "pod",
                        _pod(i),
                        Commodity.ELECTRICITY,
                        TARIFF.code,
                        BillingFrequency.BIMONTHLY,
                        date(2025, 6, 1),
                    ),
                    f"bench:{i}:contract",
                ),
                (b.RecordReading(_pod(i), date(2025, 12, 31), Decimal(10_000 + i)), f"bench:{i}:r1"),
                (b.RecordReading(_pod(i), END, Decimal(10_300 + i + i % 500)), f"bench:{i}:r2"),
            ]
        failed = [item for item in svc.app.execute_many(commands) if item.error is not None]
        if failed:
            raise SystemExit(f"benchmark setup refused: {failed[0].error}")


def _counting(svc: Services) -> list[int]:
    """Counts the run's transactions (the raw limit inserts in as many)."""
    transactions = [0]
    execute_many = svc.app.execute_many

    def counted(batch: Sequence[tuple[object, str]], then: FollowUp | None = None,
                actor: Actor | None = None) -> list[BatchItem]:
        transactions[0] += 1
        return execute_many(batch, then, actor=actor)

    svc.app.execute_many = counted  # type: ignore[method-assign]
    return transactions


def _simulations(svc: Services, mapper: PartitionMapper, contracts: int) -> dict[str, float]:
    """Drafts per second of a simulation (select, rate, draft; nothing written) here and on the cluster,
    alternated twice, best of each (a shared machine: see the preamble)."""
    best = {"local": float("inf"), "dask": float("inf")}
    for _ in range(2):
        for name, m in (("local", None), ("dask", mapper)):
            started = time.perf_counter()
            run_billing(svc.app, START, END, simulate=True, mapper=m)
            best[name] = min(best[name], time.perf_counter() - started)
    return {f"simulated_{k}_per_s": contracts / v for k, v in best.items()}


def _billed(contracts: int, mapper: PartitionMapper | None) -> dict[str, Any]:
    with scratch_services("benchbill", date(2026, 3, 5)) as (svc, url, schema):
        _setup(svc, contracts)
        simulated = {} if mapper is None else _simulations(svc, mapper, contracts)
        first = svc.app.recorder.max_notification_id() or 0
        transactions = _counting(svc)
        started = time.perf_counter()
        report = run_billing(svc.app, START, END, mapper=mapper)
        seconds = time.perf_counter() - started
        if report.invoices != contracts or report.errors:
            raise SystemExit(f"benchmark run did not bill every contract: {report.as_dict()}")
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        payloads = stored_payloads(url, schema, table, first)
        raw_seconds = raw_insert_seconds(url, schema, payloads, transactions[0])
    return {
        "contracts": contracts,
        "invoices": report.invoices,
        "seconds": round(seconds, 2),
        "invoices_per_s": report.invoices / seconds,
        "events": len(payloads),
        "transactions": transactions[0],
        "raw_rows_per_s": len(payloads) / raw_seconds,
        "raw_invoices_per_s": report.invoices / raw_seconds,
        "ratio": raw_seconds / seconds,
        "gross": str(report.gross),
        **simulated,
    }


def _line(label: str, r: dict[str, Any]) -> str:
    return (
        f"{label} {r['contracts']} contracts ({r['events']} events, {r['transactions']} txns) in "
        f"{r['seconds']:.1f} s: {r['invoices_per_s']:7.0f} invoices/s  raw executemany of the same rows "
        f"{r['raw_invoices_per_s']:7.0f} invoices/s ({r['raw_rows_per_s']:.0f} rows/s)  "
        f"ratio {r['ratio']:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--dask", metavar="ADDRESS",
                        help="also bill a second store rated on this cluster (local:2, tcp://host:8786)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = _billed(args.contracts, None)
    if args.dask:
        # Spawned local workers import the code from PYTHONPATH, not from this script's sys.path.
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
        with partition_mapper(args.dask) as mapper:
            result["dask"] = _billed(args.contracts, mapper)
        if result["dask"]["gross"] != result["gross"]:
            raise SystemExit(f"the cluster's run booked {result['dask']['gross']}, "
                             f"the local one {result['gross']}")
        result["dask_ratio"] = result["dask"]["invoices_per_s"] / result["invoices_per_s"]
    if args.json:
        print(json.dumps(result))
        return 0
    print(_line("billing run", result))
    if args.dask:
        d = result["dask"]
        print(_line(f"billing run on {args.dask}", d))
        print(
            f"  cluster run / local run {result['dask_ratio']:.2f} (same gross {d['gross']}); simulations "
            f"(rating and drafting, nothing written), best of 2 alternated: local "
            f"{d['simulated_local_per_s']:.0f} drafts/s, on {args.dask} {d['simulated_dask_per_s']:.0f} "
            f"drafts/s, ratio {d['simulated_dask_per_s'] / d['simulated_local_per_s']:.2f}; goal: the same "
            "invoices (tests/test_distributed_billing.py), and a rate that grows with machines, not cores"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
