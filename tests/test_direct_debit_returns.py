"""Returns nobody may miss (issue 9, finding 5): whole groups and blocks rejected, every status reported,
returns that do not agree with what we sent held for a person, and returns in a bank statement.

The files are in tests/fixtures/sepa/ (README.md there says where each comes from); they name the runs
of tests/dd_scenario.py by their fixed ids.
"""

from __future__ import annotations

import argparse
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from importers.sepa import service as dd
from ledger.collections import DEFAULT_POLICY
from ledger.collections import commands as d
from tests.auth import api_client, new_key
from tests.clerk import Clerk
from tests.dd_scenario import Run, dd_customer, run_today

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sepa"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def status_of(clerk: Clerk, e2e: str) -> tuple[str, str | None]:
    row = clerk.services.view.collections_by_e2e([e2e])[e2e]
    return row[2], row[8]


def group_run(clerk: Clerk) -> tuple[Run, UUID, UUID]:
    g1 = dd_customer(clerk, "g1", "Mario Rossi", "UMR-G-0001", "IT87V0306909606000000000001")
    g2 = dd_customer(clerk, "g2", "Anna Verdi", "UMR-G-0002", "IT64W0306909606000000000002")
    clerk.bill(g1, "84.20", vat="0")
    clerk.bill(g2, "61.00", vat="0")
    clerk.clock.advance(10)
    run = run_today(clerk, "group-run")
    assert run.message_id == "SALDO-fc2eaf73e85d5de58db3"  # the id the fixtures quote
    assert run.blocks == {"FRST-2026-03-11": ("DDFC2EAF73E80000001", "DDFC2EAF73E80000002")}
    return run, g1, g2


def test_a_whole_message_rejected_returns_every_collection_in_it(clerk: Clerk) -> None:
    run, g1, g2 = group_run(clerk)
    report = dd.import_returns(clerk.services, fixture("pain002_group_rejected.xml"), "group.xml")
    assert (report.returned, report.by_action, report.matched_by) == (
        2, {"fix-data-resubmit": 2}, {"group-reject": 2})
    assert [(s["level"], s["status"], s.get("reason")) for s in report.statuses] == [
        ("group", "RJCT", "FF01")]
    for e2e in run.collections:
        assert status_of(clerk, e2e) == ("returned", "FF01")
    assert (clerk.owes(g1), clerk.owes(g2)) == (Decimal("84.20"), Decimal("61.00"))  # FF01: no fee
    again = dd.import_returns(clerk.services, fixture("pain002_group_rejected.xml"), "group.xml")
    assert (again.returned, again.duplicates) == (0, 2)


def test_a_message_reject_whose_totals_are_not_ours_is_held_not_applied(clerk: Clerk) -> None:
    run, g1, _ = group_run(clerk)
    report = dd.import_returns(clerk.services, fixture("pain002_group_control_sum_differs.xml"), "g.xml")
    assert report.returned == 0
    (held,) = report.reviews
    assert held["problem"] == "totals-differ" and held["reason"] == "AM10"
    assert "3 transactions for 229.40" in held["detail"] and "2 for 145.20" in held["detail"]
    assert all(status_of(clerk, e2e) == ("pending", None) for e2e in run.collections)
    assert clerk.owes(g1) == 0
    (row,) = clerk.services.view.return_reviews()
    assert (row[0], row[2], row[7], row[14]) == (held["review_id"], "totals-differ", "group",
                                                 "SALDO-fc2eaf73e85d5de58db3")


def test_a_reject_of_a_message_we_never_sent_is_held_for_a_person(clerk: Clerk) -> None:
    group_run(clerk)
    body = (Path(__file__).parent / "sepa" / "fixtures" / "pain002_group_reject.xml").read_bytes()
    report = dd.import_returns(clerk.services, body, "other.xml")
    assert report.returned == 0
    assert [(r["problem"], r["reason"]) for r in report.reviews] == [("unknown-message", "FF01")]
    assert "MSG-2026-0003" in report.reviews[0]["detail"]


def test_a_rejected_block_returns_its_collections_and_the_accepted_block_stands(clerk: Clerk) -> None:
    b1 = dd_customer(clerk, "b1", "Giulia Bianchi", "UMR-B-0001", "IT02D0306909606000000000041")
    b2 = dd_customer(clerk, "b2", "Luca Neri", "UMR-B-0002", "IT76E0306909606000000000042")
    clerk.bill(b1, "20.00", vat="0")
    clerk.clock.advance(10)
    run_today(clerk, "block-run-1")
    dd.settle_due(clerk.services, clerk.clock.today)
    clerk.bill(b1, "30.00", vat="0")
    clerk.bill(b2, "40.00", vat="0")
    clerk.clock.advance(10)
    run = run_today(clerk, "block-run-2")
    assert run.message_id == "SALDO-1c60c7adfba75d70ac9e"
    assert run.blocks == {"FRST-2026-03-21": ("DD1C60C7ADFB0000001",),
                          "RCUR-2026-03-21": ("DD1C60C7ADFB0000002",)}
    report = dd.import_returns(clerk.services, fixture("pain002_block_rejected.xml"), "block.xml")
    assert (report.returned, report.by_action, report.matched_by) == (1, {"retry": 1}, {"payment-reject": 1})
    assert [(s["level"], s.get("payment_information_id"), s["status"]) for s in report.statuses] == [
        ("group", None, "PART"), ("payment", "FRST-2026-03-21", "ACCP"),
        ("payment", "RCUR-2026-03-21", "RJCT")]
    assert status_of(clerk, "DD1C60C7ADFB0000002") == ("returned", "MS03")
    assert status_of(clerk, "DD1C60C7ADFB0000001") == ("pending", None)
    rule = DEFAULT_POLICY.rule_for("MS03")
    assert clerk.owes(b1) == Decimal("30.00") + rule.bank_charge + rule.return_fee
    assert clerk.owes(b2) == 0


