"""A pruned snapshot changes nothing an account answers or does (issue 12).

The snapshots the application takes leave out the records an account has settled for good (cleared items
no one names, the payments that cleared them: :mod:`ledger.accounts.archiving`), and fetch them back from
the events when something asks for one (:mod:`ledger.core.archive`). Two installations run the same long
random history, command by command with the same idempotency keys and the same clock: one snapshots its
accounts every few events (so almost every load starts from a pruned snapshot), the other never snapshots
them (every load is the full replay). Every command must give the same result or the same refusal and
write the same events, and every query asked of the account the same answer.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from api.bootstrap import Services, build
from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.application import ACCOUNT_SNAPSHOT_INTERVAL, Saldo
from ledger.collections import commands as d
from ledger.core import archive, snapshots
from ledger.core.archive import ArchivedMap, ArchiveUnavailable, IdFilter
from ledger.dunning import LockKind
from ledger.dunning import commands as dn
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from ledger.payments import commands as pmt
from projections.bulk_load import BulkLoader
from tests.auth import api_client
from tests.clerk import Clock, energy_line
from tests.conftest import _postgres_schema_url

IBAN = "IT60X0542811101000000123456"

#: Events between two snapshots of an account on the snapshotting side: small, so that nearly every
#: command loads a pruned snapshot and a few events.
EVERY = 3


@pytest.fixture
def full_url(store_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second empty store of the same kind as ``store_url``: the installation that never snapshots."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/full.sqlite"
        return
    pg = request.getfixturevalue("pg_url")
    schema = f"t_{UUID(int=random.getrandbits(128)).hex[:12]}"
    yield _postgres_schema_url(pg, schema)
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _installation(url: str, clock: Clock, every: int | None) -> Services:
    svc = build(url, clock=clock)
    intervals = {k: v for k, v in Saldo.snapshotting_intervals.items() if k is not ContractAccount}
    if every is not None:
        intervals[ContractAccount] = every
    svc.app.snapshotting_intervals = intervals
    return svc


class Twins:
    """The same commands on the pruning installation and on the one that replays in full."""

    def __init__(self, pruned: Services, full: Services) -> None:
        self.pruned, self.full = pruned, full
        self.n = 0
        self.outcomes = Counter[tuple[str, str]]()  #: (command, "ok" or the refusal's type)

    def run(self, command: object) -> Any:
        self.n += 1
        outcomes = []
        for svc in (self.pruned, self.full):
            try:
                outcome: Any = ("ok", svc.app.execute(command, f"twin-{self.n}"))
            except Exception as e:  # a refusal is an outcome to compare
                outcome = ("refused", type(e).__name__, str(e))
            svc.projections.catch_up()
            outcomes.append(outcome)
        assert outcomes[0] == outcomes[1], f"command {self.n} {command!r} differs"
        first = outcomes[0]
        self.outcomes[type(command).__name__, first[0] if first[0] == "ok" else first[1]] += 1
        return outcomes[0]

    def events(self, svc: Services) -> list[dict[str, Any]]:
        found = []
        for n in svc.app.recorder.select_notifications(1, 1_000_000):
            event = svc.app.mapper.to_domain_event(n)
            found.append({k: v for k, v in vars(event).items() if k != "timestamp"} | {"topic": n.topic})
        return found


def _answers(account: ContractAccount, today: date) -> tuple[Any, ...]:
    """What queries read off the loaded account, the cheap ones first (before anything fetches back)."""
    cheap = (account.balance, account.open_total, account.credit, account.open_items(), account.item_seq)
    return (*cheap, account.dunning_state(today), sorted(account.payments.items()),
            {i.item_id: i.document_number for i in account.items.values()})


def _asks_for_archived(svc: Services, account: UUID, command: object) -> str:
    """Whether ``command`` names a record the account's latest snapshot left out: "payment", "invoice"."""
    loaded = svc.app.repository.get(account)
    if isinstance(command, pmt.ReversePayment | pmt.ResetClearing):
        payments = loaded.payments
        pruned = isinstance(payments, ArchivedMap) and payments.may_be_archived(command.payment_id)
        return "payment" if pruned else ""
    if isinstance(command, pmt.RecordPayment) and command.invoice_numbers:
        named = svc.app.repository.get(account)  # a second copy: looking the number up fetches back
        by_number = {i.document_number: i.item_id for i in named.items.values()}
        items = loaded.items
        named_id = by_number[command.invoice_numbers[0]]
        pruned = isinstance(items, ArchivedMap) and items.may_be_archived(named_id)
        return "invoice" if pruned else ""
    return ""


