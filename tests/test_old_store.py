"""A store written before a refactoring still reads the same: every aggregate, every view, the journal.

The fixture under ``tests/fixtures/old_store/`` was written by ``make_store.py`` at commit b70c7a1, before
event and record classes moved to one folder per capability. Event topics are ``module:Class``
(https://eventsourcing.readthedocs.io/en/stable/topics/domain.html#topics), so a moved class must keep
its old topic registered or the old events no longer load. On PostgreSQL the same stored events are
copied in, in their original order, and must read the same.
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import json
import shutil
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from api.bootstrap import build
from api.cli import main as saldo
from importers.bank.refunds import refund_file
from ledger.accounts import commands as ac
from ledger.accounts.invoice import document_id
from ledger.billing import commands as b
from ledger.billing.readings import ReadingSource
from ledger.billing.records import ContractBilling
from ledger.billing.run import run_billing
from ledger.core.money import round_cents
from ledger.core.topics import register_old_topics
from tests.auth import api_client

FIXTURE = Path(__file__).parent / "fixtures" / "old_store"
VIEW_TABLES = ("saldo_accounts", "saldo_collections", "saldo_journal", "saldo_mandates", "saldo_open_items",
               "saldo_payer_ibans", "saldo_suspense")


def _old_events(path: Path) -> list[StoredEvent]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT originator_id, originator_version, topic, state FROM stored_events "
                            "ORDER BY rowid").fetchall()
    return [StoredEvent(UUID(o) if isinstance(o, str) else UUID(bytes=o), v, t, s) for o, v, t, s in rows]


def _unpack(tmp_path: Path) -> Path:
    unpacked = tmp_path / "old.sqlite"
    with gzip.open(FIXTURE / "saldo.sqlite.gz") as src, unpacked.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    return unpacked


@pytest.fixture
def old_store(store_url: str, tmp_path: Path) -> str:
    """The frozen store: the SQLite file itself, or its events copied into a fresh PostgreSQL schema."""
    unpacked = _unpack(tmp_path)
    if store_url.startswith("sqlite"):
        return f"sqlite:///{unpacked}"
    svc = build(store_url)
    try:
        svc.app.recorder.insert_events(_old_events(unpacked))
    finally:
        svc.close()
    return store_url


def _aggregates(url: str) -> list[list[str]]:
    svc = build(url)
    try:
        ids = sorted({str(e.originator_id) for e in svc.app.recorder.select_notifications(1, 100_000)})
        rows = []
        for raw in ids:
            aggregate = svc.app.repository.get(UUID(raw))
            row = [str(aggregate.id), type(aggregate).__qualname__, str(aggregate.version)]
            if hasattr(aggregate, "open_items"):
                row += [str(aggregate.balance), str(aggregate.open_total),
                        ";".join(f"{i.document_number}={i.open_amount}" for i in aggregate.open_items())]
            rows.append(row)
        return rows
    finally:
        svc.close()


def test_every_old_aggregate_loads_with_the_same_state(old_store: str) -> None:
    expected = json.loads(gzip.decompress((FIXTURE / "aggregates.json.gz").read_bytes()))
    assert _aggregates(old_store) == expected


#: Issue 11 (companies' books): every journal line names the company whose books it is in and that
#: company's GL account number. The frozen store has one company, the default one, which maps no GL
#: accounts: each old line gains exactly ``default`` and an empty number, and nothing else changes.
ISSUE11_BOOKS_COLUMNS = ("company", "gl_number")
ISSUE11_BOOKS_VALUES = ("default", "")


def _with_issue11_books(text: str) -> bytes:
    """The frozen journal CSV with the two columns above added to the header and to every line."""
    lines = text.split("\n")
    assert lines[-1] == "" and all(line for line in lines[:-1])  # one posting per line, no embedded breaks
    header, *rows = lines[:-1]
    added = [f"{header},{','.join(ISSUE11_BOOKS_COLUMNS)}", *(f"{r},{','.join(ISSUE11_BOOKS_VALUES)}"
                                                            for r in rows)]
    return ("\n".join(added) + "\n").encode("utf-8")


def test_the_rebuilt_journal_has_the_same_bytes(old_store: str, tmp_path: Path) -> None:
    """The same bytes as the frozen export, but for the columns issue 11 adds (ISSUE11_BOOKS_COLUMNS)."""
    out = tmp_path / "journal.csv"
    assert saldo(["--database-url", old_store, "projections", "rebuild"]) == 0
    assert saldo(["--database-url", old_store, "export", "journal", "--output", str(out)]) == 0
    assert out.read_bytes() == _with_issue11_books((FIXTURE / "journal.csv").read_text(encoding="utf-8"))


def test_every_rebuilt_view_row_is_the_same_on_sqlite(tmp_path: Path) -> None:
    """Row by row (the frozen rows are SQLite's; PostgreSQL is compared by journal and aggregates)."""
    old_store = f"sqlite:///{_unpack(tmp_path)}"
    assert saldo(["--database-url", old_store, "projections", "rebuild"]) == 0
    with sqlite3.connect(old_store.removeprefix("sqlite:///")) as conn:
        rows = {t: sorted([[repr(v) for v in row] for row in conn.execute(f"SELECT * FROM {t}")])
                for t in VIEW_TABLES}
    assert rows == json.loads(gzip.decompress((FIXTURE / "views.json.gz").read_bytes()))


def test_every_topic_the_old_code_could_store_still_resolves() -> None:
    """Also the events and records the fixture does not happen to hold (every class of the old modules)."""
    register_old_topics()
    old = (FIXTURE / "topics_before.txt").read_text(encoding="utf-8").split()
    unresolved = []
    for topic in old:
        try:
            resolved = resolve_topic(topic)
        except Exception as e:
            unresolved.append(f"{topic}: {e}")
            continue
        # The same class name; the qualname may differ where a nested event moved to another mixin.
        if resolved.__qualname__.rpartition(".")[2] != topic.partition(":")[2].rpartition(".")[2]:
            unresolved.append(f"{topic}: resolves to {resolved.__qualname__}")
    assert not unresolved, "\n".join(unresolved)


#: Where the demo run by today's code may differ from the journal the old code wrote: the cents issue 9
#: corrects, and nothing else. The old code billed the water invoice INV-2026-000303 with 17.700 m3 x
#: 0.950000 = 16.81 and 51.500 m3 x 0.450000 = 23.17, the cents of the float products; the rule gives
#: 16.815 -> 16.82 and 23.175 -> 23.18. So its energy and sewer revenue are 0.01 higher each, its VAT 10 %
#: (129.76 x 10 % = 12.976 -> 12.98) 0.01 higher and its receivable 0.03; the instalment plan that later
#: takes over that account's open items is 0.03 larger, its first instalments 0.01 each.
#: Journal cursor -> (column, old, new); account id -> (old row tail, new row tail) of the aggregates.
ISSUE9_JOURNAL = {
    "2086": ("debit", "142.71", "142.74"), "2087": ("credit", "91.82", "91.83"),
    "2088": ("credit", "23.17", "23.18"), "2090": ("credit", "12.97", "12.98"),
    "2121": ("debit", "645.83", "645.86"), "2122": ("credit", "645.83", "645.86"),
}
#: The instalment plan (cursor 2121 on) also takes its three references from the company's sequence, whose
#: range is created and drawn in the same transaction: two events more, so every later entry is 2 higher.
ISSUE9_ENTRY_SHIFT = ("2121", 2)
#: ... and that range is one aggregate more: the company's sequence of payment references (year 0), drawn
#: once for the three instalments.
ISSUE9_NEW_AGGREGATES = [["20313d8e-29ca-5f8e-87be-26f884ded892", "NumberRange", "2"]]
ISSUE9_AGGREGATES = {
    "3c0cddce-5cb0-5b51-8bca-87fa7bec2a9a": (
        ["645.83", "645.83", ";".join(f"PLAN-2026-000001-00{i}={a}" for i, a in enumerate(
            ("215.29", "215.27", "215.27"), 1))],
        ["645.86", "645.86", ";".join(f"PLAN-2026-000001-00{i}={a}" for i, a in enumerate(
            ("215.30", "215.28", "215.28"), 1))],
    ),
}


#: Issue 11: cancelling an instalment plan puts what is unpaid of its principal back on the originals. The
#: demo cancels its plan with nothing paid, so run through today's code the cancellation reopens both
#: invoices the plan took and closes its three instalments: three journal lines at its entry, every later
#: line's cursor 3 higher, and the two invoices open again on the account instead of the instalments. The
#: cancellation stored in the frozen store moved nothing and still means that (its instalments stay open,
#: see test_every_old_aggregate_loads_with_the_same_state and test_an_old_plan_cancellation_...).
ISSUE11_CANCELLATION = [
    ["2123", "2176", "1", "2026-11-23", "InstalmentPlanCancelled", "INV-2026-000303", "3c0cddce-5cb0-5b51-8bca-87fa7bec2a9a", "receivables", "142.74", "0.00", "EUR", "default", ""],  # noqa: E501
    ["2124", "2176", "2", "2026-11-23", "InstalmentPlanCancelled", "INV-2026-000048", "3c0cddce-5cb0-5b51-8bca-87fa7bec2a9a", "receivables", "503.12", "0.00", "EUR", "default", ""],  # noqa: E501
    ["2125", "2176", "3", "2026-11-23", "InstalmentPlanCancelled", "PLAN-2026-000001", "3c0cddce-5cb0-5b51-8bca-87fa7bec2a9a", "receivables", "0.00", "645.86", "EUR", "default", ""],  # noqa: E501
]
ISSUE11_AGGREGATES = {
    "3c0cddce-5cb0-5b51-8bca-87fa7bec2a9a": (
        ISSUE9_AGGREGATES["3c0cddce-5cb0-5b51-8bca-87fa7bec2a9a"][1],
        ["645.86", "645.86", "INV-2026-000303=142.74;INV-2026-000048=503.12"],
    ),
}


def _with_issue11_cancellation(journal: list[list[str]], aggregates: list[list[str]]
                               ) -> tuple[list[list[str]], ...]:
    """The journal and aggregates (issue 9's already applied) with the plan cancellation's money moves."""
    first = int(ISSUE11_CANCELLATION[0][0])
    shifted = [[str(int(row[0]) + len(ISSUE11_CANCELLATION)), *row[1:]] if row[0].isdigit()
               and int(row[0]) >= first else row for row in journal]
    fixed = [*shifted[:first], *ISSUE11_CANCELLATION, *shifted[first:]]
    accounts = [list(row) for row in aggregates]
    for row in accounts:
        if row[0] in ISSUE11_AGGREGATES:
            old_tail, new_tail = ISSUE11_AGGREGATES[row[0]]
            assert row[3:] == old_tail, row
            row[3:] = new_tail
    return fixed, accounts


def _with_issue9_cents(journal: list[list[str]], aggregates: list[list[str]]) -> tuple[list[list[str]], ...]:
    """The frozen journal and aggregates with exactly the corrections above (each must find its old value)."""
    header = journal[0]
    fixed = [list(row) for row in journal]
    for row in fixed[1:]:
        if row[0] in ISSUE9_JOURNAL:
            column, old, new = ISSUE9_JOURNAL[row[0]]
            assert row[header.index(column)] == old, row
            row[header.index(column)] = new
    assert sum(row[0] in ISSUE9_JOURNAL for row in fixed[1:]) == len(ISSUE9_JOURNAL)
    first, shift = ISSUE9_ENTRY_SHIFT
    for row in fixed[1:]:
        if int(row[0]) >= int(first):
            row[header.index("entry")] = str(int(row[header.index("entry")]) + shift)
    accounts = [list(row) for row in aggregates]
    for row in accounts:
        if row[0] in ISSUE9_AGGREGATES:
            old_tail, new_tail = ISSUE9_AGGREGATES[row[0]]
            assert row[3:] == old_tail, row
            row[3:] = new_tail
    accounts = sorted([*accounts, *ISSUE9_NEW_AGGREGATES])
    return fixed, accounts


#: Since issue 10 the demo's refund (to an IBAN the money did not come from) is requested, then approved by
#: a second finance user: one event more (the request, which books nothing) before the approval, which
#: books the same two lines the refund booked, under its own name. The approval is a command of its own with
#: its idempotency record, so every later entry is 2 higher, the receipt's stream one version longer, and
#: there is one aggregate more: the approval's record.
ISSUE10_JOURNAL = {"2119": ("event", "Refunded", "RefundApproved"),
                   "2120": ("event", "Refunded", "RefundApproved")}
ISSUE10_ENTRY_SHIFT = ("2119", 2)
ISSUE10_AGGREGATES = {"e75281fc-7e9f-5b87-8459-c785c5f5f87b": (["SuspenseItem", "2"], ["SuspenseItem", "3"])}
ISSUE10_NEW_AGGREGATES = [["8fc08b4b-8134-59d1-87c2-43f1d7dd4b8d", "IdempotencyRecord", "1"]]


def _with_issue10_refund(journal: list[list[str]],
                         aggregates: list[list[str]]) -> tuple[list[list[str]], list[list[str]]]:
    """The journal and aggregates with exactly the changes above (each must find its old value)."""
    header = journal[0]
    fixed = [list(row) for row in journal]
    first, shift = ISSUE10_ENTRY_SHIFT
    for row in fixed[1:]:
        if row[0] in ISSUE10_JOURNAL:
            column, old, new = ISSUE10_JOURNAL[row[0]]
            assert row[header.index(column)] == old, row
            row[header.index(column)] = new
        if int(row[0]) >= int(first):
            row[header.index("entry")] = str(int(row[header.index("entry")]) + shift)
    assert sum(row[0] in ISSUE10_JOURNAL for row in fixed[1:]) == len(ISSUE10_JOURNAL)
    accounts = [list(row) for row in aggregates]
    for row in accounts:
        if row[0] in ISSUE10_AGGREGATES:
            old_tail, new_tail = ISSUE10_AGGREGATES[row[0]]
            assert row[1:] == old_tail, row
            row[1:] = new_tail
    assert sum(row[0] in ISSUE10_AGGREGATES for row in accounts) == len(ISSUE10_AGGREGATES)
    return fixed, sorted([*accounts, *ISSUE10_NEW_AGGREGATES])


#: Issue 14: the billing demo defines the standard tariffs its 50 original contracts name (IT-, ES-,
#: FI-STD-2026; api.billing_demo._standard), so they can be billed: three tariffs of one version each and
#: their idempotency records, nine events written before the billing demo's invoices, whose journal
#: entries (from the first line at or after this cursor) are nine positions later; nothing else moves.
ISSUE14_ENTRY_SHIFT = ("2074", 9)
ISSUE14_NEW_AGGREGATES = [
    ["4ca5e691-9508-54cf-a0c3-5496ace73a8e", "IdempotencyRecord", "1"],
    ["7b2961a4-1970-5395-b322-1d4b629730ef", "IdempotencyRecord", "1"],
    ["95b54639-d0d5-5c16-978a-8a91af0fcfda", "Tariff", "2"],
    ["b443dd92-e1fa-5463-8f42-8b01ea30484e", "Tariff", "2"],
    ["bfdc2a6e-d4c5-5201-a39b-37b9d571b21d", "IdempotencyRecord", "1"],
    ["f0a3cbee-f9bd-530a-94ee-9b134e559034", "Tariff", "2"],
]


def _with_issue14_tariffs(journal: list[list[str]], aggregates: list[list[str]]
                          ) -> tuple[list[list[str]], list[list[str]]]:
    header, (first, shift) = journal[0], ISSUE14_ENTRY_SHIFT
    fixed = [journal[0]] + [
        [*row[:header.index("entry")], str(int(row[header.index("entry")]) + shift),
         *row[header.index("entry") + 1:]] if int(row[0]) >= int(first) else row
        for row in journal[1:]]
    return fixed, sorted([*aggregates, *ISSUE14_NEW_AGGREGATES])


def test_the_demo_written_today_gives_the_journal_written_before_the_move(tmp_path: Path) -> None:
    """The same commands through today's code give the same journal, line for line and cent for cent,
    but for the cents issue 9 corrects (ISSUE9_JOURNAL: one invoice whose old lines did not add up), the
    two events its instalment references add (ISSUE9_ENTRY_SHIFT) and the money the plan's cancellation
    moves since issue 11 (ISSUE11_CANCELLATION), and the standard tariffs the demo defines since issue 14
    (ISSUE14_ENTRY_SHIFT).

    Only the time each event was recorded differs (it is the wall clock at recording).
    """
    spec = importlib.util.spec_from_file_location("make_store", FIXTURE / "make_store.py")
    assert spec is not None and spec.loader is not None
    make_store = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_store)
    make_store.write_store(tmp_path)

    def without_record_time(text: str) -> list[list[str]]:
        rows = list(csv.reader(io.StringIO(text)))
        recorded = rows[0].index("recorded_at")
        return [row[:recorded] + row[recorded + 1:] for row in rows]

    today = without_record_time((tmp_path / "journal.csv").read_text(encoding="utf-8"))
    frozen = _with_issue11_books((FIXTURE / "journal.csv").read_text(encoding="utf-8")).decode("utf-8")
    aggregates = json.loads(gzip.decompress((FIXTURE / "aggregates.json.gz").read_bytes()))
    before, accounts = _with_issue14_tariffs(*_with_issue10_refund(*_with_issue11_cancellation(
        *_with_issue9_cents(without_record_time(frozen), aggregates))))
    assert len(today) > 1000
    assert today == before
    assert json.loads((tmp_path / "aggregates.json").read_text(encoding="utf-8")) == accounts