def status_run(clerk: Clerk) -> tuple[UUID, UUID, UUID]:
    s1 = dd_customer(clerk, "s1", "Marta Ferri", "UMR-S-0001", "IT48Z0306909606000000000021")
    s2 = dd_customer(clerk, "s2", "Paolo Conti", "UMR-S-0002", "IT18A0306909606000000000022")
    s3 = dd_customer(clerk, "s3", "Elena Gallo", "UMR-S-0003", "IT92B0306909606000000000023")
    for account, amount in ((s1, "84.20"), (s2, "30.00"), (s3, "19.90")):
        clerk.bill(account, amount, vat="0")
    clerk.clock.advance(10)
    run = run_today(clerk, "status-run")
    assert {e: (a, amount) for e, (a, amount) in run.collections.items()} == {
        "DDD6E775EAAC0000001": (s1, "84.20"), "DDD6E775EAAC0000002": (s3, "19.90"),
        "DDD6E775EAAC0000003": (s2, "30.00")}
    return s1, s2, s3


def test_every_status_is_reported_and_only_the_rejected_transaction_is_applied(clerk: Clerk) -> None:
    s1, s2, s3 = status_run(clerk)
    first = dd.import_returns(clerk.services, fixture("pain002_accepted_technical.xml"), "actc.xml")
    assert (first.returned, first.reviews, first.refused) == (0, [], [])
    assert [(s["level"], s["status"], s["meaning"]) for s in first.statuses] == [
        ("group", "ACTC", "accepted after technical validation: syntax and format are fine")]
    report = dd.import_returns(clerk.services, fixture("pain002_part_pending.xml"), "part.xml")
    assert (report.returned, report.by_action, report.reviews) == (1, {"retry": 1}, [])
    assert [(s["level"], s.get("end_to_end_id"), s["status"]) for s in report.statuses] == [
        ("group", None, "PART"), ("payment", None, "PART"),
        ("transaction", "DDD6E775EAAC0000001", "RJCT"), ("transaction", "DDD6E775EAAC0000003", "PDNG"),
        ("transaction", "DDD6E775EAAC0000002", "ACSC")]
    pending = report.statuses[3]
    assert pending["meaning"].startswith("pending") and "debtor agent" in pending["additional_info"]
    assert status_of(clerk, "DDD6E775EAAC0000001") == ("returned", "AM04")
    assert status_of(clerk, "DDD6E775EAAC0000003") == ("pending", None)
    assert status_of(clerk, "DDD6E775EAAC0000002") == ("pending", None)
    assert clerk.owes(s1) > Decimal("84.20") and clerk.owes(s2) == 0 and clerk.owes(s3) == 0


def mismatch_run(clerk: Clerk) -> tuple[UUID, UUID]:
    m1 = dd_customer(clerk, "m1", "Sara Neri", "UMR-M-0001", "IT70B0306909606000000000031")
    m2 = dd_customer(clerk, "m2", "Marco Verdi", "UMR-M-0002", "IT47C0306909606000000000032")
    clerk.bill(m1, "50.00", vat="0")
    clerk.bill(m2, "70.00", vat="0")
    clerk.clock.advance(10)
    run = run_today(clerk, "mismatch-run")
    assert run.collections == {"DD6A37992BF50000001": (m2, "70.00"), "DD6A37992BF50000002": (m1, "50.00")}
    return m1, m2


