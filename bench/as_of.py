"""As-of reads of one contract account against the live reads, as the account's history grows.

One account gets N events (setup, not timed): day after day an invoice, then a payment that settles it
in part (every 25th payment reversed), so most items are cleared and some stay open. The timed part is
each account read as its HTTP route answers it (the route function called directly, without the HTTP
transport): the balance, the open items, the statement and the dunning state, live, and ``as_of`` a
date in the middle of the history ``known_at`` now. The limit is the live read of the same account in
the same run; the goal is an as-of read within 3x of it (issue 10). The live balance, open items and
statement read the view's counters and rows; the as-of ones add up the account's moves; the live
dunning state replays the account, as its as-of read does (leaving out what came later).

Usage: ``python bench/as_of.py [--sizes 100,1000,3000] [--repeat 200] [--stores postgres,sqlite]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services, build
from api.routes import accounts as routes
from api.routes.dunning import dunning_state
from bench.common import scratch_services
from ledger.accounts import commands as ac
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt
from projections.as_of import PointInTime

START = date(2024, 1, 1)
GOAL = 3.0


class Clock:
    def __init__(self) -> None:
        self.today = START

    def __call__(self) -> date:
        return self.today


def _line(amount: str) -> tuple[ac.LineInput, ...]:
    return (ac.LineInput("Water", "water", Decimal(1), "m3", Decimal(amount), Decimal(0)),)


def _history(svc: Services, clock: Clock, events: int) -> tuple[UUID, date]:
    """One account with about ``events`` account events; returns it and a day in the middle."""
    svc.app.execute(pc.RegisterPartner("Bench Customer", PartnerKind.PERSON), "asof:partner")
    partner = child_id(record_id("RegisterPartner", "asof:partner"), "partner")
    svc.app.execute(ac.OpenContractAccount(partner, "Home", payment_terms_days=20), "asof:account")
    account = child_id(record_id("OpenContractAccount", "asof:account"), "account")
    day = 0
    while _version(svc, account) < events:
        clock.today = START + timedelta(days=day)
        svc.app.execute(ac.IssueInvoice(account, _line("40.00"), clock.today), f"asof:i{day}")
        pay = svc.app.execute(pmt.RecordPayment(account, Decimal("35.00"), clock.today), f"asof:p{day}")
        if day % 25 == 24:
            svc.app.execute(pmt.ReversePayment(account, pay["payment_id"], "recalled"), f"asof:r{day}")
        day += 1
    svc.projections.catch_up()
    return account, START + timedelta(days=day // 2)


def _version(svc: Services, account: UUID) -> int:
    """How many events the account has (its last event's version)."""
    last = list(svc.app.events.get(account, desc=True, limit=1))
    return int(last[0].originator_version) if last else 0


def _median_ms(call: Callable[[], Any], repeat: int) -> float:
    call()  # warm caches and connections
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


@contextmanager
def _services(store: str, clock: Clock) -> Iterator[Services]:
    if store == "postgres":
        with scratch_services("bench_asof", START) as (svc, _, _):
            svc.app.clock = clock
            yield svc
        return
    with tempfile.TemporaryDirectory() as folder:
        svc = build(f"sqlite:///{folder}/asof.sqlite", clock=clock)
        try:
            yield svc
        finally:
            svc.close()


Read = tuple[Callable[[], Any], Callable[[], Any]]


def _reads(svc: Services, account: UUID, middle: date) -> dict[str, Read]:
    at = PointInTime(middle, datetime.now(UTC))
    return {
        "balance": (lambda: routes.balance(account, svc, None), lambda: routes.balance(account, svc, at)),
        "open-items": (lambda: routes.open_items(account, svc, None),
                       lambda: routes.open_items(account, svc, at)),
        "statement": (lambda: routes.statement(account, svc, None),
                      lambda: routes.statement(account, svc, at)),
        "dunning": (lambda: dunning_state(svc, account), lambda: dunning_state(svc, account, at=at)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,1000,3000", help="account events, comma-separated")
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per read (dunning: a tenth)")
    parser.add_argument("--stores", default="postgres,sqlite")
    args = parser.parse_args()
    print(f"{'store':8} {'events':>6}  {'read':10} {'live ms':>8} {'as-of ms':>9}  ratio (goal <= {GOAL:g})")
    worst = 0.0
    for store in args.stores.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            clock = Clock()
            with _services(store, clock) as svc:
                account, middle = _history(svc, clock, size)
                stored = _version(svc, account)
                for name, (live, as_of) in _reads(svc, account, middle).items():
                    repeat = max(args.repeat // 10, 5) if name == "dunning" else args.repeat
                    live_ms, as_of_ms = _median_ms(live, repeat), _median_ms(as_of, repeat)
                    ratio = as_of_ms / live_ms
                    if size == 1000:
                        worst = max(worst, ratio)
                    print(f"{store:8} {stored:>6}  {name:10} {live_ms:8.2f} {as_of_ms:9.2f}  {ratio:.2f}",
                          flush=True)
    if worst:
        verdict = "within" if worst <= GOAL else "NOT within"
        print(f"worst as-of/live ratio at 1000 events: {worst:.2f} ({verdict} {GOAL:g}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
