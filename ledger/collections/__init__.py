"""SEPA direct debit in the domain: mandates, sequence types, return policy. No file formats here.

The files themselves (pain.008, pain.001, pain.002) are written and read in :mod:`importers.sepa`.
"""

from ledger.collections.amendments import change_creditor_id, change_iban, change_reference
from ledger.collections.mandate import (
    CollectionOutcome,
    CollectionRecord,
    Mandate,
    MandateAmendment,
    MandateStatus,
    Scheme,
    SequenceType,
    is_lapsed,
    is_usable,
    record_collection,
    revoke,
    sequence_type,
    validate_bic,
    validate_creditor_id,
    validate_iban,
    validate_mandate,
    validate_reference,
)
from ledger.collections.returns import (
    DEFAULT_POLICY,
    ReturnAction,
    ReturnCategory,
    ReturnDecision,
    ReturnPolicy,
    ReturnRule,
    WindowKind,
    decide_return,
    window_end,
)

__all__ = [
    "DEFAULT_POLICY",
    "CollectionOutcome",
    "CollectionRecord",
    "Mandate",
    "MandateAmendment",
    "MandateStatus",
    "ReturnAction",
    "ReturnCategory",
    "ReturnDecision",
    "ReturnPolicy",
    "ReturnRule",
    "Scheme",
    "SequenceType",
    "WindowKind",
    "change_creditor_id",
    "change_iban",
    "change_reference",
    "decide_return",
    "is_lapsed",
    "is_usable",
    "record_collection",
    "revoke",
    "sequence_type",
    "validate_bic",
    "validate_creditor_id",
    "validate_iban",
    "validate_mandate",
    "validate_reference",
    "window_end",
]
