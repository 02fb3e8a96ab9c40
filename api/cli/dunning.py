"""``saldo dunning run``: the daily dunning run from the command line, with its progress on standard error.

A run is done in parts, each proposed and executed in one transaction with its steps. Killed half-way, a
run resumed with ``--run-key`` replays the parts already done (their results as recorded) and does the
rest, so its report counts every step the ledger holds for it (parts are keyed by their accounts: if the
candidates changed meanwhile, a part of other accounts is looked at afresh, and a step already sent is not
repeated). Without a key, a run started again is a new run: it reports only what it does itself.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import typer

from api.cli.errors import say
from api.cli.output import progress
from api.cli.running import run
from api.dunning_run import DEFAULT_RUN_BATCH, run_dunning
from ledger.core.errors import DomainError


def cmd_dunning_run(svc: Any, args: argparse.Namespace) -> int:
    day: date = args.today or svc.app.today()
    svc.app.clock = lambda: day  # the run acts as of its day: letters are dated, and interest runs, to it

    done_as = "executed" if args.execute else "proposed"
    key = f"cli-dunning:{day}:{args.run_key}" if args.run_key else None
    try:
        with progress(f"dunning run {day}", "accounts reviewed") as bar:
            results = run_dunning(
                svc, day, args.execute, args.batch,
                lambda done, total, steps: bar.update(done, total, f"{steps} steps {done_as}"),
                key=key, company=args.company)
    except DomainError as e:  # an unknown company
        say(f"saldo dunning run: {e}")
        return 1
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
    # A run with problems (an account it could not review) exits 1, as a billing run with errors does.
    return 1 if total["problems"] else 0


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="dunning runs", no_args_is_help=True)
    root.add_typer(group, name="dunning", help="dunning runs")

    @group.command("run", help="review overdue accounts and plans; propose (and execute) the steps")
    def _run(
        ctx: typer.Context,
        today: Annotated[date | None, typer.Option(parser=date.fromisoformat, metavar="YYYY-MM-DD",
                                                   help="the run's day (default: today)")] = None,
        execute: Annotated[bool, typer.Option("--execute", help="record the steps (default: propose only)")
                           ] = False,
        batch: Annotated[int, typer.Option(help="accounts per run (one transaction each), at most 10000")
                         ] = DEFAULT_RUN_BATCH,
        run_key: Annotated[str | None, typer.Option(
            help="resume the run started with this key (default: a new run)")] = None,
        company: Annotated[str | None, typer.Option(
            help="only this company's accounts (its code in SALDO_CONFIG)")] = None,
    ) -> int:
        return run(ctx, cmd_dunning_run, every_store=True, today=today, execute=execute, batch=batch,
                   run_key=run_key, company=company)
