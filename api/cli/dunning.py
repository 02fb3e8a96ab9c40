"""``saldo dunning run``: the daily dunning run from the command line, with a progress line.

A run is done in parts, each proposed and executed in one transaction with its steps. Killed half-way, a
run resumed with ``--run-key`` replays the parts already done (their results as recorded) and does the
rest, so its report counts every step the ledger holds for it (parts are keyed by their accounts: if the
candidates changed meanwhile, a part of other accounts is looked at afresh, and a step already sent is not
repeated). Without a key, a run started again is a new run: it reports only what it does itself.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal
from typing import Any

from api.dunning_run import DEFAULT_RUN_BATCH, run_dunning
from ledger.core.errors import DomainError


def _date(text: str) -> date:
    return date.fromisoformat(text)


def cmd_dunning_run(svc: Any, args: argparse.Namespace) -> int:
    day: date = args.today or svc.app.today()
    svc.app.clock = lambda: day  # the run acts as of its day: letters are dated, and interest runs, to it

    def progress(done: int, total: int, steps: int) -> None:
        print(f"\rdunning run {day}: {done}/{total} accounts reviewed, {steps} steps "
              f"{'executed' if args.execute else 'proposed'}", end="", file=sys.stderr, flush=True)

    key = f"cli-dunning:{day}:{args.run_key}" if args.run_key else None
    try:
        results = run_dunning(svc, day, args.execute, args.batch, progress, key=key, company=args.company)
    except DomainError as e:  # an unknown company
        print(f"saldo dunning run: {e}", file=sys.stderr)
        return 1
    print(file=sys.stderr)
    by_level: dict[str, int] = {}
    for result in results:
        for level, n in result["by_level"].items():
            by_level[level] = by_level.get(level, 0) + n
    total = {name: sum(r[name] for r in results)
             for name in ("accounts", "steps", "plans_cancelled", "plans_completed", "skipped", "problems")}
    fees = sum((Decimal(r["fees"]) for r in results), Decimal("0.00"))
    interest = sum((Decimal(r["interest"]) for r in results), Decimal("0.00"))
    levels = ", ".join(f"level {k}: {v}" for k, v in sorted(by_level.items())) or "none"
    print(f"dunning run {day}: {total['accounts']} accounts reviewed, {total['steps']} steps ({levels}), "
          f"fees {fees}, interest {interest}, {total['plans_cancelled']} plans cancelled, "
          f"{total['plans_completed']} completed, {total['skipped']} skipped, {total['problems']} problems")
    for result in results:
        print(f"  run {result['run_id']}: {result['status']}, {result['steps']} steps")
    if not args.execute:
        print("proposed only: inspect with GET /dunning/runs/<id>, then run again with --execute")
    return 0


def add_commands(sub: Any) -> None:
    dunning = sub.add_parser("dunning", help="dunning runs").add_subparsers(dest="action", required=True)
    run = dunning.add_parser("run", help="review overdue accounts and plans; propose (and execute) the steps")
    run.add_argument("--today", type=_date, help="the run's day, YYYY-MM-DD (default: today)")
    run.add_argument("--execute", action="store_true", help="record the steps (default: propose only)")
    run.add_argument("--batch", type=int, default=DEFAULT_RUN_BATCH,
                     help="accounts per run (one transaction each), at most 10000")
    run.add_argument("--run-key", help="resume the run started with this key (default: a new run)")
    run.add_argument("--company", help="only this company's accounts (its code in SALDO_CONFIG)")
    run.set_defaults(func=cmd_dunning_run, every_store=True)
