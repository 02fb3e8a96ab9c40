"""What every endpoint shares: the services, the ``Idempotency-Key`` header, amounts, running a command.

Endpoints declare ``svc: ServicesDep`` and ``key: IdempotencyKey``; a domain error raised by a command or
a lookup here becomes an RFC 9457 problem document in :mod:`api.problems`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, Request, Response

from api.bootstrap import Services
from ledger.core.errors import InvalidInput, NotFound
from ledger.core.numbers import ascii_decimal


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


ServicesDep = Annotated[Services, Depends(services)]
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                       description="any unique token; the same key replays the result")]


def parse_decimal(text: str, field: str) -> Decimal:
    """A decimal from a request's text in ASCII digits; anything else (``"١٠"`` too, see
    :mod:`ledger.core.numbers`) is refused as invalid input naming ``field``."""
    try:
        return ascii_decimal(text)
    except ArithmeticError:
        raise InvalidInput(f"{text!r} is not a decimal number", field) from None


def money(cents: int) -> Decimal:
    """Cents as the view stores them, as an amount with two decimals.

    >>> money(12250), money(-5)
    (Decimal('122.50'), Decimal('-0.05'))
    """
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def run_command(svc: Services, command: object, key: str, response: Response) -> dict[str, Any]:
    """Execute ``command`` under the idempotency ``key``; say in a header whether the result is a replay."""
    result = svc.app.execute(command, key)
    response.headers["Idempotent-Replayed"] = "true" if result.pop("replayed") else "false"
    # Read your writes: the view is brought up to date before the command returns.
    svc.projections.catch_up()
    return result


def account_row(svc: Services, account_id: UUID) -> tuple[Any, ...]:
    """The account's row in the view; a missing account is a 404 naming ``account_id``."""
    row = svc.view.account(str(account_id))
    if row is None:
        raise NotFound(f"contract account {account_id} does not exist", "account_id")
    return row
