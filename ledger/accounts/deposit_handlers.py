"""The commands of security deposits (:mod:`ledger.accounts.deposits`): bill one on its own, require one
with a contract's first invoice (the billing run bills it), settle it, or move it to the new holder.

A base of :class:`ledger.accounts.holder_change.LifeHandlers`: a deposit is part of a customer's life at a
supply point, and its handlers share the life's text rule.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from ledger.accounts import life_commands as lc
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract, DepositRequirement
from ledger.accounts.deposits import DepositPayee, DepositRule, required_deposit
from ledger.accounts.handlers import issue_reference
from ledger.accounts.invoice import document_id
from ledger.accounts.terms import PaymentMethod
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.handling import Capability, Handled, handles
from ledger.parties.company import CompanyConfig, company_of
from ledger.parties.identifiers import InvalidIdentifier, validate_iban

#: Longest free text (reasons, names, a consent) these commands take.
MAX_TEXT = 200


def text(value: str, field: str) -> str:
    cleaned = value.strip()
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"at most {MAX_TEXT} characters", field)
    return cleaned


class DepositHandlers(Capability[CompanyConfig]):
    def _required(self, contract: Contract, account: ContractAccount, customer_kind: str,
                  size: Decimal) -> tuple[Decimal, DepositRule | None, str]:
        """The amount the company's rule asks, its rule, and why it is zero when it is."""
        kind = text(customer_kind, "customer_kind")
        direct_debit = account.payment_method is PaymentMethod.DIRECT_DEBIT or account.mandate is not None
        rules = company_of(self.ws, account).deposit_rules  # the account's company's rules (issue 11)
        amount, rule = required_deposit(rules, contract.commodity.value, kind, size, direct_debit)
        why = "" if amount else "waived with direct debit" if rule is not None else "no deposit rule fits"
        return amount, rule, why

    def _bill(self, contract: Contract, account: ContractAccount, amount: Decimal, rule: DepositRule | None,
              issue_date: date, due_date: date | None) -> Handled:
        due = due_date or issue_date + timedelta(days=account.payment_terms_days)
        number = f"DEP-{contract.id.hex[:12].upper()}"
        company = company_of(self.ws, account)  # the account's company's scheme and prefix (issue 11)
        references, reference = issue_reference(self.ws, company.reference_scheme, number, drawn=False,
                                                prefix=company.reference_prefix)
        account.bill_deposit(str(contract.id), document_id(number).hex, number, amount, issue_date, due,
                             reference, rule.annual_interest_percent if rule else Decimal(0))
        return [*references, account], {"amount": str(amount), "number": number,
                                        "payment_reference": reference, "due_date": due.isoformat()}

    @handles(lc.BillDeposit)
    def bill_deposit(self, cmd: lc.BillDeposit, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        account = self.get(ContractAccount, contract.account_id, "contract account", "account_id")
        amount, rule, why = self._required(contract, account, cmd.customer_kind, cmd.size)
        if amount == 0:
            return [], {"amount": "0.00", "waived": why}
        return self._bill(contract, account, amount, rule, cmd.issue_date or self.today(), cmd.due_date)

    @handles(lc.RequireDeposit)
    def require_deposit(self, cmd: lc.RequireDeposit, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        account = self.get(ContractAccount, contract.account_id, "contract account", "account_id")
        if account.deposit_for(str(contract.id)) is not None:
            raise Conflict(f"contract {contract.id} has a deposit already", "contract_id")
        amount, _, why = self._required(contract, account, cmd.customer_kind, cmd.size)
        if amount == 0:
            return [], {"amount": "0.00", "waived": why}
        kind = text(cmd.customer_kind, "customer_kind")
        contract.require_deposit(DepositRequirement(kind, cmd.size, amount))
        return [contract], {"amount": str(amount), "with_first_invoice": True}

    @handles(lc.BillRequiredDeposit)
    def bill_required_deposit(self, cmd: lc.BillRequiredDeposit, rid: UUID) -> Handled:
        # Never refused for what the run cannot change (billed already, waived since): a refusal here would
        # mark its invoice refused in the run's record while the invoice itself is issued.
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        account = self.get(ContractAccount, contract.account_id, "contract account", "account_id")
        wanted = contract.deposit_requirement
        if wanted is None or account.deposit_for(str(contract.id)) is not None:
            return [], {"amount": "0.00", "billed": "none required, or billed already"}
        amount, rule, why = self._required(contract, account, wanted.customer_kind, wanted.size)
        if amount == 0:
            return [], {"amount": "0.00", "waived": why}
        return self._bill(contract, account, amount, rule, cmd.issue_date, None)

    @handles(lc.SettleDeposit)
    def settle_deposit(self, cmd: lc.SettleDeposit, rid: UUID) -> Handled:
        contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        account = self.get(ContractAccount, contract.account_id, "contract account", "account_id")
        payee = None
        if cmd.refund_iban.strip():
            try:
                iban = validate_iban(cmd.refund_iban)
            except InvalidIdentifier as e:
                raise InvalidInput(str(e), "refund_iban") from e
            name = text(cmd.refund_name, "refund_name")
            if not name:
                raise InvalidInput("a refund needs the payee's name", "refund_name")
            payee = DepositPayee(name, iban, text(cmd.refund_town, "refund_town"),
                                 text(cmd.refund_country, "refund_country").upper() or "IT")
        # Paid back from the account company's refund account: the one its pain.001 names
        # (importers/bank/deposit_refunds.py); the collection account when it has none.
        interest, refunded = account.settle_deposit(str(contract.id), cmd.settled_on, payee,
                                                    company_of(self.ws, account).refunds_account)
        return [account], {"settled_on": cmd.settled_on.isoformat(), "interest": str(interest),
                           "refunded": str(refunded)}

    @handles(lc.MoveDeposit)
    def move_deposit(self, cmd: lc.MoveDeposit, rid: UUID) -> Handled:
        old = self.get(Contract, cmd.contract_id, "contract", "contract_id")
        new = self.get(Contract, cmd.new_contract_id, "contract", "new_contract_id")
        consent = text(cmd.consent, "deposit_consent")
        if not consent:
            raise InvalidInput("a deposit moves to the new holder only with the old holder's consent",
                               "deposit_consent")
        if new.supply_point != old.supply_point or new.account_id == old.account_id:
            raise InvalidInput("a deposit moves only to the next holder of the same supply point",
                               "new_contract_id")
        source = self.get(ContractAccount, old.account_id, "contract account", "account_id")
        target = self.get(ContractAccount, new.account_id, "contract account", "new_account_id")
        amount = source.move_deposit_out(str(old.id), target, str(new.id), target.key, cmd.moved_on, consent)
        return [source, target], {"moved": str(amount), "to_contract_id": str(new.id),
                                  "moved_on": cmd.moved_on.isoformat()}
