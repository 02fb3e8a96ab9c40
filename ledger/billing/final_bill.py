"""The end of a supply: final reading, contract ended (holder change or move-out), final bill, deposit.

An orchestration over four commands, each exactly once under a key derived from the caller's, so a crash
and a re-run finish what was begun and repeat nothing (rule 3):

1. the final reading (actual, or estimated by a clerk: :class:`~ledger.billing.readings.ReadingSource`),
   unless none is given (the run then estimates it, as for any missing read);
2. :class:`~ledger.accounts.life_commands.ChangeHolder` or :class:`~ledger.accounts.life_commands.MoveOut`;
3. a billing run of that contract alone, over the billing period that holds the end date: the ended
   contract's last period ends on that date, and the run's true-up check rebills any estimated period
   whose reads have since become actual (:mod:`ledger.billing.run`);
4. :class:`~ledger.accounts.life_commands.SettleDeposit` if the contract has a deposit: offset against the
   old account's open items (the final bill among them), the rest refunded (or kept as credit on account
   when no IBAN is given). The old account keeps every other open item and its dunning.

What a later step would refuse (an unknown new account, a wrong IBAN) is refused before the first step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.accounts import life_commands as lc
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract
from ledger.billing import commands as b
from ledger.billing.ports import BillingService
from ledger.billing.readings import ReadingSource
from ledger.billing.run import run_billing
from ledger.core.actor import SYSTEM, Actor
from ledger.core.errors import InvalidInput
from ledger.core.handling import Result
from ledger.parties.identifiers import InvalidIdentifier, validate_iban


@dataclass(frozen=True, slots=True)
class EndOfSupply:
    """What ends a supply, and what becomes of its deposit."""

    contract_id: UUID
    end_date: date
    new_account_id: UUID | None = None  # None: a move-out without successor
    final_index: Decimal | None = None
    final_source: ReadingSource = ReadingSource.ACTUAL
    refund_name: str = ""
    refund_iban: str = ""
    refund_town: str = ""
    refund_country: str = "IT"


def _check(app: BillingService, end: EndOfSupply) -> None:
    """Refuse what a later step would refuse, before the first one writes anything (rule 5)."""
    if end.new_account_id is not None:
        app.get(ContractAccount, end.new_account_id, "contract account", "new_account_id")
    if end.refund_iban.strip():
        try:
            validate_iban(end.refund_iban)
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), "refund_iban") from e
        if not end.refund_name.strip():
            raise InvalidInput("a refund needs the payee's name", "refund_name")


def end_supply(app: BillingService, end: EndOfSupply, key: str, actor: Actor = SYSTEM) -> Result:
    """Run the end of a supply under idempotency ``key``; see the module docstring."""
    contract = app.get(Contract, end.contract_id, "contract", "contract_id")
    _check(app, end)
    result: Result = {"ended_contract_id": str(contract.id)}
    if end.final_index is not None:
        final = b.RecordReading(contract.supply_point.id, end.end_date, end.final_index, end.final_source,
                                note="final reading")
        reading = app.execute(final, f"{key}:reading", actor)
        result["final_reading_id"] = reading["reading_id"]
    if end.new_account_id is not None:
        changed = app.execute(lc.ChangeHolder(contract.id, end.end_date, end.new_account_id),
                              f"{key}:change", actor)
        result["contract_id"] = changed["contract_id"]
    else:
        app.execute(lc.MoveOut(contract.id, end.end_date), f"{key}:move-out", actor)
    months = contract.frequency_on(end.end_date).months  # the frequency in force when it ends
    index = end.end_date.year * 12 + end.end_date.month - 1
    index -= index % months
    period_start = date(index // 12, index % 12 + 1, 1)
    report = run_billing(app, period_start, end.end_date, contracts=(contract.id,), actor=actor)
    result["final_bill"] = {"invoices": report.invoices, "credit_notes": report.credit_notes,
                            "errors": report.errors}
    account = app.get(ContractAccount, contract.account_id, "contract account", "account_id")
    if account.deposit_for(str(contract.id)) is not None:
        result["deposit"] = app.execute(
            lc.SettleDeposit(contract.id, end.end_date, end.refund_name, end.refund_iban, end.refund_town,
                             end.refund_country), f"{key}:deposit", actor)
    return result