def test_an_old_refund_reads_as_made_and_its_transfer_is_still_written(old_store: str) -> None:
    """The old code refunded a receipt in one event (``Refunded``), to an IBAN the money did not come from;
    since issue 10 that takes a request and an approval. The old refund still reads as made, with no
    request or approval of its own, and its pain.001 is written as before; the receipt awaits nothing."""
    svc = build(old_store)
    try:
        item = svc.app.repository.get(UUID("e75281fc-7e9f-5b87-8459-c785c5f5f87b"))
        assert (item.status, item.refund_request, item.approved_by) == ("refunded", None, None)
        assert item.refund_to == ("Maija Meikäläinen", "FI2112345600000785", "Helsinki", "FI",
                                  date(2026, 11, 23))
        transfer = refund_file(svc, item.id)
        assert b"<IBAN>FI2112345600000785</IBAN>" in transfer.content
        assert transfer.control_sum == Decimal("120.00")
        svc.projections.catch_up()
        assert svc.view.suspense("awaiting-approval") == []
    finally:
        svc.close()


def test_an_old_plan_cancellation_still_leaves_its_instalments_open(old_store: str) -> None:
    """Stored before a cancellation put the plan's principal back on the originals: it moved nothing, so
    its originals stay cleared and its instalments stay open items, dunned like any other (issue 11)."""
    svc = build(old_store)
    try:
        account = svc.app.repository.get(UUID("3c0cddce-5cb0-5b51-8bca-87fa7bec2a9a"))
        (cancelled,) = account.past_plans
        assert (cancelled.status, cancelled.restored, cancelled.interest_reversed) == (
            "cancelled", (), Decimal("0.00"))
        assert all(not account.items[a.item_id].is_open for a in cancelled.originals)
        assert [account.items[i].open_amount for i in cancelled.item_ids] == [
            Decimal("215.29"), Decimal("215.27"), Decimal("215.27")]
        assert account.interest_covered == ()
    finally:
        svc.close()


