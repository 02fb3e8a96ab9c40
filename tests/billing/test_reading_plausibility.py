"""Plausibility of self-readings against actual reads only, on both sides, with a review list for what is
not plausible (held, never the baseline), on both stores.

The audit's case: a self-reading of 99999 three days after an actual 500 was accepted (too few days to
judge a daily rate), became part of the history, and then made a plausible reading fail ("less than 1/3 of
the historical" average it had inflated)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from importers.readings import import_readings
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy
from ledger.billing.readings import MeterReadings, ReadingSource
from ledger.core.errors import Conflict, InvalidInput, NotFound
from tests.billing.helpers import BillingClerk, D, pod


def _meter(biller: BillingClerk, *reads: tuple[date, str]) -> tuple[str, UUID]:
    biller.tariff("FLAT", FlatEnergy(D("0.2")))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT")
    for day, index in reads:
        biller.read(sp, day, index)
    return sp, contract


def _self_reading(biller: BillingClerk, contract: UUID, day: date, index: str) -> dict[str, object]:
    return biller.run(b.SubmitSelfReading(contract, day, D(index)))


def _effective(biller: BillingClerk, sp: str) -> list[tuple[date, Decimal, ReadingSource]]:
    readings: MeterReadings = biller.app.repository.get(MeterReadings.id_for(sp))
    return [(r.read_on, r.index, r.source) for r in readings.effective()]


def test_the_99999_self_reading_is_held_for_review_and_a_later_plausible_one_is_accepted(
        biller: BillingClerk) -> None:
    """Actual reads 200 (31 Dec) and 500 (31 Jan): 300 in 31 days, 9.68 a day. 99999 on 3 February is
    99,499 in 3 days: more than 3 × 9.68 a day even over a whole week (203.2), so it is held. 800 on
    28 February (300 in 28 days, 10.71 a day) is plausible against the actual reads, and billing uses it."""
    sp, contract = _meter(biller, (date(2025, 12, 31), "200"), (date(2026, 1, 31), "500"))
    held = _self_reading(biller, contract, date(2026, 2, 3), "99999")
    assert (held["accepted"], held["held_for_review"]) == (False, True)
    assert "more than 3x the historical 9.68 per day" in str(held["problem"])
    (review,) = biller.app.billing.reading_reviews()
    assert (review.reading_id, review.supply_point, review.index, review.source, review.problem) == (
        held["reading_id"], sp, D("99999"), ReadingSource.SELF_READING, held["problem"])
    assert (date(2026, 2, 3), D("99999"), ReadingSource.SELF_READING) not in _effective(biller, sp)

    later = _self_reading(biller, contract, date(2026, 2, 28), "800")
    assert (later["accepted"], later["held_for_review"]) == (True, False)
    report = biller.bill(date(2026, 1, 1), date(2026, 2, 28))
    assert report.errors == 0, report.issues
    (invoice,) = biller.documents(contract)
    assert invoice.lines[0].quantity == D("600.000")  # 800 - 200, never 99999


def test_a_self_reading_in_the_past_is_checked_against_the_next_actual_read_too(biller: BillingClerk) -> None:
    """Actual reads 1000 (31 Dec), 1310 (31 Jan) and 1590 (28 Feb): 10 a day. A self-reading for 14 Feb
    lies between 1310 and 1590: 1700 is above the later actual (refused, it cannot be); 1580 would mean
    270 in 14 days then 10 in the next 14 (0.71 a day, less than 10 / 3: held); 1450 is 10 a day on both
    sides and is recorded."""
    sp, contract = _meter(biller, (date(2025, 12, 31), "1000"), (date(2026, 1, 31), "1310"),
                          (date(2026, 2, 28), "1590"))
    with pytest.raises(InvalidInput, match="above the actual reading 1590 of 2026-02-28") as info:
        _self_reading(biller, contract, date(2026, 2, 14), "1700")
    assert info.value.field == "index"
    held = _self_reading(biller, contract, date(2026, 2, 14), "1580")
    assert held["held_for_review"] is True
    assert "until the actual reading of 2026-02-28" in str(held["problem"])
    assert "less than 1/3" in str(held["problem"])
    ok = _self_reading(biller, contract, date(2026, 2, 14), "1450")
    assert ok["accepted"] is True
    assert (date(2026, 2, 14), D("1450"), ReadingSource.SELF_READING) in _effective(biller, sp)
    assert [r.index for r in biller.app.billing.reading_reviews()] == [D("1580")]


def test_an_imported_implausible_self_reading_is_held_not_refused(biller: BillingClerk) -> None:
    """A self-reading that arrives in a readings file (RecordReading) is checked the same way; one that
    contradicts an actual read is held too (a file is never refused for it: errors as data)."""
    sp, _ = _meter(biller, (date(2025, 11, 30), "200"), (date(2025, 12, 31), "500"))
    held = biller.run(b.RecordReading(sp, date(2026, 1, 3), D("99999"), ReadingSource.SELF_READING))
    below = biller.run(b.RecordReading(sp, date(2026, 1, 5), D("100"), ReadingSource.SELF_READING))
    assert (held["held_for_review"], below["held_for_review"]) == (True, True)
    assert "below the last actual reading 500" in str(below["problem"])
    again = biller.run(b.RecordReading(sp, date(2026, 1, 3), D("99999"), ReadingSource.SELF_READING))
    assert (again["reading_id"], again["new"]) == (held["reading_id"], False)  # the file imported twice
    assert len(biller.app.billing.reading_reviews()) == 2
    actual = biller.run(b.RecordReading(sp, date(2026, 1, 31), D("800")))
    assert actual["held_for_review"] is False  # actual reads are the reference, never held


def test_a_readings_file_reports_the_self_readings_it_held(biller: BillingClerk) -> None:
    sp, _ = _meter(biller, (date(2025, 11, 30), "200"), (date(2025, 12, 31), "500"))
    text = (f"supply_point,read_on,index,source\n{sp},2026-01-03,99999,self-reading\n"
            f"{sp},2026-01-31,800,actual\n")
    report = import_readings(biller.app, io.BytesIO(text.encode()), "reads.csv")
    assert (report.recorded, report.refused) == (2, [])
    assert [h["where"] for h in report.held] == ["line 2"]
    assert "more than 3x" in report.held[0]["reason"]
    again = import_readings(biller.app, io.BytesIO(text.encode()), "reads.csv")
    assert (again.recorded, again.unchanged, again.held) == (0, 2, [])


def test_a_clerk_accepts_or_rejects_a_held_reading(biller: BillingClerk) -> None:
    """Rejected: it stays out for good. Accepted: it counts as read, and as a reference afterwards."""
    sp, contract = _meter(biller, (date(2025, 12, 31), "1000"), (date(2026, 1, 31), "1310"))
    wrong = _self_reading(biller, contract, date(2026, 2, 20), "9999")
    real = _self_reading(biller, contract, date(2026, 2, 21), "2000")  # 690 in 21 days: 32.9 a day
    assert wrong["held_for_review"] and real["held_for_review"]
    with pytest.raises(InvalidInput) as info:
        biller.run(b.RejectHeldReading(sp, str(wrong["reading_id"]), " "))
    assert info.value.field == "reason"
    rejected = biller.run(b.RejectHeldReading(sp, str(wrong["reading_id"]), "typo: one digit too many"))
    assert rejected["status"] == "rejected"
    accepted = biller.run(b.AcceptHeldReading(sp, str(real["reading_id"]), "photo of the meter checked"))
    assert accepted["status"] == "accepted"
    assert biller.app.billing.reading_reviews() == []
    effective = _effective(biller, sp)
    assert (date(2026, 2, 21), D("2000"), ReadingSource.SELF_READING) in effective
    assert all(index != D("9999") for _, index, _ in effective)
    with pytest.raises(Conflict):
        biller.run(b.AcceptHeldReading(sp, str(wrong["reading_id"]), "changed my mind"))
    with pytest.raises(NotFound) as missing:
        biller.run(b.AcceptHeldReading(sp, f"{sp}#99", "no such reading"))
    assert missing.value.field == "reading_id"
    # The accepted reading is validated: 32.9 a day is the history now, so 2200 on 28 Feb (28.6 a day) is
    # plausible against it.
    assert _self_reading(biller, contract, date(2026, 2, 28), "2200")["accepted"] is True


def test_accepting_a_held_reading_for_a_day_read_since_is_a_conflict(biller: BillingClerk) -> None:
    sp, contract = _meter(biller, (date(2025, 12, 31), "1000"), (date(2026, 1, 31), "1310"))
    held = _self_reading(biller, contract, date(2026, 2, 20), "9999")
    biller.read(sp, date(2026, 2, 20), "1500")
    with pytest.raises(Conflict, match="2026-02-20") as info:
        biller.run(b.AcceptHeldReading(sp, str(held["reading_id"]), "looked right"))
    assert info.value.field == "reading_id"
