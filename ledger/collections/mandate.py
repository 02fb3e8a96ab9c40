"""SEPA direct-debit mandates: the record, its validation, sequence types, lapse and amendments.

A mandate (mandato SDD / domiciliació / suoramaksuvaltakirja) is identified by its unique mandate
reference (UMR, at most 35 characters of the SEPA set) together with our creditor identifier.

>>> m = validate_mandate("UMR-0001", "CORE", date(2024, 3, 1), "Mario Rossi",
...                      "IT60 X054 2811 1010 0000 0123 456")
>>> m.debtor_iban, m.scheme.value
('IT60X0542811101000000123456', 'CORE')
>>> validate_mandate("UMR-0001", "CORE", date(2024, 3, 1), "Mario Rossi",
...                  "IT64Y0542811101000000123456")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ledger.core.errors.InvalidInput: debtor_iban: invalid IBAN '...' (Invalid national checksum)
>>> validate_creditor_id("DE98 ZZZ 09999999999")
'DE98ZZZ09999999999'
>>> sequence_type([]), sequence_type([CollectionRecord(date(2024, 4, 1), CollectionOutcome.REJECTED)])
('FRST', 'FRST')
>>> sequence_type([CollectionRecord(date(2024, 4, 1), CollectionOutcome.SETTLED)])
'RCUR'
>>> is_lapsed(m, date(2027, 2, 28)), is_lapsed(m, date(2027, 3, 1))
(False, True)

Amendments (new IBAN, new UMR, new creditor id) are in :mod:`ledger.collections.amendments`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.eu import at_02
from stdnum.exceptions import ValidationError

from ledger.collections.text import check_identifier, check_text
from ledger.core.calendar import add_months
from ledger.core.errors import InvalidInput

SequenceType = Literal["FRST", "RCUR"]

#: A mandate unused for this many months lapses (EPC SDD Core Rulebook, "Expiry of a mandate":
#: 36 months from the last collection presented, or from signature if never used;
#: https://www.europeanpaymentscouncil.eu/what-we-do/epc-payment-schemes/sepa-direct-debit/sdd-rulebooks).
LAPSE_MONTHS = 36


class Scheme(enum.Enum):
    CORE = "CORE"
    B2B = "B2B"


class MandateStatus(enum.Enum):
    ACTIVE = "active"
    REVOKED = "revoked"


class CollectionOutcome(enum.Enum):
    """What became of one collection presented under a mandate."""

    PENDING = "pending"  # sent to the bank, not settled yet
    SETTLED = "settled"
    REJECTED = "rejected"  # refused before settlement (pain.002 RJCT)
    RETURNED = "returned"  # returned by the debtor's bank after settlement (up to D+5)
    REFUNDED = "refunded"  # refunded on the debtor's request (MD06 ≤ 8 weeks, MD01 ≤ 13 months)


@dataclass(frozen=True, slots=True)
class CollectionRecord:
    """One collection of a mandate's history, as :func:`sequence_type` needs it."""

    collection_date: date
    outcome: CollectionOutcome


@dataclass(frozen=True, slots=True)
class MandateAmendment:
    """Mandate data changed since the last collection; sent once with the next one (``AmdmntInd``).

    ``original_iban`` is set when the debtor changed account within the same bank
    (``OrgnlDbtrAcct``); ``other_bank`` when they moved to another bank, which the rulebook encodes
    as ``OrgnlDbtrAgt/FinInstnId/Othr/Id = SMNDA`` (same mandate, new debtor agent) instead.
    """

    original_reference: str | None = None
    original_creditor_id: str | None = None
    original_iban: str | None = None
    other_bank: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.original_reference or self.original_creditor_id or self.original_iban
                    or self.other_bank)


@dataclass(frozen=True, slots=True)
class Mandate:
    """A direct-debit mandate. Build it with :func:`validate_mandate` to get normalised values."""

    reference: str
    scheme: Scheme
    signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str | None = None
    status: MandateStatus = MandateStatus.ACTIVE
    last_collection_on: date | None = None
    pending_amendment: MandateAmendment | None = None
    #: The IBAN last collected from: the base an IBAN amendment is measured against.
    collected_iban: str | None = None


def validate_reference(value: str, field: str = "reference") -> str:
    """A UMR: 1–35 characters of the SEPA set, no leading/trailing or doubled ``/``."""
    return check_identifier(value, field)


def validate_iban(value: str, field: str = "debtor_iban") -> str:
    """The compact IBAN, national (BBAN) check digits included, or :class:`InvalidInput`."""
    try:
        return str(IBAN(value, validate_bban=True).compact)
    except (SchwiftyException, ValueError, TypeError) as error:
        raise InvalidInput(f"{field}: invalid IBAN {value!r} ({error})", field) from None


