"""Contract accounts are snapshotted, and a snapshot never changes what an account is (issue 12).

An account lives for decades; replaying all of it on every command made a payment on a ten-year-old
account cost 30× one on a new account. The application snapshots accounts every
:data:`ledger.application.ACCOUNT_SNAPSHOT_INTERVAL` events. A snapshot is derived data: an account loaded
from its latest snapshot and the events after it must equal the account replayed from its first event,
attribute by attribute, at whatever version the snapshot was taken, and the snapshot must never enter the
journal (the notification log the projections, the audit trail and the hash chain read).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Snapshot

from api.bootstrap import Services, build
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.application import ACCOUNT_SNAPSHOT_INTERVAL, Saldo
from ledger.collections import commands as d
from ledger.core.snapshots import STAMP, StampedSnapshot
from ledger.dunning import LockKind
from ledger.dunning import commands as dn
from ledger.payments import commands as pmt
from projections.bulk_load import BulkLoader
from projections.chain_sql import chained, verify_chain
from tests.clerk import Clerk, energy_line
from tests.test_old_store import old_store  # the frozen store, on both stores

__all__ = ["old_store"]


def _replayed(app: Saldo, account: UUID, upto: int | None = None) -> Any:
    aggregate = None
    for stored in app.events.get(account, lte=upto):
        aggregate = stored.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def _from_snapshot_at(app: Saldo, account: UUID, version: int) -> Any:
    """The account as a snapshot taken at ``version`` and written to the store gives it back, then the
    events after it."""
    assert app.snapshots is not None
    snapshot = StampedSnapshot.take(_replayed(app, account, version))
    stored = app.snapshots.mapper.to_stored_event(snapshot)
    aggregate = app.snapshots.mapper.to_domain_event(stored).mutate(None)  # type: ignore[attr-defined]
    for event in app.events.get(account, gt=version):
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def assert_same_from_any_snapshot(app: Saldo, account: UUID) -> int:
    """Every version of the account, snapshotted and continued, equals its full replay; returns the
    number of versions checked."""
    full = _replayed(app, account)
    assert isinstance(full, ContractAccount)
    for version in range(1, full.version + 1):
        again = _from_snapshot_at(app, account, version)
        assert vars(again) == vars(full), f"account {account} differs when snapshotted at {version}"
        assert again.balance == full.balance and again.open_items() == full.open_items()
    loaded = app.repository.get(account)  # from the snapshot the application took, if any
    assert vars(loaded) == vars(full)
    return full.version


def _long_history(clerk: Clerk, commands: int) -> UUID:
    account = clerk.customer()
    for n in range(commands // 2):
        invoice = clerk.bill(account, "40.00")
        clerk.pay(account, "30.00" if n % 3 else "55.00", invoice["number"])
    return account


def test_an_account_is_snapshotted_and_loads_the_same(clerk: Clerk) -> None:
    account = _long_history(clerk, ACCOUNT_SNAPSHOT_INTERVAL * 2 + 6)
    app = clerk.services.app
    assert app.snapshots is not None
    taken = [s.originator_version for s in app.snapshots.get(account)]
    version = app.repository.get(account).version
    assert version > ACCOUNT_SNAPSHOT_INTERVAL * 2
    # Only the latest is kept: the older ones are superseded.
    assert taken == [version // ACCOUNT_SNAPSHOT_INTERVAL * ACCOUNT_SNAPSHOT_INTERVAL]
    assert assert_same_from_any_snapshot(app, account) > ACCOUNT_SNAPSHOT_INTERVAL * 2


def test_a_snapshot_keeps_what_reversals_and_resets_of_old_payments_need(clerk: Clerk) -> None:
    """A payment from before the latest snapshot is reversed and another's clearing reset after it."""
    account = clerk.customer()
    first = clerk.bill(account, "100.00")
    paid = clerk.pay(account, "50.00", first["number"])
    again = clerk.pay(account, "72.00", first["number"])
    _long_history_on(clerk, account, ACCOUNT_SNAPSHOT_INTERVAL + 4)
    clerk.run(pmt.ReversePayment(account, paid["payment_id"], "recalled by the bank"))
    clerk.run(pmt.ResetClearing(account, again["payment_id"], "booked on the wrong invoice"))
    assert_same_from_any_snapshot(clerk.services.app, account)
    loaded = clerk.services.app.repository.get(account)
    assert loaded.payments[paid["payment_id"]].reversed
    assert loaded.item_by_number(first["number"]).open_amount == Decimal("122.00")  # 100 + 22 % VAT
    assert loaded.balance == Decimal("50.00")  # the 72.00 whose clearing was reset is credit


