"""``saldo demo``: the demo portfolio, its bank statement, direct debits, a billing run and a dunning run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from api.bootstrap import Services
from api.cli.output import print_import, progress


def cmd_demo(svc: Services, args: argparse.Namespace) -> int:
    from api.billing_demo import load_billing_demo
    from api.demo import load_dd_demo, load_demo, load_demo_statement, load_dunning_demo

    total, new = load_demo(svc.app, progress("demo commands"))
    report = svc.projections.catch_up()
    print(f"\ndemo portfolio: {total} commands, {new} new; projection applied {report.events} events")
    folder = Path(args.demo_folder)
    folder.mkdir(parents=True, exist_ok=True)
    print_import(load_demo_statement(svc, folder).as_dict())
    dd = load_dd_demo(svc, folder)
    print(f"direct debit: {dd['collections']} collections ({dd['amount']} EUR) in {dd['file']}.xml, "
          f"{dd['returns']} returned")
    billing = load_billing_demo(svc)
    print(f"billing run {billing['run_id']} ({billing['status']}): {billing['invoices']} invoices, "
          f"gross {billing['gross']}, {billing['errors']} errors")
    dunning = load_dunning_demo(svc)
    print(f"dunning run {dunning['day']}: {dunning['steps']} steps, fees {dunning['fees']}")
    return 0


def add_commands(sub: Any) -> None:
    demo = sub.add_parser("demo", help="load the demo portfolio and its bank statement (idempotent)")
    demo.add_argument("--demo-folder", default="var", help="where the demo statement file is written")
    demo.set_defaults(func=cmd_demo)
