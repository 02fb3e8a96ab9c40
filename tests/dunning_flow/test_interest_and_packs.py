"""Late interest worked by hand, and the country packs' minimum waits between steps, on both stores."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ledger.dunning import commands as dc
from tests.clerk import Clerk
from tests.dunning_flow.helpers import customer, do, dun, gl, postings_of, state


def test_worked_interest_example_across_ecb_rate_changes(clerk: Clerk) -> None:
    """1,000.00 due 1 Sep 2024 (Italy: ECB + 3.5 points, ACT/365, from the day after the due date).

    Formal notice sent 15 Oct 2024, no interest charged before:
      2 Sep – 17 Sep: 16 days × 1,000 × 7.75 % / 365 = 3.397260…   (ECB 4.25 until 17 Sep)
      18 Sep – 15 Oct: 28 days × 1,000 × 7.15 % / 365 = 5.484931…  (ECB 3.65 from 18 Sep)
      total 8.882191… → 8.88
    Suspension request 9 Nov 2024 (25 days later), interest from the day after the notice:
      16 Oct – 22 Oct: 7 days × 1,000 × 7.15 % / 365 = 1.371232…
      23 Oct – 9 Nov: 18 days × 1,000 × 6.90 % / 365 = 3.402739…   (ECB 3.40 from 23 Oct)
      total 4.773972… → 4.77
    """
    clerk.clock.today = date(2024, 8, 15)
    account = customer(clerk, "Giulia Bianchi")
    invoice = clerk.bill(account, "1000.00", vat="0", due=date(2024, 9, 1))["number"]
    clerk.clock.today = date(2024, 9, 8)
    assert dun(clerk)["by_level"] == {"1": 1}  # the reminder charges no interest

    clerk.clock.today = date(2024, 10, 15)
    assert state(clerk, account).interest_accrued == Decimal("8.88")
    assert dun(clerk)["by_level"] == {"2": 1}
    notice = state(clerk, account)
    assert (notice.steps[-1].fee, notice.steps[-1].interest) == (Decimal("5.00"), Decimal("8.88"))
    assert notice.interest_accrued == 0
    assert ("interest-income", 0, 888) in postings_of(clerk, account, "DunningStepRecorded")

    clerk.clock.today = date(2024, 11, 8)
    assert dun(clerk)["steps"] == 0  # 24 days after the notice: too early
    clerk.clock.today = date(2024, 11, 9)
    assert dun(clerk)["by_level"] == {"3": 1}
    suspension = state(clerk, account).steps[-1]
    assert (suspension.name, suspension.interest) == ("richiesta di sospensione", Decimal("4.77"))
    assert suspension.items[0] == invoice
    assert gl(clerk, account, "interest-income") == -(888 + 477)
    assert clerk.owes(account) == Decimal("1000.00") + Decimal("5.00") + Decimal("8.88") + Decimal("4.77")


def _daily_steps(clerk: Clerk, days: int) -> dict[int, date]:
    """Run dunning every day for ``days`` days; the day each level was reached."""
    reached: dict[int, date] = {}
    for _ in range(days):
        clerk.clock.advance(1)
        result = dun(clerk)
        for level in result["by_level"]:
            reached[int(level)] = clerk.clock.today
    return reached


def test_italy_formal_notice_then_suspension_not_before_25_days(clerk: Clerk) -> None:
    account = customer(clerk, "Luca Verdi")
    clerk.bill(account, "80.00", vat="0")  # due 11 March
    reached = _daily_steps(clerk, 70)
    due = date(2026, 3, 11)
    assert reached[1] == due + timedelta(days=7)
    assert reached[2] == reached[1] + timedelta(days=10)  # ≥ 14 after due and ≥ 10 after the reminder
    assert reached[3] - reached[2] == timedelta(days=25)  # TIMOE: suspension ≥ 25 days after the notice
    steps = state(clerk, account).steps
    assert [s.rule for s in steps] == ["IT-company-policy reminder (no regulated minimum)",
                                       "IT-ARERA-258/2015 TIMOE art. 3", "IT-ARERA-258/2015 TIMOE art. 4"]
    assert state(clerk, account).next_step is None  # the last level is reached


def test_italy_gas_waits_40_days(clerk: Clerk) -> None:
    account = customer(clerk, "Anna Neri")
    do(clerk, dc.AssignDunningProcedure(account, country="IT", commodity="gas"))
    clerk.bill(account, "120.00", vat="0")
    reached = _daily_steps(clerk, 90)
    assert reached[3] - reached[2] == timedelta(days=40)


def test_finland_reminder_warning_two_weeks_disconnection_two_weeks(clerk: Clerk) -> None:
    account = customer(clerk, "Aino Virtanen")
    assert do(clerk, dc.AssignDunningProcedure(account, "FI-POWER"))["procedure"] == "FI-POWER"
    clerk.bill(account, "60.00", vat="0")  # due 11 March
    reached = _daily_steps(clerk, 70)
    due = date(2026, 3, 11)
    assert reached[1] == due + timedelta(days=14)
    assert reached[2] - reached[1] == timedelta(days=14)
    assert reached[3] - reached[2] >= timedelta(days=14)
    assert reached[3] >= due + timedelta(days=35)
    names = [s.name for s in state(clerk, account).steps]
    assert names == ["maksumuistutus", "katkaisuvaroitus", "katkaisu"]
    # Fees 5 + 5, and interest at the Finnish rate on each step: all booked, all open.
    assert gl(clerk, account, "fees") == -1000
    assert clerk.owes(account) > Decimal("70.00")


def test_spain_suspension_notice_two_calendar_months_after_the_certified_demand(clerk: Clerk) -> None:
    account = customer(clerk, "Laia Puig")
    do(clerk, dc.AssignDunningProcedure(account, country="ES", commodity="electricity"))
    clerk.bill(account, "75.00", vat="0")  # due 11 March
    reached = _daily_steps(clerk, 110)
    assert reached[2] == date(2026, 3, 31)  # requerimiento fehaciente: 20 days after due
    assert reached[3] == date(2026, 5, 31)  # months, not 60 days
    assert state(clerk, account).steps[-1].rule == "ES-RD-1955/2000 art. 85"


def test_a_paid_account_starts_again_at_level_one(clerk: Clerk) -> None:
    account = customer(clerk, "Paolo Gialli")
    first = clerk.bill(account, "50.00", vat="0")["number"]
    reached = _daily_steps(clerk, 30)
    assert set(reached) == {1, 2}
    clerk.pay(account, str(clerk.owes(account)))
    assert state(clerk, account).level == 0  # nothing dunned is open: the episode is over
    clerk.bill(account, "70.00", vat="0")
    again = _daily_steps(clerk, 40)
    assert min(again) == 1
    assert state(clerk, account).steps[-1].items != [first]