def test_rejects_that_disagree_with_what_we_sent_wait_for_a_person(clerk: Clerk) -> None:
    m1, m2 = mismatch_run(clerk)
    report = dd.import_returns(clerk.services, fixture("pain002_mismatches.xml"), "mismatch.xml")
    assert report.returned == 0
    assert [(r["problem"], r.get("end_to_end_id"), r["reason"]) for r in report.reviews] == [
        ("amount-differs", "DD6A37992BF50000002", "AM04"),
        ("mandate-differs", "DD6A37992BF50000001", "AC04"),
        ("unknown-collection", "DD6A37992BF50000009", "MS02")]
    assert "returns 55.00" in report.reviews[0]["detail"] and "was 50.00" in report.reviews[0]["detail"]
    assert "UMR-M-0099" in report.reviews[1]["detail"] and "UMR-M-0002" in report.reviews[1]["detail"]
    # the unknown one is listed with the collection of that mandate and amount it could be
    assert report.reviews[2]["candidates"] == "DD6A37992BF50000001"
    assert [u["end_to_end_id"] for u in report.unknown] == ["DD6A37992BF50000009"]
    assert (clerk.owes(m1), clerk.owes(m2)) == (0, 0)
    assert status_of(clerk, "DD6A37992BF50000002") == ("pending", None)
    again = dd.import_returns(clerk.services, fixture("pain002_mismatches.xml"), "mismatch-again.xml")
    assert [r["held_before"] for r in again.reviews] == ["yes", "yes", "yes"]
    assert len(clerk.services.view.return_reviews()) == 3  # nothing new on the worklist

    review = UUID(report.reviews[0]["review_id"])
    result = clerk.run(d.ApplyReviewedReturn(review, m1, "DD6A37992BF50000002", "bank confirmed: 50.00"))
    assert (result["action"], result["status"]) == ("retry", "applied")
    assert status_of(clerk, "DD6A37992BF50000002") == ("returned", "AM04")
    assert clerk.owes(m1) == Decimal("50.00") + DEFAULT_POLICY.rule_for("AM04").bank_charge + Decimal("5.00")
    clerk.run(d.DismissReturnReview(UUID(report.reviews[2]["review_id"]), "not ours: another creditor"))
    left = clerk.services.view.return_reviews()
    assert [r[2] for r in left] == ["mandate-differs"]
    resolved = {r[2]: (r[1], r[17]) for r in clerk.services.view.return_reviews(None)}
    assert resolved["amount-differs"] == ("applied", "applied to DD6A37992BF50000002: bank confirmed: 50.00")
    assert resolved["unknown-collection"] == ("dismissed", "not ours: another creditor")


def test_the_held_returns_are_a_worklist_over_http(clerk: Clerk) -> None:
    m1, _ = mismatch_run(clerk)
    with api_client(clerk.services) as http:
        body = fixture("pain002_mismatches.xml")
        upload = http.post("/direct-debit/returns", files={"file": ("status.xml", body, "application/xml")},
                           headers=new_key())
        assert upload.status_code == 201, upload.text
        assert [r["problem"] for r in upload.json()["reviews"]] == [
            "amount-differs", "mandate-differs", "unknown-collection"]
        listed = http.get("/direct-debit/returns/reviews").json()
        first = listed[0]
        assert (first["amount"], first["end_to_end_id"], first["candidates"]) == (
            "55.00", "DD6A37992BF50000002", ["DD6A37992BF50000002"])
        assert (first["source"], first["level"]) == ("pain.002", "transaction")
        assert first["where"].endswith("OrgnlPmtInfAndSts[1]/TxInfAndSts[1]")
        url = f"/direct-debit/returns/reviews/{first['review_id']}"
        missing = http.post(f"{url}/application", headers={"Idempotency-Key": "a0"},
                            json={"end_to_end_id": "DD-NOT-OURS", "note": "typo"})
        assert missing.status_code == 404 and missing.json()["errors"][0]["field"] == "end_to_end_id"
        applied = http.post(f"{url}/application", headers={"Idempotency-Key": "a1"},
                            json={"end_to_end_id": "DD6A37992BF50000002", "note": "bank confirmed 50.00"})
        assert applied.status_code == 201 and applied.json()["action"] == "retry"
        twice = http.post(f"{url}/dismissal", headers={"Idempotency-Key": "a2"},
                          json={"reason": "changed mind"})
        assert twice.status_code == 409
        dismissed = http.post(f"/direct-debit/returns/reviews/{listed[2]['review_id']}/dismissal",
                              headers={"Idempotency-Key": "a3"}, json={"reason": "another creditor's"})
        assert dismissed.status_code == 201
        assert [r["problem"] for r in http.get("/direct-debit/returns/reviews").json()] == ["mandate-differs"]
        every = http.get("/direct-debit/returns/reviews", params={"status": "all"}).json()
        assert [r["status"] for r in every] == ["applied", "open", "dismissed"]
    assert clerk.owes(m1) == Decimal("58.50")


def test_the_command_line_says_what_was_applied_held_and_stated(
        clerk: Clerk, capsys: pytest.CaptureFixture[str]) -> None:
    from api.cli.collections import cmd_returns

    status_run(clerk)
    files = [str(FIXTURES / "pain002_part_pending.xml"), str(FIXTURES / "pain002_mismatches.xml")]
    assert cmd_returns(clerk.services, argparse.Namespace(files=files)) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].endswith("pain002_part_pending.xml: 1 returns, 1 applied {'retry': 1}, 0 duplicates, "
                               "0 held for a person (0 unknown collections)")
    assert "  status PDNG (transaction): line 60, OrgnlPmtInfAndSts[1]/TxInfAndSts[2]: pending: further " \
           "checks; a final status follows" in printed
    held = [line for line in printed if line.startswith("  held for a person:")]
    assert len(held) == 3 and all("unknown-collection" in line for line in held)  # another run's ids
