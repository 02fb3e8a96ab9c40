"""Readings on both stores: self-reading checks, corrections, CSV files (streamed, rejected whole on a bad
row), load curves stored compressed with a checksum, DST days in the files."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from importers.readings import ReadingsFileError, import_readings
from ledger.billing import commands as b
from ledger.billing.load_curves import LoadCurveMonth, decode_block, encode_block
from ledger.billing.rating import FlatEnergy
from ledger.billing.readings import MeterReadings, ReadingSource
from ledger.core.errors import Conflict, InvalidInput
from tests.billing.helpers import BillingClerk, D, pod

FEB_END = date(2026, 2, 28)


def _history(biller: BillingClerk) -> tuple[str, object]:
    """Actual reads of 1000 (31 Dec) and 1310 (31 Jan): 310 kWh in 31 days, 10 kWh a day."""
    biller.tariff("FLAT", FlatEnergy(D("0.2")))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.read(sp, date(2026, 1, 31), "1310")
    return sp, contract


def test_a_self_reading_below_the_last_actual_is_refused_with_the_reason(biller: BillingClerk) -> None:
    _, contract = _history(biller)
    with pytest.raises(InvalidInput, match="below the last actual reading 1310 of 2026-01-31"):
        biller.run(b.SubmitSelfReading(contract, date(2026, 2, 20), D("1300")))  # type: ignore[arg-type]


def test_an_implausible_self_reading_is_held_for_review_and_a_plausible_one_recorded(
        biller: BillingClerk) -> None:
    """History: 10 kWh a day; the factor is 3. Twenty days after the last actual (1310):
    2000 implies 690 / 20 = 34.5 kWh a day, more than 3 x 10: held for review;
    1320 implies 0.5 kWh a day, less than 10 / 3: held for review;
    1500 implies 9.5 kWh a day: recorded, as a self-reading. Held readings never count."""
    sp, contract = _history(biller)
    high = biller.run(b.SubmitSelfReading(contract, date(2026, 2, 20), D("2000")))  # type: ignore[arg-type]
    assert (high["accepted"], high["held_for_review"]) == (False, True)
    assert re.search(r"34\.50 per day .* more than 3x the historical 10\.00", str(high["problem"]))
    low = biller.run(b.SubmitSelfReading(contract, date(2026, 2, 20), D("1320")))  # type: ignore[arg-type]
    assert low["held_for_review"] and "less than 1/3" in str(low["problem"])
    events = biller.events()
    result = biller.run(b.SubmitSelfReading(contract, date(2026, 2, 20), D("1500")))  # type: ignore[arg-type]
    assert result["accepted"] and biller.events() > events
    readings = biller.app.repository.get(MeterReadings.id_for(sp))
    assert readings.readings[result["reading_id"]].source is ReadingSource.SELF_READING
    assert [r.index for r in readings.effective()] == [D("1000"), D("1310"), D("1500")]
    assert [r.reading_id for r in biller.app.billing.reading_reviews()] == [high["reading_id"],
                                                                            low["reading_id"]]


def test_a_correction_supersedes_and_a_second_value_for_a_day_needs_one(biller: BillingClerk) -> None:
    sp = pod()
    first = biller.read(sp, date(2026, 1, 31), "500")
    assert biller.read(sp, date(2026, 1, 31), "500") == first  # the same reading again: nothing new
    with pytest.raises(Conflict, match="send a correction"):
        biller.read(sp, date(2026, 1, 31), "510")
    fixed = biller.read(sp, date(2026, 1, 31), "510", ReadingSource.CORRECTION, supersedes=first)
    readings = biller.app.repository.get(MeterReadings.id_for(sp))
    assert [r.reading_id for r in readings.effective()] == [fixed]
    with pytest.raises(InvalidInput, match="below 510"):
        biller.read(sp, date(2026, 2, 28), "505")


def test_an_actual_read_replaces_an_estimate_of_the_same_day(biller: BillingClerk) -> None:
    sp = pod()
    estimate = biller.read(sp, date(2026, 2, 28), "800", ReadingSource.ESTIMATE)
    actual = biller.read(sp, date(2026, 2, 28), "790")
    readings = biller.app.repository.get(MeterReadings.id_for(sp))
    assert readings.superseded_by == {estimate: actual}


CSV = (
    b"supply_point;read_on;index;source\n"
    b"IT001E55500001;2025-12-31;1000;actual\n"
    b"IT001E55500001;2026-02-28;1590;actual\n"
    b"IT001E55500002;2026-02-28;77.5;self-reading\n"
)


def test_a_readings_file_is_recorded_once(biller: BillingClerk) -> None:
    report = import_readings(biller.app, io.BytesIO(CSV), "letture.csv")
    assert (report.kind, report.rows, report.supply_points, report.recorded) == ("readings", 3, 2, 3)
    events = biller.events()
    again = import_readings(biller.app, io.BytesIO(CSV), "letture.csv")
    assert (again.recorded, again.unchanged) == (0, 3) and biller.events() == events


def test_a_bad_row_rejects_the_whole_file_and_names_line_and_column(biller: BillingClerk) -> None:
    bad = CSV + b"IT001E55500003;2026-02-30;12;actual\nIT001E55500003;2026-02-27;-4;actual\n;2026-01-01;1;\n"
    events = biller.events()
    with pytest.raises(ReadingsFileError) as caught:
        import_readings(biller.app, io.BytesIO(bad), "letture.csv")
    assert biller.events() == events  # nothing of the file was recorded
    assert caught.value.problems == [
        ("line 5", "read_on", "'2026-02-30' is not an ISO date (2026-02-28)"),
        ("line 6", "index", "index -4 is negative"),
        ("line 7", "supply_point", "missing value"),
    ]
    assert str(caught.value).startswith("letture.csv: line 5, column read_on:")


def test_a_load_curve_file_with_the_dst_night_in_local_time(biller: BillingClerk) -> None:
    """29 March 2026 in Rome: 02:00-03:00 does not exist, so the local day has 92 quarter hours; written
    with their UTC offsets (+01:00 before the change, +02:00 after), they are one unbroken UTC series."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    rome = ZoneInfo("Europe/Rome")
    t = datetime(2026, 3, 29, tzinfo=rome).astimezone(UTC)
    rows = ["supply_point,interval_start,value"]
    while t < datetime(2026, 3, 30, tzinfo=rome).astimezone(UTC):
        rows.append(f"IT001E55500009,{t.astimezone(rome).isoformat()},0.250")
        t += timedelta(minutes=15)
    assert len(rows) - 1 == 92
    report = import_readings(biller.app, io.BytesIO("\n".join(rows).encode()), "curva.csv")
    assert (report.kind, report.rows, report.recorded) == ("load-curve", 92, 1)
    month = biller.app.repository.get(LoadCurveMonth.id_for("IT001E55500009", "2026-03"))
    assert month.n_intervals == 31 * 96 - 4 and month.missing == month.n_intervals - 92
    given = month.values[~np.isnan(month.values)]
    assert given.size == 92 and float(given.sum()) == 23.0