def test_an_old_invoice_whose_lines_do_not_add_up_reads_as_written_and_is_credited_to_the_cent(
        old_store: str) -> None:
    """INV-2026-000303 (water, billed by the old code) printed 17.700 m3 x 0.950000 = 16.81 and
    51.500 m3 x 0.450000 = 23.17: the cents of the float products, not of the printed figures (16.815 ->
    16.82, 23.175 -> 23.18; issue 9). Its stored lines still read as written. A full credit note credits
    exactly what it charged, and prints those two lines as lump sums (quantity 1, the amount as unit
    price, the old figures in the description), so that every line of the credit note adds up too."""
    svc = build(old_store)
    try:
        invoice = svc.app.repository.get(document_id("INV-2026-000303"))
        assert [(str(li.quantity), str(li.unit_price), str(li.amount)) for li in invoice.lines] == [
            ("59.000", "0.250000", "14.75"), ("17.700", "0.950000", "16.81"), ("17.700", "1.600000", "28.32"),
            ("16.100", "2.900000", "46.69"), ("51.500", "0.450000", "23.17")]
        result = svc.app.execute(ac.IssueCreditNote("INV-2026-000303", "issue 9 check",
                                                    issue_date=date(2026, 11, 23)), "credit-000303")
        note = svc.app.repository.get(document_id(result["number"]))
        assert note.totals == invoice.totals
        assert [(li.description, str(li.quantity), li.unit, str(li.unit_price), str(li.amount))
                for li in note.lines] == [
            ("standing: fixed charge per day", "59.000", "day", "0.250000", "14.75"),
            ("energy: block 1 (as invoiced: 17.700 m3 x 0.950000)", "1", "lump sum", "16.81", "16.81"),
            ("energy: block 2", "17.700", "m3", "1.600000", "28.32"),
            ("energy: block 3", "16.100", "m3", "2.900000", "46.69"),
            ("sewer: per-unit charge (as invoiced: 51.500 m3 x 0.450000)", "1", "lump sum", "23.17", "23.17")]
        assert all(li.amount == round_cents(li.quantity * li.unit_price) for li in note.lines)
        assert svc.app.repository.get(invoice.id).credited == invoice.totals.gross
    finally:
        svc.close()


