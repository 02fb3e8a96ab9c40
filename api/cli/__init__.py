"""The ``saldo`` command line: one module per capability, each adding its sub-commands to the parser.

``serve`` and ``demo``; ``bank import``; ``dd run|settle|import-returns``; ``dunning run``;
``readings import`` and ``billing run|simulate``; ``projections rebuild``; ``export journal``;
``audit verify|checkpoint|backfill``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from api.bootstrap import build
from api.cli import audit, bank, billing, collections, demo, dunning, exports, projections, serve

#: In the order ``saldo --help`` lists them.
COMMANDS = (serve, demo, bank, collections, dunning, billing, projections, exports, audit)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="saldo", description="Saldo receivables ledger")
    p.add_argument("--database-url", help="overrides SALDO_DATABASE_URL (default sqlite:///var/saldo.sqlite)")
    sub = p.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_commands(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    svc = build(args.database_url)
    try:
        code: int = args.func(svc, args)
        return code
    finally:
        svc.close()
