"""``saldo config check [FILE]``: every wrong field of a company configuration file, by its path.

Without FILE it checks the file ``SALDO_CONFIG`` names (or says the environment settings are in use). It
opens no store: a configuration can be checked before the installation it is for exists.
"""

from __future__ import annotations

import argparse
import os
from typing import Annotated

import typer

from api.cli.running import run
from api.company_file import check_file


def cmd_check(_svc: object, args: argparse.Namespace) -> int:
    path = args.file or os.environ.get("SALDO_CONFIG")
    if not path:
        print("no configuration file (give FILE or set SALDO_CONFIG): the environment settings make the "
              "single default company")
        return 0
    problems = check_file(path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{path}: {len(problems)} problem(s)")
        return 1
    print(f"{path}: ok")
    return 0


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="company configuration", no_args_is_help=True)
    root.add_typer(group, name="config", help="company configuration")

    @group.command("check", help="check a configuration file, naming every wrong field")
    def _check(ctx: typer.Context, file: Annotated[str | None, typer.Argument(
            help="the TOML file (default: SALDO_CONFIG)")] = None) -> int:
        return run(ctx, cmd_check, needs_store=False, file=file)
