"""The cost of one command on an account as its history grows: one payment after 10, 1,000, 10,000 commands.

Accounts live for decades; a command that replays the whole account costs more every month. One contract
account per size gets N earlier commands (setup, not timed): day after day an invoice, then a payment
that settles most of it, run in batches of :data:`SETUP_BATCH` commands through ``Saldo.execute_many``
(valid commands, so the history is what the domain writes). The timed part is one ``RecordPayment``
through ``Saldo.execute`` on that account, as a clerk or the portal sends it, repeated; the figure is the
median (the machine is shared). The limit is the same payment on the account with the smallest history,
in the same run; the goal is ≤ 1.3× at 10,000 commands (issue 12), on both stores. The account's size
in memory (its snapshot's encoded state, or its events when it has no snapshot) is printed beside it.
The row ``new`` is a new account owing the same open items as the one with the most commands: paying
39.00 of each 40.00 bill leaves one more bill open every 40, so part of the cost at 10,000 is what the
account owes, not how long it has lived.

Usage: ``python bench/growth.py [--sizes 10,1000,10000] [--repeat 21] [--stores postgres,sqlite]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services, build
from bench.common import scratch_services
from ledger.accounts import commands as ac
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt

START = date(2016, 1, 1)
GOAL = 1.3
#: Earlier commands per setup transaction.
SETUP_BATCH = 500
LINE = (ac.LineInput("Water", "water", Decimal(1), "m3", Decimal("40.00"), Decimal(0)),)


class Clock:
    def __init__(self) -> None:
        self.today = START

    def __call__(self) -> date:
        return self.today


def _account(svc: Services, tag: str) -> UUID:
    svc.app.execute(pc.RegisterPartner("Bench Customer", PartnerKind.PERSON), f"growth:{tag}:partner")
    partner = child_id(record_id("RegisterPartner", f"growth:{tag}:partner"), "partner")
    svc.app.execute(ac.OpenContractAccount(partner, "Home", payment_terms_days=20), f"growth:{tag}:account")
    return child_id(record_id("OpenContractAccount", f"growth:{tag}:account"), "account")


def _history(svc: Services, clock: Clock, account: UUID, commands: int) -> None:
    """``commands`` earlier commands on the account: an invoice, then a payment of most of it, daily."""
    batch: list[tuple[object, str]] = []
    for n in range(commands):
        day = START + timedelta(days=n // 2)
        if n % 2 == 0:
            batch.append((ac.IssueInvoice(account, LINE, day), f"growth:{account}:i{n}"))
        else:
            batch.append((pmt.RecordPayment(account, Decimal("39.00"), day), f"growth:{account}:p{n}"))
        if len(batch) == SETUP_BATCH or n == commands - 1:
            clock.today = day
            refused = [item.error for item in svc.app.execute_many(batch) if item.error is not None]
            if refused:
                raise SystemExit(f"setup command refused: {refused[0]}")
            batch = []


def _owing(svc: Services, clock: Clock, open_items: int) -> UUID:
    """A new account that owes ``open_items`` invoices and has paid none: the state, without the history,
    of the account with the most commands (paying 39.00 of each 40.00 bill leaves one bill open per 40)."""
    account = _account(svc, f"owing-{open_items}")
    day = clock.today
    batch = [(ac.IssueInvoice(account, LINE, day), f"growth:{account}:i{n}") for n in range(open_items)]
    for start in range(0, len(batch), SETUP_BATCH):
        svc.app.execute_many(batch[start:start + SETUP_BATCH])
    return account


def _payment_ms(svc: Services, account: UUID, repeat: int) -> float:
    def pay(n: int) -> None:
        svc.app.execute(pmt.RecordPayment(account, Decimal("1.00"), svc.app.today()),
                        f"growth:{account}:timed{n}")

    pay(-1)  # warm caches and connections
    times = []
    for n in range(repeat):
        started = time.perf_counter()
        pay(n)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def _state_kb(svc: Services, account: UUID) -> float:
    """What loading the account reads: its latest snapshot and the events after it, encoded, in kB."""
    after, size = 0, 0
    if svc.app.snapshots is not None:
        for snapshot in svc.app.snapshots.get(account, desc=True, limit=1):
            after = int(snapshot.originator_version)
            size += len(svc.app.snapshots.mapper.to_stored_event(snapshot).state)
    size += sum(len(svc.app.mapper.to_stored_event(e).state) for e in svc.app.events.get(account, gt=after))
    return size / 1000


@contextmanager
def _services(store: str, clock: Clock) -> Iterator[Services]:
    if store == "postgres":
        with scratch_services("bench_growth", START) as (svc, _, _):
            svc.app.clock = clock
            yield svc
        return
    with tempfile.TemporaryDirectory() as folder:
        svc = build(f"sqlite:///{folder}/growth.sqlite", clock=clock)
        try:
            yield svc
        finally:
            svc.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000", help="earlier commands, comma-separated")
    parser.add_argument("--repeat", type=int, default=21, help="timed payments per size")
    parser.add_argument("--stores", default="postgres,sqlite")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(f"{'store':8} {'commands':>8} {'events':>7} {'loaded kB':>9} {'payment ms':>10}  "
          f"ratio to {sizes[0]} (goal <= {GOAL:g} at {sizes[-1]})")
    worst = 0.0
    for store in args.stores.split(","):
        clock = Clock()
        with _services(store, clock) as svc:
            base = None
            for size in sizes:
                account = _account(svc, f"{size}")
                _history(svc, clock, account, size)
                ms = _payment_ms(svc, account, args.repeat)
                base = base or ms
                ratio = ms / base
                if size == sizes[-1]:
                    worst = max(worst, ratio)
                events = svc.app.repository.get(account).version
                print(f"{store:8} {size:>8} {events:>7} {_state_kb(svc, account):>9.1f} {ms:>10.2f}  "
                      f"{ratio:.2f}", flush=True)
            # What the same open state costs on a new account: the part of the ratio the history is not.
            owing = _owing(svc, clock, len(svc.app.repository.get(account).open_items()))
            ms = _payment_ms(svc, owing, args.repeat)
            print(f"{store:8} {'new':>8} {svc.app.repository.get(owing).version:>7} "
                  f"{_state_kb(svc, owing):>9.1f} {ms:>10.2f}  {ms / (base or ms):.2f}", flush=True)
    print(f"new: an account with no history owing the open items of the one with {sizes[-1]} commands")
    verdict = "within" if worst <= GOAL else "NOT within"
    print(f"worst ratio at {sizes[-1]} earlier commands: {worst:.2f} ({verdict} {GOAL:g}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
