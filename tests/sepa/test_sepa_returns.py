"""The return reason policy: one test per policy class, retries, fees, time windows, replacement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.collections import (
    DEFAULT_POLICY,
    ReturnAction,
    ReturnCategory,
    ReturnRule,
    WindowKind,
    decide_return,
)
from ledger.core.errors import InvalidInput

D = date(2026, 3, 10)  # Tuesday: D+5 TARGET business days is Tuesday 17 March
TABLE_CODES = ["AM04", "MS03", "MS02", "AC06", "SL01", "AC01", "AC04", "AG01", "MD07", "DNOR", "MD01",
               "MD06", "MD02", "AG02", "BE05", "RC01", "FF01", "RR01", "RR02", "RR03", "RR04", "AM05"]


def test_every_code_of_the_architecture_table_has_a_rule() -> None:
    assert set(TABLE_CODES) <= set(DEFAULT_POLICY.rules)
    assert DEFAULT_POLICY.unknown.action is ReturnAction.INVESTIGATE


@pytest.mark.parametrize(("codes", "action", "category"), [
    ("AM04 MS03", ReturnAction.RETRY, ReturnCategory.INSUFFICIENT_FUNDS),
    ("MS02 AC06 SL01", ReturnAction.NO_RETRY_CONTACT, ReturnCategory.DEBTOR_REFUSAL),
    ("AC01 AC04 AG01 MD07 DNOR", ReturnAction.STOP_DD_SWITCH_TO_TRANSFER, ReturnCategory.ACCOUNT_UNUSABLE),
    ("MD01", ReturnAction.STOP_MANDATE_NEW_NEEDED, ReturnCategory.UNAUTHORISED),
    ("MD06", ReturnAction.REFUND_NO_RECOLLECT, ReturnCategory.REFUND),
    ("MD02 AG02 BE05 RC01 FF01 RR01 RR02 RR03", ReturnAction.FIX_DATA_RESUBMIT, ReturnCategory.DATA_ERROR),
    ("AM05", ReturnAction.INVESTIGATE, ReturnCategory.DUPLICATE),
    ("RR04", ReturnAction.INVESTIGATE, ReturnCategory.REGULATORY),
])
def test_policy_classes(codes: str, action: ReturnAction, category: ReturnCategory) -> None:
    for code in codes.split():
        decision = decide_return(DEFAULT_POLICY, code, 1, D, date(2026, 3, 12))
        assert (decision.action, decision.rule.category) == (action, category), code
        assert decision.within_window
        assert decision.retry is (action is ReturnAction.RETRY)
        assert decision.needs_investigation is (action is ReturnAction.INVESTIGATE)


def test_insufficient_funds_is_retried_twice_then_goes_to_dunning() -> None:
    first = decide_return(DEFAULT_POLICY, "AM04", 1, D, D)
    second = decide_return(DEFAULT_POLICY, "am04 ", 2, D, D)
    third = decide_return(DEFAULT_POLICY, "AM04", 3, D, D)
    assert (first.retry, first.retries_left) == (True, 2)
    assert (second.retry, second.retries_left) == (True, 1)
    assert (third.retry, third.action) == (False, ReturnAction.NO_RETRY_CONTACT)
    assert "dunning" in third.notes[0]
    assert third.bank_charge == Decimal("3.50") and third.return_fee == Decimal("5.00")


def test_our_own_errors_cost_the_customer_nothing() -> None:
    for code in ("MD02", "FF01", "AM05", "MD06", "MD01", "MD07"):
        decision = decide_return(DEFAULT_POLICY, code, 1, D, D)
        assert decision.bank_charge == decision.return_fee == Decimal("0.00"), code


def test_unknown_code_is_investigated_and_noted() -> None:
    decision = decide_return(DEFAULT_POLICY, "XT99", 1, D, D)
    assert decision.action is ReturnAction.INVESTIGATE
    assert decision.needs_investigation and decision.rule is DEFAULT_POLICY.unknown
    assert "XT99" in decision.notes[0]


@pytest.mark.parametrize(("code", "last_ok", "first_late"), [
    ("AM04", date(2026, 3, 17), date(2026, 3, 18)),  # D+5 TARGET business days
    # 8 weeks after D is 5 May 2026, + 5 business days for the interbank refund: 12 May
    ("MD06", date(2026, 5, 12), date(2026, 5, 13)),
    # 13 months after D is 10 April 2027 (a Saturday), + 5 business days: 16 April 2027
    ("MD01", date(2027, 4, 16), date(2027, 4, 17)),
])
def test_time_windows(code: str, last_ok: date, first_late: date) -> None:
    inside = decide_return(DEFAULT_POLICY, code, 1, D, last_ok)
    outside = decide_return(DEFAULT_POLICY, code, 1, D, first_late)
    assert inside.within_window and inside.window_ends == last_ok
    assert not outside.within_window and outside.needs_investigation
    assert outside.action is inside.action  # the rule's action is still reported
    assert not outside.retry
    assert "outside" in outside.notes[-1]


def test_bank_return_window_skips_easter() -> None:
    # collection on Thursday 2 April 2026: Good Friday and Easter Monday are TARGET holidays
    decision = decide_return(DEFAULT_POLICY, "AC04", 1, date(2026, 4, 2), date(2026, 4, 13))
    assert decision.window_ends == date(2026, 4, 13) and decision.within_window


def test_a_reject_before_settlement_is_within_the_window() -> None:
    assert decide_return(DEFAULT_POLICY, "AC04", 1, D, date(2026, 3, 6)).within_window


def test_b2b_has_a_shorter_return_window_and_no_refunds() -> None:
    assert decide_return(DEFAULT_POLICY, "AM04", 1, D, date(2026, 3, 12), scheme="B2B").within_window
    assert not decide_return(DEFAULT_POLICY, "AM04", 1, D, date(2026, 3, 13), scheme="B2B").within_window
    refund = decide_return(DEFAULT_POLICY, "MD06", 1, D, date(2026, 3, 20), scheme="B2B")
    assert refund.window_ends is None and refund.needs_investigation


def test_finance_can_replace_rules_without_touching_the_default() -> None:
    stricter = DEFAULT_POLICY.with_rules({"AM04": ReturnRule(
        ReturnCategory.INSUFFICIENT_FUNDS, ReturnAction.RETRY, "once only", 1, Decimal("2.00"),
        Decimal("7.50"))}, name="finance-2026")
    assert decide_return(stricter, "AM04", 2, D, D).action is ReturnAction.NO_RETRY_CONTACT
    assert decide_return(stricter, "AM04", 1, D, D).return_fee == Decimal("7.50")
    assert decide_return(DEFAULT_POLICY, "AM04", 2, D, D).retry
    with pytest.raises(TypeError):
        DEFAULT_POLICY.rules["AM04"] = stricter.rules["AM04"]  # type: ignore[index]


def test_rules_refuse_bad_data() -> None:
    with pytest.raises(InvalidInput):
        ReturnRule(ReturnCategory.UNKNOWN, ReturnAction.INVESTIGATE, "x", -1)
    with pytest.raises(InvalidInput):
        ReturnRule(ReturnCategory.UNKNOWN, ReturnAction.INVESTIGATE, "x", bank_charge=Decimal("0.001"))
    with pytest.raises(InvalidInput):
        decide_return(DEFAULT_POLICY, "AM04", 0, D, D)


def test_window_kinds_of_the_default_policy() -> None:
    assert DEFAULT_POLICY.rules["MD06"].window is WindowKind.REFUND_ON_REQUEST
    assert DEFAULT_POLICY.rules["MD01"].window is WindowKind.UNAUTHORISED
    assert {r.window for c, r in DEFAULT_POLICY.rules.items() if c not in ("MD06", "MD01")} == {
        WindowKind.BANK_RETURN}
