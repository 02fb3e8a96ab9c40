"""``saldo demo``: the demo portfolio, its bank statement, direct debits, a billing run and a dunning run;
with ``--documents`` (as ``make run`` asks) its documents rendered into a print batch (api/delivery/demo.py);
then one ready token per role (also written to ``var/demo-tokens.env`` for ``. var/demo-tokens.env``)."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from api.bootstrap import Services
from api.cli.output import print_import, progress
from api.cli.running import run
from importers.files import write_atomically
from ledger.core.actor import Role

#: How long the demo's tokens live: a working day and a bit.
DEMO_TOKEN_LIFETIME = timedelta(hours=24)


def cmd_demo(svc: Services, args: argparse.Namespace) -> int:
    from api.billing_demo import load_billing_demo
    from api.companies_demo import load_companies_demo
    from api.delivery.demo import deliver_demo_documents
    from api.demo import load_dd_demo, load_demo, load_demo_statement, load_dunning_demo, portfolio

    with progress("demo portfolio", "commands", sum(1 for _ in portfolio())) as bar:
        total, new = load_demo(svc.app, lambda done, _: bar.update(done))
    report = svc.projections.catch_up()
    print(f"demo portfolio: {total} commands, {new} new; projection applied {report.events} events")
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
    finnish = load_companies_demo(svc, folder)
    if finnish is not None:
        print(f"companies {', '.join(finnish['companies'])}: the Finnish customer's payments booked "
              f"{finnish['booked']}")
    if args.documents:  # make run and make demo ask for it; rendering 300 PDFs is most of a demo's time
        with progress("demo documents", "rendered") as bar:
            documents = deliver_demo_documents(svc, folder, bar.update)
        print(f"documents: {documents['documents']} issued, {documents['rendered']} rendered now (hashes "
              f"recorded), {documents['queued']} queued for print ({documents['unprintable']} without a "
              f"postal address); print batch {', '.join(documents['batch'])} in {documents['folder']}")
    print_demo_tokens(svc, folder)
    return 0


def demo_tokens(svc: Services) -> tuple[dict[str, str], UUID]:
    """``SALDO_<ROLE>_TOKEN`` → a token per role, and the demo account the portal token may read."""
    from api.auth.config import auth_config
    from api.auth.tokens import issue_token
    from api.demo import demo_customer

    config = auth_config(svc.database_url)
    partner, account = demo_customer(0)
    tokens = {f"SALDO_{role.name}_TOKEN": issue_token(config, role, f"demo-{role.value}",
                                                      partner_id=partner if role is Role.PORTAL else None,
                                                      lifetime=DEMO_TOKEN_LIFETIME)
              for role in Role}
    return {**tokens, "SALDO_PORTAL_ACCOUNT": str(account)}, account


def print_demo_tokens(svc: Services, folder: Path) -> None:
    values, account = demo_tokens(svc)
    lines = [f"export {name}={value}" for name, value in values.items()]
    path = folder / "demo-tokens.env"
    write_atomically(path, ("\n".join(lines) + "\n").encode("ascii"), mode=0o600)  # readable by you only
    print(f"\ndemo tokens, one per role, valid {DEMO_TOKEN_LIFETIME.total_seconds() / 3600:.0f} h "
          f"(`. {path}` sets them; `saldo tokens issue` makes more; /docs → Authorize takes one):")
    print("\n".join(lines))
    print(f"the portal token reads only account {account}, e.g.\n"
          f'  curl -H "Authorization: Bearer $SALDO_PORTAL_TOKEN" '
          f"http://127.0.0.1:8000/accounts/{account}/balance")


def register(root: typer.Typer) -> None:
    @root.command("demo", help="load the demo portfolio and its bank statement (idempotent)")
    def _demo(
        ctx: typer.Context,
        demo_folder: Annotated[str, typer.Option(help="where the demo statement file is written")] = "var",
        documents: Annotated[bool, typer.Option(
            "--documents",
            help="also render every demo document, record its hash and print them into a batch")] = False,
    ) -> int:
        return run(ctx, cmd_demo, demo_folder=demo_folder, documents=documents)
