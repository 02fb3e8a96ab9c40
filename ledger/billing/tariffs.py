"""Tariffs and spot prices as stored data (tariffa / hinnasto; PUN, OMIE, Nord Pool prices).

* :class:`Tariff` — one aggregate per tariff code; each event defines one effective-dated
  :class:`~ledger.billing.rating.TariffVersion`, stored as its ``to_dict()`` (plain data, never code), with
  the
  spot index its spot-indexed component follows. A version is never edited: a price change is a new
  version from a later date, and the one before it ends where the next begins.
* :class:`SpotPriceMonth` — the published prices of one index (e.g. ``IT-PUN``) in one UTC month, at a
  fixed resolution, kept as the exact decimal text that was published. Later blocks override earlier
  values (a corrected publication); the kernel gets float64 in currency per billing unit.

>>> from ledger.billing.rating import FlatEnergy
>>> v1 = TariffVersion("T", "a", date(2026, 1, 1), None, "EUR", Decimal("22"), (FlatEnergy(Decimal("0.2")),))
>>> v2 = TariffVersion("T", "b", date(2026, 2, 15), None, "EUR", Decimal("22"), (FlatEnergy(Decimal("0.3")),))
>>> [(v.version_id, v.valid_to) for v in effective_versions([v2, v1])]
[('a', datetime.date(2026, 2, 15)), ('b', None)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import numpy as np
from eventsourcing.domain import Aggregate, event
from numpy.typing import NDArray

from ledger.billing.rating import SpotIndexed, TariffVersion
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.ids import name_id

#: Units a spot price may be published in, and what one of them is in the billing unit.
UNIT_SIZES = {"MWh": Decimal(1000), "kWh": Decimal(1), "Smc": Decimal(1), "m3": Decimal(1)}


def effective_versions(versions: Iterable[TariffVersion]) -> tuple[TariffVersion, ...]:
    """Versions by start date, each ending no later than the next one starts (``valid_to`` exclusive)."""
    ordered = sorted(versions, key=lambda v: v.valid_from)
    out = []
    for i, v in enumerate(ordered):
        nxt = ordered[i + 1].valid_from if i + 1 < len(ordered) else None
        if nxt is not None and (v.valid_to is None or v.valid_to > nxt):
            v = dataclasses.replace(v, valid_to=nxt)
        out.append(v)
    return tuple(out)


def clip(versions: Iterable[TariffVersion], start: date, end: date) -> tuple[TariffVersion, ...]:
    """The versions in force on some day of ``[start, end)``, cut to it."""
    out = []
    for v in versions:
        lo = max(v.valid_from, start)
        hi = end if v.valid_to is None else min(v.valid_to, end)
        if lo < hi:
            out.append(dataclasses.replace(v, valid_from=lo, valid_to=hi))
    return tuple(out)


class Tariff(Aggregate):
    class Opened(Aggregate.Created):
        code: str

    class VersionDefined(Aggregate.Event):
        version: dict[str, Any]
        spot_index: str | None
        defined_on: date

    @event(Opened)
    def __init__(self, id: UUID, code: str) -> None:
        self.code = code
        self.versions: dict[str, TariffVersion] = {}
        self.spot_indexes: dict[str, str | None] = {}

    @staticmethod
    def id_for(code: str) -> UUID:
        return name_id("tariff", code)

    def define(self, version: TariffVersion, spot_index: str | None, defined_on: date) -> bool:
        """Add a version; False if this very version is already defined."""
        if version.code != self.code:
            raise InvalidInput(f"version is for tariff {version.code}, not {self.code}", "code")
        has_spot = any(isinstance(c, SpotIndexed) for c in version.components)
        if has_spot and not spot_index:
            raise InvalidInput("a spot-indexed tariff names the spot index it follows", "spot_index")
        if spot_index and not has_spot:
            raise InvalidInput("spot_index given, but the tariff has no spot-indexed component", "spot_index")
        known = self.versions.get(version.version_id)
        if known is not None:
            if known.to_dict() == version.to_dict() and self.spot_indexes[version.version_id] == spot_index:
                return False
            raise Conflict(
                f"version {version.version_id} of {self.code} is already defined with other "
                "data; define a new version",
                "version_id",
            )
        for other in self.versions.values():
            if other.valid_from == version.valid_from:
                raise Conflict(
                    f"version {other.version_id} of {self.code} already starts on {version.valid_from}",
                    "valid_from",
                )
        self._defined(version.to_dict(), spot_index, defined_on)
        return True

    @event(VersionDefined)
    def _defined(self, version: dict[str, Any], spot_index: str | None, defined_on: date) -> None:
        parsed = TariffVersion.from_dict(version)
        self.versions[parsed.version_id] = parsed
        self.spot_indexes[parsed.version_id] = spot_index

    def versions_for(self, start: date, end: date) -> tuple[TariffVersion, ...]:
        """Versions covering local days ``[start, end)``, cut to them (may leave gaps: the kernel says so)."""
        return clip(effective_versions(self.versions.values()), start, end)


def parse_price_unit(unit: str, currency: str = "EUR") -> Decimal:
    """Size of the unit a price is quoted per, in billing units: ``EUR/MWh`` -> 1000."""
    cur, _, per = unit.partition("/")
    if cur != currency or per not in UNIT_SIZES:
        raise InvalidInput(
            f"price unit must be {currency}/" + f", {currency}/".join(UNIT_SIZES) + f", got {unit!r}", "unit"
        )
    return UNIT_SIZES[per]


class SpotPriceMonth(Aggregate):
    """Prices of one spot index in one UTC month, interval ``i`` starting at ``first_utc_s + i x step``."""

    class Opened(Aggregate.Created):
        index: str
        month: str
        resolution_min: int
        unit: str
        first_utc_s: int
        n_intervals: int

    class PricesRecorded(Aggregate.Event):
        block: int
        first: int
        prices: str  # published decimal text, comma-separated; empty where not given
        recorded_on: date

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        index: str,
        month: str,
        resolution_min: int,
        unit: str,
        first_utc_s: int,
        n_intervals: int,
    ) -> None:
        self.index = index
        self.month = month
        self.resolution_min = resolution_min
        self.unit = unit
        self.first_utc_s = first_utc_s
        self.n_intervals = n_intervals
        self.prices: list[Decimal | None] = [None] * n_intervals
        self.blocks = 0

    @staticmethod
    def id_for(index: str, month: str) -> UUID:
        return name_id("spot-prices", index, month)

    def record(self, first: int, prices: tuple[Decimal | None, ...], recorded_on: date) -> int:
        """Merge published prices from interval ``first``; return how many changed."""
        if first < 0 or first + len(prices) > self.n_intervals:
            raise InvalidInput(f"{len(prices)} prices from interval {first} overflow {self.month}", "prices")
        if any(p is not None and not p.is_finite() for p in prices):
            raise InvalidInput("prices must be finite decimals", "prices")
        changed = sum(1 for i, p in enumerate(prices) if p is not None and self.prices[first + i] != p)
        if changed:
            text = ",".join("" if p is None else str(p) for p in prices)
            self._recorded(self.blocks + 1, first, text, recorded_on)
        return changed

    @event(PricesRecorded)
    def _recorded(self, block: int, first: int, prices: str, recorded_on: date) -> None:
        for i, text in enumerate(prices.split(",")):
            if text:
                self.prices[first + i] = Decimal(text)
        self.blocks = block

    def per_unit(self, currency: str) -> NDArray[np.float64]:
        """(n,) prices in currency per billing unit, NaN where missing (a Decimal division, one rounding)."""
        size = parse_price_unit(self.unit, currency)
        return np.array([np.nan if p is None else float(p / size) for p in self.prices], dtype=np.float64)
