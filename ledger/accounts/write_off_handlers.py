"""Commands and handlers of write-offs (issue 11 item 5; the booking rules are in
:mod:`ledger.accounts.write_offs`).

Writing money off is finance's decision: the handlers refuse any other actor (``ws.actor()``), whatever
route or command line sent the command, because the access table guards only HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.accounts.write_offs import WriteOffState, note_text, write_off_reason
from ledger.core.actor import Actor, Role
from ledger.core.errors import InvalidInput, NotPermitted
from ledger.core.handling import Capability, Handled, handles
from ledger.core.ids import child_id
from ledger.parties.company import CompanyConfig


@dataclass(frozen=True, slots=True)
class WriteOff:
    """Write off ``invoice_numbers`` of the account (none named: every open item, its balance) for
    ``reason`` (:class:`~ledger.accounts.write_offs.WriteOffReason`), on ``on`` (default today)."""

    account_id: UUID
    reason: str
    invoice_numbers: tuple[str, ...] = ()
    note: str = ""
    on: date | None = None


@dataclass(frozen=True, slots=True)
class ReverseWriteOff:
    """Reopen the items write-off ``write_off_id`` closed; ``reason`` says why (recorded with the actor)."""

    account_id: UUID
    write_off_id: str
    reason: str
    on: date | None = None


def write_off_dict(account: ContractAccount, state: WriteOffState) -> dict[str, Any]:
    return {"account_id": str(account.id), "write_off_id": state.write_off_id, "reason": state.reason,
            "written_off_on": state.written_off_on.isoformat(), "amount": str(state.amount),
            "invoices": list(state.documents),
            "reversed_on": None if state.reversed_on is None else state.reversed_on.isoformat(),
            "balance": str(account.balance)}


def finance_only(actor: Actor, what: str) -> None:
    """Refuse anyone but a finance ``actor``: write-offs move money in bulk (issue 11 item 5)."""
    if actor.role is not Role.FINANCE:
        raise NotPermitted(f"only finance may {what}; {actor.subject} is "
                           f"{'no role' if actor.role is None else actor.role.value}")


class WriteOffHandlers(Capability[CompanyConfig]):

    def _day(self, on: date | None) -> date:
        today: date = self.today()
        day = today if on is None else on
        if day > today:
            raise InvalidInput("a write-off is not booked on a future day", "on")
        return day

    @handles(WriteOff)
    def write_off(self, cmd: WriteOff, rid: UUID) -> Handled:
        finance_only(self.actor(), "write off receivables")
        reason = write_off_reason(cmd.reason)
        note = note_text(cmd.note)
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if cmd.invoice_numbers:
            item_ids = [account.item_by_number(n.strip()).item_id for n in cmd.invoice_numbers]
        else:
            item_ids = [i.item_id for i in account.open_items() if i.is_open]
        state = account.write_off_items(child_id(rid, "write-off").hex, item_ids, reason, note,
                                        self._day(cmd.on))
        return [account], write_off_dict(account, state)

    @handles(ReverseWriteOff)
    def reverse_write_off(self, cmd: ReverseWriteOff, rid: UUID) -> Handled:
        finance_only(self.actor(), "reverse a write-off")
        note = note_text(cmd.reason, "reason")
        if not note:
            raise InvalidInput("say why the write-off is reversed", "reason")
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        state = account.reverse_write_off(cmd.write_off_id.strip(), note, self._day(cmd.on))
        return [account], write_off_dict(account, state)
