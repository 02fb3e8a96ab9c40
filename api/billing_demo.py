"""The billing part of the demo: tariffs as data, readings and a load curve, and a billing run.

Five new supplies of customers of the demo portfolio (:mod:`api.demo`, which must be loaded first),
billed bimonthly for January-February 2026 by one run of those contracts only:

* a trattoria on the Italian time-of-use tariff (F1/F2/F3 by ARERA bands), whose prices change on
  15 February, so its lines are split by days between the two tariff versions;
* a workshop on a spot-indexed tariff (hourly PUN x hourly load curve x (1 + losses) + spread) with a
  demand charge;
* a block of flats in Reus on water tiers (blocks per day pro-rated to the period, plus sewer);
* a hotel group with two sites on one account: one collective invoice, two sections;
* a new household with no reading yet: billed on an estimate from the standard profile, marked.

Idempotent like the rest of the demo: every command has a fixed key, and the run is only started
once (a finished run is not run again).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo

from stdnum.es import cups

from importers.readings import load_curve_commands
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.billing import commands as b
from ledger.billing.rating import (
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TariffVersion,
    TieredBlocks,
    TimeOfUse,
)
from ledger.billing.records import BillingRun
from ledger.billing.run import run_billing
from ledger.core.idempotency import record_id
from ledger.core.ids import child_id

if TYPE_CHECKING:
    from api.bootstrap import Services

PERIOD = (date(2026, 1, 1), date(2026, 2, 28))
ISSUE_DATE = date(2026, 3, 5)
ROME = ZoneInfo("Europe/Rome")
D = Decimal


def _italian_time_of_use(version_id: str, valid_from: date, f1: str, f2: str, f3: str) -> TariffVersion:
    """IT-TOU-2026: energy by ARERA band (F1/F2/F3); the other charges are the same in both versions."""
    return TariffVersion(
        "IT-TOU-2026",
        version_id,
        valid_from,
        None,
        "EUR",
        D("10"),
        (
            StandingCharge(D("0.1780")),
            TimeOfUse((D(f1), D(f2), D(f3)), "IT-ARERA-F123"),
            PerUnitCharge("network", D("0.0410")),
            Excise(D("0.0227")),
        ),
    )


def _standard(country: str, vat: str, unit: str, price: str) -> TariffVersion:
    """``<country>-STD-2026``: the standard offer the demo's 50 original contracts are signed on (api.demo),
    priced as their manual bills are (a standing charge a day, one energy price, a network charge), so a
    billing run bills them on from the contracts' start."""
    return TariffVersion(
        f"{country}-STD-2026",
        "2025-11",
        date(2025, 11, 1),
        None,
        "EUR",
        D(vat),
        (StandingCharge(D("0.3120")), FlatEnergy(D(price)), PerUnitCharge("network", D("0.0410"))),
        unit,
    )


def tariffs() -> list[tuple[TariffVersion, str | None]]:
    return [
        (_standard("IT", "10", "kWh", "0.1380"), None),
        (_standard("ES", "10", "m3", "1.4500"), None),
        (_standard("FI", "25.5", "kWh", "0.1380"), None),
        (_italian_time_of_use("2026-01", date(2026, 1, 1), "0.1520", "0.1410", "0.1190"), None),
        (_italian_time_of_use("2026-02-15", date(2026, 2, 15), "0.1610", "0.1480", "0.1230"), None),
        (
            TariffVersion(
                "IT-SPOT-2026",
                "2026-01",
                date(2026, 1, 1),
                None,
                "EUR",
                D("22"),
                (
                    StandingCharge(D("0.5000")),
                    SpotIndexed(D("0.102"), D("0.0150")),
                    Demand(D("3.20")),
                    PerUnitCharge("network", D("0.0350")),
                    Excise(D("0.0125")),
                ),
            ),
            "IT-PUN",
        ),
        (
            TariffVersion(
                "ES-WATER-2026",
                "2026-01",
                date(2026, 1, 1),
                None,
                "EUR",
                D("10"),
                (
                    StandingCharge(D("0.2500")),
                    TieredBlocks((D("0.3"), D("0.6")), (D("0.95"), D("1.60"), D("2.90"))),
                    PerUnitCharge("sewer", D("0.45")),
                ),
                "m3",
            ),
            None,
        ),
    ]


def _water_meter() -> str:
    base = "ES0031406399500001"
    return base + cups.calc_check_digits(base)


@dataclass(frozen=True)
class Site:
    scheme: str
    supply_point: str
    commodity: Commodity
    tariff: str
    readings: tuple[tuple[date, str], ...] = ()


@dataclass(frozen=True)
class Customer:
    """New supplies of existing demo customers (``demo:<account>:account`` of :mod:`api.demo`)."""

    key: str
    account: int
    sites: tuple[Site, ...]
    since: date
    time_zone: str = "Europe/Rome"


