"""Issue 11: a contract's tariff, billing frequency and VAT rate change from a date, and billing uses what
is in force for each day or period; a change never reaches into a period already billed.

Register readings at month ends, a flat profile: a reading's consumption spreads evenly over the days.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.accounts.contract import BillingFrequency
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy
from ledger.core.errors import InvalidInput
from tests.billing.helpers import BillingClerk, D, pod

MONTHLY, BIMONTHLY = BillingFrequency.MONTHLY, BillingFrequency.BIMONTHLY


def _lines(biller: BillingClerk, number: str) -> list[tuple[str, str, str, str]]:
    return [(li.description, str(li.quantity), str(li.amount), str(li.vat_rate))
            for li in biller.invoice(number).lines]


def test_a_tariff_change_mid_period_prices_each_day_by_the_tariff_then(biller: BillingClerk) -> None:
    """February 2026, monthly, 280 kWh over 28 days = 10 kWh a day. 1-14 Feb on CHEAP (0.10): 140 kWh =
    14.00; 15-28 Feb on DEAR (0.20): 140 kWh = 28.00; net 42.00."""
    biller.tariff("CHEAP", FlatEnergy(D("0.10")))
    biller.tariff("DEAR", FlatEnergy(D("0.20")))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "CHEAP", MONTHLY)
    biller.run(b.ChangeContractTariff(contract, "DEAR", date(2026, 2, 15)))
    biller.read(sp, date(2026, 1, 31), "1000")
    biller.read(sp, date(2026, 2, 28), "1280")
    report = biller.bill(date(2026, 2, 1), date(2026, 2, 28))
    assert (report.invoices, report.errors) == (1, 0), report.issues
    (invoice,) = biller.documents(contract)
    assert invoice.totals.net == Decimal("42.00")
    assert sorted(li.amount for li in invoice.lines) == [Decimal("14.00"), Decimal("28.00")]
    assert {s for li in invoice.lines for s in li.sources if s.startswith("tariff:")} == {
        "tariff:CHEAP/v1", "tariff:DEAR/v1"}


def test_a_tariff_change_is_checked(biller: BillingClerk) -> None:
    biller.tariff("CHEAP", FlatEnergy(D("0.10")))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "CHEAP", MONTHLY)
    for command, field in ((b.ChangeContractTariff(contract, "NOPE", date(2026, 3, 1)), "tariff_code"),
                           (b.ChangeContractTariff(contract, "CHEAP", date(2025, 11, 1)), "effective_from")):
        with pytest.raises(InvalidInput) as caught:
            biller.run(command)
        assert caught.value.field == field
    biller.read(sp, date(2026, 1, 31), "1000")
    biller.read(sp, date(2026, 2, 28), "1280")
    assert biller.bill(date(2026, 2, 1), date(2026, 2, 28)).invoices == 1
    biller.tariff("DEAR", FlatEnergy(D("0.20")))
    with pytest.raises(InvalidInput, match="billed up to 2026-02-28") as caught:
        biller.run(b.ChangeContractTariff(contract, "DEAR", date(2026, 2, 15)))
    assert caught.value.field == "effective_from"
    biller.run(b.ChangeContractTariff(contract, "DEAR", date(2026, 3, 1)))
    assert biller.app.repository.get(contract).tariff_on(date(2026, 3, 1)) == "DEAR"


def test_a_frequency_change_ends_the_running_period_and_bills_by_the_new_one(biller: BillingClerk) -> None:
    """Bimonthly from November 2025; monthly from 1 February 2026: January is billed alone (the
    bimonthly January-February period ends the day before the change), then February and March."""
    biller.tariff("FLAT", FlatEnergy(D("0.10")))
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT", BIMONTHLY)
    biller.run(b.ChangeBillingFrequency(contract, MONTHLY, date(2026, 2, 1)))
    for day, index in ((date(2025, 12, 31), "1000"), (date(2026, 1, 31), "1310"),
                       (date(2026, 2, 28), "1590"), (date(2026, 3, 31), "1900")):
        biller.read(sp, day, index)
    report = biller.bill(date(2026, 1, 1), date(2026, 3, 31))
    assert (report.invoices, report.errors) == (3, 0), report.issues
    periods = sorted(biller.history(contract).periods)
    assert periods == [(date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
                       (date(2026, 3, 1), date(2026, 3, 31))]
    assert [biller.invoice(p.invoice_number).totals.net for p in
            sorted(biller.history(contract).periods.values(), key=lambda p: p.period_start)] == [
        Decimal("31.00"), Decimal("28.00"), Decimal("31.00")]


@pytest.mark.parametrize(("day", "field"), [(date(2026, 2, 15), "effective_from"),  # not the first
                                            (date(2025, 11, 1), "effective_from")])  # not later
def test_a_frequency_change_is_checked(biller: BillingClerk, day: date, field: str) -> None:
    biller.tariff("FLAT", FlatEnergy(D("0.10")))
    contract = biller.contract(biller.customer(), pod(), "FLAT", BIMONTHLY)
    with pytest.raises(InvalidInput) as caught:
        biller.run(b.ChangeBillingFrequency(contract, MONTHLY, day))
    assert caught.value.field == field


def test_a_vat_rate_from_a_date_applies_to_the_periods_ending_from_then(biller: BillingClerk) -> None:
    """Tariff VAT 22 %; the contract is billed at 10 % from 1 February 2026. January (310 kWh x 0.10 =
    31.00) at 22 % = 6.82; February (280 kWh = 28.00) at 10 % = 2.80."""
    biller.tariff("FLAT", FlatEnergy(D("0.10")), vat="22")
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT", MONTHLY)
    biller.run(b.ChangeContractVatRate(contract, D("10"), date(2026, 2, 1), "domestic use"))
    for day, index in ((date(2025, 12, 31), "1000"), (date(2026, 1, 31), "1310"),
                       (date(2026, 2, 28), "1590")):
        biller.read(sp, day, index)
    report = biller.bill(date(2026, 1, 1), date(2026, 2, 28))
    assert (report.invoices, report.errors) == (2, 0), report.issues
    by_period = {p.period_start.month: biller.invoice(p.invoice_number)
                 for p in biller.history(contract).periods.values()}
    assert (by_period[1].totals.vat, by_period[2].totals.vat) == (Decimal("6.82"), Decimal("2.80"))
    with pytest.raises(InvalidInput, match="billed up to 2026-02-28") as caught:
        biller.run(b.ChangeContractVatRate(contract, D("22"), date(2026, 2, 15), "back to standard"))
    assert caught.value.field == "effective_from"
    with pytest.raises(InvalidInput) as caught:
        biller.run(b.ChangeContractVatRate(contract, D("101"), date(2026, 4, 1), "too much"))
    assert caught.value.field == "vat_rate"
