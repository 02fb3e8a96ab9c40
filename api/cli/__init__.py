"""The ``saldo`` command line: one module per capability, each adding its sub-commands to the parser.

``serve`` and ``demo``; ``config check``; ``bank import``; ``dd run|settle|import-returns``; ``dunning run``;
``readings import`` and ``billing run|simulate``; ``documents render``; ``projections rebuild|run``;
``export journal``; ``tokens issue``; ``keys create|revoke``; ``audit verify|checkpoint|backfill``.

Every command it runs is recorded with the operating-system user and host (:func:`api.cli.actor.cli_actor`),
in the role given with ``--as-role`` if any.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from api.bootstrap import build
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
from ledger.core.actor import Role

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
    svc = build(args.database_url)
    try:
        with svc.app.acting_as(cli_actor(args.as_role)):
            code: int = args.func(svc, args)
        return code
    finally:
        svc.close()
