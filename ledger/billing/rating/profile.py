"""Register reads through the interval kernel: spread a period's energy over the grid by a profile.

A meter read only as a cumulative register gives one number per period.  To price it with the same
kernel (and the same TOU, tier and standing logic) we spread that number over the period's
intervals:

* ``FlatProfile``: the same energy in every interval;
* ``BandProfile``: fixed fractions per band of a calendar (e.g. F1/F2/F3 shares of an ARERA-like
  standard profile), each band's share spread evenly over that band's intervals in the period.

Why even within a band: a TOU tariff prices a band's total, so how energy moves inside a band
changes no amount; even is the simplest choice that keeps every interval non-negative.  (Spot and
demand charges do see the shape; a register has none to give, so they price this estimate.)  Bands with
no interval in the period (e.g. no F1 in a period of Sundays) have their share re-distributed pro
rata to the present bands, so the total is kept.

>>> from datetime import date
>>> from ledger.billing.rating.calendar import build_grid
>>> g = build_grid(date(2026, 6, 1), date(2026, 6, 2), 60, "Europe/Rome")
>>> x = profile_consumption(np.array([24.0]), g, FlatProfile())
>>> x.shape, float(x.sum())
((1, 24), 24.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ledger.billing.rating.calendar import DEFAULT_CALENDARS, BandCalendar, IntervalGrid
from ledger.billing.rating.tariff import TariffError

__all__ = ["BandProfile", "FlatProfile", "Profile", "profile_consumption", "profile_weights"]


@dataclass(frozen=True)
class FlatProfile:
    kind: ClassVar[str] = "flat"


@dataclass(frozen=True)
class BandProfile:
    """Shares of the period's energy per band of ``calendar`` (Decimals summing to exactly 1)."""

    calendar: str
    fractions: tuple[Decimal, ...]
    kind: ClassVar[str] = "bands"

    def __post_init__(self) -> None:
        fr = tuple(self.fractions)
        if not fr or not all(isinstance(f, Decimal) and f.is_finite() and f >= 0 for f in fr):
            raise TariffError(f"fractions must be non-negative Decimals, got {fr}")
        if sum(fr, Decimal(0)) != 1:
            raise TariffError(f"fractions must sum to 1, got {sum(fr, Decimal(0))}")
        object.__setattr__(self, "fractions", fr)


Profile = FlatProfile | BandProfile


def profile_weights(
    grid: IntervalGrid,
    profile: Profile,
    *,
    calendars: Mapping[str, BandCalendar] = DEFAULT_CALENDARS,
) -> NDArray[np.float64]:
    """(N,) non-negative weights summing to 1 (up to float rounding): the share of each interval."""
    n = grid.n_intervals
    if isinstance(profile, FlatProfile):
        return np.full(n, 1.0 / n)
    cal = calendars.get(profile.calendar)
    if cal is None:
        raise TariffError(f"unknown band calendar {profile.calendar!r}")
    if len(cal.band_names) != len(profile.fractions):
        raise TariffError(f"{len(profile.fractions)} fractions for {len(cal.band_names)} bands of {cal.name}")
    band = cal.bands(grid).astype(np.intp)
    count = np.bincount(band, minlength=len(cal.band_names))
    frac = np.array([float(f) for f in profile.fractions])
    frac = np.where(count > 0, frac, 0.0)
    if frac.sum() <= 0:
        raise TariffError(f"profile gives no weight to the bands present in {grid.start}..{grid.end}")
    frac = frac / frac.sum()  # re-distribute the shares of absent bands (see module docstring)
    per_interval: NDArray[np.float64] = np.divide(frac, count, out=np.zeros_like(frac), where=count > 0)
    return per_interval[band]


def profile_consumption(
    total_kwh: ArrayLike,
    grid: IntervalGrid,
    profile: Profile,
    *,
    calendars: Mapping[str, BandCalendar] = DEFAULT_CALENDARS,
) -> NDArray[np.float64]:
    """(M, N) interval consumption from (M,) period totals.  NaN or negative totals pass through, so
    ``rate_batch`` reports those meters as errors instead of this function aborting the batch."""
    t = np.asarray(total_kwh, dtype=np.float64)
    if t.ndim != 1:
        raise ValueError(f"total_kwh must be one number per meter (M,), got shape {t.shape}")
    w = profile_weights(grid, profile, calendars=calendars)
    return t[:, None] * w[None, :]