def _runs_and_plans(twins: Twins, rng: random.Random, account: UUID, invoices: list[str],
                    today: date) -> None:
    """A dunning run, a direct debit run (and the return or settlement of a collection), or a plan."""
    roll = rng.random()
    if roll < 0.4:
        proposed = twins.run(dn.ProposeDunningRun((account,), today))
        if proposed[0] == "ok":
            twins.run(dn.ExecuteDunningRun(UUID(proposed[1]["run_id"])))
    elif roll < 0.8:
        proposed = twins.run(d.ProposeCollectionRun(today + timedelta(days=60), today + timedelta(days=2),
                                                    (account,)))
        if proposed[0] == "ok":
            twins.run(d.ExecuteCollectionRun(UUID(proposed[1]["run_id"])))
        collections = sorted(twins.full.app.repository.get(account).collections)
        if collections:
            e2e = rng.choice(collections)
            later = today + timedelta(days=3)
            twins.run(d.ReturnCollection(account, e2e, "AM04", later) if rng.random() < 0.5
                      else d.SettleCollection(account, e2e, later))
    else:
        open_now = [i.document_number for i in twins.full.app.repository.get(account).open_items()
                    if i.document_number in invoices]
        if open_now:
            plan = dn.CreateInstalmentPlan(account, (rng.choice(open_now),), 3, today + timedelta(days=30))
            twins.run(plan)


def _random_command(rng: random.Random, account: UUID, invoices: list[str], payments: list[str],
                    today: date) -> object:
    roll = rng.random()
    if roll < 0.35 or not invoices:
        net = f"{rng.randint(5, 90)}.{rng.randint(0, 99):02d}"
        return ac.IssueInvoice(account, (energy_line(net),), today)
    amount = Decimal(f"{rng.randint(1, 120)}.{rng.randint(0, 99):02d}")
    if roll < 0.65:
        return pmt.RecordPayment(account, amount, today)
    if roll < 0.75:  # naming an invoice, often one paid long ago (archived by now)
        return pmt.RecordPayment(account, amount, today, invoice_numbers=(rng.choice(invoices),))
    if roll < 0.83 and payments:
        return pmt.ReversePayment(account, rng.choice(payments), "recalled by the bank")
    if roll < 0.90 and payments:
        return pmt.ResetClearing(account, rng.choice(payments), "booked on the wrong invoice")
    if roll < 0.97:
        return ac.IssueCreditNote(rng.choice(invoices), "meter misread", (energy_line("3.00"),))
    return dn.SetDunningLock(account, LockKind.DISPUTE, "customer disputes the reading",
                             today + timedelta(days=20), rng.choice((None, rng.choice(invoices))))


@pytest.mark.parametrize(("seed", "capacity"), [(12, archive.MIN_CAPACITY), (7, 2),
                                               (99, archive.MIN_CAPACITY)])
