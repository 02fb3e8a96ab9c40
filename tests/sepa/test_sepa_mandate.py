"""Mandates: validation of every field, creditor ids, FRST/RCUR, lapse and amendments."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.collections import (
    CollectionOutcome,
    CollectionRecord,
    Mandate,
    MandateAmendment,
    MandateStatus,
    Scheme,
    change_creditor_id,
    change_iban,
    change_reference,
    is_lapsed,
    is_usable,
    record_collection,
    revoke,
    sequence_type,
    validate_creditor_id,
    validate_mandate,
)
from ledger.core.errors import InvalidInput

IT_A = "IT60X0542811101000000123456"  # bank 05428
IT_SAME_BANK = "IT24D0542811101000000654321"  # bank 05428 too
IT_OTHER_BANK = "IT76W0306909606100000123456"  # bank 03069


def mandate(**changes: object) -> Mandate:
    fields: dict[str, object] = {"reference": "UMR-2024-0001", "scheme": "CORE",
                                 "signed_on": date(2024, 3, 1), "debtor_name": "Mario Rossi",
                                 "debtor_iban": IT_A}
    fields.update(changes)
    return validate_mandate(**fields)  # type: ignore[arg-type]


def field_of(**changes: object) -> str | None:
    with pytest.raises(InvalidInput) as caught:
        mandate(**changes)
    return caught.value.field


def test_a_valid_mandate_is_normalised() -> None:
    m = mandate(debtor_iban="it60 x054 2811 1010 0000 0123 456", debtor_bic="bcititmm",
                debtor_name="  Mario Rossi ", scheme=Scheme.B2B)
    assert m.debtor_iban == IT_A
    assert m.debtor_bic == "BCITITMM"
    assert m.debtor_name == "Mario Rossi"
    assert m.scheme is Scheme.B2B
    assert m.status is MandateStatus.ACTIVE
    assert m.pending_amendment is None


@pytest.mark.parametrize("iban", [
    "ES9121000418450200051332", "DE89370400440532013000", "FI2112345600000785", IT_OTHER_BANK])
def test_valid_ibans_of_several_countries(iban: str) -> None:
    assert mandate(debtor_iban=iban).debtor_iban == iban


@pytest.mark.parametrize(("iban", "why"), [
    ("IT60Y0542811101000000123456", "IBAN check digits"),
    ("IT64Y0542811101000000123456", "Italian CIN (national check character, validate_bban=True)"),
    ("ES9121000418450200051331", "IBAN check digits"),
    ("XX12345", "unknown country"),
    ("", "empty"),
])
def test_invalid_ibans_are_refused_naming_the_field(iban: str, why: str) -> None:
    assert field_of(debtor_iban=iban) == "debtor_iban", why


@pytest.mark.parametrize(("changes", "field"), [
    ({"debtor_bic": "DEUTDEF"}, "debtor_bic"),
    ({"reference": ""}, "reference"),
    ({"reference": "X" * 36}, "reference"),
    ({"reference": "UMR_0001"}, "reference"),  # underscore is outside the SEPA set
    ({"reference": "UMR//1"}, "reference"),
    ({"reference": "UMR-1/"}, "reference"),
    ({"reference": " UMR-1"}, "reference"),
    ({"scheme": "COR1"}, "scheme"),
    ({"status": "paused"}, "status"),
    ({"debtor_name": " "}, "debtor_name"),
    ({"debtor_name": "N" * 71}, "debtor_name"),
    ({"signed_on": date(2026, 3, 2), "today": date(2026, 3, 1)}, "signed_on"),
    ({"last_collection_on": date(2024, 2, 1)}, "last_collection_on"),
])
def test_invalid_fields_are_refused_naming_the_field(changes: dict[str, object], field: str) -> None:
    assert field_of(**changes) == field


def test_a_35_character_reference_of_the_sepa_set_is_fine() -> None:
    reference = "ABC-123/?:().,'+ xyz".ljust(35, "9")
    assert mandate(reference=reference).reference == reference


@pytest.mark.parametrize(("value", "compact"), [
    ("DE98ZZZ09999999999", "DE98ZZZ09999999999"),
    ("ES 23 ZZZ 47690558N", "ES23ZZZ47690558N"),  # python-stdnum's eu.at_02 doctest vectors
    ("ES2300047690558N", "ES2300047690558N"),
    ("NL53ZZZ091734220000", "NL53ZZZ091734220000"),
])
def test_valid_creditor_ids(value: str, compact: str) -> None:
    assert validate_creditor_id(value) == compact


@pytest.mark.parametrize("value", ["DE99ZZZ09999999999", "ES24ZZZ47690558N", "ZZ", ""])
def test_invalid_creditor_ids(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_creditor_id(value)
    assert caught.value.field == "creditor_id"


def rec(day: int, outcome: CollectionOutcome) -> CollectionRecord:
    return CollectionRecord(date(2026, 1, day), outcome)


@pytest.mark.parametrize(("history", "expected"), [
    ([], "FRST"),
    ([rec(5, CollectionOutcome.REJECTED)], "FRST"),
    ([rec(5, CollectionOutcome.RETURNED)], "FRST"),
    ([rec(5, CollectionOutcome.REJECTED), rec(20, CollectionOutcome.RETURNED)], "FRST"),
    ([rec(5, CollectionOutcome.PENDING)], "RCUR"),
    ([rec(5, CollectionOutcome.SETTLED)], "RCUR"),
    ([rec(5, CollectionOutcome.REFUNDED)], "RCUR"),
    ([rec(5, CollectionOutcome.RETURNED), rec(20, CollectionOutcome.SETTLED)], "RCUR"),
])
def test_sequence_type_from_history(history: list[CollectionRecord], expected: str) -> None:
    assert sequence_type(history) == expected


def test_lapse_after_36_months_without_collection() -> None:
    never_used = mandate(signed_on=date(2023, 1, 31))
    assert not is_lapsed(never_used, date(2026, 1, 30))
    assert is_lapsed(never_used, date(2026, 1, 31))
    used = record_collection(never_used, date(2024, 2, 29), CollectionOutcome.REJECTED)
    assert used.last_collection_on == date(2024, 2, 29)  # even a rejected presentation counts
    assert not is_lapsed(used, date(2027, 2, 27))
    assert is_lapsed(used, date(2027, 2, 28))
    assert is_usable(used, date(2026, 6, 1))
    assert not is_usable(revoke(used), date(2026, 6, 1))


def test_iban_change_within_the_same_bank_reports_the_old_iban() -> None:
    used = record_collection(mandate(), date(2025, 5, 2), CollectionOutcome.SETTLED)
    amended = change_iban(used, IT_SAME_BANK)
    assert amended.debtor_iban == IT_SAME_BANK
    assert amended.pending_amendment == MandateAmendment(original_iban=IT_A)


def test_iban_change_to_another_bank_is_smnda() -> None:
    used = record_collection(mandate(), date(2025, 5, 2), CollectionOutcome.SETTLED)
    amended = change_iban(used, IT_OTHER_BANK, "BCITITMM")
    assert amended.pending_amendment == MandateAmendment(other_bank=True)
    assert amended.debtor_bic == "BCITITMM"
    # changed twice before the next collection: still measured against the IBAN last collected
    twice = change_iban(amended, IT_SAME_BANK)
    assert twice.pending_amendment == MandateAmendment(original_iban=IT_A)
    # and changing back cancels the amendment
    assert change_iban(twice, IT_A).pending_amendment is None


def test_iban_change_before_any_collection_needs_no_amendment() -> None:
    assert change_iban(mandate(), IT_OTHER_BANK).pending_amendment is None


def test_amendment_is_kept_until_a_collection_reaches_the_debtor_bank() -> None:
    used = record_collection(mandate(), date(2025, 5, 2), CollectionOutcome.SETTLED)
    amended = change_reference(change_iban(used, IT_SAME_BANK), "UMR-2025-NEW")
    assert amended.pending_amendment == MandateAmendment(original_reference="UMR-2024-0001",
                                                         original_iban=IT_A)
    rejected = record_collection(amended, date(2025, 6, 2), CollectionOutcome.REJECTED)
    assert rejected.pending_amendment == amended.pending_amendment
    settled = record_collection(rejected, date(2025, 7, 2), CollectionOutcome.SETTLED)
    assert settled.pending_amendment is None
    assert settled.last_collection_on == date(2025, 7, 2)
    # the next change is measured against the IBAN of that collection
    assert change_iban(settled, IT_A).pending_amendment == MandateAmendment(original_iban=IT_SAME_BANK)


def test_creditor_id_change_is_reported_once() -> None:
    used = record_collection(mandate(), date(2025, 5, 2), CollectionOutcome.SETTLED)
    amended = change_creditor_id(used, "DE98ZZZ09999999999")
    assert amended.pending_amendment == MandateAmendment(original_creditor_id="DE98ZZZ09999999999")
    with pytest.raises(InvalidInput):
        change_creditor_id(used, "DE99ZZZ09999999999")