def test_a_true_up_of_an_old_invoice_that_does_not_add_up_credits_it_exactly(old_store: str) -> None:
    """The water meter of INV-2026-000303 gets a corrected reading with the same index: re-rated today,
    January-February gives the lines of issue 9's rule (16.82 and 23.18 where the old invoice printed
    16.81 and 23.17), so the run credits the old invoice exactly (the two lines as lump sums) and
    re-bills the period with lines that add up."""
    svc = build(old_store, clock=lambda: date(2026, 11, 23))
    try:
        svc.app.execute(b.RecordReading("ES0031406399500001YL", date(2026, 2, 28), Decimal("1571.90"),
                                        ReadingSource.CORRECTION, supersedes="ES0031406399500001YL#2"),
                        "correct-000303")
        invoice = svc.app.repository.get(document_id("INV-2026-000303"))
        report = run_billing(svc.app, date(2026, 1, 1), date(2026, 2, 28), contracts=[invoice.contract_id])
        assert (report.errors, report.invoices, report.credit_notes) == (0, 1, 1), report.issues
        history = svc.app.repository.get(ContractBilling.id_for(invoice.contract_id))
        credit, rebill = (svc.app.repository.get(document_id(n)) for n in history.documents()[-2:])
        assert credit.corrects == "INV-2026-000303" and credit.totals == invoice.totals
        assert [(li.unit, str(li.amount)) for li in credit.lines if li.unit == "lump sum"] == [
            ("lump sum", "16.81"), ("lump sum", "23.17")]
        assert [str(li.amount) for li in rebill.lines] == ["14.75", "16.82", "28.32", "46.69", "23.18"]
        assert str(rebill.totals.gross) == "142.74"  # 129.76 + 10 % VAT 12.976 -> 12.98
        for document in (credit, rebill):
            assert all(li.amount == round_cents(li.quantity * li.unit_price) for li in document.lines)
        assert svc.app.repository.get(invoice.id).credited == invoice.totals.gross
    finally:
        svc.close()


