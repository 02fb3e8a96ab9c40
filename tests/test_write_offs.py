"""Write-offs and their reversal (issue 11 item 5): open items given up on are booked to ``bad-debt``,
reversibly, by finance only; the story test of the issue runs on both stores.

A write-off closes what is open of each named item (none named: the account's balance) with balanced
postings Dr bad-debt / Cr receivables per document; its reversal reopens exactly those amounts. Italy's
two-year prescription of energy bills is checked against each item's due date; a "small balance" has a
ceiling. Anyone but finance is refused, over HTTP and in the handler alike.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

import api.write_off_run
import ledger.accounts.write_off_runs
from api.write_off_run import cutoff, write_off_candidates
from ledger.accounts.account import ContractAccount
from ledger.accounts.write_off_handlers import ReverseWriteOff, WriteOff
from ledger.accounts.write_off_run_handlers import ExecuteWriteOffRun, ProposeWriteOffRun
from ledger.accounts.write_off_runs import WriteOffRun
from ledger.core.actor import SYSTEM, Actor, Channel, Role
from ledger.core.errors import Conflict, InvalidInput, NotPermitted
from tests.auth import api_client
from tests.clerk import Clerk, key

FINANCE = Actor("fina@example.com", Role.FINANCE, Channel.HTTP)
ACCOUNTING = Actor("acco@example.com", Role.ACCOUNTING, Channel.HTTP)


def as_finance(clerk: Clerk, command: object, actor: Actor = FINANCE, k: str | None = None) -> dict[str, Any]:
    result = clerk.services.app.execute(command, k or key("wo"), actor=actor)
    clerk.services.projections.catch_up()
    return result


def gl_cents(clerk: Clerk, gl_account: str, account: UUID | None = None) -> int:
    """Debit less credit of ``gl_account`` in the journal (of one contract account, if named)."""
    return sum(r[9] - r[10] for r in clerk.services.view.journal(0, 100_000)
               if r[8] == gl_account and (account is None or r[7] == str(account)))


def journal_is_balanced(clerk: Clerk) -> bool:
    rows = clerk.services.view.journal(0, 100_000)
    by_event: dict[int, int] = {}
    for r in rows:
        by_event[r[1]] = by_event.get(r[1], 0) + r[9] - r[10]
    return all(v == 0 for v in by_event.values())


def test_a_write_off_and_its_reversal_keep_balance_items_and_journal_right(clerk: Clerk) -> None:
    account = clerk.customer()
    first = clerk.bill(account, "100.00")["number"]  # 122.00 gross
    second = clerk.bill(account, "50.00")["number"]  # 61.00 gross
    clerk.pay(account, "22.00", first)  # 100.00 left open on the first
    assert clerk.owes(account) == Decimal("161.00")

    done = as_finance(clerk, WriteOff(account, "uncollectable", (first,), note="debtor untraceable"))
    assert (done["amount"], done["invoices"], done["balance"]) == ("100.00", [first], "61.00")
    assert clerk.owes(account) == Decimal("61.00")
    assert clerk.open_amounts(account) == {second: Decimal("61.00")}
    assert gl_cents(clerk, "bad-debt", account) == 10000
    assert gl_cents(clerk, "receivables", account) == 6100
    assert journal_is_balanced(clerk)
    written = [r for r in clerk.services.view.journal(0, 100_000) if r[8] == "bad-debt"]
    assert [(r[6], r[9], r[10]) for r in written] == [(first, 10000, 0)]

    back = as_finance(clerk, ReverseWriteOff(account, done["write_off_id"], "the customer turned up"))
    assert back["reversed_on"] == clerk.clock.today.isoformat() and back["balance"] == "161.00"
    assert clerk.owes(account) == Decimal("161.00")
    assert clerk.open_amounts(account) == {first: Decimal("100.00"), second: Decimal("61.00")}
    assert gl_cents(clerk, "bad-debt", account) == 0
    assert gl_cents(clerk, "receivables", account) == 16100
    assert journal_is_balanced(clerk)

    # The aggregate agrees with the view, and rebuilding the view reproduces it exactly.
    aggregate = clerk.services.app.repository.get(account)
    assert isinstance(aggregate, ContractAccount) and aggregate.balance == Decimal("161.00")
    live = clerk.services.view.dump()
    clerk.services.projections.rebuild()
    assert clerk.services.view.dump() == live

    # Reversed once is reversed; the item may be written off again.
    with pytest.raises(Conflict):
        as_finance(clerk, ReverseWriteOff(account, done["write_off_id"], "again"))
    again = as_finance(clerk, WriteOff(account, "uncollectable", (first,)))
    assert again["write_off_id"] != done["write_off_id"] and clerk.owes(account) == Decimal("61.00")


def test_writing_off_the_balance_closes_every_open_item_and_replays(clerk: Clerk) -> None:
    account = clerk.customer()
    clerk.bill(account, "10.00")
    clerk.bill(account, "20.00")
    k = key("balance")
    done = as_finance(clerk, WriteOff(account, "deceased"), k=k)
    assert done["amount"] == "36.60" and clerk.owes(account) == 0 and clerk.open_amounts(account) == {}
    assert as_finance(clerk, WriteOff(account, "deceased"), k=k)["replayed"] is True
    with pytest.raises(InvalidInput, match="nothing is open"):
        as_finance(clerk, WriteOff(account, "deceased"))


@pytest.mark.parametrize("actor", [SYSTEM, ACCOUNTING], ids=["system", "accounting"])
def test_only_finance_writes_off_or_reverses(clerk: Clerk, actor: Actor) -> None:
    account = clerk.customer()
    number = clerk.bill(account, "10.00")["number"]
    with pytest.raises(NotPermitted, match="only finance"):
        as_finance(clerk, WriteOff(account, "uncollectable", (number,)), actor)
    done = as_finance(clerk, WriteOff(account, "uncollectable", (number,)))
    with pytest.raises(NotPermitted, match="only finance"):
        as_finance(clerk, ReverseWriteOff(account, done["write_off_id"], "mistake"), actor)
    assert clerk.owes(account) == 0


def test_statute_of_limitations_takes_only_items_past_the_two_year_prescription(clerk: Clerk) -> None:
    account = clerk.customer()
    old = clerk.bill(account, "10.00", due=clerk.clock.today + timedelta(days=20))["number"]
    clerk.clock.advance(400)
    young = clerk.bill(account, "20.00")["number"]
    # Due 2026-03-21: prescribed two years later, on 2028-03-21 (not 730 days: 2028 is a leap year).
    clerk.clock.advance((date(2028, 3, 20) - clerk.clock.today).days)
    with pytest.raises(InvalidInput, match=f"{old} is not prescribed before 2028-03-21"):
        as_finance(clerk, WriteOff(account, "statute-of-limitations", (old,)))
    clerk.clock.advance(1)
    done = as_finance(clerk, WriteOff(account, "statute-of-limitations", (old,)))
    assert done["invoices"] == [old]
    with pytest.raises(InvalidInput, match=f"{young} is not prescribed"):
        as_finance(clerk, WriteOff(account, "statute-of-limitations", (young,)))


def test_a_small_balance_is_small_and_a_reason_is_one_of_the_four(clerk: Clerk) -> None:
    account = clerk.customer()
    big = clerk.bill(account, "10.00")["number"]  # 12.20
    with pytest.raises(InvalidInput, match="more than a small balance"):
        as_finance(clerk, WriteOff(account, "small-balance", (big,)))
    with pytest.raises(InvalidInput, match="reason must be one of"):
        as_finance(clerk, WriteOff(account, "bored", (big,)))
    with pytest.raises(InvalidInput, match="future day"):
        as_finance(clerk, WriteOff(account, "uncollectable", (big,), on=clerk.clock.today + timedelta(1)))
    assert clerk.owes(account) == Decimal("12.20")


def test_write_offs_over_http_are_finance_only_and_replay(clerk: Clerk) -> None:
    account = clerk.customer()
    number = clerk.bill(account, "10.00")["number"]
    body = {"reason": "uncollectable", "invoice_numbers": [number], "note": "gone"}
    url = f"/accounts/{account}/write-offs"
    with api_client(clerk.services, "accounting") as http:
        assert http.post(url, json=body, headers={"Idempotency-Key": "w1"}).status_code == 403
    with api_client(clerk.services, "finance") as http:
        made = http.post(url, json=body, headers={"Idempotency-Key": "w1"})
        assert made.status_code == 201, made.text
        assert made.headers["Idempotent-Replayed"] == "false" and made.json()["amount"] == "12.20"
        again = http.post(url, json=body, headers={"Idempotency-Key": "w1"})
        assert again.json() == made.json() and again.headers["Idempotent-Replayed"] == "true"
        bad = http.post(url, json={**body, "reason": "x" * 10_000}, headers={"Idempotency-Key": "w2"})
        assert bad.status_code == 422
        wid = made.json()["write_off_id"]
        back = http.post(f"{url}/{wid}/reversal", json={"reason": "paid after all"},
                         headers={"Idempotency-Key": "r1"})
        assert back.status_code == 201, back.text
        assert back.json()["balance"] == "12.20"
        listed = http.get(url)
        assert listed.status_code == 200
        assert [(w["write_off_id"], w["reversed_on"]) for w in listed.json()] == [
            (wid, clerk.clock.today.isoformat())]
    assert clerk.owes(account) == Decimal("12.20")


def test_old_accounts_load_with_nothing_written_off(clerk: Clerk) -> None:
    account = clerk.customer()
    aggregate = clerk.services.app.repository.get(account)
    assert aggregate.write_offs == ()  # the class default, not state set in __init__: old accounts too


def test_a_write_off_run_proposes_the_prescribed_items_and_executes_over_http(clerk: Clerk) -> None:
    old = clerk.customer("Old Debtor")
    prescribed = clerk.bill(old, "10.00")["number"]  # due 2026-03-21
    clerk.clock.advance((date(2027, 6, 1) - clerk.clock.today).days)
    younger = clerk.bill(old, "20.00")["number"]
    paying = clerk.customer("Paying Later")
    paid_later = clerk.bill(paying, "5.00")["number"]  # young: not proposed
    clerk.clock.advance((date(2028, 3, 21) - clerk.clock.today).days)
    with api_client(clerk.services, "finance") as http:
        headers = {"Idempotency-Key": "run-1"}
        proposed = http.post("/write-off-runs", json={"reason": "statute-of-limitations"}, headers=headers)
        assert proposed.status_code == 201, proposed.text
        run_id = proposed.json()["run_id"]
        assert (proposed.json()["accounts"], proposed.json()["amount"]) == (1, "12.20")
        read = http.get(f"/write-off-runs/{run_id}").json()
        assert [(p["account_id"], p["invoices"]) for p in read["proposals"]] == [(str(old), [prescribed])]
        assert clerk.owes(old) == Decimal("36.60")  # a proposal moves no money
        with api_client(clerk.services, "accounting") as other:
            assert other.post(f"/write-off-runs/{run_id}/execution",
                              headers={"Idempotency-Key": "x-1"}).status_code == 403
        done = http.post(f"/write-off-runs/{run_id}/execution", headers={"Idempotency-Key": "x-1"})
        assert done.status_code == 201, done.text
        assert (done.json()["status"], done.json()["written_off"]) == ("executed", 1)
        again = http.post(f"/write-off-runs/{run_id}/execution", headers={"Idempotency-Key": "x-1"})
        assert again.json() == done.json() and again.headers["Idempotent-Replayed"] == "true"
        other_key = http.post(f"/write-off-runs/{run_id}/execution", headers={"Idempotency-Key": "x-2"})
        assert other_key.status_code == 409  # executed once, whatever the key
    assert clerk.open_amounts(old) == {younger: Decimal("24.40")}
    assert clerk.open_amounts(paying) == {paid_later: Decimal("6.10")}
    assert gl_cents(clerk, "bad-debt") == 1220 and journal_is_balanced(clerk)


def test_a_run_skips_an_account_paid_since_the_proposal(clerk: Clerk) -> None:
    tiny = clerk.customer("Tiny")
    small = clerk.bill(tiny, "5.00", due=clerk.clock.today)["number"]  # 6.10 overdue tomorrow
    clerk.clock.advance(1)
    proposed = as_finance(clerk, ProposeWriteOffRun("small-balance", clerk.clock.today, (tiny,)))
    assert proposed["accounts"] == 1
    clerk.pay(tiny, "1.00", small)
    done = as_finance(clerk, ExecuteWriteOffRun(UUID(proposed["run_id"])))
    assert done["written_off"] == 0 and done["skipped"] == [{"account_id": str(tiny),
                                                             "why": "changed since the proposal"}]
    assert clerk.owes(tiny) == Decimal("5.10")
    with pytest.raises(NotPermitted):
        as_finance(clerk, ProposeWriteOffRun("small-balance", clerk.clock.today, (tiny,)), ACCOUNTING)
    with pytest.raises(InvalidInput, match="a write-off run is for"):
        as_finance(clerk, ProposeWriteOffRun("deceased", clerk.clock.today, (tiny,)))


def test_a_run_pages_through_its_candidates_and_proposes_what_one_look_at_all_would(clerk: Clerk) -> None:
    """Seven overdue accounts: five small balances (6.10 each), one large (122.00), one paid in part
    (5.10 left, small too). Looked through two accounts at a time, the run proposes exactly what the
    handler proposes when given every overdue account at once (what the run did before it paged), and
    never loads more than two accounts at once."""
    accounts = [clerk.customer(f"Small {n}") for n in range(5)]
    for account in accounts:
        clerk.bill(account, "5.00", due=clerk.clock.today)
    large = clerk.customer("Large")
    clerk.bill(large, "100.00", due=clerk.clock.today)
    in_part = clerk.customer("Paid in part")
    clerk.bill(in_part, "5.00", due=clerk.clock.today)
    clerk.pay(in_part, "1.00")
    clerk.clock.advance(1)
    on = clerk.clock.today
    svc = clerk.services
    everyone = tuple(UUID(i) for i in svc.view.overdue_accounts(cutoff("small-balance", on).isoformat()))
    assert len(everyone) == 7
    loaded: list[int] = []
    real_loader = svc.app.bulk_loader
    assert real_loader is not None

    def counting(ids: Any) -> Any:
        loaded.append(len(ids))
        return real_loader(ids)

    svc.app.bulk_loader = counting
    try:
        paged = write_off_candidates(svc, "small-balance", on, batch=2)
    finally:
        svc.app.bulk_loader = real_loader
    assert max(loaded) <= 2 and sum(loaded) == 7
    assert write_off_candidates(svc, "small-balance", on, batch=10_000) == paged
    one_shot = as_finance(clerk, ProposeWriteOffRun("small-balance", on, everyone))
    by_pages = as_finance(clerk, ProposeWriteOffRun("small-balance", on, paged))
    assert sorted(paged) == sorted([*accounts, in_part]) and large not in paged
    strip = ("run_id",)
    assert {k: v for k, v in one_shot.items() if k not in strip} == {
        k: v for k, v in by_pages.items() if k not in strip}
    runs = [svc.app.get(WriteOffRun, UUID(r["run_id"]), "run", "run_id") for r in (one_shot, by_pages)]
    assert runs[0].proposals == runs[1].proposals and len(runs[0].proposals) == 6


def test_a_run_over_more_accounts_than_it_may_hold_is_refused_as_before(
        clerk: Clerk, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a run limit of three, four small balances: refused with the proposal's own error, whether the
    accounts are looked through a page at a time (which stops at the fourth found) or all at once."""
    monkeypatch.setattr(ledger.accounts.write_off_runs, "MAX_WRITE_OFF_RUN_ACCOUNTS", 3)
    monkeypatch.setattr(api.write_off_run, "MAX_WRITE_OFF_RUN_ACCOUNTS", 3)
    for n in range(5):
        clerk.bill(clerk.customer(f"Small {n}"), "5.00", due=clerk.clock.today)
    clerk.clock.advance(1)
    on = clerk.clock.today
    paged = write_off_candidates(clerk.services, "small-balance", on, batch=2)
    assert len(paged) == 4  # stopped at the fourth: the run cannot hold it
    for ids in (paged, tuple(UUID(i) for i in clerk.services.view.overdue_accounts(
            cutoff("small-balance", on).isoformat()))):
        with pytest.raises(InvalidInput, match="at most 3 accounts") as info:
            as_finance(clerk, ProposeWriteOffRun("small-balance", on, ids))
        assert info.value.field == "on"
    with api_client(clerk.services, "finance") as http:
        r = http.post("/write-off-runs", json={"reason": "small-balance"}, headers={"Idempotency-Key": "big"})
        assert r.status_code == 422 and "at most 3 accounts" in r.text
