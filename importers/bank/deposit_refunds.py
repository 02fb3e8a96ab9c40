"""The credit transfer (pain.001.001.09) that returns the rest of a settled security deposit, re-created from
the account's events (:mod:`ledger.accounts.deposits`), like :mod:`importers.bank.refunds` for receipts."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from importers.bank.refunds import FILE_TIME
from importers.sepa.pain001 import Pain001File, Transfer, write_pain001
from importers.sepa.parties import PostalAddress, our_company
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract
from ledger.core.errors import NotFound

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services


def deposit_refund_file(svc: Services, contract_id: UUID) -> Pain001File:
    """The transfer of a contract's refunded deposit; NotFound while nothing of it was refunded."""
    contract: Contract = svc.app.get(Contract, contract_id, "contract", "contract_id")
    account: ContractAccount = svc.app.get(ContractAccount, contract.account_id, "contract account",
                                           "account_id")
    held = account.deposit_for(str(contract.id))
    if held is None or held.settled_on is None or held.payee is None or held.refunded <= 0:
        raise NotFound(f"no deposit of contract {contract_id} has been refunded", "contract_id")
    company = svc.app.company_of(account)  # the account's company pays it back, from its refund account
    debtor = our_company(company, company.refund_account or company.bank_account)
    payee = held.payee
    transfer = Transfer(f"DEP{contract.id.hex[:24].upper()}", held.refunded, held.settled_on, payee.name,
                        payee.iban, PostalAddress(payee.town or "-", payee.country),
                        f"Refund of security deposit {held.number}")
    return write_pain001(debtor, [transfer], message_id=f"SALDO-DEP-{contract.id.hex[:16]}",
                         created_at=datetime.combine(held.settled_on, FILE_TIME))