def test_an_old_account_belongs_to_the_default_company(old_store: str) -> None:
    """Issue 11: accounts opened before companies existed name none and so belong to the default company."""
    svc = build(old_store)
    try:
        accounts = [a for a in (svc.app.repository.get(e.originator_id)
                                for e in svc.app.recorder.select_notifications(1, 100_000)
                                if e.originator_version == 1)
                    if type(a).__name__ == "ContractAccount"]
        assert accounts and {a.company for a in accounts} == {None}
        assert {svc.app.company_of(a).code for a in accounts} == {svc.app.config.code}
    finally:
        svc.close()


def test_the_dunning_history_lists_every_old_step_under_the_default_company(old_store: str) -> None:
    """Issue 11: the dunning history has its own tracking name, so on a store written before it existed
    it starts from position 0 and lists every step stored (under the topics of before the move), each in
    the default company; old steps name no procedure version (0: the procedure as shipped)."""
    svc = build(old_store)
    try:
        with api_client(svc, "auditor") as http:
            steps = http.get("/dunning/history", params={"limit": 500}).json()["items"]
            assert len(steps) == 15 and {s["company"] for s in steps} == {svc.app.config.code}
            assert {s["procedure_version"] for s in steps} == {0} and all(s["rule"] for s in steps)
            default = http.get("/dunning/history", params={"limit": 500, "company": svc.app.config.code})
            assert [s["step_id"] for s in default.json()["items"]] == [s["step_id"] for s in steps]
    finally:
        svc.close()


