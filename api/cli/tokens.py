"""``saldo tokens issue``: a bearer token Saldo signs itself, printed on standard output.

``saldo tokens issue --role portal --subject anna@example.org --account <contract account id>`` names the
business partner who owns that account (or give ``--partner`` directly); ``--expires`` takes ``90s``,
``30m``, ``8h`` (the default) or ``7d``, at most 31 days.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from api.auth.config import auth_config
from api.auth.tokens import MAX_TOKEN_LIFETIME, issue_token
from api.bootstrap import Services
from ledger.accounts.account import ContractAccount
from ledger.core.actor import Role
from ledger.parties.partner import BusinessPartner

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str) -> timedelta:
    """``8h`` → 8 hours; for argparse, so a bad value is its usage error.

    >>> duration("8h"), duration("90s")
    (datetime.timedelta(seconds=28800), datetime.timedelta(seconds=90))
    """
    found = re.fullmatch(r"(\d{1,6})([smhd])", text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f"give a duration such as 90s, 30m, 8h or 7d, not {text!r}")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def partner_of(svc: Services, account: UUID | None, partner: UUID | None) -> UUID | None:
    """The business partner a portal credential names: given, or the owner of the given account."""
    if account is not None:
        found = svc.app.find(ContractAccount, account)
        if found is None:
            raise SystemExit(f"contract account {account} does not exist")
        if partner is not None and partner != found.partner_id:
            raise SystemExit(f"contract account {account} belongs to partner {found.partner_id}, "
                             f"not {partner}")
        return UUID(str(found.partner_id))
    if partner is not None and svc.app.find(BusinessPartner, partner) is None:
        raise SystemExit(f"business partner {partner} does not exist")
    return partner


def cmd_issue(svc: Services, args: argparse.Namespace) -> int:
    role = Role(args.role)
    if role is not Role.PORTAL and (args.account or args.partner):
        print(f"only a portal token names an account or partner, not a {role.value} token", file=sys.stderr)
        return 2
    if role is Role.PORTAL and not (args.account or args.partner):
        print("a portal token names the customer: give --account or --partner", file=sys.stderr)
        return 2
    if args.expires > MAX_TOKEN_LIFETIME:
        print(f"a token lives at most {MAX_TOKEN_LIFETIME.days} days; use an API key for a machine",
              file=sys.stderr)
        return 2
    partner = partner_of(svc, args.account, args.partner) if role is Role.PORTAL else None
    now = datetime.now(UTC)
    token = issue_token(auth_config(svc.database_url), role, args.subject, partner_id=partner,
                        lifetime=args.expires, now=now)
    print(token)
    print(f"{role.value} token for {args.subject}" + (f" (partner {partner})" if partner else "")
          + f", valid until {(now + args.expires).replace(microsecond=0).isoformat()}", file=sys.stderr)
    return 0


def add_commands(sub: Any) -> None:
    tokens = sub.add_parser("tokens", help="bearer tokens signed by Saldo").add_subparsers(
        dest="action", required=True)
    issue = tokens.add_parser("issue", help="print a signed token for a role")
    issue.add_argument("--role", required=True, choices=[r.value for r in Role])
    issue.add_argument("--subject", required=True, help="who the token is for (recorded with each command)")
    issue.add_argument("--account", type=UUID, help="portal: a contract account of the customer")
    issue.add_argument("--partner", type=UUID, help="portal: the customer's business partner id")
    issue.add_argument("--expires", type=duration, default=timedelta(hours=8), help="lifetime (default 8h)")
    issue.set_defaults(func=cmd_issue)
