"""The credit transfer (pain.001.001.09) that sends a refunded receipt back, re-created from its events.

Only a refund made is written: one to the IBAN the money came from, or one a second finance user approved.
A refund awaiting approval has no file.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import TYPE_CHECKING
from uuid import UUID

from importers.sepa.pain001 import Pain001File, Transfer, write_pain001
from importers.sepa.parties import PostalAddress, our_company
from ledger.core.errors import Conflict, NotFound
from ledger.payments.receipts import AWAITING_APPROVAL, SuspenseItem

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services

#: Files are stamped with the refund date at this time: the clock gives dates, files need a time.
FILE_TIME = time(6, 0, tzinfo=UTC)


def refund_file(svc: Services, suspense_id: UUID) -> Pain001File:
    item: SuspenseItem = svc.app.get(SuspenseItem, suspense_id, "suspended receipt", "suspense_id")
    if item.status == AWAITING_APPROVAL:  # only an approved refund is paid (four-eyes, issue 10)
        raise Conflict(f"the refund of receipt {suspense_id} awaits a second finance user's approval: no "
                       "transfer is written before it", "suspense_id")
    if item.refund_to is None:
        raise NotFound(f"receipt {suspense_id} has not been refunded", "suspense_id")
    name, iban, town, country, refunded_on = item.refund_to
    # Paid from the account the receipt was booked to: the journal's bank line names that IBAN.
    company = svc.app.companies.owning(item.bank_account) or svc.app.config
    debtor = our_company(company, item.bank_account)
    transfer = Transfer(
        f"RFD{item.id.hex[:24].upper()}",
        item.amount,
        refunded_on,
        name,
        iban,
        PostalAddress(town, country),
        f"Refund of your payment of {item.receipt.received_on.isoformat()}",
    )
    return write_pain001(
        debtor,
        [transfer],
        message_id=f"SALDO-RFD-{item.id.hex[:16]}",
        created_at=datetime.combine(refunded_on, FILE_TIME),
    )
