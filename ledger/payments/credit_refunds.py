"""Commands and handlers of refunds of credit on account (:mod:`ledger.accounts.credit_refunds`).

Finance only, at every step; the four-eyes rule of issue 10's suspense refunds: a refund to an IBAN that
is not the account's mandate's nor its last payer's needs a second finance user's approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.accounts.credit_refunds import AWAITING_APPROVAL, CreditRefund, Payee
from ledger.accounts.write_off_handlers import finance_only
from ledger.accounts.write_offs import note_text
from ledger.core.errors import InvalidInput, NotPermitted
from ledger.core.handling import Capability, Handled, handles
from ledger.core.ids import child_id
from ledger.parties.company import CompanyConfig, company_of
from ledger.parties.identifiers import InvalidIdentifier, validate_iban


@dataclass(frozen=True, slots=True)
class RequestCreditRefund:
    """Propose refunding ``amount`` (None: all the credit on account) to ``to_iban``."""

    account_id: UUID
    to_iban: str
    to_name: str
    to_town: str
    to_country: str
    reason: str
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ApproveCreditRefund:
    refund_id: UUID
    note: str = ""


@dataclass(frozen=True, slots=True)
class RejectCreditRefund:
    refund_id: UUID
    reason: str


@dataclass(frozen=True, slots=True)
class ExecuteCreditRefund:
    refund_id: UUID


def refund_dict(refund: CreditRefund) -> dict[str, Any]:
    return {"refund_id": str(refund.id), "account_id": str(refund.account_id), "status": refund.status,
            "amount": str(refund.amount), "to_iban": refund.payee.iban, "requested_by": refund.requested_by,
            "approved_by": refund.approved_by, "own_iban": refund.own_iban,
            "refunded_on": None if refund.refunded_on is None else refund.refunded_on.isoformat()}


def own_ibans(ws: Capability[CompanyConfig], account: ContractAccount) -> set[str]:
    """The IBANs money of this account came from: its mandate's, and its last payer's."""
    ibans = set()
    if account.mandate is not None:
        ibans.add(account.mandate.debtor_iban)
    for e in reversed(ws.ws.events_after(account.id, 0)):
        payer = getattr(e, "payer_iban", None)
        if isinstance(e, ContractAccount.PaymentReceived) and payer:
            ibans.add("".join(payer.split()).upper())
            break
    return ibans


class CreditRefundHandlers(Capability[CompanyConfig]):
    @handles(RequestCreditRefund)
    def request(self, cmd: RequestCreditRefund, rid: UUID) -> Handled:
        actor = self.actor()
        finance_only(actor, "refund credit on account")
        reason = note_text(cmd.reason, "reason")
        if not reason:
            raise InvalidInput("a refund needs a reason", "reason")
        try:
            to_iban = validate_iban(cmd.to_iban)
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), "to_iban") from e
        if not cmd.to_name.strip() or not cmd.to_town.strip() or len(cmd.to_country.strip()) != 2:
            raise InvalidInput("a refund needs the payee's name, town and 2-letter country", "to_town")
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        amount = account.credit if cmd.amount is None else cmd.amount
        if amount <= 0 or amount.as_tuple().exponent < -2:  # type: ignore[operator]
            raise InvalidInput(f"{amount} is not an amount to refund", "amount")
        if amount > account.credit:
            raise InvalidInput(f"the account holds {account.credit} of credit, less than {amount}", "amount")
        payee = Payee(to_iban, cmd.to_name.strip(), cmd.to_town.strip(), cmd.to_country.strip().upper())
        refund = CreditRefund(child_id(rid, "credit-refund"), account.id, amount, payee, reason, self.today(),
                              actor.subject, to_iban in own_ibans(self, account))
        return [refund], refund_dict(refund)

    @handles(ApproveCreditRefund)
    def approve(self, cmd: ApproveCreditRefund, rid: UUID) -> Handled:
        """Four-eyes: a finance user, not the one who asked, approves a refund to another IBAN."""
        refund = self.get(CreditRefund, cmd.refund_id, "credit refund", "refund_id")
        actor = self.actor()
        if refund.status == AWAITING_APPROVAL and (
                actor.role is None or actor.subject.casefold() == refund.requested_by.casefold()):
            raise NotPermitted(f"the refund {refund.id} to {refund.payee.iban} was requested by "
                               f"{refund.requested_by}: a second finance user must approve it, not "
                               f"{actor.subject}")
        finance_only(actor, "approve a refund")
        refund.approve(actor.subject, self.today(), note_text(cmd.note))
        return [refund], refund_dict(refund)

    @handles(RejectCreditRefund)
    def reject(self, cmd: RejectCreditRefund, rid: UUID) -> Handled:
        actor = self.actor()
        finance_only(actor, "reject a refund")
        reason = note_text(cmd.reason, "reason")
        if not reason:
            raise InvalidInput("say why the refund is rejected", "reason")
        refund = self.get(CreditRefund, cmd.refund_id, "credit refund", "refund_id")
        refund.reject(actor.subject, self.today(), reason)
        return [refund], refund_dict(refund)

    @handles(ExecuteCreditRefund)
    def execute(self, cmd: ExecuteCreditRefund, rid: UUID) -> Handled:
        finance_only(self.actor(), "pay out a refund")
        refund = self.get(CreditRefund, cmd.refund_id, "credit refund", "refund_id")
        account = self.get(ContractAccount, refund.account_id, "contract account", "refund_id")
        # Paid from the account's company (issue 11): its refund account, else its collection account.
        from_iban = company_of(self.ws, account).refunds_account
        refund.executed(self.today(), from_iban)
        account.refund_credit(f"RFC-{refund.id.hex[:12].upper()}", refund.amount, refund.payee.iban,
                              from_iban, self.today())
        return [refund, account], refund_dict(refund)