def test_a_long_random_history_answers_the_same_from_pruned_snapshots(
        store_url: str, full_url: str, seed: int, capacity: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``capacity`` 2 the filter of archived ids fills up again and again: each time the snapshot
    fetches the archive back and rebuilds it twice as large."""
    monkeypatch.setattr(archive, "MIN_CAPACITY", capacity)
    full_filters: list[None] = []

    def counting(*args: Any) -> Any:
        found = filters(*args)
        if found is None:
            full_filters.append(None)
        return found

    filters = snapshots._filters
    monkeypatch.setattr(snapshots, "_filters", counting)
    clock = Clock(date(2016, 1, 1))
    pruned, full = _installation(store_url, clock, EVERY), _installation(full_url, clock, None)
    try:
        twins = Twins(pruned, full)
        rng = random.Random(seed)
        partner = twins.run(pc.RegisterPartner("Mario Rossi", PartnerKind.PERSON,
                                               address=PostalAddress("Via Roma 1", "98122", "Messina", "IT")))
        opened = twins.run(ac.OpenContractAccount(UUID(partner[1]["partner_id"]), "home"))
        account = UUID(opened[1]["account_id"])
        twins.run(d.RegisterMandate(account, "UMR-TWIN-1", date(2016, 1, 1), "Mario Rossi", IBAN))
        invoices: list[str] = []
        payments: list[str] = []
        was_pruned, archived_asked = 0, Counter[str]()
        for _ in range(160):
            clock.advance(rng.choice((0, 1, 3, 10, 31)))
            if rng.random() < 0.12:
                _runs_and_plans(twins, rng, account, invoices, clock.today)
            command = _random_command(rng, account, invoices, payments, clock.today)
            archived_asked[_asks_for_archived(pruned, account, command)] += 1
            outcome = twins.run(command)
            if outcome[0] == "ok" and "invoice_id" in outcome[1]:
                invoices.append(outcome[1]["number"])
            if outcome[0] == "ok" and "payment_id" in outcome[1]:
                payments.append(outcome[1]["payment_id"])
            loaded = pruned.app.repository.get(account)
            was_pruned += isinstance(loaded.items, ArchivedMap) and loaded.items.is_pruned
            assert _answers(loaded, clock.today) == _answers(full.app.repository.get(account), clock.today)
        assert was_pruned > 100, "the history must have run on pruned snapshots"
        # Reversals and resets of payments the snapshot had archived, payments naming archived invoices.
        assert archived_asked["payment"] >= 5 and archived_asked["invoice"] >= 3, archived_asked
        assert len(invoices) > 30 and len(payments) > 30
        assert twins.events(pruned) == twins.events(full)
        for path in (f"/accounts/{account}/dunning", f"/accounts/{account}/payments?limit=500",
                     f"/accounts/{account}/open-items", f"/accounts/{account}/balance"):
            answers = [api_client(svc, "auditor").get(path) for svc in (pruned, full)]
            assert answers[0].status_code == 200 and answers[0].json() == answers[1].json(), path
        done = {c for (c, outcome), _ in twins.outcomes.items() if outcome == "ok"}
        assert {"ReversePayment", "ResetClearing", "IssueCreditNote", "ExecuteDunningRun",
                "ExecuteCollectionRun", "CreateInstalmentPlan", "SetDunningLock"} <= done, twins.outcomes
        assert done & {"ReturnCollection", "SettleCollection"}, twins.outcomes
        assert bool(full_filters) == (capacity == 2)  # the rebuilds ran, when the filter was small
    finally:
        pruned.close()
        full.close()


def _long_account(clerk: Any, pairs: int) -> tuple[UUID, list[dict[str, Any]]]:
    account = clerk.customer()
    paid = []
    for _ in range(pairs):
        invoice = clerk.bill(account, "40.00")
        paid.append(clerk.pay(account, "48.80", invoice["number"]))
    return account, paid


def test_a_payment_older_than_the_horizon_is_reversed_with_the_events_a_full_replay_gives(
        clerk: Any) -> None:
    app = clerk.services.app
    account, paid = _long_account(clerk, ACCOUNT_SNAPSHOT_INTERVAL)
    oldest = paid[0]["payment_id"]
    loaded = app.repository.get(account)
    assert isinstance(loaded.payments, ArchivedMap) and loaded.payments.may_be_archived(oldest)
    assert len(loaded.payments.live_values()) < 5 and len(loaded.items.live_values()) < 5
    expected = _replayed(app, account)
    expected.reverse_payment(oldest, clerk.clock.today, "recalled by the bank")
    clerk.run(pmt.ReversePayment(account, oldest, "recalled by the bank"))
    (written,) = app.events.get(account, gt=expected.version - 1)
    (wanted,) = expected.collect_events()
    assert {k: v for k, v in vars(written).items() if k != "timestamp"} == {
        k: v for k, v in vars(wanted).items() if k != "timestamp"}
    assert app.repository.get(account).balance == Decimal("48.80")


def test_a_plain_payment_on_a_long_account_fetches_nothing_back(clerk: Any) -> None:
    """The everyday command reads the live records only: the archive stays where it is."""
    app = clerk.services.app
    account, _ = _long_account(clerk, ACCOUNT_SNAPSHOT_INTERVAL)
    latest = clerk.bill(account, "10.00")
    loaded = app.repository.get(account)
    assert loaded.payments.is_pruned and loaded.items.is_pruned
    before = (loaded.balance, loaded.open_items())
    loaded.receive_payment("fresh-payment", Decimal("5.00"), "EUR", clerk.clock.today, "bank:x")
    # A payer naming an open invoice: looked up by its number, among the live items only.
    item = loaded.item_by_number(latest["number"])
    loaded.receive_payment("named-payment", Decimal("1.00"), "EUR", clerk.clock.today, "bank:x",
                           named_items=(item.item_id,))
    assert loaded.payments.is_pruned and loaded.items.is_pruned, "the payments fetched the archive back"
    assert loaded.items[item.item_id].open_amount == Decimal("6.20")  # 12.20 - 5.00 - 1.00
    assert loaded.balance == before[0] - Decimal("6.00") and len(before[1]) == 1
    (batch,) = BulkLoader(app)([account]).values()
    assert batch.items.is_pruned  # the batch loader starts from the pruned snapshot too
    assert vars(batch) == vars(_replayed(app, account))  # and fetches the rest back when compared


def _replayed(app: Saldo, account: UUID) -> Any:
    aggregate = None
    for event in app.events.get(account):
        aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
    return aggregate


def test_an_archived_map_fetches_back_for_anything_that_reads_every_record() -> None:
    full = {f"i{n}": n for n in range(40)}
    archived = [k for k in full if int(k[1:]) % 3]
    fetched = []

    def fetch() -> dict[str, int]:
        fetched.append(1)
        return full

    def pruned() -> ArchivedMap[str, int]:
        live = {k: v for k, v in full.items() if k not in archived}
        return ArchivedMap(live, IdFilter.sized_for(len(archived)).adding(archived), fetch)

    assert all(pruned().may_be_archived(k) for k in archived)  # a filter never forgets an id
    m = pruned()
    assert "i0" in m and m["i0"] == 0 and m.get("i999") is None and "i999" not in m
    assert not fetched and m.live_values() == [v for k, v in full.items() if k not in archived]
    for read in (list, len, dict, sorted, lambda x: x.copy(), lambda x: x == full, lambda x: x["i1"],
                 lambda x: x.get("i2"), lambda x: "i4" in x, lambda x: {**x}, lambda x: x | {},
                 lambda x: list(x.values()), lambda x: list(x.items())):
        m, n = pruned(), len(fetched)
        read(m)
        assert len(fetched) == n + 1 and not m.is_pruned and dict(m) == full and list(m) == list(full)
    m = pruned()
    m["i1"] = -1  # replaced without being read: not fetched now, and it keeps its place when it is
    assert m.is_pruned and not fetched[n + 1:]
    assert m["i1"] == -1 and list(m.items()) == list({**full, "i1": -1}.items())
    m = pruned()
    m["new"] = 7  # a new id never fetches back
    assert m.is_pruned and m["new"] == 7 and m == {**full, "new": 7} and list(m)[-1] == "new"
    ghost = ArchivedMap(dict(full), IdFilter.sized_for(1).adding(["ghost"]), fetch)  # "maybe", wrongly
    before = len(fetched)
    ghost["ghost"] = 9  # the filter's false positive costs no fetch
    assert ghost.is_pruned and len(fetched) == before and ghost["ghost"] == 9
    assert list(ghost.items()) == [*full.items(), ("ghost", 9)]  # where the full replay has it
    with pytest.raises(ArchiveUnavailable):
        ArchivedMap({}, IdFilter.sized_for(1).adding(["a"]), None).materialise()
