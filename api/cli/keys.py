"""``saldo keys create|revoke``: API keys for machine clients (the accounting system).

``saldo keys create accounting-system --role accounting`` prints the key once on standard output (it is
stored only as its hash); ``saldo keys revoke accounting-system --reason "rotated"`` refuses it from then on.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Annotated

import typer

from api.auth.keys import create_key
from api.bootstrap import Services
from api.cli.errors import describe, say
from api.cli.running import run
from api.cli.tokens import ACCOUNT, PARTNER, ROLE, partner_of
from ledger.access import commands as kc
from ledger.core.actor import Role
from ledger.core.errors import DomainError


def cmd_create(svc: Services, args: argparse.Namespace) -> int:
    role = Role(args.role)
    if (role is Role.PORTAL) != bool(args.account or args.partner):
        say("a portal key names the customer (--account or --partner); no other key does")
        return 2
    partner = partner_of(svc, args.account, args.partner) if role is Role.PORTAL else None
    try:
        result = create_key(svc.app, args.name, role, partner, f"cli:create-key:{uuid.uuid4()}")
    except DomainError as e:
        say(f"refused: {describe(e)}")
        return 1
    print(result["api_key"])
    print(f"API key {result['name']!r} ({role.value}); send it as 'X-API-Key: <key>'. It is shown this once.",
          file=sys.stderr)
    return 0


def cmd_revoke(svc: Services, args: argparse.Namespace) -> int:
    try:
        result = svc.app.execute(kc.RevokeApiKey(args.name, args.reason), f"cli:revoke-key:{uuid.uuid4()}")
    except DomainError as e:
        say(f"refused: {describe(e)}")
        return 1
    print(f"API key {result['name']!r} revoked on {result['revoked_on']}")
    return 0


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="API keys of machine clients", no_args_is_help=True)
    root.add_typer(group, name="keys", help="API keys of machine clients")

    @group.command("create", help="make a key for a machine client and print it once")
    def _create(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(
            help="the client, e.g. accounting-system (letters, digits, . _ -)")],
        role: ROLE, account: ACCOUNT = None, partner: PARTNER = None,
    ) -> int:
        return run(ctx, cmd_create, name=name, role=role, account=account, partner=partner)

    @group.command("revoke", help="refuse a key from now on")
    def _revoke(ctx: typer.Context, name: Annotated[str, typer.Argument(help="the client's key name")],
                reason: Annotated[str, typer.Option(help="why (recorded)")]) -> int:
        return run(ctx, cmd_revoke, name=name, reason=reason)
