"""Which accounts a statement on a company's IBAN may pay (issue 11): only that company's."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.accounts.account import ContractAccount

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services


def of_company(svc: Services, company: str | None) -> Callable[[str], bool]:
    """Whether an account (id as text) belongs to ``company``; any account if ``company`` is None.

    The view does not yet carry an account's company, so each account met is read once per batch (only
    when the installation has several companies).
    """
    if company is None:
        return lambda account: True
    seen: dict[str, bool] = {}

    def keep(account: str) -> bool:
        if account not in seen:
            found = svc.app.find(ContractAccount, UUID(account))
            seen[account] = found is not None and svc.app.company_of(found).code == company
        return seen[account]

    return keep


def company_code_of(svc: Services) -> Callable[[str], str | None]:
    """The code of the company an account (id as text) belongs to, None if there is no such account; each
    account is read once per batch (only for references the statement's company does not know)."""
    seen: dict[str, str | None] = {}

    def code(account: str) -> str | None:
        if account not in seen:
            found = svc.app.find(ContractAccount, UUID(account))
            seen[account] = None if found is None else svc.app.company_of(found).code
        return seen[account]

    return code
