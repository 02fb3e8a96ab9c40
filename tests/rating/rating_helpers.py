"""Small builders shared by the rating tests."""

from datetime import date, timedelta
from decimal import Decimal

from ledger.billing.rating.calendar import build_grid
from ledger.billing.rating.tariff import Component, TariffVersion

ROME = "Europe/Rome"


def D(x: str | int) -> Decimal:
    return Decimal(x)


def version(
    *components: Component,
    valid_from: date = date(2026, 1, 1),
    valid_to: date | None = None,
    vid: str = "v1",
    unit: str = "kWh",
    vat: str = "22",
) -> TariffVersion:
    return TariffVersion("TEST", vid, valid_from, valid_to, "EUR", D(vat), components, unit)


def days(start: date, n: int, resolution: int = 60, zone: str = ROME):
    return build_grid(start, start + timedelta(days=n), resolution, zone)