def _long_history_on(clerk: Clerk, account: UUID, commands: int) -> None:
    for _ in range(commands // 2):
        invoice = clerk.bill(account, "10.00")
        clerk.pay(account, "12.20", invoice["number"])


def test_every_part_of_an_account_survives_a_snapshot(clerk: Clerk, services: Services) -> None:
    """A mandate, a credit note, a dunning lock, a partial payment: every part of the state transcoded."""
    account = clerk.customer()
    clerk.run(d.RegisterMandate(account, "UMR-SNAP-1", date(2026, 1, 2), "Mario Rossi",
                                "IT60X0542811101000000123456"))
    invoice = clerk.bill(account, "80.00")
    clerk.run(ac.IssueCreditNote(invoice["number"], "meter misread", (energy_line("10.00"),)))
    clerk.run(dn.SetDunningLock(account, LockKind.DISPUTE, "customer disputes the reading",
                                date(2026, 12, 31)))
    clerk.pay(account, "20.00", invoice["number"])
    clerk.clock.advance(90)
    clerk.bill(account, "5.00")
    assert assert_same_from_any_snapshot(services.app, account) >= 6


def test_old_accounts_load_the_same_from_a_snapshot(old_store: str) -> None:
    """Every contract account of the frozen demo journal, snapshotted at every version."""
    svc = build(old_store)
    try:
        accounts = [n.originator_id for n in svc.app.recorder.select_notifications(1, 100_000)
                    if n.originator_version == 1 and n.topic.endswith(":ContractAccount.Opened")]
        assert len(accounts) > 20
        checked = sum(assert_same_from_any_snapshot(svc.app, UUID(str(a))) for a in accounts)
        assert checked > len(accounts) * 3
    finally:
        svc.close()


def test_snapshots_are_not_in_the_journal_and_the_chain_still_verifies(clerk: Clerk) -> None:
    account = _long_history(clerk, ACCOUNT_SNAPSHOT_INTERVAL * 2)
    app = clerk.services.app
    assert app.snapshots is not None and list(app.snapshots.get(account))
    topics = {n.topic for n in app.recorder.select_notifications(1, 1_000_000)}
    assert not any("Snapshot" in t for t in topics)
    report = verify_chain(chained(app.recorder))
    assert report.intact and report.events > ACCOUNT_SNAPSHOT_INTERVAL * 2


def test_the_bulk_loader_reads_the_snapshot_and_gives_the_same_account(clerk: Clerk) -> None:
    """Batches preload their accounts in one query: from the latest snapshot and the events after it."""
    app = clerk.services.app
    long = _long_history(clerk, ACCOUNT_SNAPSHOT_INTERVAL * 3 + 3)
    short = clerk.customer("Anna Bianchi")
    loader = BulkLoader(app)
    loaded = loader([long, short])
    assert vars(loaded[long]) == vars(_replayed(app, long))
    assert vars(loaded[short]) == vars(_replayed(app, short))
    assert loader.events_read <= ACCOUNT_SNAPSHOT_INTERVAL + 2  # not the account's whole history


def test_a_long_account_loads_from_its_latest_snapshot_and_few_events(clerk: Clerk) -> None:
    """The cost of loading: the latest snapshot and fewer than the interval's events, however long."""
    account = _long_history(clerk, ACCOUNT_SNAPSHOT_INTERVAL * 4)
    app = clerk.services.app
    assert app.snapshots is not None
    (latest,) = app.snapshots.get(account, desc=True, limit=1)
    assert app.repository.get(account).version - latest.originator_version < ACCOUNT_SNAPSHOT_INTERVAL


def _rewrite_latest_snapshot(app: Saldo, account: UUID, state: dict[str, Any],
                             cls: type = StampedSnapshot) -> int:
    """Put a snapshot with another ``state`` in place of the account's latest one; return its version."""
    assert app.snapshots is not None
    (latest,) = app.snapshots.get(account, desc=True, limit=1)
    app.snapshot_pruner(account, latest.originator_version + 1)  # type: ignore[misc]
    app.snapshots.put([cls(originator_id=account, originator_version=latest.originator_version,
                           timestamp=latest.timestamp, topic=latest.topic, state=state)])
    return int(latest.originator_version)


def test_a_snapshot_taken_by_other_code_is_passed_over(clerk: Clerk) -> None:
    """A release that changes the account's code cannot restore a snapshot the old code took: it replays."""
    app = clerk.services.app
    account = _long_history(clerk, ACCOUNT_SNAPSHOT_INTERVAL + 10)
    full = _replayed(app, account)
    (latest,) = app.snapshots.get(account, desc=True, limit=1)  # type: ignore[union-attr]
    # What an older release would have written: an attribute since renamed, another one missing.
    old_state = {k: v for k, v in latest.state.items() if k != "credit"}
    _rewrite_latest_snapshot(app, account, {**old_state, "credit_on_account": full.credit, STAMP: "older"})
    assert vars(app.repository.get(account)) == vars(full)
    assert vars(BulkLoader(app)([account])[account]) == vars(full)
    clerk.pay(account, "1.00")  # and commands go on
    assert app.repository.get(account).balance == full.balance - Decimal("1.00")


def test_a_snapshot_from_before_stamps_is_read_as_before(clerk: Clerk) -> None:
    app = clerk.services.app
    account = _long_history(clerk, ACCOUNT_SNAPSHOT_INTERVAL + 10)
    (latest,) = app.snapshots.get(account, desc=True, limit=1)  # type: ignore[union-attr]
    # What a snapshot before stamps held: the whole state as the library takes it (no rows, no archive).
    whole = StampedSnapshot.take(app.repository.get(account, version=latest.originator_version))
    plain = {k: v for k, v in whole.state.items() if k != STAMP}
    version = _rewrite_latest_snapshot(app, account, {**plain, "name": "as the snapshot says"}, Snapshot)
    assert version % ACCOUNT_SNAPSHOT_INTERVAL == 0
    assert app.repository.get(account).name == "as the snapshot says"  # it was read, not passed over
    assert BulkLoader(app)([account])[account].name == "as the snapshot says"


def test_the_code_digest_covers_the_rules_the_account_applies_events_with() -> None:
    """Changing how allocations clear items (clearing) or money is kept (money) changes what a replay
    gives, so it must make older snapshots stale as a change of the account's own module does."""
    from ledger.core.snapshots import _modules_of, code_stamp

    modules = _modules_of(ContractAccount)
    assert {"ledger.accounts.account", "ledger.accounts.clearing", "ledger.accounts.payments_received",
            "ledger.core.money", "ledger.dunning.account_part", "ledger.collections.account_part",
            } <= set(modules)
    assert code_stamp(ContractAccount) == code_stamp(ContractAccount) != code_stamp(Saldo)
