"""``saldo bank import``: camt.052/053/054, MT940, KTL, CSV or ZIP statements, a progress line per file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from api.bootstrap import Services
from api.cli.actor import login
from api.cli.output import print_import


def cmd_bank_import(svc: Services, args: argparse.Namespace) -> int:
    from importers.bank.errors import BankFileError
    from importers.bank.service import BalanceOverride, import_file
    from ledger.core.errors import InvalidInput

    override = None
    if args.override_reason is not None:
        override = BalanceOverride(args.override_reason, f"cli user {login()}", "cli")

    failed = 0
    for name in args.files:
        def progress(done: int, total: int, name: str = name) -> None:
            print(f"\r{name}: {done}/{total} entries", end="", file=sys.stderr, flush=True)

        try:
            report = import_file(svc, name, progress, override=override)
        except (BankFileError, InvalidInput) as e:
            print(f"\nrejected, nothing booked: {e}", file=sys.stderr)
            failed += 1
            continue
        print(file=sys.stderr)
        print_import(report.as_dict())
    return 1 if failed else 0


def add_commands(sub: Any) -> None:
    bank = sub.add_parser("bank", help="bank statements").add_subparsers(dest="action", required=True)
    bank_import = bank.add_parser(
        "import", help="import camt.052/053/054, MT940, KTL (Finnish reference payments), CSV or ZIP "
                       "statements")
    bank_import.add_argument("files", nargs="+")
    bank_import.add_argument("--override-reason", help="import statements whose balances do not add up, "
                             "recording this reason and your login name")
    bank_import.add_argument("--company", help="where companies have stores of their own (store_url): import "
                             "into this company's store (default: the main one)")
    bank_import.set_defaults(func=cmd_bank_import)

