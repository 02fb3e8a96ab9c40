"""Errors as data (one bad meter never aborts a batch) and register reads spread by profiles."""

from datetime import date

import numpy as np
import pytest
from rating_helpers import D, days, version

from ledger.billing.rating.batch import rate_batch
from ledger.billing.rating.kernel import rate_arrays
from ledger.billing.rating.profile import BandProfile, FlatProfile, profile_consumption, profile_weights
from ledger.billing.rating.tariff import (
    Demand,
    FlatEnergy,
    SpotIndexed,
    StandingCharge,
    TariffError,
    TimeOfUse,
)

MONDAY = date(2026, 6, 1)
FLAT = version(StandingCharge(D("1")), FlatEnergy(D("0.2")), Demand(D("1")))


def test_bad_meters_become_errors_and_the_rest_is_rated_in_input_order():
    grid = days(MONDAY, 1)
    good = np.ones(24)
    nan = good.copy()
    nan[3] = np.nan
    neg = good.copy()
    neg[5] = -0.5
    inf = good.copy()
    inf[0] = np.inf
    minus_zero = good.copy()
    minus_zero[:2] = -0.0  # a harmless -0.0 is not "negative consumption"
    series = [good, nan, neg, np.ones(23), inf, minus_zero, ["a"] * 24, 2 * good]
    ids = ["ok1", "nan", "neg", "short", "inf", "zero", "text", "ok2"]
    result = rate_batch(ids, series, grid, FLAT)
    assert result.meter_ids == ("ok1", "zero", "ok2")
    assert result.meter_index.tolist() == [0, 5, 7]
    assert [(e.meter_index, e.meter_id, e.code) for e in result.errors] == [
        (1, "nan", "nan_consumption"),
        (2, "neg", "negative_consumption"),
        (3, "short", "length_mismatch"),
        (4, "inf", "infinite_consumption"),
        (6, "text", "not_numeric"),
    ]
    assert result.errors[0].reason == "1 NaN interval value(s), first at 2026-06-01T01:00:00Z"  # 03:00 CEST
    assert [str(x.amount) for x in result.lines("ok2")] == ["1.00", "9.60", "2.00"]
    assert [str(x.amount) for x in result.lines("zero")] == ["1.00", "4.40", "1.00"]
    with pytest.raises(KeyError, match="not rated"):
        result.lines("nan")


def test_a_2d_batch_with_bad_rows_keeps_the_good_rows_bit_identical():
    grid = days(MONDAY, 1)
    rng = np.random.default_rng(7)
    c = rng.random((5, 24))
    alone = rate_arrays(c[[0, 2, 4]], grid, FLAT)
    c[1, 4] = np.nan
    c[3, 0] = -1.0
    result = rate_batch(list("abcde"), c, grid, FLAT)
    assert result.meter_ids == ("a", "c", "e")
    assert result.segments[0].result.amount.tobytes() == alone.amount.tobytes()
    kernel = rate_arrays(c, grid, FLAT)
    assert np.isnan(kernel.amount[[1, 3]]).all() and not np.isnan(kernel.amount[[0, 2, 4]]).any()


def test_a_meter_bad_on_both_sides_of_a_tariff_change_gets_one_error_naming_the_earliest_interval():
    """NaN at 00:00 local on 3 June (version A) and on 8 June (version B): one error, 2 June 22:00Z."""
    grid = days(MONDAY, 10)
    c = np.ones((2, 240))
    c[0, [2 * 24, 7 * 24]] = np.nan
    a = version(FlatEnergy(D("0.2")), valid_to=date(2026, 6, 6), vid="A")
    b = version(FlatEnergy(D("0.3")), valid_from=date(2026, 6, 6), vid="B")
    result = rate_batch(["bad", "good"], c, grid, [a, b])
    assert result.meter_ids == ("good",)
    assert [(e.meter_id, e.code, e.reason) for e in result.errors] == [
        ("bad", "nan_consumption", "1 NaN interval value(s), first at 2026-06-02T22:00:00Z")
    ]
    assert [str(x.amount) for x in result.lines("good")] == ["24.00", "36.00"]  # 120 kWh x 0.2, x 0.3


def test_wrong_width_2d_batch_is_an_error_per_meter():
    result = rate_batch(["a", "b"], np.ones((2, 23)), days(MONDAY, 1), FLAT)
    assert result.meter_ids == ()
    assert [e.code for e in result.errors] == ["length_mismatch", "length_mismatch"]


