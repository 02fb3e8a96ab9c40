"""Tariffs as data (validation, dict round trip) and the Decimal boundary (rounding, VAT, totals)."""

import json
from dataclasses import FrozenInstanceError
from datetime import date
from decimal import ROUND_DOWN, Decimal, localcontext

import numpy as np
import pytest
from rating_helpers import D, days, version

from ledger.billing.rating.batch import rate_batch
from ledger.billing.rating.lines import RatedLine, invoice_totals, round_half_up
from ledger.billing.rating.tariff import (
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TariffError,
    TariffVersion,
    TieredBlocks,
    TimeOfUse,
    component_from_dict,
)

EVERY_KIND = (
    StandingCharge(D("0.1200")),
    FlatEnergy(D("0.2")),
    TimeOfUse((D("0.30"), D("0.25"), D("0.20")), "IT-ARERA-F123"),
    SpotIndexed(D("0.102"), D("0.0150")),
    TieredBlocks((D("0.1"), D("0.3")), (D("0.5"), D("1"), D("2"))),
    Demand(D("4.50")),
    PerUnitCharge("network", D("0.0410")),
    Excise(D("0.0227")),
)


def test_round_trip_through_json_keeps_every_digit():
    v = version(*EVERY_KIND, valid_to=date(2027, 1, 1))
    stored = json.dumps(v.to_dict())  # what an event would carry
    back = TariffVersion.from_dict(json.loads(stored))
    assert back == v
    assert back.to_dict() == v.to_dict()
    assert str(back.components[0].price_per_day) == "0.1200"  # exponent kept, not just the value
    assert json.loads(stored)["components"][3] == {
        "kind": "spot",
        "name": "energy",
        "losses_factor": "0.102",
        "spread_per_unit": "0.0150",
    }


def test_tariff_versions_are_immutable_and_hashable():
    v = version(*EVERY_KIND)
    with pytest.raises(FrozenInstanceError):
        v.vat_rate = D("10")  # type: ignore[misc]
    assert hash(v) == hash(TariffVersion.from_dict(v.to_dict()))
    assert isinstance(version(*list(EVERY_KIND)).components, tuple)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: FlatEnergy(0.2), "not float"),  # type: ignore[arg-type]
        (lambda: FlatEnergy(D("NaN")), "not finite"),
        (lambda: StandingCharge("abc"), "not a number"),  # type: ignore[arg-type]
        (lambda: TieredBlocks((D("0.3"), D("0.1")), (D(1), D(2), D(3))), "increasing"),
        (lambda: TieredBlocks((D("0.1"),), (D(1),)), r"len\(prices_per_unit\)"),
        (lambda: SpotIndexed(D("-0.1"), D(0)), "losses_factor"),
        (lambda: PerUnitCharge("", D(1)), "name"),
        (lambda: version(FlatEnergy(D(1)), valid_to=date(2025, 1, 1)), "valid_to"),
        (lambda: version(), "at least one"),
        (lambda: version(FlatEnergy(D(1)), vat="101"), "percentage"),
        (lambda: version(Demand(D(1)), unit="m3"), "kWh"),
        (lambda: TariffVersion("T", "1", date(2026, 1, 1), None, "eur", D(1), (FlatEnergy(D(1)),)), "ISO"),
    ],
)
def test_invalid_tariff_data_is_rejected(make, match):
    with pytest.raises(TariffError, match=match):
        make()


def test_from_dict_rejects_unknown_shapes():
    with pytest.raises(TariffError, match="unknown component kind"):
        component_from_dict({"kind": "bonus", "name": "x"})
    with pytest.raises(TariffError, match="flat"):
        component_from_dict({"kind": "flat", "price_per_unit": "1", "colour": "red"})
    d = version(FlatEnergy(D(1))).to_dict()
    with pytest.raises(TariffError, match="schema"):
        TariffVersion.from_dict({**d, "schema": 99})
    with pytest.raises(TariffError, match="ISO date"):
        TariffVersion.from_dict({**d, "valid_from": "01/01/2026"})


