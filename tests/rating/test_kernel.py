"""Worked examples, one per tariff component, small enough to check by hand.

Unless a test says otherwise: one meter, Monday 1 June 2026, hourly grid in Europe/Rome (24 intervals).
Amounts are compared after the Decimal boundary (cents, ROUND_HALF_UP), quantities to 3 decimals.
"""

from datetime import date

import numpy as np
import pytest
from rating_helpers import D, days, version

from ledger.billing.rating.batch import rate_batch
from ledger.billing.rating.calendar import peak_offpeak_calendar
from ledger.billing.rating.kernel import rate_arrays, rate_period, split_by_versions
from ledger.billing.rating.lines import rated_lines
from ledger.billing.rating.tariff import (
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TariffError,
    TieredBlocks,
    TimeOfUse,
)

MONDAY = date(2026, 6, 1)
REPUBLIC_DAY = date(2026, 6, 2)  # Tuesday, a national holiday


def lines_of(consumption, grid, *components, spot=None, **kw):
    """Rate one meter and return its RatedLines as (description, quantity, unit_price, amount)."""
    result = rate_batch(["m"], np.atleast_2d(consumption), grid, version(*components, **kw), spot)
    assert result.errors == ()
    return [(x.description, str(x.quantity), str(x.unit_price), str(x.amount)) for x in result.lines("m")]


def test_standing_charge_per_day():
    """0.35 EUR/day: 1 day -> 0.35; the 30 days of June -> 30 x 0.35 = 10.50, whatever is consumed."""
    one = lines_of(np.ones(24), days(MONDAY, 1), StandingCharge(D("0.35")))
    assert one == [("standing: fixed charge per day", "1.000", "0.350000", "0.35")]
    june = lines_of(np.zeros(720), days(MONDAY, 30), StandingCharge(D("0.35")))
    assert june == [("standing: fixed charge per day", "30.000", "0.350000", "10.50")]


def test_flat_energy():
    """0.5 kWh every hour: 24 x 0.5 = 12 kWh x 0.2150 EUR/kWh = 2.58."""
    assert lines_of(np.full(24, 0.5), days(MONDAY, 1), FlatEnergy(D("0.2150"))) == [
        ("energy: flat price", "12.000", "0.215000", "2.58")
    ]


def test_time_of_use_arera_bands_on_a_working_day():
    """1 kWh every hour, but 2 kWh at 07:00 (F2) and 3 kWh at 23:00 (F3).

    F1 08-19: 11 h x 1 = 11 kWh x 0.30 = 3.30
    F2 07-08 and 19-23: 2 + 4 x 1 = 6 kWh x 0.25 = 1.50
    F3 00-07 and 23-24: 7 x 1 + 3 = 10 kWh x 0.20 = 2.00
    """
    c = np.ones(24)
    c[7], c[23] = 2.0, 3.0
    tou = TimeOfUse((D("0.30"), D("0.25"), D("0.20")), "IT-ARERA-F123")
    assert lines_of(c, days(MONDAY, 1), tou) == [
        ("energy: F1", "11.000", "0.300000", "3.30"),
        ("energy: F2", "6.000", "0.250000", "1.50"),
        ("energy: F3", "10.000", "0.200000", "2.00"),
    ]


def test_time_of_use_on_an_italian_holiday_is_all_f3():
    """Tuesday 2 June 2026 (Festa della Repubblica): the same 27 kWh are all F3: 27 x 0.20 = 5.40."""
    c = np.ones(24)
    c[7], c[23] = 2.0, 3.0
    tou = TimeOfUse((D("0.30"), D("0.25"), D("0.20")), "IT-ARERA-F123")
    assert lines_of(c, days(REPUBLIC_DAY, 1), tou) == [
        ("energy: F1", "0.000", "0.300000", "0.00"),
        ("energy: F2", "0.000", "0.250000", "0.00"),
        ("energy: F3", "27.000", "0.200000", "5.40"),
    ]


def test_spot_indexed():
    """1 kWh every hour; spot 0.10 EUR/kWh for hours 00-11, 0.20 for 12-23; losses 10 %, spread 0.01.

    sum(spot x kWh) = 12 x 0.10 + 12 x 0.20 = 3.60; x (1 + 0.10) = 3.96; spread 0.01 x 24 = 0.24;
    amount 4.20; effective unit price 4.20 / 24 = 0.175.
    """
    spot = np.r_[np.full(12, 0.10), np.full(12, 0.20)]
    got = lines_of(np.ones(24), days(MONDAY, 1), SpotIndexed(D("0.10"), D("0.01")), spot=spot)
    assert got == [("energy: spot-indexed", "24.000", "0.175000", "4.20")]


