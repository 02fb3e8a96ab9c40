"""``saldo bank import``: camt.052/053/054, MT940, KTL, CSV or ZIP statements, with progress per file."""

from __future__ import annotations

import argparse
from typing import Annotated

import typer

from api.bootstrap import Services
from api.cli.actor import login
from api.cli.errors import describe, say
from api.cli.output import print_import, progress
from api.cli.running import run


def cmd_bank_import(svc: Services, args: argparse.Namespace) -> int:
    """Each file read and checked whole, then booked; a rejected file books nothing and the next is read.
    Exit 1 if a file was rejected or an entry of one refused (its report names where and why)."""
    from importers.bank.errors import BankFileError
    from importers.bank.service import BalanceOverride, import_file
    from ledger.core.errors import InvalidInput

    override = None
    if args.override_reason is not None:
        override = BalanceOverride(args.override_reason, f"cli user {login()}", "cli")

    failed = 0
    for name in args.files:
        try:
            with progress(name, "entries") as bar:
                report = import_file(svc, name, bar.update, override=override)
        except (BankFileError, InvalidInput, OSError) as e:
            say(f"rejected, nothing booked: {describe(e)}")
            failed += 1
            continue
        print_import(report.as_dict())
        failed += 0 if report.imported_in_full else 1
    return 1 if failed else 0


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="bank statements", no_args_is_help=True)
    root.add_typer(group, name="bank", help="bank statements")

    @group.command("import", help="import camt.052/053/054, MT940, KTL (Finnish reference payments), CSV or "
                                  "ZIP statements")
    def _import(
        ctx: typer.Context,
        files: Annotated[list[str], typer.Argument(help="statement files")],
        override_reason: Annotated[str | None, typer.Option(
            help="import statements whose balances do not add up, recording this reason and your login name")
        ] = None,
        company: Annotated[str | None, typer.Option(
            help="where companies have stores of their own (store_url): import into this company's store "
                 "(default: the main one)")] = None,
    ) -> int:
        return run(ctx, cmd_bank_import, files=files, override_reason=override_reason, company=company)