_E, _W = Commodity.ELECTRICITY, Commodity.WATER
_JAN_FEB = (date(2025, 12, 31), date(2026, 2, 28))
CUSTOMERS = (
    Customer(
        "trattoria",
        21,
        (
            Site(
                "pod",
                "IT001E90000001",
                _E,
                "IT-TOU-2026",
                tuple(zip(_JAN_FEB, ("41230.0", "42617.5"), strict=True)),
            ),
        ),
        date(2025, 6, 1),
    ),
    Customer("workshop", 0, (Site("pod", "IT001E90000002", _E, "IT-SPOT-2026"),), date(2025, 9, 1)),
    Customer(
        "flats",
        7,
        (
            Site(
                "cups",
                _water_meter(),
                _W,
                "ES-WATER-2026",
                tuple(zip(_JAN_FEB, ("1520.40", "1571.90"), strict=True)),
            ),
        ),
        date(2025, 1, 1),
        "Europe/Madrid",
    ),
    Customer(
        "hotels",
        42,
        (
            Site(
                "pod",
                "IT001E90000003",
                _E,
                "IT-TOU-2026",
                tuple(zip(_JAN_FEB, ("88000", "93120"), strict=True)),
            ),
            Site(
                "pod",
                "IT001E90000004",
                _E,
                "IT-TOU-2026",
                tuple(zip(_JAN_FEB, ("12500", "14260"), strict=True)),
            ),
        ),
        date(2025, 3, 1),
    ),
    Customer("newhome", 3, (Site("pod", "IT001E90000005", _E, "IT-TOU-2026"),), date(2026, 1, 1)),
)


def contract_id(customer: Customer, site: Site) -> UUID:
    return _id(ac.SignContract, f"demo-billing:{customer.key}:contract:{site.supply_point}", "contract")


def spot_prices() -> tuple[Decimal, ...]:
    """Hourly PUN-like prices (EUR/MWh) for 1 January - 1 March 2026 (UTC hours): a daily shape."""
    hours = (datetime(2026, 3, 1, tzinfo=ROME) - datetime(2026, 1, 1, tzinfo=ROME)) // timedelta(hours=1)
    return tuple(
        D(f"{95 + 35 * math.sin((h % 24 - 6) / 24 * 2 * math.pi) + (h // 24) % 7:.2f}") for h in range(hours)
    )


def load_curve() -> list[tuple[datetime, Decimal]]:
    """The workshop's hourly consumption: 18 kWh in working hours on weekdays, 2 kWh otherwise."""
    points = []
    t = datetime(2026, 1, 1, tzinfo=ROME).astimezone(UTC)
    stop = datetime(2026, 3, 1, tzinfo=ROME).astimezone(UTC)
    while t < stop:
        local = t.astimezone(ROME)
        busy = local.weekday() < 5 and 8 <= local.hour < 18
        points.append((local, D("18.0") if busy else D("2.0")))
        t += timedelta(hours=1)
    return points


def _id(command: type, key: str, role: str) -> UUID:
    return child_id(record_id(command.__name__, key), role)


def commands() -> list[tuple[object, str]]:
    """(command, key) pairs of the billing demo, in load order."""
    out: list[tuple[object, str]] = [
        (b.DefineTariffVersion(v, spot), f"demo-billing:tariff:{v.code}:{v.version_id}")
        for v, spot in tariffs()
    ]
    start = datetime(2026, 1, 1, tzinfo=ROME)
    out.append((b.RecordSpotPrices("IT-PUN", start, 60, spot_prices()), "demo-billing:spot:IT-PUN:2026-01"))
    for customer in CUSTOMERS:
        account = _id(ac.OpenContractAccount, f"demo:{customer.account}:account", "account")
        for site in customer.sites:
            sign = ac.SignContract(
                account,
                site.scheme,
                site.supply_point,
                site.commodity,
                site.tariff,
                BillingFrequency.BIMONTHLY,
                customer.since,
                time_zone=customer.time_zone,
            )
            out.append((sign, f"demo-billing:{customer.key}:contract:{site.supply_point}"))
            out += [
                (
                    b.RecordReading(site.supply_point, day, D(index)),
                    f"demo-billing:reading:{site.supply_point}:{day}",
                )
                for day, index in site.readings
            ]
    for block in load_curve_commands("IT001E90000002", load_curve(), time_zone="Europe/Rome"):
        out.append((block, f"demo-billing:curve:IT001E90000002:{block.start.date():%Y-%m}"))
    return out


def load_billing_demo(svc: Services) -> dict[str, Any]:
    """Load the billing demo and run its billing once; return what the run did (or had done)."""
    app = svc.app
    items = app.execute_many(commands())
    refused = next((item for item in items if item.error is not None), None)
    if refused is not None and refused.error is not None:
        raise refused.error
    new = sum(0 if item.result and item.result.get("replayed") else 1 for item in items)
    key = f"demo-billing:run:{PERIOD[0]}:{PERIOD[1]}"
    contracts = tuple(contract_id(customer, site) for customer in CUSTOMERS for site in customer.sites)
    run_id = UUID(app.execute(b.StartBillingRun(*PERIOD, ISSUE_DATE, contracts), key)["run_id"])
    if app.get(BillingRun, run_id, "billing run", "run_id").status != "finished":
        run_billing(app, *PERIOD, issue_date=ISSUE_DATE, run_id=run_id, contracts=contracts)
    svc.projections.catch_up()
    run = app.get(BillingRun, run_id, "billing run", "run_id")
    return {"new_commands": new, "run_id": str(run_id), "status": run.status, **run.totals()}
