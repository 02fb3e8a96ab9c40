"""Properties of the kernel: additive over a split period, monotone in consumption, independent of the
batch (size, order, neighbours) bit for bit, and reproducible down to the RatedLines."""

from datetime import date, timedelta
from functools import cache

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from rating_helpers import D, version

from ledger.billing.rating.batch import rate_batch
from ledger.billing.rating.calendar import IntervalGrid, build_grid
from ledger.billing.rating.kernel import rate_arrays
from ledger.billing.rating.tariff import (
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TieredBlocks,
    TimeOfUse,
)

# Starts that put DST days (29 Mar, 25 Oct 2026), a holiday (2 Jun) and weekends inside the grid.
STARTS = [date(2026, 3, 27), date(2026, 5, 30), date(2026, 10, 23), date(2026, 12, 24)]

ENERGY = version(
    FlatEnergy(D("0.2150")),
    TimeOfUse((D("0.30"), D("0.25"), D("0.20")), "IT-ARERA-F123", name="network"),
    SpotIndexed(D("0.102"), D("0.0150")),
    PerUnitCharge("system", D("0.0410")),
    Excise(D("0.0227")),
)
EVERYTHING = version(
    StandingCharge(D("0.35")),
    *ENERGY.components,
    TieredBlocks((D("5"), D("12")), (D("0.1"), D("0.2"), D("0.4")), name="tiers"),
    Demand(D("4.5")),
)


@cache
def grid(start: date, n_days: int, resolution: int) -> IntervalGrid:
    return build_grid(start, start + timedelta(days=n_days), resolution, "Europe/Rome")


@st.composite
def cases(draw, max_meters=5):
    g = grid(draw(st.sampled_from(STARTS)), draw(st.integers(2, 4)), draw(st.sampled_from([15, 60])))
    m = draw(st.integers(1, max_meters))
    kwh = st.floats(0, 50, allow_nan=False, allow_infinity=False)
    c = draw(arrays(np.float64, (m, g.n_intervals), elements=kwh))
    spot = draw(arrays(np.float64, g.n_intervals, elements=st.floats(0, 0.5, allow_nan=False)))
    return g, c, spot


@settings(max_examples=60, deadline=None, database=None)
@given(cases(), st.data())
def test_energy_components_are_additive_over_a_split_period(case, data):
    g, c, spot = case
    cut = data.draw(st.integers(1, g.n_days - 1))
    mid = g.start + timedelta(days=cut)
    whole = rate_arrays(c, g, ENERGY, spot)
    left_sl, right_sl = g.day_slice(g.start, mid), g.day_slice(mid, g.end)
    left = rate_arrays(c[:, left_sl], g.subgrid(g.start, mid), ENERGY, spot[left_sl])
    right = rate_arrays(c[:, right_sl], g.subgrid(mid, g.end), ENERGY, spot[right_sl])
    for name in ("quantity", "amount"):
        parts = getattr(left, name) + getattr(right, name)
        np.testing.assert_allclose(parts, getattr(whole, name), rtol=1e-9, atol=1e-9, err_msg=name)


@settings(max_examples=60, deadline=None, database=None)
@given(cases(), st.data())
def test_every_line_is_monotone_in_consumption(case, data):
    """More consumption never lowers any line (prices and spot are non-negative).  Exact: float
    rounding is monotone, and the kernel only adds, multiplies by constants, clips and takes maxima."""
    g, c, spot = case
    more = c + data.draw(arrays(np.float64, c.shape, elements=st.floats(0, 5, allow_nan=False)))
    low = rate_arrays(c, g, EVERYTHING, spot)
    high = rate_arrays(more, g, EVERYTHING, spot)
    assert np.all(high.amount >= low.amount)
    assert np.all(high.quantity >= low.quantity)


@settings(max_examples=60, deadline=None, database=None)
@given(cases(max_meters=7), st.data())
def test_results_do_not_depend_on_the_batch(case, data):
    """A meter's figures are bit-identical alone, in any order, in any sub-batch."""
    g, c, spot = case
    full = rate_arrays(c, g, EVERYTHING, spot)
    order = np.array(data.draw(st.permutations(range(c.shape[0]))), dtype=np.intp)
    k = data.draw(st.integers(1, c.shape[0]))
    for rows in (order, order[:k], order[-1:]):
        part = rate_arrays(np.ascontiguousarray(c[rows]), g, EVERYTHING, spot)
        for name in ("quantity", "unit_price", "amount"):
            assert getattr(part, name).tobytes() == getattr(full, name)[rows].tobytes(), name


@settings(max_examples=30, deadline=None, database=None)
@given(cases(max_meters=3))
def test_same_inputs_give_identical_rated_lines(case):
    g, c, spot = case
    ids = [f"m{i}" for i in range(c.shape[0])]
    first = rate_batch(ids, c, g, EVERYTHING, spot)
    second = rate_batch(ids, [row.copy() for row in c], g, EVERYTHING, spot.copy())
    assert first.errors == second.errors == ()
    for m in ids:
        assert first.lines(m) == second.lines(m)
        assert first.totals(m) == second.totals(m)
