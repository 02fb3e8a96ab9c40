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
from typing import Annotated
from uuid import UUID

import typer

from api.auth.config import auth_config
from api.auth.tokens import MAX_TOKEN_LIFETIME, issue_token
from api.bootstrap import Services
from api.cli.errors import say
from api.cli.running import choice, metavar, run
from ledger.accounts.account import ContractAccount
from ledger.core.actor import Role
from ledger.core.errors import NotFound
from ledger.parties.partner import BusinessPartner

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def duration(text: str | timedelta) -> timedelta:
    """``8h`` → 8 hours; an option's parser, so a bad value is a usage error.

    >>> duration("8h"), duration("90s")
    (datetime.timedelta(seconds=28800), datetime.timedelta(seconds=90))
    """
    if isinstance(text, timedelta):  # the option's default, already one
        return text
    found = re.fullmatch(r"(\d{1,6})([smhd])", text.strip())
    if not found:
        raise ValueError(f"give a duration such as 90s, 30m, 8h or 7d, not {text!r}")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


def partner_of(svc: Services, account: UUID | None, partner: UUID | None) -> UUID | None:
    """The business partner a portal credential names: given, or the owner of the given account."""
    if account is not None:
        found = svc.app.find(ContractAccount, account)
        if found is None:
            raise NotFound(f"contract account {account} does not exist", "account")
        if partner is not None and partner != found.partner_id:
            raise NotFound(f"contract account {account} belongs to partner {found.partner_id}, "
                           f"not {partner}", "account")
        return UUID(str(found.partner_id))
    if partner is not None and svc.app.find(BusinessPartner, partner) is None:
        raise NotFound(f"business partner {partner} does not exist", "partner")
    return partner


def cmd_issue(svc: Services, args: argparse.Namespace) -> int:
    role = Role(args.role)
    if role is not Role.PORTAL and (args.account or args.partner):
        say(f"only a portal token names an account or partner, not a {role.value} token")
        return 2
    if role is Role.PORTAL and not (args.account or args.partner):
        say("a portal token names the customer: give --account or --partner")
        return 2
    if args.expires > MAX_TOKEN_LIFETIME:
        say(f"--expires: a token lives at most {MAX_TOKEN_LIFETIME.days} days; use an API key for a machine")
        return 2
    partner = partner_of(svc, args.account, args.partner) if role is Role.PORTAL else None
    now = datetime.now(UTC)
    token = issue_token(auth_config(svc.database_url), role, args.subject, partner_id=partner,
                        lifetime=args.expires, now=now)
    print(token)
    print(f"{role.value} token for {args.subject}" + (f" (partner {partner})" if partner else "")
          + f", valid until {(now + args.expires).replace(microsecond=0).isoformat()}", file=sys.stderr)
    return 0


ROLES = tuple(r.value for r in Role)
ROLE = Annotated[str, typer.Option(parser=choice(*ROLES), metavar=metavar(ROLES), help="the role")]
ACCOUNT = Annotated[UUID | None, typer.Option(help="portal: a contract account of the customer")]
PARTNER = Annotated[UUID | None, typer.Option(help="portal: the customer's business partner id")]


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="bearer tokens signed by Saldo", no_args_is_help=True)
    root.add_typer(group, name="tokens", help="bearer tokens signed by Saldo")

    @group.command("issue", help="print a signed token for a role")
    def _issue(
        ctx: typer.Context, role: ROLE,
        subject: Annotated[str, typer.Option(help="who the token is for (recorded with each command)")],
        account: ACCOUNT = None, partner: PARTNER = None,
        expires: Annotated[timedelta, typer.Option(parser=duration, metavar="DURATION",
                                                   help="lifetime: 90s, 30m, 8h, 7d (default 8h)")
                           ] = timedelta(hours=8),
    ) -> int:
        return run(ctx, cmd_issue, role=role, subject=subject, account=account, partner=partner,
                   expires=expires)
