"""The portal page's logic without a browser, on both stores: the consumption chart (deterministic SVG, one
bar group per month with data, the bands adding up to what the load-curve API answers), the self-reading
and the IBAN change through the API's commands, and every refusal as a message naming the form's field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from api.web import portal_view as pv
from api.web.chart import MonthBands, consumption_svg
from api.web.forms import FormError
from importers.load_curves import load_curve_commands
from ledger.accounts import commands as ac
from ledger.accounts.contract import BillingFrequency, Commodity, Contract
from ledger.core.actor import Actor, Channel, Role
from tests.auth import api_client
from tests.billing.helpers import pod
from tests.clerk import Clerk
from tests.dunning_flow.helpers import dd_customer

ROME = ZoneInfo("Europe/Rome")


def _portal(partner: str) -> Actor:
    return Actor("web-portal", Role.PORTAL, Channel.HTTP, "web-test")


def _contract(clerk: Clerk, account: UUID) -> tuple[UUID, str]:
    point = pod()
    contract = clerk.run(ac.SignContract(account, "pod", point, Commodity.ELECTRICITY, "HOME",
                                         BillingFrequency.MONTHLY, date(2025, 10, 1)))["contract_id"]
    return UUID(contract), point


def _hours(clerk: Clerk, point: str, first: date, days: int, kwh: str) -> None:
    start = datetime.combine(first, datetime.min.time(), tzinfo=ROME).astimezone(UTC)
    points = [(start + timedelta(hours=h), Decimal(kwh)) for h in range(days * 24)]
    for command in load_curve_commands(point, points, time_zone="Europe/Rome", resolution_min=60):
        clerk.run(command)


def test_the_chart_is_the_same_bytes_for_the_same_numbers_and_draws_only_months_with_data() -> None:
    months = [MonthBands("2026-01", (Decimal("10"), Decimal("5"), Decimal("2.5"))),
              MonthBands("2026-02", (Decimal(0), Decimal(0), Decimal(0))),
              MonthBands("2026-03", (Decimal("20"), Decimal("0"), Decimal("1")))]
    svg = str(consumption_svg(months, ("F1", "F2", "F3"), "kWh"))
    assert svg == str(consumption_svg(list(months), ("F1", "F2", "F3"), "kWh"))
    assert re.findall(r'data-month="([0-9-]+)"', svg) == ["2026-01", "2026-03"]
    assert svg.count('class="band"') == 5  # the zero band of March is not drawn
    assert "2026-03 F1: 20.0 kWh" in svg
    assert "<script" not in svg and "<p" in str(consumption_svg([months[1]], ("F1", "F2", "F3"), "kWh"))
    assert pv.last_months(date(2026, 1, 31), 2) == ["2025-12", "2026-01"]


def test_the_portal_page_adds_up_each_month_by_band_as_the_load_curve_api_does(clerk: Clerk) -> None:
    account = clerk.customer("Livia Curva")
    contract_id, point = _contract(clerk, account)
    _hours(clerk, point, date(2026, 1, 1), 31, "0.5")
    _hours(clerk, point, date(2026, 2, 1), 3, "1")
    partner = str(clerk.balance(account)[1])
    page = pv.portal_page(clerk.services, _portal(partner), account)
    (panel,) = page.contracts
    assert [m.month for m in panel.months] == ["2026-01", "2026-02"]
    assert panel.bands == ("F1", "F2", "F3") and panel.unit == "kWh"
    with api_client(clerk.services, "portal", partner=partner) as http:
        api = http.get(f"/contracts/{contract_id}/load-curve",
                       params={"month": "2026-01", "by": "band"}).json()
    assert list(panel.months[0].values) == [Decimal(v["value"]) for v in api["values"]]
    assert panel.months[0].total == Decimal("372")  # 31 days × 24 h × 0.5 kWh
    assert page.balance.name == "Livia Curva home" and page.summary.unpaid_invoices == 0


def test_a_self_reading_is_recorded_and_a_wrong_one_names_its_field(clerk: Clerk) -> None:
    account = clerk.customer("Marco Lettura")
    contract_id, _ = _contract(clerk, account)
    actor = _portal(str(clerk.balance(account)[1]))
    for read_on, index, field in [("2026-02-30", "123", "read_on"), ("", "123", "read_on"),
                                  ("2026-02-20", "", "index"), ("2026-02-20", "12a", "index"),
                                  ("2026-02-20", "١٢٣", "index")]:
        with pytest.raises(FormError) as refused:
            pv.submit_self_reading(clerk.services, actor, contract_id, read_on, index, f"sr-{field}-{index}")
        assert refused.value.field == field, (read_on, index, refused.value.message)
    result = pv.submit_self_reading(clerk.services, actor, contract_id, "2026-02-20", "1234", "sr-ok")
    assert result["reading_id"]
    contract = clerk.services.app.get(Contract, contract_id, "contract", "contract_id")
    assert contract.account_id == account


def test_the_iban_change_amends_the_mandate_and_a_wrong_iban_is_a_message_on_the_field(clerk: Clerk) -> None:
    account = dd_customer(clerk, "Nina Banca", "UMR-WEB-IBAN")
    actor = _portal(str(clerk.balance(account)[1]))
    with pytest.raises(FormError) as wrong:
        pv.change_iban(clerk.services, actor, account, "IT60X0542811101000000123457", "ib-1")
    assert wrong.value.field == "new_iban" and wrong.value.message
    done = pv.change_iban(clerk.services, actor, account, "DE89 3704 0044 0532 0130 00", "ib-2")
    assert done["debtor_iban"] == "DE89370400440532013000"
    assert pv.portal_page(clerk.services, actor, account).direct_debit.debtor_iban == "DE89370400440532013000"
    no_mandate = clerk.customer("Otto Bonifico")
    with pytest.raises(FormError) as refused:
        pv.change_iban(clerk.services, actor, no_mandate, "DE89370400440532013000", "ib-3")
    assert refused.value.field == "new_iban" and "mandate" in refused.value.message