@pytest.mark.parametrize(
    ("x", "places", "expected"),
    [
        (2.675, 2, "2.68"),  # binary 2.67499999999999982236431605997495353221893310546875
        (1.005, 2, "1.01"),  # binary 1.00499999999999989341858963598497211933135986328125
        (0.125, 2, "0.13"),  # half-up, not half-even
        (-0.125, 2, "-0.13"),  # half away from zero
        (-0.004, 2, "0.00"),  # no negative zero on an invoice
        (1e-7, 6, "0.000000"),
        (12.3456785, 6, "12.345679"),
        (1234567.0005, 3, "1234567.001"),
    ],
)
def test_round_half_up_uses_the_shortest_repr(x, places, expected):
    assert str(round_half_up(x, places)) == expected


def test_rounding_ignores_the_callers_decimal_context():
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = ROUND_DOWN
        assert str(round_half_up(1234.565, 2)) == "1234.57"
    with pytest.raises(ValueError, match="money"):
        round_half_up(float("nan"), 2)


def _line(amount: str, vat: str) -> RatedLine:
    d = date(2026, 6, 1)
    return RatedLine("energy", "x", D(1), "kWh", D(1), Decimal(amount), Decimal(vat), d, d)


def test_vat_is_rounded_once_per_rate_on_the_sum_of_rounded_lines():
    """22 %: 10.01 + 10.01 + 0.03 = 20.05 net -> VAT 4.411 -> 4.41 (per line it would be 2.20 +
    2.20 + 0.01 = 4.41 too, but 10 %: 0.05 x 3 = 0.15 -> 0.015 -> 0.02, per line 0.01 x 3 = 0.03).
    Gross = 20.05 + 0.15 + 4.41 + 0.02 = 24.63.
    """
    totals = invoice_totals([_line(a, "22") for a in ("10.01", "10.01", "0.03")] + [_line("0.05", "10")] * 3)
    assert [(str(v.rate), str(v.net), str(v.vat)) for v in totals.vat] == [
        ("10", "0.15", "0.02"),
        ("22", "20.05", "4.41"),
    ]
    assert (str(totals.net), str(totals.vat_total), str(totals.gross)) == ("20.20", "4.43", "24.63")


def test_line_amounts_are_the_printed_quantity_times_the_printed_price():
    """2.0049996 kWh x 1.00 EUR/kWh: the quantity is printed rounded once, 2.0049996 -> 2.005, and the
    amount is that printed quantity times the printed price, 2.005 x 1.000000 = 2.005 -> 2.01, so the
    customer can recompute it (issue 9). The old rule rounded the float product instead, 2.0049996 ->
    2.00, a line that did not add up (module docstring of lines.py)."""
    grid = days(date(2026, 6, 1), 1)
    c = np.full((1, 24), 2.0049996 / 24)
    result = rate_batch(["m"], c, grid, version(FlatEnergy(D("1.00"))))
    (line,) = result.lines("m")
    assert (str(line.quantity), str(line.unit_price), str(line.amount)) == ("2.005", "1.000000", "2.01")
    assert line.vat_rate == D("22") and line.unit == "kWh" and line.component == "energy"


def test_rated_lines_are_reproducible_bit_for_bit():
    grid = days(date(2026, 6, 1), 3, 15)
    rng = np.random.default_rng(1)
    c = rng.gamma(2.0, 0.2, (4, grid.n_intervals))
    spot = rng.uniform(0.05, 0.3, grid.n_intervals)
    tariff = version(*EVERY_KIND)
    first = rate_batch(list("abcd"), c, grid, tariff, spot)
    again = rate_batch(list("abcd"), c.copy(), grid, TariffVersion.from_dict(tariff.to_dict()), spot)
    for m in "abcd":
        assert first.lines(m) == again.lines(m)
        assert first.totals(m) == again.totals(m)
