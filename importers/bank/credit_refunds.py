"""The credit transfer (pain.001.001.09) that pays a customer's credit on account back, re-created from the
refund's events (:mod:`ledger.accounts.credit_refunds`). Only an executed refund has a file."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from importers.bank.refunds import FILE_TIME
from importers.sepa.pain001 import Pain001File, Transfer, write_pain001
from importers.sepa.parties import PostalAddress, our_company
from ledger.accounts.credit_refunds import REFUNDED, CreditRefund
from ledger.core.errors import Conflict

if TYPE_CHECKING:
    from importers.ports import Services


def credit_refund_file(svc: Services, refund_id: UUID) -> Pain001File:
    refund: CreditRefund = svc.app.get(CreditRefund, refund_id, "credit refund", "refund_id")
    if refund.status != REFUNDED or refund.refunded_on is None or refund.from_iban is None:
        raise Conflict(f"credit refund {refund_id} is {refund.status}: only one executed has a transfer",
                       "refund_id")
    # Paid from the account the money came in on, by the company that holds it (issue 11: no demo values).
    company = svc.app.companies.owning(refund.from_iban) or svc.app.config
    debtor = our_company(company, refund.from_iban)
    payee = refund.payee
    transfer = Transfer(f"RFC{refund.id.hex[:24].upper()}", refund.amount, refund.refunded_on, payee.name,
                        payee.iban, PostalAddress(payee.town, payee.country),
                        "Refund of your credit on account")
    return write_pain001(debtor, [transfer], message_id=f"SALDO-RFC-{refund.id.hex[:16]}",
                         created_at=datetime.combine(refund.refunded_on, FILE_TIME))
