"""Running one ``saldo`` command: on which store, as whom, with which options.

Each command module's Typer command gathers its options into an :class:`argparse.Namespace` (the shape
its ``cmd_*`` functions have always taken, and tests call them with) and hands it to :func:`run`, which
opens the store (or, where companies have stores of their own, the store the command is for), runs the
command as the operating-system user in the ``--as-role`` given, and closes the store.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer

from api.bootstrap import Services, build
from api.cli.actor import cli_actor
from api.stores import Stores, build_stores

#: A command's body: the store's services (None for a command that opens none) and its options.
CommandFunction = Callable[[Any, argparse.Namespace], int]


@dataclass(frozen=True)
class GlobalOptions:
    """The options before the command: ``saldo --database-url URL --as-role ROLE <command>``."""

    database_url: str | None = None
    as_role: str | None = None


def global_options(ctx: typer.Context) -> GlobalOptions:
    root = ctx.find_root()
    return root.obj if isinstance(root.obj, GlobalOptions) else GlobalOptions()


def run(ctx: typer.Context, func: CommandFunction, *, needs_store: bool = True, every_store: bool = False,
        **options: Any) -> int:
    """Run ``func(services, options)``; its exit code.

    ``needs_store=False``: no store is opened (``config check`` checks a file before its installation
    exists). ``every_store``: a run that names no ``--company`` runs on each store in turn."""
    given = global_options(ctx)
    args = argparse.Namespace(database_url=given.database_url, as_role=given.as_role, **options)
    if not needs_store:
        return int(func(None, args))
    stores = build_stores(args.database_url)
    if stores is not None:
        return _on_stores(stores, func, args, every_store)
    svc = build(args.database_url)
    try:
        with svc.app.acting_as(cli_actor(args.as_role)):
            return int(func(svc, args))
    finally:
        svc.close()


def _on_stores(stores: Stores, func: CommandFunction, args: argparse.Namespace, every_store: bool) -> int:
    """A command where the event store is partitioned by company (:mod:`api.stores`): on the store of the
    company it names (``--company``); a run that names none (``every_store``) on each store in turn; anything
    else on the main store. An unknown company is a DomainError, said in one line by :mod:`api.cli.errors`."""
    try:
        if getattr(args, "company", None):
            targets: tuple[Services, ...] = (stores.of_company(args.company),)
        elif every_store:
            targets = stores.all
        else:
            targets = (stores.main,)
        args.stores = stores  # saldo serve serves them all
        worst = 0
        for svc in targets:
            if len(targets) > 1:
                print(f"store of {stores.codes(svc)}:", flush=True)
            with svc.app.acting_as(cli_actor(args.as_role)):
                worst = max(worst, int(func(svc, args)))
        return worst
    finally:
        stores.close()


def choice(*values: str) -> Callable[[str], str]:
    """An option's parser that takes only ``values`` (Typer's choices need an Enum; these are strings).

    >>> choice("csv", "jsonl")("csv")
    'csv'
    """
    def parse(text: str) -> str:
        if text not in values:
            raise ValueError(f"{text!r} is not one of {', '.join(values)}")
        return text

    return parse


def metavar(values: tuple[str, ...] | list[str]) -> str:
    """``[csv|jsonl]``: how the help shows an option's choices."""
    return "[" + "|".join(values) + "]"
