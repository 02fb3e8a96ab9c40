"""Test fixtures in the domain's language: a clerk who registers customers, bills and books payments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from typing import Any
from uuid import UUID

from api.bootstrap import Services
from ledger.accounts import commands as ac
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from ledger.payments import commands as pmt

_keys = count(1)


class Clock:
    """An injected clock the test moves by hand."""

    def __init__(self, today: date) -> None:
        self.today = today

    def __call__(self) -> date:
        return self.today

    def advance(self, days: int) -> None:
        self.today += timedelta(days=days)


def key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}"


def energy_line(amount: str, vat: str = "22", component: str = "energy") -> ac.LineInput:
    """One line whose net is exactly ``amount`` (quantity 1)."""
    return ac.LineInput(f"{component} charge", component, Decimal("1"), "lump", Decimal(amount), Decimal(vat))


@dataclass
class Clerk:
    services: Services
    clock: Clock

    def run(self, command: object, idempotency_key: str | None = None) -> dict[str, Any]:
        result = self.services.app.execute(command, idempotency_key or key())
        self.services.projections.catch_up()
        return result

    def customer(self, name: str = "Mario Rossi", terms_days: int = 20) -> UUID:
        """Register a partner with one contract account; return the account id."""
        partner = self.run(pc.RegisterPartner(name, PartnerKind.PERSON))
        account = self.run(ac.OpenContractAccount(UUID(partner["partner_id"]), f"{name} home",
                                                 payment_terms_days=terms_days))
        return UUID(account["account_id"])

    def bill(self, account: UUID, *nets: str, vat: str = "22", due: date | None = None) -> dict[str, Any]:
        lines = tuple(energy_line(n, vat) for n in nets)
        return self.run(ac.IssueInvoice(account, lines, self.clock.today, due))

    def pay(self, account: UUID, amount: str, *invoices: str) -> dict[str, Any]:
        return self.run(pmt.RecordPayment(account, Decimal(amount), self.clock.today,
                                        invoice_numbers=tuple(invoices)))

    def balance(self, account: UUID) -> tuple[Any, ...]:
        row = self.services.view.account(str(account))
        if row is None:
            raise AssertionError(f"account {account} is not in the view")
        return row

    def owes(self, account: UUID) -> Decimal:
        """Open items less credit, in euros, from the projection."""
        row = self.balance(account)
        return Decimal(row[4] - row[5]) / 100

    def open_amounts(self, account: UUID) -> dict[str, Decimal]:
        return {r[1]: Decimal(r[4]) / 100 for r in self.services.view.open_items(str(account))}
