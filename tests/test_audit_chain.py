"""The tamper-evident history (issue 10 §5): a hash chain over the stored events, written with them.

Every test tampers with the store through raw SQL, on SQLite and on PostgreSQL, and checks that
``saldo audit verify`` fails naming the first position that was changed, removed, inserted or swapped.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.bootstrap import build
from api.cli import audit
from api.cli import main as saldo
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind
from projections.chain import GENESIS, link
from projections.chain_sql import BrokenChain, chain_head, chained, verify_chain
from tests.clerk import Clerk
from tests.tamper import Store
from tests.test_old_store import _unpack


def _history(clerk: Clerk) -> None:
    """Two customers, two invoices, a payment: a couple of dozen events over several transactions."""
    for name in ("Mario Rossi", "Lucia Bianchi"):
        account = clerk.customer(name)
        invoice = clerk.bill(account, "100.00")
        clerk.pay(account, "50.00", invoice["number"])


def _verify(url: str, capsys: pytest.CaptureFixture[str], *checkpoints: Path) -> tuple[int, str]:
    capsys.readouterr()
    code = saldo(["--database-url", url, "audit", "verify",
                  *(a for c in checkpoints for a in ("--checkpoint", str(c)))])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_an_untouched_store_verifies_and_its_links_are_the_documented_hash(
        clerk: Clerk, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    store = Store(store_url)
    events = store.sql("SELECT {position}, topic, originator_id, originator_version, state FROM {events} "
                       "ORDER BY {position}")
    previous = GENESIS
    recorder = chained(clerk.services.app.recorder)
    expected = []
    for position, topic, oid, version, state in events:
        previous = link(previous, topic, recorder.chain.originator(oid), version, bytes(state))
        expected.append((position, previous))
    stored = [(p, bytes(h))
              for p, h in store.sql("SELECT position, link FROM saldo_event_chain ORDER BY position")]
    assert stored == expected and len(stored) > 20
    code, out = _verify(store_url, capsys)
    assert code == 0, out
    assert f"chain intact: {len(events)} events; head at position {events[-1][0]}" in out


def test_a_changed_state_is_named_by_its_position(clerk: Clerk, store_url: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    store = Store(store_url)
    paid = store.positions("PaymentReceived")[0]
    store.update_state(paid, store.state(paid).replace(b"50.00", b"5.00"))
    code, out = _verify(store_url, capsys)
    assert code == 1
    assert f"chain broken at position {paid} (changed)" in out


def test_a_state_rewritten_as_text_is_named_as_changed_not_a_crash(
        clerk: Clerk, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """In SQLite's shell ``UPDATE stored_events SET state = state || ' '`` leaves TEXT where a BLOB was
    (PostgreSQL's bytea keeps bytes either way): verify must name it, not fail reading it."""
    _history(clerk)
    store = Store(store_url)
    paid = store.positions("PaymentReceived")[0]
    if store_url.startswith("sqlite"):
        store.sql("UPDATE {events} SET state = CAST(state AS TEXT) || ' ' WHERE {position} = ?", (paid,))
    else:
        store.sql("UPDATE {events} SET state = state || '\\x20'::bytea WHERE {position} = ?", (paid,))
    code, out = _verify(store_url, capsys)
    assert code == 1, out
    assert f"chain broken at position {paid} (changed)" in out


def test_a_removed_event_is_named_by_its_position(clerk: Clerk, store_url: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    store = Store(store_url)
    invoiced = store.positions("InvoicePosted")[1]
    store.delete(invoiced)
    code, out = _verify(store_url, capsys)
    assert code == 1
    assert f"chain broken at position {invoiced} (removed)" in out


def test_two_swapped_events_are_named_by_the_first(clerk: Clerk, store_url: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    store = Store(store_url)
    first, second = store.positions("InvoicePosted")[0], store.positions("PaymentReceived")[0]
    store.swap(first, second)
    code, out = _verify(store_url, capsys)
    assert code == 1
    assert f"chain broken at position {first} (changed)" in out


def test_an_inserted_event_is_named_by_its_position_and_no_later_write_links_it(
        clerk: Clerk, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    store = Store(store_url)
    forged = store.insert_copy(store.positions("PaymentReceived")[0])
    code, out = _verify(store_url, capsys)
    assert code == 1
    assert f"chain broken at position {forged} (inserted)" in out
    clerk.customer("Anna Verdi")  # Saldo writes on: its links follow the chain's head, not the forgery
    code, out = _verify(store_url, capsys)
    assert code == 1
    assert f"chain broken at position {forged} (inserted)" in out


def test_a_checkpoint_kept_elsewhere_exposes_a_recomputed_chain(
        clerk: Clerk, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _history(clerk)
    monkeypatch.setattr(audit, "clock", lambda: datetime(2026, 12, 31, 18, 0, tzinfo=UTC))
    kept = tmp_path / "checkpoint.json"
    assert saldo(["--database-url", store_url, "audit", "checkpoint", "--output", str(kept)]) == 0
    head = chain_head(chained(clerk.services.app.recorder))
    assert head is not None
    assert json.loads(kept.read_text()) == {"position": head[0], "hash": head[1].hex(),
                                            "time": "2026-12-31T18:00:00+00:00"}
    code, out = _verify(store_url, capsys, kept)
    assert code == 0, out
    # Someone who can write the database changes a payment and recomputes the whole chain.
    store = Store(store_url)
    paid = store.positions("PaymentReceived")[0]
    store.update_state(paid, store.state(paid).replace(b"50.00", b"5.00"))
    store.empty_chain()
    clerk.customer("Anna Verdi")  # the next write links the store again, the forgery included
    assert _verify(store_url, capsys)[0] == 0
    code, out = _verify(store_url, capsys, kept)
    assert code == 1
    assert f"chain broken at position {head[0]} (checkpoint)" in out


def test_a_checkpoint_past_the_end_of_the_store_is_reported(
        clerk: Clerk, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    kept = tmp_path / "checkpoint.json"
    assert saldo(["--database-url", store_url, "audit", "checkpoint", "--output", str(kept)]) == 0
    position = json.loads(kept.read_text())["position"]
    store = Store(store_url)
    store.delete(position)
    store.sql("DELETE FROM saldo_event_chain WHERE position = ?", (position,))  # the tail, link and all
    assert _verify(store_url, capsys)[0] == 0  # nothing in the store itself says so ...
    code, out = _verify(store_url, capsys, kept)  # ... the checkpoint does
    assert code == 1
    assert f"chain broken at position {position} (checkpoint)" in out


def test_a_malformed_checkpoint_file_is_refused_naming_it(
        clerk: Clerk, store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    bad = tmp_path / "bad.json"
    bad.write_text('{"position": 3, "hash": "zz", "time": "2026-12-31T18:00:00+00:00"}')
    code, out = _verify(store_url, capsys, bad)
    assert code == 2
    assert f"{bad}: not a checkpoint" in out


def test_concurrent_writers_never_fork_the_chain(store_url: str) -> None:
    svc = build(store_url)
    try:
        def register(worker: int) -> None:
            for i in range(8):
                svc.app.execute(pc.RegisterPartner(f"P{worker}-{i}", PartnerKind.PERSON), f"w{worker}-{i}")
        threads = [threading.Thread(target=register, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report = verify_chain(chained(svc.app.recorder))
        assert report.problem is None
        assert report.events == len(Store(store_url).sql("SELECT {position} FROM {events}")) == 4 * 8 * 2
    finally:
        svc.close()


def test_a_write_after_the_store_lost_its_last_events_is_refused(clerk: Clerk, store_url: str) -> None:
    _history(clerk)
    store = Store(store_url)
    last = store.sql("SELECT MAX({position}) FROM {events}")[0][0]
    store.delete(last)
    if store.sqlite:  # SQLite hands the freed rowid out again: the chain's head is not before it
        with pytest.raises(BrokenChain, match="events were removed from the store's end"):
            clerk.services.app.execute(pc.RegisterPartner("Anna Verdi", PartnerKind.PERSON), "anna")
    else:  # PostgreSQL's sequence moves on: the write extends the chain, verification names the gap
        clerk.services.app.execute(pc.RegisterPartner("Anna Verdi", PartnerKind.PERSON), "anna")
        report = verify_chain(chained(clerk.services.app.recorder))
        assert report.problem is not None
        assert (report.problem.position, report.problem.kind) == (last, "removed")


def test_an_old_store_without_a_chain_fails_verification_until_backfilled(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The frozen store of tests/test_old_store.py was written before the chain existed."""
    url = f"sqlite:///{_unpack(tmp_path)}"
    code, out = _verify(url, capsys)
    assert code == 1
    assert "chain broken at position 1 (unsealed)" in out and "saldo audit backfill" in out
    assert saldo(["--database-url", url, "audit", "backfill"]) == 0
    assert "linked 2177 events" in capsys.readouterr().out
    assert _verify(url, capsys)[0] == 0
    assert saldo(["--database-url", url, "audit", "backfill"]) == 0
    assert "nothing to link" in capsys.readouterr().out


def test_the_first_write_to_a_store_without_a_chain_links_every_older_event(
        clerk: Clerk, store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _history(clerk)
    store = Store(store_url)
    store.empty_chain()
    assert "(unsealed)" in _verify(store_url, capsys)[1]
    clerk.customer("Anna Verdi")
    code, out = _verify(store_url, capsys)
    assert code == 0, out
    (events,) = store.sql("SELECT COUNT(*) FROM {events}")[0]
    assert f"chain intact: {events} events" in out