def test_old_contracts_and_partners_read_as_signed_after_the_updates_as_events(old_store: str) -> None:
    """Issue 11 (updates as events): a contract signed before frequencies had dates is billed by its one
    frequency over its whole life, an old billing history's undated VAT rate holds for every period, and
    an old partner's e-mail finds it in the search."""
    from ledger.accounts.contract import Contract
    from ledger.billing.decisions import billing_periods, contract_periods
    from ledger.parties.partner import BusinessPartner

    svc = build(old_store)
    try:
        created = [svc.app.repository.get(n.originator_id) for n in svc.app.recorder.select_notifications(
            1, 100_000) if n.originator_version == 1]
        contracts = [a for a in created if isinstance(a, Contract)]
        assert contracts
        window = (date(2024, 1, 1), date(2028, 12, 31))
        for c in contracts:
            assert c.frequency_spans() == [(c.billing_frequency, c.start_date, c.end_date)]
            assert contract_periods(c, *window) == billing_periods(c.billing_frequency.months, c.start_date,
                                                                   c.end_date, *window)
        for history in (a for a in created if isinstance(a, ContractBilling)):
            assert history.vat_rate_on(date(2024, 1, 1)) == history.vat_rate_on(date(2030, 1, 1)) == (
                history.vat_rate)
        partners = [a for a in created if isinstance(a, BusinessPartner)]
        assert partners and all(p.contact is None for p in partners)
        svc.catalog.catch_up()
        for p in (p for p in partners if p.email):
            assert ("email", str(p.id)) in {(h.kind, h.entity_id) for h in svc.view.search(p.email)}
    finally:
        svc.close()
