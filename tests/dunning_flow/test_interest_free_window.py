"""A per-procedure interest-free window (AMAM Messina: "due 30 days after issue, and no interest for the
15 days after the due date"), on both stores, with the clerk's clock.

Italy's table in 2026: ECB 2.15 (from 11 Jun 2025) + 3.5 = 5.65 % a year, ACT/365.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from ledger.core.errors import InvalidInput
from ledger.dunning import IT_POWER_LV, PROCEDURES
from ledger.dunning import commands as dc
from ledger.dunning.settings import DunningSettings
from tests.clerk import Clerk
from tests.dunning_flow.helpers import customer, do, dun, postings_of, state

#: AMAM's procedure: Italy's levels, and no interest for the 15 days after the due date.
AMAM = replace(IT_POWER_LV, code="IT-WATER-AMAM", description="AMAM Messina, water", interest_free_days=15)


def _amam_customer(clerk: Clerk) -> tuple[object, str]:
    clerk.services.app.dunning.dunning_settings = replace(
        DunningSettings(), procedures={**PROCEDURES, AMAM.code: AMAM})
    account = customer(clerk, "Carmelo Stretto", terms_days=30)
    do(clerk, dc.AssignDunningProcedure(account, AMAM.code))
    invoice = clerk.bill(account, "1000.00", vat="0")  # issued 1 March 2026, due 31 March
    assert invoice["due_date"] == "2026-03-31"
    return account, invoice["number"]


def test_no_interest_accrues_within_the_window_and_it_runs_from_the_window_s_end(clerk: Clerk) -> None:
    """Window 1–15 April: nothing accrues. From 16 April: 1,000 × 5.65 % / 365 = 0.154794… a day.

    The formal notice of 17 April charges 16 and 17 April: 2 × 0.154794… = 0.309589… → 0.31 (without
    the window it would be 1–17 April, 17 days: 2.631506… → 2.63)."""
    account, _ = _amam_customer(clerk)
    clerk.clock.today = date(2026, 4, 15)
    assert state(clerk, account).interest_accrued == Decimal("0.00")
    clerk.clock.today = date(2026, 4, 16)
    assert state(clerk, account).interest_accrued == Decimal("0.15")

    clerk.clock.today = date(2026, 4, 7)
    assert dun(clerk)["by_level"] == {"1": 1}  # the reminder, as without the window
    clerk.clock.today = date(2026, 4, 17)
    assert dun(clerk)["by_level"] == {"2": 1}
    notice = state(clerk, account).steps[-1]
    assert (notice.name, notice.fee, notice.interest) == ("costituzione in mora", Decimal("5.00"),
                                                          Decimal("0.31"))
    assert ("interest-income", 0, 31) in postings_of(clerk, account, "DunningStepRecorded")


def test_a_procedure_without_a_window_charges_from_the_day_after_due(clerk: Clerk) -> None:
    account = customer(clerk, "Rosa Peloro", terms_days=30)
    clerk.bill(account, "1000.00", vat="0")
    clerk.clock.today = date(2026, 4, 17)
    assert state(clerk, account).interest_accrued == Decimal("2.63")
    assert IT_POWER_LV.interest_free_days == 0


def test_a_negative_window_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as info:
        replace(AMAM, interest_free_days=-1)
    assert info.value.field == "interest_free_days"
