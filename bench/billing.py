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

Usage: ``python bench/billing.py [--contracts 10000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services
from bench.common import raw_insert_seconds, scratch_services, stored_payloads
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.application import BatchItem
from ledger.billing import commands as b
from ledger.billing.rating import Excise, PerUnitCharge, StandingCharge, TariffVersion, TimeOfUse
from ledger.billing.run import run_billing
from ledger.core.actor import Actor
from ledger.core.handling import FollowUp
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with scratch_services("benchbill", date(2026, 3, 5)) as (svc, url, schema):
        _setup(svc, args.contracts)
        first = svc.app.recorder.max_notification_id() or 0
        transactions = 0
        execute_many = svc.app.execute_many

        def counted(batch: Sequence[tuple[object, str]], then: FollowUp | None = None,
                    actor: Actor | None = None) -> list[BatchItem]:
            nonlocal transactions
            transactions += 1
            return execute_many(batch, then, actor=actor)

        svc.app.execute_many = counted  # type: ignore[method-assign]
        started = time.perf_counter()
        report = run_billing(svc.app, START, END)
        seconds = time.perf_counter() - started
        if report.invoices != args.contracts or report.errors:
            raise SystemExit(f"benchmark run did not bill every contract: {report.as_dict()}")
        table = svc.app.recorder.events_table_name  # type: ignore[attr-defined]
        payloads = stored_payloads(url, schema, table, first)
        raw_seconds = raw_insert_seconds(url, schema, payloads, transactions)
    result = {
        "contracts": args.contracts,
        "invoices": report.invoices,
        "seconds": round(seconds, 2),
        "invoices_per_s": report.invoices / seconds,
        "events": len(payloads),
        "raw_rows_per_s": len(payloads) / raw_seconds,
        "raw_invoices_per_s": report.invoices / raw_seconds,
        "ratio": raw_seconds / seconds,
        "gross": str(report.gross),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"billing run {args.contracts} contracts ({len(payloads)} events, {transactions} txns) in "
            f"{seconds:.1f} s: {result['invoices_per_s']:7.0f} invoices/s  raw executemany of the same rows "
            f"{result['raw_invoices_per_s']:7.0f} invoices/s ({result['raw_rows_per_s']:.0f} rows/s)  "
            f"ratio {result['ratio']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
