"""What the dunning-flow tests share: a direct-debit customer, ledger totals by GL account, a daily run."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from api.dunning_run import run_dunning
from api.routes.dunning import dunning_state
from api.schemas.dunning import DunningStateOut
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.collections import commands as d
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk, key

IBAN = "IT60X0542811101000000123456"


def do(clerk: Clerk, command: object, idempotency_key: str | None = None) -> dict[str, Any]:
    """Run any command (dunning's, direct debit's, the ledger's) as the clerk does, and catch the view up."""
    result = clerk.services.app.execute(command, idempotency_key or key("dun"))
    clerk.services.projections.catch_up()
    return result


def customer(clerk: Clerk, name: str, terms_days: int = 10, kind: PartnerKind = PartnerKind.PERSON) -> UUID:
    """A partner with a postal address (pain.008 needs one) and one contract account."""
    address = PostalAddress("Via Roma 1", "98122", "Messina", "IT")
    partner = do(clerk, pc.RegisterPartner(name, kind, address=address))
    account = do(clerk, ac.OpenContractAccount(UUID(partner["partner_id"]), f"{name} home",
                                              payment_terms_days=terms_days))
    return UUID(account["account_id"])


def dd_customer(clerk: Clerk, name: str, umr: str) -> UUID:
    account = customer(clerk, name)
    do(clerk, d.RegisterMandate(account, umr, date(2026, 1, 15), name, IBAN))
    return account


def account_of(clerk: Clerk, account_id: UUID) -> ContractAccount:
    account: ContractAccount = clerk.services.app.get(ContractAccount, account_id, "account", "account_id")
    return account


def gl(clerk: Clerk, account: UUID, gl_account: str) -> int:
    """Debits less credits on ``gl_account`` for the account's sub-ledger lines, in cents."""
    return sum(r[9] - r[10] for r in clerk.services.view.journal(0, 1_000_000)
               if r[7] == str(account) and r[8] == gl_account)


def postings_of(clerk: Clerk, account: UUID, event_type: str) -> list[tuple[str, int, int]]:
    """(GL account, debit cents, credit cents) of the last event of ``event_type`` on the account."""
    rows = [r for r in clerk.services.view.journal(0, 1_000_000)
            if r[7] == str(account) and r[5] == event_type]
    if not rows:
        return []
    last = max(r[1] for r in rows)
    return sorted((r[8], r[9], r[10]) for r in rows if r[1] == last)


def dun(clerk: Clerk, execute: bool = True) -> dict[str, Any]:
    """The daily run on the clerk's today; the parts' results added up."""
    results = run_dunning(clerk.services, clerk.clock.today, execute)
    total: dict[str, Any] = {"runs": [r["run_id"] for r in results], "by_level": {}}
    for name in ("steps", "plans_cancelled", "plans_completed", "skipped", "problems"):
        total[name] = sum(r[name] for r in results)
    total["locked"] = sum(r.get("locked", 0) for r in results)
    for r in results:
        for level, n in r["by_level"].items():
            total["by_level"][level] = total["by_level"].get(level, 0) + n
    return total


def state(clerk: Clerk, account: UUID) -> DunningStateOut:
    return dunning_state(clerk.services, account)


def cents_of(clerk: Clerk, account: UUID) -> dict[str, int]:
    """Open cents by document number, from the view."""
    return {r[1]: r[4] for r in clerk.services.view.open_items(str(account))}
