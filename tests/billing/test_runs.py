"""Billing runs end to end on both stores: DST, tariff changes, idempotence, simulation, collective
invoices, estimates and true-ups, and errors as data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledger.accounts.contract import BillingFrequency
from ledger.accounts.invoice import DocumentKind
from ledger.billing import commands as b
from ledger.billing.rating import FlatEnergy, SpotIndexed, StandingCharge, TariffVersion
from ledger.billing.readings import ReadingSource
from tests.billing.helpers import BillingClerk, D, amounts, pod

JAN, FEB, FEB_END = date(2026, 1, 1), date(2026, 2, 1), date(2026, 2, 28)
MONTHLY = BillingFrequency.MONTHLY


def _flat(biller: BillingClerk, code: str = "FLAT") -> None:
    biller.tariff(code, StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vat="10")


def test_a_dst_day_counts_its_92_quarter_hours(biller: BillingClerk) -> None:
    """March 2026 in Rome has 31 x 96 - 4 = 2972 quarter hours (29 March has 92). At 0.25 kWh each:
    743 kWh x 0.20 = 148.60; standing 31 days x 0.10 = 3.10 (the short day is a whole day);
    net 151.70; VAT 10 % = 15.17; gross 166.87."""
    _flat(biller)
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT", MONTHLY)
    biller.curve(sp, date(2026, 3, 1), 15, [0.25] * 2972)
    biller.clerk.clock.today = date(2026, 4, 2)
    report = biller.bill(date(2026, 3, 1), date(2026, 3, 31))
    assert report.errors == 0, report.issues
    (invoice,) = biller.documents(contract)
    assert amounts(invoice) == [
        ("standing: fixed charge per day", "31.000", "0.100000", "3.10"),
        ("energy: flat price", "743.000", "0.200000", "148.60"),
    ]
    assert invoice.totals.gross == Decimal("166.87")


def test_a_tariff_change_mid_period_splits_the_lines_by_days(biller: BillingClerk) -> None:
    """February, 1 kWh every hour; the price goes from 0.20 to 0.30 on 15 February.
    1-14 Feb: 14 days x 0.10 = 1.40 standing; 336 kWh x 0.20 = 67.20
    15-28 Feb: 14 days x 0.10 = 1.40 standing; 336 kWh x 0.30 = 100.80
    net 170.80; VAT 22 % = 37.576 -> 37.58; gross 208.38."""
    biller.tariff("CHG", StandingCharge(D("0.10")), FlatEnergy(D("0.20")), vid="v1")
    biller.tariff(
        "CHG", StandingCharge(D("0.10")), FlatEnergy(D("0.30")), vid="v2", valid_from=date(2026, 2, 15)
    )
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "CHG", MONTHLY)
    biller.curve(sp, FEB, 60, [1.0] * 672)
    biller.bill(FEB, FEB_END)
    (invoice,) = biller.documents(contract)
    assert [(li.period, li.quantity, li.amount, li.sources[-1]) for li in invoice.lines] == [
        ((FEB, date(2026, 2, 14)), D("14.000"), D("1.40"), "tariff:CHG/v1"),
        ((FEB, date(2026, 2, 14)), D("336.000"), D("67.20"), "tariff:CHG/v1"),
        ((date(2026, 2, 15), FEB_END), D("14.000"), D("1.40"), "tariff:CHG/v2"),
        ((date(2026, 2, 15), FEB_END), D("336.000"), D("100.80"), "tariff:CHG/v2"),
    ]
    assert (invoice.totals.net, invoice.totals.vat, invoice.totals.gross) == (
        D("170.80"),
        D("37.58"),
        D("208.38"),
    )


def test_a_rerun_issues_nothing_and_keeps_the_totals(biller: BillingClerk) -> None:
    _flat(biller)
    for i in range(3):
        sp = pod()
        biller.contract(biller.customer(f"Customer {i}"), sp, "FLAT")
        biller.read(sp, date(2025, 12, 31), "100")
        biller.read(sp, FEB_END, str(200 + 50 * i))
    first = biller.bill(JAN, FEB_END)
    assert (first.invoices, first.contracts_due, first.errors) == (3, 3, 0)
    events = biller.events()
    balances = [biller.clerk.services.view.dump()]
    second = biller.bill(JAN, FEB_END)
    assert (second.invoices, second.already_billed, second.gross) == (0, 3, Decimal("0.00"))
    assert biller.events() == events
    assert [biller.clerk.services.view.dump()] == balances


def test_simulation_writes_nothing_and_shows_what_the_run_books(biller: BillingClerk) -> None:
    _flat(biller)
    contracts = []
    for end in ("350", "420"):
        sp = pod()
        contracts.append(biller.contract(biller.customer(), sp, "FLAT"))
        biller.read(sp, date(2025, 12, 31), "100")
        biller.read(sp, FEB_END, end)
    events = biller.events()
    simulated = biller.bill(JAN, FEB_END, simulate=True)
    assert biller.events() == events
    assert simulated.invoices == 2 and len(simulated.drafts) == 2
    real = biller.bill(JAN, FEB_END)
    assert (real.net, real.vat, real.gross) == (simulated.net, simulated.vat, simulated.gross)
    drafts = {d.contract_id: d for d in simulated.drafts}
    for contract in contracts:
        (invoice,) = biller.documents(contract)
        draft = drafts[contract]
        assert draft.totals == invoice.totals
        assert [li.amount for li in draft.lines] == [li.amount for li in invoice.lines]


def test_a_collective_invoice_is_one_document_one_open_item_with_a_section_per_site(
    biller: BillingClerk,
) -> None:
    _flat(biller)
    account = biller.customer("Hotel Aurora Group")
    sites = [pod(), pod()]
    contracts = [biller.contract(account, sp, "FLAT") for sp in sites]
    for sp, end in zip(sites, ("200", "400"), strict=True):
        biller.read(sp, date(2025, 12, 31), "100")
        biller.read(sp, FEB_END, end)
    report = biller.bill(JAN, FEB_END)
    assert report.invoices == 1
    (number,) = biller.history(contracts[0]).documents()
    assert biller.history(contracts[1]).documents() == [number]
    invoice = biller.invoice(number)
    assert invoice.contract_id is None
    assert [li.site for li in invoice.lines] == [sites[0], sites[0], sites[1], sites[1]]
    assert [li.amount for li in invoice.lines] == [D("5.90"), D("20.00"), D("5.90"), D("60.00")]
    assert list(biller.clerk.open_amounts(account)) == [number]
    assert biller.clerk.open_amounts(account)[number] == invoice.totals.gross == D("100.98")  # 91.80 + 9.18


def test_a_missing_read_is_estimated_and_the_lines_say_so(biller: BillingClerk) -> None:
    """A new contract with no reading: 2700 kWh a year x 59 / 365 days = 436.438 kWh (standard profile)."""
    _flat(biller)
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT", start=JAN)
    report = biller.bill(JAN, FEB_END)
    assert report.invoices == 1
    (invoice,) = biller.documents(contract)
    energy = invoice.lines[1]
    assert energy.quantity == D("436.438") and energy.amount == D("87.29")
    assert all(li.note.startswith("estimated from the standard profile") for li in invoice.lines)
    assert all("estimate:profile" in li.sources for li in invoice.lines)
    assert biller.history(contract).periods[(JAN, FEB_END)].estimated


def test_a_true_up_credits_the_estimate_and_rebills_the_period_on_the_actual_reads(
    biller: BillingClerk,
) -> None:
    """Readings of 900 (30 Nov) and 1000 (31 Dec): 100 kWh in 31 days. Nothing is read at the end of
    February, so January-February is estimated from that history: 59 x 100/31 = 190.323 kWh.
    Then the actual reading of 28 February arrives: 1700, so 700 kWh. The next run credits the
    estimated invoice and re-bills January-February: 59 x 0.10 = 5.90 + 700 x 0.20 = 140.00, net
    145.90, VAT 10 % 14.59, gross 160.49, which is what the corrected reads rate to."""
    _flat(biller)
    sp = pod()
    account = biller.customer()
    contract = biller.contract(account, sp, "FLAT")
    biller.read(sp, date(2025, 11, 30), "900")
    biller.read(sp, date(2025, 12, 31), "1000")
    biller.bill(JAN, FEB_END)
    (estimate,) = biller.documents(contract)
    assert estimate.lines[1].quantity == D("190.323") and "estimate:history" in estimate.lines[1].sources
    actual = biller.read(sp, FEB_END, "1700")
    biller.clerk.clock.today = date(2026, 5, 2)
    report = biller.bill(date(2026, 3, 1), date(2026, 4, 30))
    assert (report.invoices, report.credit_notes, report.errors) == (2, 1, 0)
    credit, corrected, next_period = biller.documents(contract)[1:]  # the correction comes first
    assert credit.kind is DocumentKind.CREDIT_NOTE and credit.corrects == estimate.number
    assert credit.totals.gross == estimate.totals.gross
    assert corrected.period == (JAN, FEB_END) and corrected.totals.gross == D("160.49")
    assert [str(li.quantity) for li in corrected.lines] == ["59.000", "700.000"]
    cause = f"true-up of {estimate.number}: actual data"
    assert all(li.note.startswith(cause) for li in (*credit.lines, *corrected.lines))
    assert f"reading:{actual}" in corrected.lines[0].sources
    assert next_period.period == (date(2026, 3, 1), date(2026, 4, 30))
    # nets: for January-February the customer owes exactly the rating of the actual reads
    period_total = estimate.totals.gross - credit.totals.gross + corrected.totals.gross
    assert period_total == D("160.49")
    assert biller.clerk.owes(account) == period_total + next_period.totals.gross
    again = biller.bill(date(2026, 3, 1), date(2026, 4, 30))
    assert (again.invoices, again.credit_notes) == (0, 0)


def test_a_corrected_reading_trues_up_a_period_billed_on_actuals(biller: BillingClerk) -> None:
    _flat(biller)
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT")
    biller.read(sp, date(2025, 12, 31), "1000")
    wrong = biller.read(sp, FEB_END, "1500")
    biller.bill(JAN, FEB_END)
    fixed = biller.read(sp, FEB_END, "1400", ReadingSource.CORRECTION, supersedes=wrong)
    biller.clerk.clock.today = date(2026, 5, 2)
    report = biller.bill(date(2026, 3, 1), date(2026, 4, 30))
    assert report.credit_notes == 1
    original, credit, corrected = biller.documents(contract)[:3]
    assert credit.corrects == original.number
    assert corrected.lines[1].quantity == D("400.000")
    assert f"corrected reading ({fixed} corrects {wrong})" in corrected.lines[0].note


def test_one_bad_meter_never_stops_the_run(biller: BillingClerk) -> None:
    _flat(biller)
    biller.tariff("SPOTLESS", SpotIndexed(D("0.1"), D("0.01")), spot_index="NO-PRICES")
    good, spot, unknown = pod(), pod(), pod()
    biller.contract(biller.customer(), good, "FLAT")
    biller.contract(biller.customer(), spot, "SPOTLESS")
    biller.contract(biller.customer(), unknown, "NO-SUCH-TARIFF")
    for sp in (good, spot, unknown):
        biller.read(sp, date(2025, 12, 31), "0")
        biller.read(sp, FEB_END, "10")
    report = biller.bill(JAN, FEB_END)
    assert report.invoices == 1 and report.errors == 2
    assert {(i.supply_point, i.code) for i in report.issues} == {
        (spot, "missing_spot"),
        (unknown, "not-found"),
    }


def test_a_tariff_version_is_data_and_cannot_be_redefined_differently(biller: BillingClerk) -> None:
    from ledger.core.errors import Conflict

    v = biller.tariff("T", FlatEnergy(D("0.20")))
    assert biller.run(b.DefineTariffVersion(v))["new"] is False  # the same data again: nothing new
    other = TariffVersion("T", "v1", v.valid_from, None, "EUR", D("22"), (FlatEnergy(D("0.25")),))
    try:
        biller.run(b.DefineTariffVersion(other))
    except Conflict as e:
        assert "already defined" in str(e)
    else:  # pragma: no cover
        raise AssertionError("redefining a version must be refused")


def test_a_register_that_rolls_over_with_a_multiplier(biller: BillingClerk) -> None:
    """A 4-digit register read 9950 on 31 December and 0050 on 28 February has turned over once:
    (50 + 10000 - 9950) = 100 on the dial; with a multiplier of 10 (a CT meter), 1000 kWh x 0.20 = 200.00."""
    _flat(biller)
    sp = pod()
    contract = biller.contract(biller.customer(), sp, "FLAT")
    for day, index in ((date(2025, 12, 31), "9950"), (FEB_END, "50")):
        biller.run(b.RecordReading(sp, day, D(index), multiplier=D("10"), digits=4))
    biller.bill(JAN, FEB_END)
    (invoice,) = biller.documents(contract)
    assert (invoice.lines[1].quantity, invoice.lines[1].amount) == (D("1000.000"), D("200.00"))