def test_spot_indexed_without_consumption_quotes_the_average_price():
    """No kWh: amount 0, unit price = mean spot 0.15 x 1.1 + 0.01 = 0.175 (nothing to weight by)."""
    spot = np.r_[np.full(12, 0.10), np.full(12, 0.20)]
    got = lines_of(np.zeros(24), days(MONDAY, 1), SpotIndexed(D("0.10"), D("0.01")), spot=spot)
    assert got == [("energy: spot-indexed", "0.000", "0.175000", "0.00")]


def test_tiered_blocks_pro_rated_to_the_period():
    """Water, June 2026 (30 days), 12 m3 spread evenly.  Thresholds 0.1 and 0.3 m3/day -> 3 and 9 m3.

    block 1: 3 m3 x 0.50 = 1.50; block 2: 9 - 3 = 6 m3 x 1.00 = 6.00; block 3: 12 - 9 = 3 m3 x 2.00 = 6.00.
    """
    tiers = TieredBlocks((D("0.1"), D("0.3")), (D("0.50"), D("1.00"), D("2.00")))
    assert lines_of(np.full(720, 12 / 720), days(MONDAY, 30), tiers, unit="m3") == [
        ("energy: block 1", "3.000", "0.500000", "1.50"),
        ("energy: block 2", "6.000", "1.000000", "6.00"),
        ("energy: block 3", "3.000", "2.000000", "6.00"),
    ]


def test_demand_from_quarter_hours():
    """15-minute grid: 0.25 kWh per quarter, one quarter 1.5 kWh -> 1.5 kWh / 0.25 h = 6 kW x 10 = 60."""
    c = np.full(96, 0.25)
    c[40] = 1.5
    assert lines_of(c, days(MONDAY, 1, 15), Demand(D("10"))) == [
        ("demand: maximum demand", "6.000", "10.000000", "60.00")
    ]
    hourly = np.ones(24)
    hourly[9] = 2.0  # 2 kWh in an hour = 2 kW
    assert lines_of(hourly, days(MONDAY, 1), Demand(D("10")))[0][1:] == ("2.000", "10.000000", "20.00")


def test_per_unit_charge_and_excise():
    """12 kWh: network 0.04 x 12 = 0.48; excise 0.0227 x 12 = 0.2724 -> 0.27."""
    assert lines_of(
        np.full(24, 0.5),
        days(MONDAY, 1),
        PerUnitCharge("network", D("0.04")),
        Excise(D("0.0227")),
    ) == [
        ("network: per-unit charge", "12.000", "0.040000", "0.48"),
        ("excise: excise duty", "12.000", "0.022700", "0.27"),
    ]


