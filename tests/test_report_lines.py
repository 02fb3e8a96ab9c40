"""The kind, band and tariff of an invoice line (projections.reports.lines), read from the very
descriptions the rating core prints for each kind of tariff component."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from ledger.billing.rating.pricing import Measured, priced_lines
from ledger.billing.rating.tariff import (
    Component,
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TieredBlocks,
    TimeOfUse,
)
from projections.reports.lines import ENERGY_KINDS, OTHER, classify, quantity_micro

D = Decimal
MEASURED = Measured(meters=1, unit="kWh", days=28, period_days=28, resolution_min=60, total=np.array([672.0]),
                    band_sums={"IT-ARERA-F123": np.array([[220.0, 164.0, 288.0]])},
                    band_names={"IT-ARERA-F123": ("F1", "F2", "F3")}, spot=np.array([0.1] * 672),
                    spot_sum=np.array([67.2]), max_kwh=np.array([3.0]))
COMPONENTS: list[tuple[Component, list[tuple[str, str | None]]]] = [
    (StandingCharge(D("0.10")), [("standing", None)]),
    (FlatEnergy(D("0.20")), [("flat", None)]),
    (PerUnitCharge("network", D("0.03")), [("per_unit", None)]),
    (Excise(D("0.0125")), [("excise", None)]),
    (TimeOfUse((D("0.20"), D("0.15"), D("0.10")), "IT-ARERA-F123"),
     [("tou", "F1"), ("tou", "F2"), ("tou", "F3")]),
    (SpotIndexed(D("0.1"), D("0.01")), [("spot", None)]),
    (TieredBlocks((D("5"),), (D("0.10"), D("0.20"))), [("tiers", None), ("tiers", None)]),
    (Demand(D("2.50")), [("demand", None)]),
]


def test_every_line_the_rating_core_prints_is_classified_by_its_kind_and_band() -> None:
    for component, expected in COMPONENTS:
        descriptions = [line[0] for line in priced_lines(component, MEASURED)]
        got = [classify(component.name, text, ("reading:r1", "tariff:HOME/v3")) for text in descriptions]
        assert [(c.kind, c.band) for c in got] == expected, descriptions
        assert {c.tariff_code for c in got} == {"HOME"}
        assert all((c.kind in ENERGY_KINDS) == (c.kind in ("flat", "tou", "spot", "tiers")) for c in got)


def test_a_typed_line_or_one_of_another_component_is_other() -> None:
    assert classify("energy", "energy: F1", ()).kind == OTHER  # no tariff cited: typed by a clerk
    assert classify("network", "energy: F1", ("tariff:HOME/v1",)).kind == OTHER
    lump = classify("energy", "energy: F1 (as invoiced: 1.000 kWh x 0.2)", ("tariff:X/v1",), "lump sum")
    assert (lump.kind, lump.band) == (OTHER, None)  # a credited lump sum keeps its sources, not its kind
    assert quantity_micro(D("190.323")) == 190_323_000 and quantity_micro(D("-0.0000015")) == -2
