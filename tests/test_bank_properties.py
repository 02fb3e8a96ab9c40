"""For any invoices and receipts: what was received = allocated + suspense + credit, to the cent."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from importers.bank import service
from importers.bank.synth import SynthEntry, write_camt053
from ledger.accounts.account import ContractAccount
from tests.clerk import Clerk

amounts = st.integers(min_value=1, max_value=30_000).map(lambda n: Decimal(n) / 100)
how = st.sampled_from(["reference", "broken-reference", "number", "nothing"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bills=st.lists(amounts, min_size=1, max_size=5),
    receipts=st.lists(st.tuples(st.integers(0, 4), how, amounts), min_size=1, max_size=8),
)
def test_received_equals_allocated_plus_suspense_plus_credit(
    clerk: Clerk, tmp_path: Path, bills: list[Decimal], receipts: list[tuple[int, str, Decimal]]
) -> None:
    account = clerk.customer()
    issued = [clerk.bill(account, str(amount), vat="0") for amount in bills]
    entries = []
    for target, kind, amount in receipts:
        bill = issued[target % len(issued)]
        reference = bill["payment_reference"]
        text = {
            "reference": (reference,),
            "broken-reference": (reference[:-1] + ("0" if reference[-1] != "0" else "1"),),
            "number": (bill["number"],),
            "nothing": ("thanks",),
        }[kind]
        entries.append(SynthEntry(amount, unstructured=text))
    path = tmp_path / f"{account}.xml"
    write_camt053(path, entries, booking_date=date(2026, 4, 1), statement_id=str(account))
    before = {r[0] for r in clerk.services.view.journal(0, 1_000_000)}
    report = service.import_statement(clerk.services, path.read_bytes(), path.name)
    assert report.booked + report.to_suspense == len(receipts)
    new = [r for r in clerk.services.view.journal(0, 1_000_000) if r[0] not in before]
    received = sum(r[9] for r in new if r[8].startswith("bank:"))
    allocated = sum(r[10] - r[9] for r in new if r[8] == "receivables")
    written_off = sum(r[9] for r in new if r[8] == "payment-differences")
    credit = sum(r[10] - r[9] for r in new if r[8] == "customer-credit")
    suspense = sum(r[10] - r[9] for r in new if r[8] == "suspense")
    assert received == sum(int(a * 100) for _, _, a in receipts)
    assert received == allocated - written_off + suspense + credit
    aggregate = clerk.services.app.repository.get(account)
    assert isinstance(aggregate, ContractAccount)
    row = clerk.balance(UUID(str(account)))
    assert (
        row[4]
        == sum(r[4] for r in clerk.services.view.open_items(str(account)))
        == int(aggregate.open_total * 100)
    )
    assert row[5] == int(aggregate.credit * 100)


# -- every cent of an accepted file is booked or reported with its reason (issue 9) -----------------------

_files = itertools.count(1)
odd_amounts = st.one_of(
    amounts,
    st.integers(min_value=1, max_value=30_000).map(lambda n: Decimal(n) / 1000),  # sub-cent: 12.345
    st.just(Decimal("0.00")),
)
file_entries = st.lists(
    st.tuples(odd_amounts, st.sampled_from(["CRDT", "CRDT", "CRDT", "DBIT"]),
              st.sampled_from([None, None, "A", "B"]), st.sampled_from(["bill", "refund", "bill"])),
    min_size=1, max_size=8,
)


def _reported_cents(listed: list[dict[str, str]]) -> int:
    """Credits listed in the report (``"CRDT 12.345 EUR"``), in cents (a sub-cent amount keeps its digits)."""
    credits = [Decimal(r["amount"].split()[1]) for r in listed if r["amount"].startswith("CRDT ")]
    return int(sum(credits, Decimal(0)) * 1000)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=file_entries)
def test_every_credit_of_an_accepted_file_is_booked_or_reported(
    clerk: Clerk, tmp_path: Path, spec: list[tuple[Decimal, str, str | None, str]]
) -> None:
    n = next(_files)
    entries = [SynthEntry(amount, unstructured=(text,), credit_debit=side,  # type: ignore[arg-type]
                          account_servicer_reference=None if ref is None else f"SHARED-{n}-{ref}")
               for amount, side, ref, text in spec]
    path = tmp_path / f"f{n}.xml"
    write_camt053(path, entries, booking_date=date(2026, 4, 1), statement_id=f"F{n}")
    data = path.read_bytes()
    before = clerk.services.app.recorder.max_notification_id()
    report = service.import_statement(clerk.services, data, path.name)
    credits = sum((e.amount for e in entries if e.credit_debit == "CRDT"), Decimal(0))
    booked = report.amount_booked + report.amount_to_suspense
    listed = _reported_cents(report.not_allocated) + _reported_cents(report.refused)
    assert int(credits * 1000) == int(booked * 1000) + listed
    journal = [r for r in clerk.services.view.journal(0, 1_000_000) if r[1] > (before or 0)]
    assert sum(r[9] - r[10] for r in journal if r[8].startswith("bank:")) == int(booked * 100)
    reported = len(report.refused) + len(report.not_allocated)
    assert report.booked + report.to_suspense + reported == len(entries)
    assert report.imported_in_full == (not report.refused)
    position = clerk.services.app.recorder.max_notification_id()
    again = service.import_statement(clerk.services, data, path.name)
    assert clerk.services.app.recorder.max_notification_id() == position
    assert (again.booked, again.to_suspense) == (0, 0)
    assert again.file_already_imported or again.refused == report.refused
