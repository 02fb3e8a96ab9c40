"""Write a SEPA direct-debit collection file, pain.008.001.08, with sepaxml and our own checks.

sepaxml (2.7) builds the message; Saldo wraps it because sepaxml accepts zero and negative
amounts, has no structured creditor reference, no mandate amendment fields and random message and
payment-information ids. So:

1. every input is checked first (:class:`~ledger.core.errors.InvalidInput` naming ``collections[i].field``):
   positive whole-cent EUR amounts, SEPA identifiers, valid IBAN/BIC/creditor id, an RF reference
   with valid check digits, and a structured or hybrid debtor address (town + country at least);
2. sepaxml writes the file, batched by sequence type and collection date (one ``PmtInf`` each);
3. lxml sets our message id, creation time and ``PmtInfId`` (``<SeqTp>-<date>``, unique within the
   message, :mod:`importers.sepa.keys`), the end-to-end ids are the ones given (the key for matching
   returns), and the RF reference (``RmtInf/Strd/CdtrRefInf``) and amendment details are inserted
   where the XSD wants them;
4. the final bytes are validated against sepaxml's ``pain.008.001.08.xsd``; failure raises
   :class:`~importers.sepa.errors.SepaSchemaError` and nothing is returned.

The same inputs give byte-identical files (no clock, no randomness), which auditors can re-create.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sepaxml import SepaDD

import importers.sepa._tree as _tree
import importers.sepa._xsd as _xsd
from importers.sepa.keys import payment_information_id
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
from ledger.accounts.references import rf
from ledger.collections.mandate import (
    MandateAmendment,
    Scheme,
    validate_bic,
    validate_creditor_id,
    validate_iban,
    validate_reference,
)
from ledger.collections.text import check_identifier, check_text
from ledger.core.errors import InvalidInput
from ledger.core.money import ZERO

SCHEMA = "pain.008.001.08"
SEQUENCE_TYPES = ("FRST", "RCUR", "OOFF", "FNAL")


@dataclass(frozen=True, slots=True)
class Collection:
    """One direct debit to collect. ``end_to_end_id`` is ours: returns are matched on it."""

    end_to_end_id: str
    amount: Decimal
    collection_date: date
    sequence_type: str
    mandate_id: str
    mandate_signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_address: PostalAddress | None
    debtor_bic: str | None = None
    remittance_text: str | None = None
    creditor_reference: str | None = None
    amendment: MandateAmendment | None = None
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Batch:
    """One ``PmtInf`` block: collections sharing a sequence type and a collection date."""

    payment_information_id: str
    sequence_type: str
    collection_date: date
    end_to_end_ids: tuple[str, ...]
    control_sum: Decimal


@dataclass(frozen=True, slots=True)
class Pain008File:
    content: bytes
    message_id: str
    batches: tuple[Batch, ...]
    number_of_transactions: int
    control_sum: Decimal


def _check_creditor(creditor: Company) -> dict[str, Any]:
    if creditor.creditor_id is None:
        raise InvalidInput("creditor.creditor_id is required for direct debits", "creditor.creditor_id")
    config = company_config(creditor, "creditor")
    config["creditor_id"] = validate_creditor_id(creditor.creditor_id, "creditor.creditor_id")
    return config


def _check_collection(item: Collection, at: str, created_on: date) -> dict[str, Any]:
    if item.sequence_type not in SEQUENCE_TYPES:
        raise InvalidInput(f"{at}.sequence_type must be one of {SEQUENCE_TYPES}", f"{at}.sequence_type")
    if item.remittance_text and item.creditor_reference:
        raise InvalidInput(f"{at}: give remittance_text or creditor_reference, not both (SEPA carries "
                           "either unstructured or structured remittance)", f"{at}.creditor_reference")
    if item.creditor_reference is not None and not rf.is_valid(item.creditor_reference):
        raise InvalidInput(f"{at}.creditor_reference is not a valid RF creditor reference (ISO 11649)",
                           f"{at}.creditor_reference")
    check_currency(item.currency, f"{at}.currency")
    if item.mandate_signed_on > item.collection_date:
        raise InvalidInput(f"{at}.mandate_signed_on is after the collection date", f"{at}.mandate_signed_on")
    payment: dict[str, Any] = {
        "name": check_text(item.debtor_name, f"{at}.debtor_name", 70),
        "IBAN": validate_iban(item.debtor_iban, f"{at}.debtor_iban"),
        "amount": amount_cents(item.amount, f"{at}.amount"),
        "type": item.sequence_type,
        "collection_date": check_not_before(item.collection_date, created_on, f"{at}.collection_date"),
        "mandate_id": validate_reference(item.mandate_id, f"{at}.mandate_id"),
        "mandate_date": item.mandate_signed_on,
        "description": "" if item.remittance_text is None else check_text(
            item.remittance_text, f"{at}.remittance_text", 140),
        "endtoend_id": check_identifier(item.end_to_end_id, f"{at}.end_to_end_id"),
        "address": check_address(item.debtor_address, f"{at}.debtor_address"),
    }
    if item.debtor_bic:
        payment["BIC"] = validate_bic(item.debtor_bic, f"{at}.debtor_bic")
    return payment


def _batches(collections: Sequence[Collection]) -> tuple[Batch, ...]:
    groups: dict[tuple[str, date], list[Collection]] = {}
    for item in collections:
        groups.setdefault((item.sequence_type, item.collection_date), []).append(item)
    return tuple(
        Batch(payment_information_id(kind, day), kind, day, tuple(i.end_to_end_id for i in items),
              sum((i.amount for i in items), ZERO))
        for (kind, day), items in groups.items())


def write_pain008(creditor: Company, collections: Sequence[Collection], *, message_id: str,
                  created_at: datetime, scheme: Scheme | str = Scheme.CORE) -> Pain008File:
    """Check, write, complete and XSD-validate a pain.008.001.08 file (see the module docstring)."""
    check_message_id(message_id, created_at)
    try:
        instrument = Scheme(scheme).value
    except ValueError:
        raise InvalidInput(f"scheme must be CORE or B2B, got {scheme!r}", "scheme") from None
    if not collections:
        raise InvalidInput("a collection file needs at least one collection", "collections")
    config = _check_creditor(creditor)
    config["instrument"] = instrument
    checked = check_items(collections, "collections",
                          lambda item, at: _check_collection(item, at, created_at.date()))
    # Sorted (stably) so that batches, and the file, do not depend on the caller's order of dates.
    checked.sort(key=lambda pair: (pair[0].collection_date, SEQUENCE_TYPES.index(pair[0].sequence_type)))
    ordered = [item for item, _ in checked]

    writer = SepaDD(config, schema=SCHEMA, clean=True)
    for _, payment in checked:
        writer.add_payment(payment)
    tree = _tree.Tree(writer.export(validate=False))

    batches = _batches(ordered)
    tree.set_header(message_id, created_at)
    _tree.renumber_payment_information(tree, "CstmrDrctDbtInitn", (b.payment_information_id for b in batches))
    by_id = {item.end_to_end_id: item for item in collections}
    for transaction in tree.findall(tree.root, "CstmrDrctDbtInitn/PmtInf/DrctDbtTxInf"):
        item = by_id[tree.get(transaction, "PmtId/EndToEndId").text]
        reference = None if item.creditor_reference is None else rf.validate(item.creditor_reference)
        _tree.set_remittance(tree, transaction, item.remittance_text, reference)
        if item.amendment is not None and not item.amendment.is_empty:
            _tree.set_amendment(tree, transaction, item.amendment)
    content = tree.bytes()
    _xsd.validate(content, SCHEMA)
    return Pain008File(content, message_id, batches, len(collections),
                       sum((b.control_sum for b in batches), ZERO))
