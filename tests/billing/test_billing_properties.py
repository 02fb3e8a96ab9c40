"""Properties of billing runs on both stores, for random portfolios: a re-run adds nothing, and a
simulation books exactly what the run then books."""

from __future__ import annotations

from datetime import date
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.billing.rating import FlatEnergy, StandingCharge, TimeOfUse
from tests.billing.helpers import BillingClerk, D, pod

JAN, FEB_END = date(2026, 1, 1), date(2026, 2, 28)
_codes = count(1)

site = st.tuples(st.integers(0, 20_000), st.booleans())  # kWh in the period, read at the end or estimated
customers = st.lists(st.lists(site, min_size=1, max_size=3), min_size=1, max_size=4)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(portfolio=customers, tou=st.booleans(), price=st.integers(1, 4000))
def test_a_rerun_adds_nothing_and_the_simulation_books_what_the_run_books(
    biller: BillingClerk, portfolio: list[list[tuple[int, bool]]], tou: bool, price: int
) -> None:
    code = f"P{next(_codes)}"
    energy = (
        TimeOfUse((D(price) / 10000, D(price) / 20000, D(price) / 40000), "IT-ARERA-F123")
        if tou
        else FlatEnergy(D(price) / 10000)
    )
    biller.tariff(code, StandingCharge(D("0.15")), energy, vat="10")
    contracts = []
    for sites in portfolio:
        account = biller.customer()
        for kwh, read in sites:
            sp = pod()
            contracts.append(biller.contract(account, sp, code))
            biller.read(sp, date(2025, 12, 31), "1000")
            if read:
                biller.read(sp, FEB_END, str(1000 + kwh))
    simulated = biller.bill(JAN, FEB_END, simulate=True, contracts=contracts)
    first = biller.bill(JAN, FEB_END, contracts=contracts)
    assert first.errors == 0, first.issues
    assert first.invoices == len(portfolio)  # one per account: collective where it has several sites
    assert (simulated.net, simulated.vat, simulated.gross) == (first.net, first.vat, first.gross)
    events = biller.events()
    second = biller.bill(JAN, FEB_END, contracts=contracts)
    assert biller.events() == events
    assert (second.invoices, second.credit_notes, second.gross) == (0, 0, D("0.00"))
    assert second.already_billed == len(contracts)
