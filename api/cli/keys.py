"""``saldo keys create|revoke``: API keys for machine clients (the accounting system).

``saldo keys create accounting-system --role accounting`` prints the key once on standard output (it is
stored only as its hash); ``saldo keys revoke accounting-system --reason "rotated"`` refuses it from then on.
"""

from __future__ import annotations

import argparse
import sys
import uuid
from typing import Any
from uuid import UUID

from api.auth.keys import create_key
from api.bootstrap import Services
from api.cli.tokens import partner_of
from ledger.access import commands as kc
from ledger.core.actor import Role
from ledger.core.errors import DomainError


def cmd_create(svc: Services, args: argparse.Namespace) -> int:
    role = Role(args.role)
    if (role is Role.PORTAL) != bool(args.account or args.partner):
        print("a portal key names the customer (--account or --partner); no other key does", file=sys.stderr)
        return 2
    partner = partner_of(svc, args.account, args.partner) if role is Role.PORTAL else None
    try:
        result = create_key(svc.app, args.name, role, partner, f"cli:create-key:{uuid.uuid4()}")
    except DomainError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 1
    print(result["api_key"])
    print(f"API key {result['name']!r} ({role.value}); send it as 'X-API-Key: <key>'. It is shown this once.",
          file=sys.stderr)
    return 0


def cmd_revoke(svc: Services, args: argparse.Namespace) -> int:
    try:
        result = svc.app.execute(kc.RevokeApiKey(args.name, args.reason), f"cli:revoke-key:{uuid.uuid4()}")
    except DomainError as e:
        print(f"refused: {e}", file=sys.stderr)
        return 1
    print(f"API key {result['name']!r} revoked on {result['revoked_on']}")
    return 0


def add_commands(sub: Any) -> None:
    keys = sub.add_parser("keys", help="API keys of machine clients").add_subparsers(
        dest="action", required=True)
    create = keys.add_parser("create", help="make a key for a machine client and print it once")
    create.add_argument("name", help="the client, e.g. accounting-system (letters, digits, . _ -)")
    create.add_argument("--role", required=True, choices=[r.value for r in Role])
    create.add_argument("--account", type=UUID, help="portal: a contract account of the customer")
    create.add_argument("--partner", type=UUID, help="portal: the customer's business partner id")
    create.set_defaults(func=cmd_create)
    revoke = keys.add_parser("revoke", help="refuse a key from now on")
    revoke.add_argument("name")
    revoke.add_argument("--reason", required=True, help="why (recorded)")
    revoke.set_defaults(func=cmd_revoke)
