"""Rated lines at their edges: a kernel that disagrees with the tariff, rows that are not there, the tariff
each line names, credit lines and their VAT, rounding to any number of places.

Companion of test_printed_lines.py (every line adds up) and test_tariff_and_lines.py (worked examples).
"""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import numpy as np
import pytest
from rating_helpers import D, days, version

from ledger.billing.rating.batch import rate_batch
from ledger.billing.rating.lines import RatedLine, invoice_totals, printed_price, rated_lines, round_half_up
from ledger.billing.rating.tariff import Demand, FlatEnergy, StandingCharge

JUNE = date(2026, 6, 1)
SPLIT = date(2026, 6, 11)


def split_batch(*components: object) -> object:
    """Two meters over June, the tariff changing on 11 June (two segments: 10 and 20 days)."""
    grid = days(JUNE, 30)
    consumption = np.random.default_rng(3).gamma(2.0, 0.2, (2, grid.n_intervals))
    before = version(*components, valid_to=SPLIT, vid="v1")  # type: ignore[arg-type]
    after = version(*components, valid_from=SPLIT, vid="v2")  # type: ignore[arg-type]
    return rate_batch(["a", "b"], consumption, grid, [before, after])


def test_every_line_names_the_tariff_version_that_priced_it() -> None:
    result = split_batch(StandingCharge(D("0.12")), FlatEnergy(D("0.2")))
    lines = result.lines("a")  # type: ignore[attr-defined]
    assert [line.tariff for line in lines] == ["TEST/v1", "TEST/v1", "TEST/v2", "TEST/v2"]


def test_a_segment_rated_as_a_whole_period_prices_demand_at_the_published_price() -> None:
    grid = days(JUNE, 30)
    consumption = np.random.default_rng(3).gamma(2.0, 0.2, (1, grid.n_intervals))
    for published, printed in (("4.5", "4.500000"), ("4.1234567", "4.1234567")):  # every published digit
        result = rate_batch(["a"], consumption, grid, version(Demand(D(published)), FlatEnergy(D("0.2"))))
        (segment,) = result.segments
        whole = rated_lines(segment, 0)
        assert whole == rated_lines(segment, 0, 30) == result.lines("a")
        assert str(whole[0].unit_price) == printed


def test_a_demand_charge_beside_a_tariff_change_is_priced_for_its_share_of_the_period() -> None:
    result = split_batch(Demand(D("4.50")))
    first, second = result.lines("a")  # type: ignore[attr-defined]
    assert (first.unit_price, second.unit_price) == (D("1.500000"), D("3.000000"))  # 10 and 20 of 30 days


def test_a_demand_share_is_derived_from_the_published_price_not_from_its_float() -> None:
    """3.00000149999999999997 per kW (a tariff may publish every digit it likes) for 10 of 30 days:
    exactly 1.00000049999999999999, printed 1.000000; its float is 1.0000005 and would print 1.000001."""
    first, second = split_batch(Demand(D("3.00000149999999999997"))).lines("a")  # type: ignore[attr-defined]
    assert first.unit_price == D("1.000000")
    assert second.unit_price == D("2.000001")  # 2.00000099999999999998


@pytest.mark.parametrize("segment", [0, 1])
def test_a_kernel_line_priced_unlike_the_tariff_is_refused_on_either_side_of_a_tariff_change(
    segment: int
) -> None:
    result = split_batch(StandingCharge(D("0.12")), FlatEnergy(D("0.2")))
    seg = result.segments[segment]  # type: ignore[attr-defined]
    wrong = seg.result.unit_price.copy()
    wrong[0, 1] += 0.01  # the flat energy price of meter a
    broken = replace(seg, result=replace(seg.result, unit_price=wrong))
    refusal = r"TEST/v[12]: kernel line 1 \(energy: flat price\) is priced 0\.21"
    with pytest.raises(ValueError, match=refusal) as e:
        rated_lines(broken, 0, 30)
    assert "the tariff says 0.200000" in str(e.value)
    assert rated_lines(broken, 1, 30) == rated_lines(seg, 1, 30)  # meter b's prices are right


@pytest.mark.parametrize("row", [2, 3, -1])
def test_a_row_not_in_the_result_is_refused_naming_it(row: int) -> None:
    result = split_batch(FlatEnergy(D("0.2")))
    with pytest.raises(IndexError, match=f"row {row} not in result of 2 meters"):
        rated_lines(result.segments[0], row, 30)  # type: ignore[attr-defined]


def _line(amount: str, vat: str = "22") -> RatedLine:
    return RatedLine("energy", "x", D(1), "kWh", D(amount), D(amount), D(vat), JUNE, JUNE)


def test_the_vat_of_credit_lines_keeps_its_sign() -> None:
    totals = invoice_totals([_line("-10.00"), _line("-0.05")])
    assert (totals.net, totals.vat[0].vat, totals.gross) == (D("-10.05"), D("-2.21"), D("-12.26"))


def test_vat_that_rounds_to_nothing_is_zero_never_minus_zero() -> None:
    totals = invoice_totals([_line("-0.01")])
    assert str(totals.vat[0].vat) == "0.00" and str(totals.vat_total) == "0.00"


def test_a_discount_price_is_printed_with_its_sign_and_a_zero_price_without_one() -> None:
    assert str(printed_price(D("-0.15"))) == "-0.150000"
    assert str(printed_price(D("-0.00"))) == "0.000000"
    assert str(printed_price(D("-0.1234567"))) == "-0.1234567"


@pytest.mark.parametrize(("x", "places", "expected"), [
    (1.23455, 4, "1.2346"),
    (-1.23455, 4, "-1.2346"),
    (0.05, 1, "0.1"),
    (2.5, 0, "3"),
    (-0.00004, 4, "0.0000"),
])
def test_round_half_up_rounds_to_any_number_of_places(x: float, places: int, expected: str) -> None:
    assert str(round_half_up(x, places)) == expected
    assert round_half_up(x, places) == Decimal(expected)