def validate_bic(value: str, field: str = "debtor_bic") -> str:
    """The compact BIC (8 or 11 characters, known country), or :class:`InvalidInput`.

    A BIC is never required: schwifty's IBAN→BIC table has gaps for Italian and Spanish banks,
    and SEPA has not needed the debtor's BIC since 2016.
    """
    try:
        return str(BIC(value).compact)
    except (SchwiftyException, ValueError, TypeError) as error:
        raise InvalidInput(f"{field}: invalid BIC {value!r} ({error})", field) from None


def validate_creditor_id(value: str, field: str = "creditor_id") -> str:
    """The compact SEPA creditor identifier (AT-02), checked with :mod:`stdnum.eu.at_02`.

    >>> validate_creditor_id("DE99ZZZ09999999999")
    Traceback (most recent call last):
    ...
    ledger.core.errors.InvalidInput: creditor_id: invalid SEPA creditor identifier 'DE99ZZZ09999999999'
    """
    try:
        return str(at_02.validate(value))
    except (ValidationError, ValueError, TypeError):
        raise InvalidInput(f"{field}: invalid SEPA creditor identifier {value!r}", field) from None


def validate_mandate(reference: str, scheme: Scheme | str, signed_on: date, debtor_name: str,
                     debtor_iban: str, debtor_bic: str | None = None, *,
                     status: MandateStatus | str = MandateStatus.ACTIVE,
                     last_collection_on: date | None = None,
                     pending_amendment: MandateAmendment | None = None,
                     today: date | None = None) -> Mandate:
    """Check every field and return the normalised :class:`Mandate`; raise ``InvalidInput(field)``."""
    try:
        scheme = Scheme(scheme)
    except ValueError:
        raise InvalidInput(f"scheme must be CORE or B2B, got {scheme!r}", "scheme") from None
    try:
        status = MandateStatus(status)
    except ValueError:
        raise InvalidInput(f"status must be active or revoked, got {status!r}", "status") from None
    if not isinstance(signed_on, date):
        raise InvalidInput("signed_on must be a date", "signed_on")
    if today is not None and signed_on > today:
        raise InvalidInput(f"signed_on {signed_on} is in the future", "signed_on")
    if last_collection_on is not None and last_collection_on < signed_on:
        raise InvalidInput(f"last_collection_on {last_collection_on} is before the signature",
                           "last_collection_on")
    iban = validate_iban(debtor_iban)
    return Mandate(
        reference=validate_reference(reference),
        scheme=scheme,
        signed_on=signed_on,
        debtor_name=check_text(debtor_name, "debtor_name", 70),
        debtor_iban=iban,
        debtor_bic=None if debtor_bic in (None, "") else validate_bic(debtor_bic),
        status=status,
        last_collection_on=last_collection_on,
        pending_amendment=pending_amendment,
        collected_iban=iban if last_collection_on is not None else None,
    )


def sequence_type(history: Iterable[CollectionRecord]) -> SequenceType:
    """``FRST`` until a collection of the mandate has gone through, then ``RCUR``.

    A first collection that was rejected or returned leaves the mandate unused, so the next one is
    ``FRST`` again; one still in transit (pending) or settled and later refunded counts as used.
    (Since the November 2016 rulebook, ``FRST`` is optional and banks accept ``RCUR`` for a first
    collection, so erring towards ``RCUR`` while one is in transit is safe, whereas a repeated
    ``FRST`` may still be refused by banks that check the sequence.) A change of debtor bank
    (``SMNDA``) no longer forces ``FRST`` either, so amendments do not affect the sequence type.
    """
    used = (CollectionOutcome.PENDING, CollectionOutcome.SETTLED, CollectionOutcome.REFUNDED)
    return "RCUR" if any(record.outcome in used for record in history) else "FRST"


def is_lapsed(mandate: Mandate, on_date: date) -> bool:
    """Whether ``LAPSE_MONTHS`` have passed since the last collection (or the signature if none).

    The boundary counts as lapsed: on the day 36 months are complete no collection may be presented.
    """
    since = mandate.last_collection_on or mandate.signed_on
    return on_date >= add_months(since, LAPSE_MONTHS)


def is_usable(mandate: Mandate, on_date: date) -> bool:
    """Active and not lapsed: a collection may be presented under it on ``on_date``."""
    return mandate.status is MandateStatus.ACTIVE and not is_lapsed(mandate, on_date)


def revoke(mandate: Mandate) -> Mandate:
    return replace(mandate, status=MandateStatus.REVOKED)


def record_collection(mandate: Mandate, collection_date: date, outcome: CollectionOutcome) -> Mandate:
    """The mandate after a collection was presented (any outcome counts against lapse).

    The pending amendment is dropped once a collection carrying it reached the debtor's bank
    (settled, returned or refunded); after a rejection or while in transit it is sent again.
    """
    last = max(filter(None, (mandate.last_collection_on, collection_date)))
    if outcome in (CollectionOutcome.SETTLED, CollectionOutcome.RETURNED, CollectionOutcome.REFUNDED):
        return replace(mandate, last_collection_on=last, pending_amendment=None,
                       collected_iban=mandate.debtor_iban)
    return replace(mandate, last_collection_on=last)
