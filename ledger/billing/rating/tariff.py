"""Tariffs as data: effective-dated, immutable tariff versions and their price components.

Prices are ``Decimal`` in the data (exact, as published) and become float64 only inside the kernel.
Every component has a ``name``: the revenue component its lines post to (``revenue:<name>``), e.g.
``energy``, ``standing``, ``network``, ``excise``.  Names may repeat within a version (a network
tariff usually has a fixed, a power and an energy part, all ``network``).

Units: consumption is in the version's ``unit`` (``kWh`` for power, ``m3``/``Smc`` for gas and
water); every ``price_per_unit`` is in ``currency`` per that unit, ``price_per_day`` per local day,
``price_per_kw`` per kW of maximum demand over the billing period.  A spot series handed to the
kernel must be in ``currency`` per ``unit`` too (divide EUR/MWh by 1000 before).

``to_dict``/``from_dict`` round-trip through plain JSON-able dicts, Decimals as strings (``str``
keeps the exponent, so ``Decimal('0.10')`` comes back as ``Decimal('0.10')``), dates as ISO text:

>>> from datetime import date
>>> v = TariffVersion("DOM-1", "2026-01", date(2026, 1, 1), None, "EUR", Decimal("10"),
...                   (StandingCharge(Decimal("0.10")), FlatEnergy(Decimal("0.2150"))))
>>> TariffVersion.from_dict(v.to_dict()) == v
True
>>> v.to_dict()["components"][1]
{'kind': 'flat', 'name': 'energy', 'price_per_unit': '0.2150'}
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from ledger.core.numbers import ascii_decimal

__all__ = [
    "Component",
    "Demand",
    "Excise",
    "FlatEnergy",
    "PerUnitCharge",
    "SpotIndexed",
    "StandingCharge",
    "TariffError",
    "TariffVersion",
    "TieredBlocks",
    "TimeOfUse",
    "component_from_dict",
]

SCHEMA_VERSION = 1  # bump (and upcast in from_dict) when the stored shape changes


class TariffError(ValueError):
    """Tariff data that cannot be priced: wrong types, impossible values, inconsistent versions."""


def _dec(value: object, what: str) -> Decimal:
    """A finite Decimal from Decimal, int or numeric text; never from float.

    Why no float: ``Decimal(0.1)`` is 0.1000000000000000055511151231257827…, a price nobody
    published (https://docs.python.org/3/library/decimal.html#decimal.Decimal.from_float).
    """
    if isinstance(value, (bool, float)):
        raise TariffError(f"{what}: pass a Decimal or a string, not {type(value).__name__} {value!r}")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int | str):
        try:  # ASCII digits only: Decimal("١٠") is 10 (see ledger.core.numbers)
            d = ascii_decimal(value) if isinstance(value, str) else Decimal(value)
        except ArithmeticError as exc:
            raise TariffError(f"{what}: {value!r} is not a number") from exc
    else:
        raise TariffError(f"{what}: expected Decimal, got {type(value).__name__}")
    if not d.is_finite():
        raise TariffError(f"{what}: {d} is not finite")
    return d


def _decs(values: object, what: str) -> tuple[Decimal, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise TariffError(f"{what}: expected a sequence of prices")
    return tuple(_dec(v, f"{what}[{i}]") for i, v in enumerate(values))


def _name(value: object, what: str = "name") -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise TariffError(f"{what}: need a non-empty string without outer spaces, got {value!r}")
    return value


def _set(obj: object, field: str, value: object) -> None:
    object.__setattr__(obj, field, value)  # normalising a frozen dataclass field in __post_init__


@dataclass(frozen=True)
class StandingCharge:
    """Fixed charge per local day of the period, pro-rated over the billed days."""

    price_per_day: Decimal
    name: str = "standing"
    kind: ClassVar[str] = "standing"

    def __post_init__(self) -> None:
        _set(self, "price_per_day", _dec(self.price_per_day, "price_per_day"))
        _name(self.name)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "price_per_day": str(self.price_per_day)}


class _PricedPerUnit:
    """What the components priced per unit consumed share: validation and the stored form."""

    name: str
    price_per_unit: Decimal
    kind: ClassVar[str]

    def __post_init__(self) -> None:
        _set(self, "price_per_unit", _dec(self.price_per_unit, "price_per_unit"))
        _name(self.name)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "price_per_unit": str(self.price_per_unit)}


@dataclass(frozen=True)
class FlatEnergy(_PricedPerUnit):
    """One price for every unit consumed."""

    price_per_unit: Decimal
    name: str = "energy"
    kind: ClassVar[str] = "flat"


@dataclass(frozen=True)
class TimeOfUse:
    """A price per band of the named band calendar (e.g. ``IT-ARERA-F123``: F1, F2, F3)."""

    prices_per_unit: tuple[Decimal, ...]
    calendar: str
    name: str = "energy"
    kind: ClassVar[str] = "tou"

    def __post_init__(self) -> None:
        _set(self, "prices_per_unit", _decs(self.prices_per_unit, "prices_per_unit"))
        if not self.prices_per_unit:
            raise TariffError("prices_per_unit: need one price per band")
        _name(self.calendar, "calendar")
        _name(self.name)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "calendar": self.calendar,
            "prices_per_unit": [str(p) for p in self.prices_per_unit],
        }


@dataclass(frozen=True)
class SpotIndexed:
    """Spot pass-through: ``sum(spot x consumption) x (1 + losses_factor) + spread x quantity``."""

    losses_factor: Decimal
    spread_per_unit: Decimal
    name: str = "energy"
    kind: ClassVar[str] = "spot"

    def __post_init__(self) -> None:
        _set(self, "losses_factor", _dec(self.losses_factor, "losses_factor"))
        _set(self, "spread_per_unit", _dec(self.spread_per_unit, "spread_per_unit"))
        if self.losses_factor < 0:
            raise TariffError(f"losses_factor must be >= 0, got {self.losses_factor}")
        _name(self.name)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "losses_factor": str(self.losses_factor),
            "spread_per_unit": str(self.spread_per_unit),
        }


@dataclass(frozen=True)
class TieredBlocks:
    """Increasing block prices (water): block ``i`` ends at ``thresholds_per_day[i] x days``.

    ``len(prices_per_unit) == len(thresholds_per_day) + 1``; the last block is open-ended.
    Thresholds are per day so that a 29-day and a 92-day period get the same allowance per day.
    """

    thresholds_per_day: tuple[Decimal, ...]
    prices_per_unit: tuple[Decimal, ...]
    name: str = "energy"
    kind: ClassVar[str] = "tiers"

    def __post_init__(self) -> None:
        _set(self, "thresholds_per_day", _decs(self.thresholds_per_day, "thresholds_per_day"))
        _set(self, "prices_per_unit", _decs(self.prices_per_unit, "prices_per_unit"))
        t = self.thresholds_per_day
        if any(x <= 0 for x in t) or any(b <= a for a, b in itertools.pairwise(t)):
            raise TariffError(f"thresholds_per_day must be positive and increasing, got {t}")
        if len(self.prices_per_unit) != len(t) + 1:
            raise TariffError("need len(prices_per_unit) == len(thresholds_per_day) + 1")
        _name(self.name)

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "thresholds_per_day": [str(x) for x in self.thresholds_per_day],
            "prices_per_unit": [str(p) for p in self.prices_per_unit],
        }


@dataclass(frozen=True)
class Demand:
    """Capacity charge: max over intervals of kWh / interval hours (average kW) x price per kW."""

    price_per_kw: Decimal
    name: str = "demand"
    kind: ClassVar[str] = "demand"

    def __post_init__(self) -> None:
        _set(self, "price_per_kw", _dec(self.price_per_kw, "price_per_kw"))
        _name(self.name)

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "name": self.name, "price_per_kw": str(self.price_per_kw)}


@dataclass(frozen=True)
class PerUnitCharge(_PricedPerUnit):
    """A regulated charge per unit (network, system charges): quantity = consumption."""

    name: str
    price_per_unit: Decimal
    kind: ClassVar[str] = "per_unit"


@dataclass(frozen=True)
class Excise(_PricedPerUnit):
    """Excise duty per unit consumed (posts to ``excise``; VAT applies on top in IT/ES/FI)."""

    price_per_unit: Decimal
    name: str = "excise"
    kind: ClassVar[str] = "excise"


Component = (
    StandingCharge | FlatEnergy | TimeOfUse | SpotIndexed | TieredBlocks | Demand | PerUnitCharge | Excise
)
_KINDS: dict[str, type[Component]] = {
    c.kind: c
    for c in (
        StandingCharge,
        FlatEnergy,
        TimeOfUse,
        SpotIndexed,
        TieredBlocks,
        Demand,
        PerUnitCharge,
        Excise,
    )
}


def component_from_dict(d: Mapping[str, object]) -> Component:
    """Inverse of ``Component.to_dict``; unknown kinds or fields are errors, never dropped."""
    kind = d.get("kind")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise TariffError(f"unknown component kind {kind!r}")
    fields = {k: v for k, v in d.items() if k != "kind"}
    try:
        return cls(**fields)  # type: ignore[arg-type]  # values are checked in __post_init__
    except TypeError as exc:
        raise TariffError(f"{kind}: {exc}") from exc


def _date(value: object, what: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise TariffError(f"{what}: {value!r} is not an ISO date") from exc
    raise TariffError(f"{what}: expected a date, got {value!r}")


@dataclass(frozen=True)
class TariffVersion:
    """One effective-dated version of a tariff: valid on local days ``[valid_from, valid_to)``.

    ``valid_to`` is exclusive (half-open like billing periods, so consecutive versions share the
    boundary date) and ``None`` means open-ended.  ``vat_rate`` is a percentage, e.g.
    ``Decimal('22')``.
    """

    code: str
    version_id: str
    valid_from: date
    valid_to: date | None
    currency: str
    vat_rate: Decimal
    components: tuple[Component, ...]
    unit: str = "kWh"

    def __post_init__(self) -> None:
        _name(self.code, "code")
        _name(self.version_id, "version_id")
        _name(self.unit, "unit")
        if not isinstance(self.valid_from, date) or not (
            self.valid_to is None or isinstance(self.valid_to, date)
        ):
            raise TariffError("valid_from/valid_to must be dates")
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise TariffError(f"{self.code}/{self.version_id}: valid_to must be after valid_from")
        if not (isinstance(self.currency, str) and len(self.currency) == 3 and self.currency.isupper()):
            raise TariffError(f"currency must be an ISO 4217 code, got {self.currency!r}")
        _set(self, "vat_rate", _dec(self.vat_rate, "vat_rate"))
        if not Decimal(0) <= self.vat_rate <= Decimal(100):
            raise TariffError(f"vat_rate is a percentage 0..100, got {self.vat_rate}")
        comps = tuple(self.components)
        if not comps or not all(isinstance(c, tuple(_KINDS.values())) for c in comps):
            raise TariffError("components: need at least one tariff component")
        if self.unit != "kWh" and any(isinstance(c, Demand) for c in comps):
            raise TariffError("a Demand component needs consumption in kWh")
        _set(self, "components", comps)

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema": SCHEMA_VERSION,
            "code": self.code,
            "version_id": self.version_id,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": None if self.valid_to is None else self.valid_to.isoformat(),
            "currency": self.currency,
            "vat_rate": str(self.vat_rate),
            "unit": self.unit,
            "components": [c.to_dict() for c in self.components],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> TariffVersion:
        if d.get("schema") != SCHEMA_VERSION:
            raise TariffError(f"unsupported tariff schema {d.get('schema')!r}")
        comps = d.get("components")
        if not isinstance(comps, Sequence) or isinstance(comps, str | bytes):
            raise TariffError("components: expected a list")
        for c in comps:
            if not isinstance(c, Mapping):
                raise TariffError("components: expected a list of objects")
        valid_to = d.get("valid_to")
        return cls(
            code=_name(d.get("code"), "code"),
            version_id=_name(d.get("version_id"), "version_id"),
            valid_from=_date(d.get("valid_from"), "valid_from"),
            valid_to=None if valid_to is None else _date(valid_to, "valid_to"),
            currency=_name(d.get("currency"), "currency"),
            vat_rate=_dec(d.get("vat_rate"), "vat_rate"),
            components=tuple(component_from_dict(c) for c in comps),
            unit=_name(d.get("unit"), "unit"),
        )
