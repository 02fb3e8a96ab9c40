"""The ``saldo`` command line: one module per capability, each adding its sub-commands to the parser.

``serve`` and ``demo``; ``config check``; ``bank import``; ``dd run|settle|import-returns``; ``dunning run``;
``readings import`` and ``billing run|simulate``; ``documents render|letter``; ``projections rebuild|run``;
``export journal``; ``tokens issue``; ``keys create|revoke``; ``audit verify|checkpoint|backfill``.

Every command it runs is recorded with the operating-system user and host (:func:`api.cli.actor.cli_actor`),
in the role given with ``--as-role`` if any.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from api.bootstrap import Services, build
from api.cli import (
    audit,
    bank,
    billing,
    collections,
    config,
    demo,
    documents,
    dunning,
    exports,
    keys,
    projections,
    serve,
    tokens,
)
from api.cli.actor import cli_actor
from api.stores import Stores, build_stores
from ledger.core.actor import Role
from ledger.core.errors import DomainError

#: In the order ``saldo --help`` lists them.
COMMANDS = (serve, demo, config, bank, collections, dunning, billing, documents, projections, exports, tokens,
            keys, audit)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="saldo", description="Saldo receivables ledger")
    p.add_argument("--database-url", help="overrides SALDO_DATABASE_URL (default sqlite:///var/saldo.sqlite)")
    p.add_argument("--as-role", choices=[r.value for r in Role],
                   help="the role you act in, recorded with the commands (with your login and host)")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not getattr(args, "needs_store", True):  # e.g. ``config check``: no store, no company to build
        return int(args.func(None, args))
    stores = build_stores(args.database_url)
    if stores is not None:
        return _on_stores(stores, args)
    svc = build(args.database_url)
    try:
        with svc.app.acting_as(cli_actor(args.as_role)):
            code: int = args.func(svc, args)
        return code
    finally:
        svc.close()


def _on_stores(stores: Stores, args: argparse.Namespace) -> int:
    """A command where the event store is partitioned by company (:mod:`api.stores`): on the store of the
    company it names (``--company``); a run that names none (``every_store``) on each store in turn; anything
    else on the main store."""
    try:
        if getattr(args, "company", None):
            targets: tuple[Services, ...] = (stores.of_company(args.company),)
        elif getattr(args, "every_store", False):
            targets = stores.all
        else:
            targets = (stores.main,)
        args.stores = stores  # saldo serve serves them all
        worst = 0
        for svc in targets:
            if len(targets) > 1:
                print(f"store of {stores.codes(svc)}:", flush=True)
            with svc.app.acting_as(cli_actor(args.as_role)):
                worst = max(worst, int(args.func(svc, args)))
        return worst
    except DomainError as e:  # an unknown company
        print(f"saldo: {e}", file=sys.stderr)
        return 1
    finally:
        stores.close()
