"""Large files stream in constant memory; the synthetic writer and the reader round-trip exactly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from importers.bank import read_camt
from importers.bank.synth import SYNTH_VERSIONS, SynthEntry, write_camt053

ENTRIES = 100_000


def test_100k_entries_keep_the_element_tree_small(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    spec = (SynthEntry(Decimal(n % 1000) + Decimal("0.01")) for n in range(ENTRIES))
    closing = write_camt053(path, spec, opening_balance=Decimal("-12.34"))
    reader = read_camt(path)
    samples: list[int] = []
    count = 0
    for count, entry in enumerate(reader, start=1):  # noqa: B007 - the last count is used below
        if count % 5_000 == 0:
            samples.append(reader.buffered_elements)
    assert count == ENTRIES
    assert entry.element_path == f"Stmt[1]/Ntry[{ENTRIES}]"
    # Only what libxml2 has parsed ahead of the current entry is held: a few dozen entries at most,
    # the same at the end of the file as at its start.
    assert max(samples) < 3_000
    assert max(samples[len(samples) // 2:]) <= 2 * max(samples[: len(samples) // 2])
    (check,) = reader.check_balances()
    assert check.closing_balance == closing
    assert check.opening_balance + check.booked_total == closing


amounts = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9999999999.99"), places=2,
                      allow_nan=False, allow_infinity=False)
fine_amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("999999"), places=5,
                           allow_nan=False, allow_infinity=False)
spec_entries = st.builds(
    SynthEntry,
    amount=st.one_of(amounts, fine_amounts),
    reference=st.one_of(st.none(), st.sampled_from(["RF18539007547034", "1231234",
                                                    "210000000003139471430009017"])),
    debtor_iban=st.one_of(st.none(), st.just("DE89370400440532013000")),
    debtor_name=st.one_of(st.none(), st.text(st.characters(categories=("L", "N", "P", "S")),
                                             min_size=1, max_size=20)),
    credit_debit=st.sampled_from(["CRDT", "DBIT"]),
)


@settings(max_examples=60, deadline=None)
@given(entries=st.lists(spec_entries, min_size=0, max_size=25),
       opening=st.decimals(min_value=Decimal("-1000000"), max_value=Decimal("1000000"), places=2,
                           allow_nan=False, allow_infinity=False),
       version=st.sampled_from(SYNTH_VERSIONS))
def test_synth_round_trip(tmp_path_factory: pytest.TempPathFactory, entries: list[SynthEntry],
                          opening: Decimal, version: str) -> None:
    path = tmp_path_factory.mktemp("synth") / "statement.xml"
    closing = write_camt053(path, entries, version, opening_balance=opening)
    reader = read_camt(path)
    read = reader.read_all()
    expected = [(s.amount, s.credit_debit) for s in entries]
    assert [(e.amount, e.credit_debit) for e in read] == expected
    assert all(str(e.amount) == str(s.amount) for e, s in zip(read, entries, strict=True))
    assert [e.creditor_reference for e in read] == [s.reference for s in entries]
    assert [e.debtor_name if s.credit_debit == "CRDT" else e.creditor_name
            for e, s in zip(read, entries, strict=True)] == [s.debtor_name for s in entries]
    (check,) = reader.check_balances()
    assert (check.opening_balance, check.closing_balance) == (opening, closing)
    assert reader.header.version == version


def test_synth_rejects_negative_amounts_and_unknown_versions(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        write_camt053(tmp_path / "x.xml", [SynthEntry(Decimal("-1"))])
    with pytest.raises(ValueError, match="version"):
        write_camt053(tmp_path / "x.xml", [], "001.05")
