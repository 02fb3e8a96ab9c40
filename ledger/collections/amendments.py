"""Mandate amendments: what changed since the last collection, sent once with the next one.

The next collection carries ``AmdmntInd=true`` and the original values in ``AmdmntInfDtls`` (EPC SDD
Core Rulebook AT-24 and the implementation guidelines,
https://www.europeanpaymentscouncil.eu/what-we-do/epc-payment-schemes/sepa-direct-debit/sdd-rulebooks):
the old UMR, the old creditor identifier, the old IBAN when the debtor stays with the same bank, or
``SMNDA`` ("same mandate, new debtor agent") when they moved to another bank.
:func:`ledger.collections.mandate.record_collection` drops the amendment once a collection carrying it has
reached the debtor's bank.

>>> from datetime import date
>>> from ledger.collections.mandate import CollectionOutcome, record_collection, validate_mandate
>>> m = validate_mandate("UMR-0001", "CORE", date(2024, 3, 1), "Mario Rossi", "IT60X0542811101000000123456")
>>> used = record_collection(m, date(2024, 4, 1), CollectionOutcome.SETTLED)
>>> change_iban(used, "ES91 2100 0418 4502 0005 1332").pending_amendment
MandateAmendment(original_reference=None, original_creditor_id=None, original_iban=None, other_bank=True)
"""

from __future__ import annotations

from dataclasses import replace

from schwifty import IBAN

from ledger.collections.mandate import (
    Mandate,
    MandateAmendment,
    validate_bic,
    validate_creditor_id,
    validate_iban,
    validate_reference,
)


def _same_bank(first: str, second: str) -> bool:
    a, b = IBAN(first), IBAN(second)
    return bool(a.country_code == b.country_code and a.bank_code == b.bank_code)


def _amendment(mandate: Mandate) -> MandateAmendment:
    return mandate.pending_amendment or MandateAmendment()


def _pending(amendment: MandateAmendment) -> MandateAmendment | None:
    return None if amendment.is_empty else amendment


def change_iban(mandate: Mandate, new_iban: str, new_bic: str | None = None) -> Mandate:
    """The mandate collecting from ``new_iban``, with the amendment the next collection must carry.

    The amendment is measured against the IBAN last collected from, so changing twice before a
    collection reports the first original, and changing back cancels it. A mandate never collected
    needs no amendment: its first collection simply carries the new IBAN.
    """
    iban = validate_iban(new_iban, "new_iban")
    bic = None if new_bic in (None, "") else validate_bic(new_bic, "new_bic")
    if iban == mandate.debtor_iban:
        return replace(mandate, debtor_bic=bic or mandate.debtor_bic)
    base = mandate.collected_iban or (mandate.debtor_iban if mandate.last_collection_on else None)
    amendment = _amendment(mandate)
    if base is None or base == iban:
        amendment = replace(amendment, original_iban=None, other_bank=False)
    elif _same_bank(base, iban):
        amendment = replace(amendment, original_iban=base, other_bank=False)
    else:
        amendment = replace(amendment, original_iban=None, other_bank=True)
    return replace(mandate, debtor_iban=iban, debtor_bic=bic, collected_iban=base,
                   pending_amendment=_pending(amendment))


def change_reference(mandate: Mandate, new_reference: str) -> Mandate:
    """The mandate under a new UMR; the next collection reports the old one (``OrgnlMndtId``)."""
    reference = validate_reference(new_reference, "new_reference")
    if reference == mandate.reference:
        return mandate
    if mandate.last_collection_on is None:
        return replace(mandate, reference=reference)
    amendment = _amendment(mandate)
    original = amendment.original_reference or mandate.reference
    amendment = replace(amendment, original_reference=None if original == reference else original)
    return replace(mandate, reference=reference, pending_amendment=_pending(amendment))


def change_creditor_id(mandate: Mandate, original_creditor_id: str) -> Mandate:
    """Record that our creditor identifier changed (e.g. after a merger): ``OrgnlCdtrSchmeId``."""
    original = validate_creditor_id(original_creditor_id, "original_creditor_id")
    amendment = _amendment(mandate)
    if mandate.last_collection_on is None or amendment.original_creditor_id:
        return mandate
    return replace(mandate, pending_amendment=replace(amendment, original_creditor_id=original))