@pytest.mark.parametrize(
    ("spot", "code", "text"),
    [
        (None, "missing_spot", "no spot price series"),
        (np.r_[np.full(10, 0.1), np.nan, np.full(13, 0.1)], "missing_spot", "2026-06-01T08:00:00Z"),
        (np.full(23, 0.1), "spot_length_mismatch", "24 intervals"),
    ],
)
def test_missing_spot_price_is_an_error_for_every_meter(spot, code, text):
    """The 11th hour of 1 June local (10:00 CEST) is 08:00 UTC."""
    tariff = version(SpotIndexed(D("0.1"), D("0.01")))
    result = rate_batch(["a", "b"], np.ones((2, 24)), days(MONDAY, 1), tariff, spot)
    assert result.meter_ids == ()
    assert [(e.meter_id, e.code) for e in result.errors] == [("a", code), ("b", code)]
    assert text in result.errors[0].reason


def test_batch_input_errors_that_no_meter_can_fix_raise():
    with pytest.raises(ValueError, match="unique"):
        rate_batch(["a", "a"], np.ones((2, 24)), days(MONDAY, 1), FLAT)
    with pytest.raises(ValueError, match="2 meter ids for 3"):
        rate_batch(["a", "b"], np.ones((3, 24)), days(MONDAY, 1), FLAT)


def test_flat_profile_spreads_evenly():
    grid = days(date(2026, 3, 29), 1, 15)  # 92 quarter hours
    x = profile_consumption(np.array([23.0, 0.0, 46.0]), grid, FlatProfile())
    assert x.shape == (3, 92)
    np.testing.assert_allclose(x[:, 0], [0.25, 0.0, 0.5])
    np.testing.assert_allclose(x.sum(axis=1), [23.0, 0.0, 46.0])


def test_band_profile_prices_register_reads_through_the_kernel():
    """Week 1-7 June 2026 (2 June a holiday), 70 kWh read from the register, F1/F2/F3 = 50/30/20 %.

    Bands get 35, 21 and 14 kWh whatever their number of hours (F1 44 h, F2 36 h, F3 88 h this week);
    at 0.30/0.25/0.20 EUR/kWh: 10.50 + 5.25 + 2.80.
    """
    grid = days(MONDAY, 7)
    profile = BandProfile("IT-ARERA-F123", (D("0.5"), D("0.3"), D("0.2")))
    w = profile_weights(grid, profile)
    np.testing.assert_allclose(np.unique(w * 70), sorted([35 / 44, 21 / 36, 14 / 88]), rtol=1e-12)
    assert len(np.unique(w)) == 3
    x = profile_consumption(np.array([70.0]), grid, profile)
    tou = TimeOfUse((D("0.30"), D("0.25"), D("0.20")), "IT-ARERA-F123")
    result = rate_batch(["m"], x, grid, version(tou))
    got = [(str(line.quantity), str(line.amount)) for line in result.lines("m")]
    assert got == [("35.000", "10.50"), ("21.000", "5.25"), ("14.000", "2.80")]


def test_band_profile_gives_absent_bands_share_to_the_present_ones():
    """Sunday 7 June has only F3 hours: all 10 kWh land in F3."""
    profile = BandProfile("IT-ARERA-F123", (D("0.5"), D("0.3"), D("0.2")))
    x = profile_consumption(np.array([10.0]), days(date(2026, 6, 7), 1), profile)
    np.testing.assert_allclose(x, np.full((1, 24), 10 / 24))


def test_profile_validation_and_bad_totals_become_rating_errors():
    with pytest.raises(TariffError, match="sum to 1"):
        BandProfile("IT-ARERA-F123", (D("0.5"), D("0.3"), D("0.3")))
    with pytest.raises(TariffError, match="2 fractions for 3 bands"):
        profile_weights(days(MONDAY, 1), BandProfile("IT-ARERA-F123", (D("0.5"), D("0.5"))))
    x = profile_consumption(np.array([5.0, -1.0, np.nan]), days(MONDAY, 1), FlatProfile())
    result = rate_batch(["a", "b", "c"], x, days(MONDAY, 1), FLAT)
    assert result.meter_ids == ("a",)
    assert [e.code for e in result.errors] == ["negative_consumption", "nan_consumption"]
