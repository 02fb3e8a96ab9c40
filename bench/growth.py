"""The cost of one command on an account as its history grows: one payment after 10, 1,000, 10,000 commands.

Accounts live for decades; a command that replays the whole account costs more every month. One contract
account per size gets N earlier commands (setup, not timed), in one of two histories, each reported:

* ``adversarial`` — day after day an invoice, then a payment of 39.00 of its 40.00, in batches of
  :data:`SETUP_BATCH` commands through ``Saldo.execute_many``: one more bill is left open every 40, so at
  10,000 commands the account owes 125 bills. The row ``new`` is a new account owing the same open items:
  the part of the cost that is what the account owes, not how long it has lived.
* ``realistic`` — a customer as most are (:func:`_realistic`): a bill a month collected by direct debit
  and settled in full; every nine months a returned debit, a reminder (dunning run) and a late transfer.
  Ten years are about 600 commands.

The timed part is one ``RecordPayment`` through ``Saldo.execute``, as a clerk or the portal sends it, on
each account in turn (alternated, so that load from other processes on the shared machine falls on every
size alike); the figure is the median wall time, with the median CPU time of this process beside it. The
limit is the same payment on the account of the same history with the fewest commands, in the same run;
the goal is ≤ 1.3× at 10,000 commands (issue 12), on both stores, for both histories. What loading the
account reads (its snapshot's encoded state and the events after it) is printed beside it, in kB.

Usage: ``python bench/growth.py [--sizes 10,1000,10000] [--repeat 41] [--stores postgres,sqlite]
[--histories adversarial,realistic]``.
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
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.bootstrap import Services, build
from bench.common import scratch_services
from ledger.accounts import commands as ac
from ledger.accounts.terms import PaymentMethod
from ledger.collections import commands as dd
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id
from ledger.dunning import commands as dn
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
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
    # With a postal address: a direct debit's file names the debtor's town (the realistic history).
    address = PostalAddress("Via Roma 1", "98122", "Messina", "IT")
    svc.app.execute(pc.RegisterPartner("Bench Customer", PartnerKind.PERSON, address=address),
                    f"growth:{tag}:partner")
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


#: The realistic customer's mandate and IBAN (a valid Italian IBAN: the mandate checks it).
IBAN = "IT60X0542811101000000123456"
#: Every how many months the realistic customer's debit is returned (then paid late, after a reminder).
RETURNED_EVERY = 9


def _realistic(svc: Services, clock: Clock, account: UUID, commands: int) -> None:
    """``commands`` earlier commands of a customer as most are: a bill a month collected by direct debit
    and settled in full; every :data:`RETURNED_EVERY` months the debit comes back (insufficient funds),
    the customer pays that bill by transfer, a dunning run sends a reminder (a dunning step), and they pay
    everything owed and go back to direct debit. Ten years of it are about 550 commands; nothing is left
    open for long."""
    svc.app.execute(dd.RegisterMandate(account, f"UMR-{account.hex[:12]}", START, "Bench Customer", IBAN),
                    f"growth:{account}:mandate")
    done, month = 1, 0
    while done < commands:
        done += _month(svc, clock, account, month)
        month += 1
    clock.today += timedelta(days=1)  # the bill the timed payments pay: one open, as most months
    svc.app.execute(ac.IssueInvoice(account, LINE, clock.today), f"growth:{account}:open")


def _month(svc: Services, clock: Clock, account: UUID, month: int) -> int:
    """One month of :func:`_realistic`; the number of commands it ran."""
    first = START + timedelta(days=31 * month)

    def at(day: int, command: object, tag: str) -> Any:
        clock.today = first + timedelta(days=day)
        return svc.app.execute(command, f"growth:{account}:m{month}:{tag}")

    at(0, ac.IssueInvoice(account, LINE, first), "invoice")
    proposed = at(20, dd.ProposeCollectionRun(first + timedelta(days=25), first + timedelta(days=22),
                                              (account,)), "dd-propose")
    executed = at(20, dd.ExecuteCollectionRun(UUID(proposed["run_id"])), "dd-execute")
    if executed["collections"] != 1:
        raise SystemExit(f"month {month}: the collection run collected {executed}")
    # The run's one collection, by the id the run gives it (ledger.collections.handlers): reading the
    # account's collections would fetch its archived ones back.
    collection = f"DD{UUID(proposed['run_id']).hex[:10].upper()}{1:07d}"
    if month % RETURNED_EVERY != RETURNED_EVERY - 1:
        at(24, dd.SettleCollection(account, collection, first + timedelta(days=24)), "settle")
        return 4
    at(24, dd.ReturnCollection(account, collection, "AM04", first + timedelta(days=24)), "return")
    # The customer pays this one by transfer, so the bill is no longer held for the next debit: ten days
    # past due (the Italian pack's grace and first level) the dunning run sends a reminder, then they pay
    # everything owed and go back to direct debit.
    at(25, dd.ChangePaymentMethod(account, PaymentMethod.BANK_TRANSFER), "by-transfer")
    dunning = at(31, dn.ProposeDunningRun((account,), first + timedelta(days=31)), "dun-propose")
    if dunning["steps"] != 1:
        raise SystemExit(f"month {month}: the dunning run proposed {dunning}")
    at(31, dn.ExecuteDunningRun(UUID(dunning["run_id"])), "dun-execute")
    owed = svc.app.repository.get(account).balance
    at(31, pmt.RecordPayment(account, owed, first + timedelta(days=31)), "transfer")
    at(31, dd.ChangePaymentMethod(account, PaymentMethod.DIRECT_DEBIT), "by-debit")
    return 9


def _owing(svc: Services, clock: Clock, open_items: int) -> UUID:
    """A new account that owes ``open_items`` invoices and has paid none: the state, without the history,
    of the account with the most commands (paying 39.00 of each 40.00 bill leaves one bill open per 40)."""
    account = _account(svc, f"owing-{open_items}")
    day = clock.today
    batch = [(ac.IssueInvoice(account, LINE, day), f"growth:{account}:i{n}") for n in range(open_items)]
    for start in range(0, len(batch), SETUP_BATCH):
        svc.app.execute_many(batch[start:start + SETUP_BATCH])
    return account


def _payments_ms(svc: Services, accounts: list[UUID], repeat: int) -> list[tuple[float, float]]:
    """Per account, the median wall time of one payment and the median CPU time this process spent on it
    (ms). The accounts take turns, payment by payment, so that a burst of load from other processes on
    the shared machine falls on every size alike; the CPU figure moves less with that load (PostgreSQL's
    own work is not in it)."""
    def pay(account: UUID, n: int) -> None:
        svc.app.execute(pmt.RecordPayment(account, Decimal("1.00"), svc.app.today()),
                        f"growth:{account}:timed{n}")

    for account in accounts:
        pay(account, -1)  # warm caches and connections
    wall: list[list[float]] = [[] for _ in accounts]
    cpu: list[list[float]] = [[] for _ in accounts]
    for n in range(repeat):
        for k, account in enumerate(accounts):
            started, used = time.perf_counter(), time.process_time()
            pay(account, n)
            wall[k].append(time.perf_counter() - started)
            cpu[k].append(time.process_time() - used)
    return [(statistics.median(w) * 1000, statistics.median(c) * 1000)
            for w, c in zip(wall, cpu, strict=True)]


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


#: The two histories measured: name, how it is written, and what it says about the account.
HISTORIES = (
    ("adversarial", _history, "a bill a day, 39.00 of each 40.00 paid: one more bill left open every 40"),
    ("realistic", _realistic, "a bill a month by direct debit, paid in full; now and then a returned "
                              "debit, a reminder, a late transfer"),
)


def _row(store: str, history: str, size: object, svc: Services, account: UUID, ms: tuple[float, float],
         base: tuple[float, float]) -> None:
    app = svc.app
    print(f"{store:8} {history:11} {size!s:>8} {app.repository.get(account).version:>7} "
          f"{len(app.repository.get(account).open_items()):>5} {_state_kb(svc, account):>9.1f} "
          f"{ms[0]:>10.2f} {ms[1]:>7.2f}  {ms[0] / base[0]:>5.2f} {ms[1] / base[1]:>5.2f}", flush=True)


def _measure(store: str, sizes: list[int], repeat: int, histories: list[str]) -> float:
    """Print each history's rows on ``store``; return the worst ratio at the largest size."""
    worst = 0.0
    clock = Clock()
    with _services(store, clock) as svc:
        for name, write, _ in HISTORIES:
            if name not in histories:
                continue
            accounts = []
            for size in sizes:
                accounts.append(_account(svc, f"{name}-{size}"))
                write(svc, clock, accounts[-1], size)
            labels: list[object] = list(sizes)
            if name == "adversarial":
                # What the same open state costs on a new account: the part of the ratio the history is not.
                accounts.append(_owing(svc, clock, len(svc.app.repository.get(accounts[-1]).open_items())))
                labels.append("new")
            figures = _payments_ms(svc, accounts, repeat)
            for label, account, ms in zip(labels, accounts, figures, strict=True):
                _row(store, name, label, svc, account, ms, figures[0])
            worst = max(worst, figures[len(sizes) - 1][0] / figures[0][0])
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000", help="earlier commands, comma-separated")
    parser.add_argument("--repeat", type=int, default=41, help="timed payments per account")
    parser.add_argument("--stores", default="postgres,sqlite")
    parser.add_argument("--histories", default="adversarial,realistic")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    histories = args.histories.split(",")
    for name, _, what in HISTORIES:
        if name in histories:
            print(f"{name}: {what}")
    print(f"{'store':8} {'history':11} {'commands':>8} {'events':>7} {'open':>5} {'loaded kB':>9} "
          f"{'payment ms':>10} {'cpu ms':>7}  ratio to {sizes[0]} commands, same history, wall and cpu "
          f"(goal <= {GOAL:g} at {sizes[-1]})")
    worst = max(_measure(store, sizes, args.repeat, histories) for store in args.stores.split(","))
    if "adversarial" in histories:
        print(f"new: an account with no history owing the open items of the adversarial one with {sizes[-1]} "
              "commands")
    verdict = "within" if worst <= GOAL else "NOT within"
    print(f"worst ratio at {sizes[-1]} earlier commands: {worst:.2f} ({verdict} {GOAL:g}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
