"""BankEntry invariants, fingerprints and the occurrence counter."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from ledger.payments.bank_entries import BankEntry, ReferredDocument, fingerprint_entries


def _entry(**changes: Any) -> BankEntry:
    base = BankEntry(
        file_name="f.xml", statement_id="S1", account_iban="FI2112345600000785", entry_index=1,
        element_path="Stmt[1]/Ntry[1]", line=10, amount=Decimal("25.00"), credit_debit="CRDT",
        currency="EUR", status="BOOK", booking_date=date(2024, 2, 29), value_date=date(2024, 2, 29),
        debtor_name="Kioski Oy", unstructured=("Meter deposit",))
    return replace(base, **changes)


def test_signed_amount_and_booked() -> None:
    assert _entry().signed_amount == Decimal("25.00")
    assert _entry(credit_debit="DBIT").signed_amount == Decimal("-25.00")
    assert _entry().is_booked and not _entry(status="PDNG").is_booked


@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("NaN"), 1.5])
def test_amount_must_be_a_non_negative_finite_decimal(amount: object) -> None:
    with pytest.raises(ValueError, match="amount"):
        _entry(amount=amount)


def test_credit_debit_is_checked() -> None:
    with pytest.raises(ValueError, match="CRDT or DBIT"):
        _entry(credit_debit="CREDIT")


def test_fingerprint_prefers_the_transaction_reference() -> None:
    entry = _entry(account_servicer_reference="ASR-1", tx_account_servicer_reference="TX-9",
                   tx_index=2)
    assert entry.fingerprint() == "ref:FI2112345600000785:TX-9"


def test_fingerprint_of_a_batch_part_adds_the_transaction_index() -> None:
    assert _entry(account_servicer_reference="ASR-1", tx_index=3).fingerprint() == (
        "ref:FI2112345600000785:ASR-1/3")
    assert _entry(account_servicer_reference="ASR-1").fingerprint() == (
        "ref:FI2112345600000785:ASR-1")


def test_content_fingerprint_ignores_position_but_not_content() -> None:
    entry = _entry()
    moved = _entry(file_name="other.xml", statement_id="S2", entry_index=7, line=99,
                   element_path="Stmt[2]/Ntry[7]", tx_index=None)
    assert entry.fingerprint().startswith("sha256:")
    assert len(entry.fingerprint()) == len("sha256:") + 64
    assert moved.fingerprint() == entry.fingerprint()
    assert _entry(amount=Decimal("25.0")).fingerprint() == entry.fingerprint()  # same amount
    assert _entry(amount=Decimal("25.01")).fingerprint() != entry.fingerprint()
    assert _entry(unstructured=("Meter", "deposit")).fingerprint() != entry.fingerprint()
    docs = (ReferredDocument("INV-1", Decimal("1.00")),)
    assert _entry(referred_documents=docs).fingerprint() != entry.fingerprint()
    assert _entry(account_iban="DE89370400440532013000").fingerprint() != entry.fingerprint()


def test_fingerprint_entries_counts_repeats_of_content_hashes() -> None:
    twin_a, twin_b = _entry(entry_index=1), _entry(entry_index=2, line=20)
    other = _entry(entry_index=3, amount=Decimal("30.00"))
    referenced = _entry(entry_index=4, account_servicer_reference="ASR-4")
    pairs = list(fingerprint_entries([twin_a, other, twin_b, referenced]))
    assert [entry.entry_index for entry, _ in pairs] == [1, 3, 2, 4]
    fingerprints = [fingerprint for _, fingerprint in pairs]
    assert fingerprints[0] == twin_a.fingerprint() + "#1"
    assert fingerprints[2] == twin_a.fingerprint() + "#2"
    assert fingerprints[1] == other.fingerprint() + "#1"
    assert fingerprints[3] == "ref:FI2112345600000785:ASR-4"
    assert len(set(fingerprints)) == 4


def test_fingerprints_are_stable_across_runs() -> None:
    again = [fp for _, fp in fingerprint_entries([_entry(), _entry()])]
    assert again == [fp for _, fp in fingerprint_entries([_entry(), _entry()])]


def test_a_bank_reference_repeated_in_a_file_is_told_apart_by_content() -> None:
    """Banks reuse one AcctSvcrRef for several entries (Swiss sample: 2187.00 and 1296.00)."""
    shared = "123456CHCAFEBABE"
    first = _entry(entry_index=1, amount=Decimal("2187.00"), account_servicer_reference=shared)
    second = _entry(entry_index=2, amount=Decimal("1296.00"), account_servicer_reference=shared)
    twin = _entry(entry_index=3, amount=Decimal("1296.00"), account_servicer_reference=shared)
    again = _entry(entry_index=4, amount=Decimal("2187.00"), account_servicer_reference=shared)
    fingerprints = [fp for _, fp in fingerprint_entries([first, second, twin, again])]
    plain = f"ref:FI2112345600000785:{shared}"
    assert fingerprints[0] == plain  # what older imports used for it: a statement imported before dedupes
    assert fingerprints[1] == f"{plain}~{second.content_hash()[:16]}#1"
    assert fingerprints[2] == f"{plain}~{second.content_hash()[:16]}#2"  # identical twins are two payments
    assert fingerprints[3] == f"{plain}~{first.content_hash()[:16]}#2"  # the first one counts as #1
    assert len(set(fingerprints)) == 4
    assert fingerprints == [fp for _, fp in fingerprint_entries([first, second, twin, again])]


def test_batch_parts_sharing_a_transaction_reference_get_distinct_fingerprints() -> None:
    parts = [_entry(tx_index=n, batch=True, amount=Decimal(n), account_servicer_reference="NTRY-1",
                    tx_account_servicer_reference="TX-SHARED",
                    element_path=f"Stmt[1]/Ntry[1]/NtryDtls/TxDtls[{n}]")
             for n in (1, 2, 3)]
    fingerprints = [fp for _, fp in fingerprint_entries(parts)]
    assert fingerprints[0] == "ref:FI2112345600000785:TX-SHARED"
    assert all(fp.startswith("ref:FI2112345600000785:TX-SHARED~") for fp in fingerprints[1:])
    assert len(set(fingerprints)) == 3
