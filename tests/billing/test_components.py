"""A worked example per tariff component, each billed by a real run on both stores.

Every docstring does the arithmetic by hand, so a reader can check the invoice without the code.
Unless said otherwise: a bimonthly contract, billing period 1 January - 28 February 2026 (59 days),
register readings at the end of 31 December and 28 February, and the line amounts rounded half up to
cents; VAT on the sum of the lines per rate, rounded half up.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from ledger.accounts.contract import BillingFrequency, Commodity
from ledger.billing import commands as b
from ledger.billing.rating import (
    Demand,
    Excise,
    FlatEnergy,
    PerUnitCharge,
    SpotIndexed,
    StandingCharge,
    TieredBlocks,
    TimeOfUse,
)
from tests.billing.helpers import BillingClerk, D, amounts, pod, rome

JAN, FEB_END = date(2026, 1, 1), date(2026, 2, 28)
FEB, MONTHLY = date(2026, 2, 1), BillingFrequency.MONTHLY


def _one_invoice(
    biller: BillingClerk, contract: UUID, start: date, end: date
) -> tuple[str, str, str, list[tuple[str, str, str, str]]]:
    report = biller.bill(start, end)
    assert report.errors == 0, report.issues
    assert report.invoices == 1
    (invoice,) = biller.documents(contract)
    return str(invoice.totals.net), str(invoice.totals.vat), str(invoice.totals.gross), amounts(invoice)


def test_standing_charge_is_per_day_of_the_period(biller: BillingClerk) -> None:
    """59 days x 0.20 EUR/day = 11.80; VAT 10 % = 1.18; gross 12.98. No consumption, no energy line."""
    biller.tariff("STAND", StandingCharge(D("0.20")), vat="10")
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "STAND")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.read(sp, FEB_END, "1000")
    net, vat, gross, lines = _one_invoice(biller, contract, JAN, FEB_END)
    assert (net, vat, gross) == ("11.80", "1.18", "12.98")
    assert lines == [("standing: fixed charge per day", "59.000", "0.200000", "11.80")]


def test_flat_energy_at_the_contracts_own_vat_rate(biller: BillingClerk) -> None:
    """1590 - 1000 = 590 kWh x 0.2150 = 126.85. The tariff says 22 % VAT, the contract (a household)
    is billed at 10 %: 12.685 -> 12.69 (half up); gross 139.54."""
    biller.tariff("FLAT", FlatEnergy(D("0.2150")), vat="22")
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT")
    biller.run(b.SetBillingVatRate(contract, D("10"), "domestic use"))
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.read(sp, FEB_END, "1590")
    net, vat, gross, lines = _one_invoice(biller, contract, JAN, FEB_END)
    assert (net, vat, gross) == ("126.85", "12.69", "139.54")
    assert lines == [("energy: flat price", "590.000", "0.215000", "126.85")]


def test_time_of_use_bands_of_a_load_curve(biller: BillingClerk) -> None:
    """February 2026, monthly, 1 kWh every hour (672 hours). Italy's ARERA bands: February starts on a
    Sunday, so 20 weekdays, 4 Saturdays, 4 Sundays and no holiday.
    F1 = 20 x 11 h (08-19) = 220 kWh x 0.20 = 44.00
    F2 = 20 x 5 h (07-08, 19-23) + 4 x 16 h (Sat 07-23) = 164 kWh x 0.15 = 24.60
    F3 = the other 672 - 220 - 164 = 288 kWh x 0.10 = 28.80
    net 97.40; VAT 22 % = 21.428 -> 21.43; gross 118.83."""
    biller.tariff("TOU", TimeOfUse((D("0.20"), D("0.15"), D("0.10")), "IT-ARERA-F123"))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "TOU", MONTHLY)
    biller.curve(sp, FEB, 60, [1.0] * 672)
    net, vat, gross, lines = _one_invoice(biller, contract, FEB, FEB_END)
    assert lines == [
        ("energy: F1", "220.000", "0.200000", "44.00"),
        ("energy: F2", "164.000", "0.150000", "24.60"),
        ("energy: F3", "288.000", "0.100000", "28.80"),
    ]
    assert (net, vat, gross) == ("97.40", "21.43", "118.83")


def test_time_of_use_of_a_register_read_is_split_by_the_standard_profile(biller: BillingClerk) -> None:
    """1000 kWh read on the register, spread by the ARERA-like household profile 33 / 31 / 36 %:
    F1 330 x 0.20 = 66.00, F2 310 x 0.15 = 46.50, F3 360 x 0.10 = 36.00; net 148.50;
    VAT 22 % = 32.67; gross 181.17."""
    biller.tariff("TOU", TimeOfUse((D("0.20"), D("0.15"), D("0.10")), "IT-ARERA-F123"))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "TOU")
    biller.read(sp, date(2025, 12, 31), "5000")
    biller.read(sp, FEB_END, "6000")
    net, vat, gross, lines = _one_invoice(biller, contract, JAN, FEB_END)
    assert [(q, a) for _, q, _, a in lines] == [
        ("330.000", "66.00"),
        ("310.000", "46.50"),
        ("360.000", "36.00"),
    ]
    assert (net, vat, gross) == ("148.50", "32.67", "181.17")


def test_spot_indexed_energy(biller: BillingClerk) -> None:
    """February, monthly, 1 kWh every hour. The PUN of the i-th hour of the period is 100 + (i mod 24)
    EUR/MWh = 0.100 + (i mod 24) / 1000 EUR/kWh (its first hour is 31 January 23:00 UTC, so the series
    spans two UTC months).
    sum(spot x kWh) = 672 x 0.100 + 28 days x (0 + 1 + ... + 23) / 1000 = 67.200 + 7.728 = 74.928
    x (1 + losses 10 %) = 82.4208; + spread 0.01 x 672 kWh = 6.72; amount 89.1408 -> 89.14
    VAT 22 % = 19.6108 -> 19.61; gross 108.75."""
    biller.tariff("SPOT", SpotIndexed(D("0.10"), D("0.01")), spot_index="IT-PUN")
    biller.run(b.RecordSpotPrices("IT-PUN", rome(FEB), 60, tuple(D(100 + i % 24) for i in range(672))))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "SPOT", MONTHLY)
    biller.curve(sp, FEB, 60, [1.0] * 672)
    net, vat, gross, lines = _one_invoice(biller, contract, FEB, FEB_END)
    assert [(d, q, a) for d, q, _, a in lines] == [("energy: spot-indexed", "672.000", "89.14")]
    assert (net, vat, gross) == ("89.14", "19.61", "108.75")


def test_tiered_water_blocks_pro_rated_to_the_days(biller: BillingClerk) -> None:
    """Blocks of 0.3 and 0.6 m3 a day: over 59 days 17.7 and 35.4 m3. 140 - 100 = 40 m3:
    block 1 17.7 x 1.00 = 17.70; block 2 (35.4 - 17.7 =) 17.7 x 2.00 = 35.40; block 3 4.6 x 3.00 = 13.80;
    net 66.90; VAT 10 % = 6.69; gross 73.59."""
    biller.tariff(
        "WATER", TieredBlocks((D("0.3"), D("0.6")), (D("1.00"), D("2.00"), D("3.00"))), vat="10", unit="m3"
    )
    sp = "ES-REUS-WATER-0042"
    contract = biller.contract(biller.customer(), sp, "WATER", commodity=Commodity.WATER, scheme="other")
    biller.read(sp, date(2025, 12, 31), "100")
    biller.read(sp, FEB_END, "140")
    net, vat, gross, lines = _one_invoice(biller, contract, JAN, FEB_END)
    assert [(q, a) for _, q, _, a in lines] == [("17.700", "17.70"), ("17.700", "35.40"), ("4.600", "13.80")]
    assert (net, vat, gross) == ("66.90", "6.69", "73.59")


def test_demand_charge_on_the_highest_quarter_hour(biller: BillingClerk) -> None:
    """February, monthly, quarter hours of 0.25 kWh (1 kW) except one of 2.5 kWh: 2.5 kWh in 15 minutes
    is 10 kW. 10 kW x 5.00 EUR/kW = 50.00; VAT 22 % = 11.00; gross 61.00."""
    biller.tariff("DEMAND", Demand(D("5.00")))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "DEMAND", MONTHLY)
    values = [0.25] * (28 * 96)
    values[1000] = 2.5
    biller.curve(sp, FEB, 15, values)
    net, vat, gross, lines = _one_invoice(biller, contract, FEB, FEB_END)
    assert lines == [("demand: maximum demand", "10.000", "5.000000", "50.00")]
    assert (net, vat, gross) == ("50.00", "11.00", "61.00")


def test_network_charges_and_excise_per_kwh(biller: BillingClerk) -> None:
    """1000 kWh: network 1000 x 0.0410 = 41.00 (revenue:network), excise 1000 x 0.0227 = 22.70
    (the GL account excise); net 63.70; VAT 10 % = 6.37; gross 70.07."""
    biller.tariff("GRID", PerUnitCharge("network", D("0.0410")), Excise(D("0.0227")), vat="10")
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "GRID")
    biller.read(sp, date(2025, 12, 31), "0")
    biller.read(sp, FEB_END, "1000")
    net, vat, gross, lines = _one_invoice(biller, contract, JAN, FEB_END)
    assert [(d, a) for d, _, _, a in lines] == [
        ("network: per-unit charge", "41.00"),
        ("excise: excise duty", "22.70"),
    ]
    assert (net, vat, gross) == ("63.70", "6.37", "70.07")
    journal = {(r[8], r[10]) for r in biller.clerk.services.view.journal(0, 1000) if r[10]}
    assert {("revenue:network", 4100), ("excise", 2270), ("vat-output:10", 637)} <= journal


def test_every_line_names_its_site_period_and_sources(biller: BillingClerk) -> None:
    biller.tariff("FLAT", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT")
    first = biller.read(sp, date(2025, 12, 31), "10")
    last = biller.read(sp, FEB_END, "20")
    report = biller.bill(JAN, FEB_END)
    assert report.invoices == 1
    (invoice,) = biller.documents(contract)
    assert invoice.period == (JAN, FEB_END)
    for line in invoice.lines:
        assert line.site == sp and line.period == (JAN, FEB_END)
        assert line.sources == (f"reading:{first}", f"reading:{last}", "tariff:FLAT/v1")
        assert line.note.startswith("readings ")
    assert invoice.totals.gross == Decimal("8.69")  # (5.90 + 2.00) + 10 % VAT 0.79
