"""Write a SEPA credit-transfer file for refunds to customers, pain.001.001.09, with sepaxml.

The same discipline as :mod:`importers.sepa.pain008`: inputs are checked first (positive whole-cent
EUR amounts, SEPA identifiers, valid IBANs/BICs, structured or hybrid payee address), sepaxml writes
the file batched by execution date, lxml sets our message id, creation time and ``PmtInfId``
(``TRF-<date>``) and completes a missing debtor-agent BIC with ``Othr/Id NOTPROVIDED``, and the final
bytes are validated against sepaxml's ``pain.001.001.09.xsd``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sepaxml import SepaTransfer

import importers.sepa._tree as _tree
import importers.sepa._xsd as _xsd
from importers.sepa.parties import (
    Company,
    PostalAddress,
    amount_cents,
    check_address,
    check_currency,
    check_items,
    check_message_id,
    check_not_before,
    company_config,
)
from ledger.collections.mandate import validate_bic, validate_iban
from ledger.collections.text import check_identifier, check_text
from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO

SCHEMA = "pain.001.001.09"


@dataclass(frozen=True, slots=True)
class Transfer:
    """One refund: ``end_to_end_id`` is ours and comes back on the payee's statement."""

    end_to_end_id: str
    amount: Decimal
    execution_date: date
    creditor_name: str
    creditor_iban: str
    creditor_address: PostalAddress | None
    remittance_text: str
    creditor_bic: str | None = None
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Pain001File:
    content: bytes
    message_id: str
    payment_information_ids: tuple[str, ...]
    number_of_transactions: int
    control_sum: Decimal


def _check_debtor(debtor: Company) -> dict[str, Any]:
    return company_config(debtor, "debtor")


def _check_transfer(item: Transfer, at: str, created_on: date) -> dict[str, Any]:
    check_currency(item.currency, f"{at}.currency")
    payment: dict[str, Any] = {
        "name": check_text(item.creditor_name, f"{at}.creditor_name", 70),
        "IBAN": validate_iban(item.creditor_iban, f"{at}.creditor_iban"),
        "amount": amount_cents(item.amount, f"{at}.amount"),
        "execution_date": check_not_before(item.execution_date, created_on, f"{at}.execution_date"),
        "description": check_text(item.remittance_text, f"{at}.remittance_text", 140),
        "endtoend_id": check_identifier(item.end_to_end_id, f"{at}.end_to_end_id"),
        "address": check_address(item.creditor_address, f"{at}.creditor_address"),
    }
    if item.creditor_bic:
        payment["BIC"] = validate_bic(item.creditor_bic, f"{at}.creditor_bic")
    return payment


def write_pain001(debtor: Company, transfers: Sequence[Transfer], *, message_id: str,
                  created_at: datetime) -> Pain001File:
    """Check, write, complete and XSD-validate a pain.001.001.09 refund file."""
    check_message_id(message_id, created_at)
    if not transfers:
        raise InvalidInput("a transfer file needs at least one transfer", "transfers")
    config = _check_debtor(debtor)
    checked = check_items(transfers, "transfers",
                          lambda item, at: _check_transfer(item, at, created_at.date()))
    checked.sort(key=lambda pair: pair[0].execution_date)  # batches in date order, stable within a day

    writer = SepaTransfer(config, schema=SCHEMA, clean=True)
    for _, payment in checked:
        writer.add_payment(payment)
    tree = _tree.Tree(writer.export(validate=False))
    tree.set_header(message_id, created_at)
    days = sorted({item.execution_date for item, _ in checked})
    ids = tuple(f"TRF-{day.isoformat()}" for day in days)
    _tree.renumber_payment_information(tree, "CstmrCdtTrfInitn", ids)
    for block in tree.findall(tree.root, "CstmrCdtTrfInitn/PmtInf"):
        institution = tree.get(block, "DbtrAgt/FinInstnId")
        if not len(institution):  # no BIC given: say so explicitly, as pain.008 does
            tree.chain(institution, "Othr/Id", "NOTPROVIDED")
    content = tree.bytes()
    _xsd.validate(content, SCHEMA)
    return Pain001File(content, message_id, ids, len(transfers),
                       sum((item.amount for item in transfers), ZERO))