@pytest.mark.parametrize(
    ("day", "quarters", "off_kwh", "expected_off", "flat"),
    [
        (date(2026, 3, 29), 92, "11.000", "1.10", "4.60"),  # 23-hour day: 11 off-peak hours
        (date(2026, 10, 25), 100, "13.000", "1.30", "5.00"),  # 25-hour day: 13 off-peak hours
    ],
)
def test_dst_days_counted_and_priced(day, quarters, off_kwh, expected_off, flat):
    """0.25 kWh every quarter hour of a DST Sunday; peak 08-20 local time on every day of the week.

    Peak is 12 local hours either way: 48 quarters = 12 kWh x 0.30 = 3.60.  Off-peak is what is left:
    23 - 12 = 11 h (11 kWh x 0.10 = 1.10) in March, 25 - 12 = 13 h (1.30) in October.  Flat 0.20:
    23 kWh -> 4.60, 25 kWh -> 5.00.  Standing: one day either way.
    """
    grid = days(day, 1, 15)
    assert grid.n_intervals == quarters
    cal = peak_offpeak_calendar("ALL-8-20", (8, 20), peak_weekdays=range(7))
    tou = TimeOfUse((D("0.30"), D("0.10")), "ALL-8-20")
    comps = (StandingCharge(D("0.35")), tou, FlatEnergy(D("0.20"), name="energy-flat"))
    result = rate_batch(["m"], np.full((1, quarters), 0.25), grid, version(*comps), calendars={cal.name: cal})
    got = [(x.description, str(x.quantity), str(x.amount)) for x in result.lines("m")]
    assert got == [
        ("standing: fixed charge per day", "1.000", "0.35"),
        ("energy: peak", "12.000", "3.60"),
        ("energy: off-peak", off_kwh, expected_off),
        ("energy-flat: flat price", str(quarters // 4) + ".000", flat),
    ]


def test_tariff_change_mid_period_splits_by_days():
    """June 2026, hourly; version A until 15 June inclusive, version B from 16 June.

    0.5 kWh every hour, except 3 kWh at 10:00 on 10 June (A) and 4 kWh at 10:00 on 20 June (B).
    A: 15 days, 359 x 0.5 + 3 = 182.5 kWh x 0.20 = 36.50; standing 15 x 0.30 = 4.50;
       demand 3 kW x 8 x 15/30 = 12.00 (a per-period charge, shared by days).
    B: 15 days, 359 x 0.5 + 4 = 183.5 kWh x 0.22 = 40.37; standing 15 x 0.32 = 4.80;
       demand 4 kW x 9 x 15/30 = 18.00.
    """
    grid = days(MONDAY, 30)
    c = np.full(720, 0.5)
    c[9 * 24 + 10] = 3.0
    c[19 * 24 + 10] = 4.0
    a = version(
        StandingCharge(D("0.30")),
        FlatEnergy(D("0.20")),
        Demand(D("8")),
        valid_to=date(2026, 6, 16),
        vid="A",
    )
    b = version(
        StandingCharge(D("0.32")),
        FlatEnergy(D("0.22")),
        Demand(D("9")),
        valid_from=date(2026, 6, 16),
        vid="B",
    )
    result = rate_batch(["m"], c[None, :], grid, [b, a])  # order of the versions does not matter
    got = [(x.tariff, str(x.period_start), str(x.quantity), str(x.amount)) for x in result.lines("m")]
    assert got == [
        ("TEST/A", "2026-06-01", "15.000", "4.50"),
        ("TEST/A", "2026-06-01", "182.500", "36.50"),
        ("TEST/A", "2026-06-01", "3.000", "12.00"),
        ("TEST/B", "2026-06-16", "15.000", "4.80"),
        ("TEST/B", "2026-06-16", "183.500", "40.37"),
        ("TEST/B", "2026-06-16", "4.000", "18.00"),
    ]
    assert [line.period_end for line in result.lines("m")][::3] == [date(2026, 6, 16), date(2026, 7, 1)]


def test_tariff_change_pro_rates_tier_thresholds_per_side():
    """Water, 1-10 June (10 days) split at 6 June; threshold 0.2 m3/day -> 1 m3 on each 5-day side.

    0.01 m3/hour: 1.2 m3 per side -> block 1 1.0 m3 x 1.00 = 1.00, block 2 0.2 m3 x 3.00 = 0.60.
    """
    tiers = TieredBlocks((D("0.2"),), (D("1.00"), D("3.00")))
    a = version(tiers, valid_to=date(2026, 6, 6), vid="A", unit="m3")
    b = version(tiers, valid_from=date(2026, 6, 6), vid="B", unit="m3")
    segs = rate_period(np.full((1, 240), 0.01), days(MONDAY, 10), [a, b])
    for seg in segs:
        got = [(str(x.quantity), str(x.amount)) for x in rated_lines(seg, 0)]
        assert got == [("1.000", "1.00"), ("0.200", "0.60")]


def test_versions_must_cover_the_period_exactly_once():
    a = version(FlatEnergy(D("0.2")), valid_to=date(2026, 6, 10), vid="A")
    late = version(FlatEnergy(D("0.2")), valid_from=date(2026, 6, 12), vid="C")
    overlapping = version(FlatEnergy(D("0.2")), valid_from=date(2026, 6, 5), vid="B")
    with pytest.raises(TariffError, match="no tariff version is valid on 2026-06-10"):
        split_by_versions(MONDAY, date(2026, 6, 20), [a, late])
    with pytest.raises(TariffError, match="overlap"):
        split_by_versions(MONDAY, date(2026, 6, 20), [a, overlapping])
    with pytest.raises(TariffError, match="no tariff version is valid on 2026-06-10"):
        split_by_versions(MONDAY, date(2026, 6, 20), [a])
    assert len(split_by_versions(MONDAY, date(2026, 6, 5), [a, late])) == 1  # C not needed


def test_configuration_errors_raise():
    grid = days(MONDAY, 1)
    with pytest.raises(TariffError, match="unknown band calendar"):
        rate_arrays(np.ones((1, 24)), grid, version(TimeOfUse((D("1"),), "NOPE")))
    with pytest.raises(TariffError, match="2 prices for 3 bands"):
        rate_arrays(np.ones((1, 24)), grid, version(TimeOfUse((D("1"), D("2")), "IT-ARERA-F123")))
    with pytest.raises(ValueError, match=r"\(meters, 24\)"):
        rate_arrays(np.ones((1, 23)), grid, version(FlatEnergy(D("1"))))


def test_kernel_shapes_and_line_specs():
    """M meters x L lines: TOU gives one line per band, tiers one per block."""
    grid = days(MONDAY, 1)
    tariff = version(
        StandingCharge(D("1")),
        TimeOfUse((D("0.3"), D("0.2"), D("0.1")), "IT-ARERA-F123"),
        TieredBlocks((D("5"),), (D("1"), D("2"))),
    )
    res = rate_arrays(np.ones((4, 24)), grid, tariff)
    assert res.quantity.shape == res.amount.shape == res.unit_price.shape == (4, 6)
    assert [s.component_index for s in res.lines] == [0, 1, 1, 1, 2, 2]
    assert [s.unit for s in res.lines] == ["day", "kWh", "kWh", "kWh", "kWh", "kWh"]
    np.testing.assert_allclose(res.amount[:, 1:4].sum(axis=1), 11 * 0.3 + 5 * 0.2 + 8 * 0.1)
