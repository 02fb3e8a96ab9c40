"""The reading review list over HTTP (issue 11): held (implausible) self-readings listed for the staff,
accepted or rejected by finance with a reason, under an Idempotency-Key; JSON and CSV, paged."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from ledger.billing import commands as b
from ledger.billing.readings import MeterReadings, ReadingSource
from tests.auth import api_client
from tests.clerk import Clerk

POD = "IT001E55500011"


def _held(clerk: Clerk) -> list[str]:
    """Actual reads 1000 (31 Dec) and 1310 (31 Jan): 10 a day. Self-readings of 9999 (20 Feb) and 2000
    (21 Feb) are both far above that: held for review."""
    clerk.run(b.RecordReading(POD, date(2025, 12, 31), Decimal("1000")))
    clerk.run(b.RecordReading(POD, date(2026, 1, 31), Decimal("1310")))
    held = [clerk.run(b.RecordReading(POD, date(2026, 2, day), Decimal(index), ReadingSource.SELF_READING))
            for day, index in ((20, "9999"), (21, "2000"))]
    assert all(h["held_for_review"] for h in held)
    return [str(h["reading_id"]) for h in held]


def _path(reading_id: str, decision: str) -> str:
    return f"/readings/reviews/{quote(reading_id, safe='')}/{decision}"


def test_the_staff_list_held_readings_paged_as_json_and_csv(clerk: Clerk) -> None:
    wrong, real = _held(clerk)
    with api_client(clerk.services, "auditor") as http:
        first = http.get("/readings/reviews", params={"limit": 1}).json()
        assert [i["reading_id"] for i in first["items"]] == [wrong] and first["next"]
        second = http.get("/readings/reviews", params={"limit": 1, "after": first["next"]}).json()
        assert [(i["reading_id"], i["index"], i["supply_point"]) for i in second["items"]] == [
            (real, "2000", POD)] and second["next"] is None
        assert "more than 3x" in first["items"][0]["problem"]
        rows = list(csv.DictReader(io.StringIO(http.get("/readings/reviews", params={"format": "csv"}).text)))
        assert [(r["reading_id"], r["index"], r["source"]) for r in rows] == [
            (wrong, "9999", "self-reading"), (real, "2000", "self-reading")]
        assert http.get("/readings/reviews", params={"supply_point": "IT001E00000000"}).json()["items"] == []
        assert http.get("/readings/reviews", params={"after": "nonsense"}).status_code == 422
        denied = http.post(_path(real, "acceptance"), json={}, headers={"Idempotency-Key": "a"})
        assert denied.status_code == 403


def test_finance_accepts_and_rejects_with_a_reason_and_a_retry_replays(clerk: Clerk) -> None:
    wrong, real = _held(clerk)
    with api_client(clerk.services, "finance") as http:
        r = http.post(_path(wrong, "rejection"), json={"reason": " "}, headers={"Idempotency-Key": "rj-0"})
        assert r.status_code == 422 and "reason" in r.text
        r = http.post(_path(wrong, "rejection"), json={"reason": "typo: one digit too many"},
                      headers={"Idempotency-Key": "rj-1"})
        assert r.status_code == 201 and r.json()["status"] == "rejected", r.text
        again = http.post(_path(wrong, "rejection"), json={"reason": "typo: one digit too many"},
                          headers={"Idempotency-Key": "rj-1"})
        assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
        r = http.post(_path(real, "acceptance"), json={"note": "photo of the meter checked"},
                      headers={"Idempotency-Key": "ac-1"})
        assert r.status_code == 201 and r.json() == {"reading_id": real, "status": "accepted"}
        assert http.get("/readings/reviews").json()["items"] == []
        # Decided already: a new request is a conflict, not a second decision.
        r = http.post(_path(wrong, "acceptance"), json={}, headers={"Idempotency-Key": "ac-2"})
        assert r.status_code == 409, r.text
        r = http.post(_path("no-hash-mark", "acceptance"), json={}, headers={"Idempotency-Key": "ac-3"})
        assert r.status_code == 422 and "reading_id" in r.text
        r = http.post(_path("IT001E00000000#1", "rejection"), json={"reason": "x"},
                      headers={"Idempotency-Key": "ac-4"})
        assert r.status_code == 404 and "supply_point" in r.text
    meter = clerk.services.app.find(MeterReadings, MeterReadings.id_for(POD))
    assert meter is not None and meter.counts(real) and not meter.counts(wrong)
    assert (meter.reviews[real].status, meter.reviews[wrong].status) == ("accepted", "rejected")


def test_the_list_pages_past_its_first_page_in_the_domain_order(clerk: Clerk) -> None:
    """Six held readings on two meters, paged two at a time: every one once, oldest held first, and the
    supply point filter applied before the page is cut."""
    held = _held(clerk)
    other = "IT001E55500022"
    clerk.run(b.RecordReading(other, date(2025, 12, 31), Decimal("1000")))
    clerk.run(b.RecordReading(other, date(2026, 1, 31), Decimal("1310")))
    for day in (10, 11, 12, 13):
        r = clerk.run(b.RecordReading(other, date(2026, 2, day), Decimal(9000 + day),
                                      ReadingSource.SELF_READING))
        held.append(str(r["reading_id"]))
    seen: list[str] = []
    with api_client(clerk.services, "finance") as http:
        after = None
        while True:
            page = {"limit": 2, **({"after": after} if after else {})}
            body = http.get("/readings/reviews", params=page).json()
            assert len(body["items"]) <= 2
            seen += [i["reading_id"] for i in body["items"]]
            after = body["next"]
            if after is None:
                break
        assert sorted(seen) == sorted(held) and len(seen) == 6
        one = http.get("/readings/reviews", params={"limit": 3, "supply_point": other}).json()
        assert [i["supply_point"] for i in one["items"]] == [other] * 3 and one["next"]