def test_a_load_curve_row_without_offset_is_refused(biller: BillingClerk) -> None:
    data = b"supply_point,interval_start,value\nIT001E55500010,2026-10-25T02:00:00,1\n"
    with pytest.raises(ReadingsFileError, match=r"line 2, column interval_start: .* with its UTC offset"):
        import_readings(biller.app, io.BytesIO(data), "curva.csv")


def test_blocks_are_compressed_and_checked() -> None:
    values = np.array([0.25, np.nan, 1e-3, 12345.678])
    data, digest = encode_block(values)
    assert np.array_equal(decode_block(data, digest, 4), values, equal_nan=True)
    with pytest.raises(ValueError, match="checksum"):
        decode_block(data, "0" * 64, 4)


def test_spot_prices_are_kept_as_published_across_utc_months(biller: BillingClerk) -> None:
    from ledger.billing.tariffs import SpotPriceMonth
    from tests.billing.helpers import rome

    biller.run(b.RecordSpotPrices("IT-PUN", rome(date(2026, 2, 1)), 60, (D("101.50"), D("99.00"), None)))
    january = biller.app.repository.get(SpotPriceMonth.id_for("IT-PUN", "2026-01"))
    february = biller.app.repository.get(SpotPriceMonth.id_for("IT-PUN", "2026-02"))
    assert january.prices[-1] == Decimal("101.50")  # 31 January 23:00 UTC is 1 February 00:00 in Rome
    assert february.prices[:2] == [Decimal("99.00"), None]
    assert january.per_unit("EUR")[-1] == 0.1015


def test_an_actual_read_below_a_wrong_self_reading_wins(biller: BillingClerk) -> None:
    """On 20 February a customer types 1590 (plausible: 280 kWh in 20 days, 14 a day against 10); the
    distributor then reads 1500 on 28 February. The actual is recorded, and billing leaves out the
    self-reading it contradicts: January to February is 1500 - 1000 = 500 kWh."""
    sp, contract = _history(biller)
    biller.run(b.SubmitSelfReading(contract, date(2026, 2, 20), D("1590")))  # type: ignore[arg-type]
    biller.read(sp, FEB_END, "1500")
    report = biller.bill(date(2026, 1, 1), FEB_END)
    assert report.errors == 0, report.issues
    (invoice,) = biller.documents(contract)  # type: ignore[arg-type]
    assert invoice.lines[0].quantity == D("500.000")
    assert not any("self-reading" in li.note for li in invoice.lines)
