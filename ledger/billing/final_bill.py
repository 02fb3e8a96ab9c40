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
   when no IBAN is given); or, on a holder change with ``move_deposit`` and the old holder's consent,
   :class:`~ledger.accounts.life_commands.MoveDeposit` to the new holder's contract (only a paid deposit
   moves; the final bill then stays open on the old account). The old account keeps every other open item
   and its dunning.

What a later step would refuse (an unknown new account, a wrong IBAN) is refused before the first step.

A rescission for want of regularisation (:func:`lapse_regularisations`) ends its contracts the same way,
from step 3: the final bill, then the deposit offset, its rest kept as credit on account.
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
    move_deposit: bool = False  # a holder change only: the deposit goes to the new holder
    deposit_consent: str = ""  # the old holder's consent to that, as recorded (required with it)


def _check(app: BillingService, end: EndOfSupply) -> None:
    """Refuse what a later step would refuse, before the first one writes anything (rule 5)."""
    if end.new_account_id is not None:
        app.get(ContractAccount, end.new_account_id, "contract account", "new_account_id")
    if end.move_deposit:
        if end.new_account_id is None:
            raise InvalidInput("a deposit moves only to a new holder", "move_deposit")
        if not end.deposit_consent.strip():
            raise InvalidInput("a deposit moves to the new holder only with the old holder's consent",
                               "deposit_consent")
        contract = app.get(Contract, end.contract_id, "contract", "contract_id")
        old = app.get(ContractAccount, contract.account_id, "contract account", "account_id")
        held = old.deposit_for(str(contract.id))
        if held is None or not held.moved_to:  # moved already: a re-run, which repeats nothing
            old.movable_deposit(str(contract.id))
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
    result["final_bill"] = _final_bill(app, contract, end.end_date, actor)
    account = app.get(ContractAccount, contract.account_id, "contract account", "account_id")
    if end.move_deposit and "contract_id" in result:
        result["deposit"] = app.execute(
            lc.MoveDeposit(contract.id, UUID(result["contract_id"]), end.end_date, end.deposit_consent),
            f"{key}:deposit-move", actor)
    elif account.deposit_for(str(contract.id)) is not None:
        result["deposit"] = app.execute(
            lc.SettleDeposit(contract.id, end.end_date, end.refund_name, end.refund_iban, end.refund_town,
                             end.refund_country), f"{key}:deposit", actor)
    return result


def _final_bill(app: BillingService, contract: Contract, end_date: date, actor: Actor) -> Result:
    """Bill the contract alone over the billing period that holds ``end_date`` (its last one ends there)."""
    months = contract.frequency_on(end_date).months  # the frequency in force when it ends
    index = end_date.year * 12 + end_date.month - 1
    index -= index % months
    period_start = date(index // 12, index % 12 + 1, 1)
    report = run_billing(app, period_start, end_date, contracts=(contract.id,), actor=actor)
    return {"invoices": report.invoices, "credit_notes": report.credit_notes, "errors": report.errors}


def lapse_regularisations(app: BillingService, as_of: date | None, key: str, actor: Actor = SYSTEM) -> Result:
    """Rescind the contracts whose holders were not regularised in time
    (:class:`~ledger.accounts.life_commands.LapseRegularisations`), then close each as a move-out would:
    its final period billed, its deposit offset against the account's open items, the rest kept as credit
    on account (no IBAN is known for a refund; finance refunds it later). Under ``key``, like
    :func:`end_supply`: a re-run finishes what was begun and repeats nothing."""
    result = app.execute(lc.LapseRegularisations(as_of), f"{key}:lapse", actor)
    closed: dict[str, Result] = {}
    for contract_id in result["ended_contracts"]:
        contract = app.get(Contract, UUID(contract_id), "contract", "contract_id")
        end_date = contract.end_date
        if end_date is None:  # pragma: no cover - the lapse has just ended it
            continue
        done: Result = {"final_bill": _final_bill(app, contract, end_date, actor)}
        account = app.get(ContractAccount, contract.account_id, "contract account", "account_id")
        held = account.deposit_for(contract_id)
        if held is not None and held.settled_on is None:
            done["deposit"] = app.execute(lc.SettleDeposit(contract.id, end_date),
                                          f"{key}:deposit:{contract_id}", actor)
            done["deposit"].pop("replayed", None)
        closed[contract_id] = done
    result["closed"] = closed
    return result
