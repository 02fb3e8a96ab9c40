"""The default return policy, row by row of architecture.md §5, and what a custom rule or policy may be.

Every row of the table: its codes, the action, the category, the time window, how often an item is
re-presented, and who pays for the return (the customer pays our bank's return charge and our fee when
their account lacked funds or they refused; only the bank's charge when the account is unusable; nothing
for a deceased debtor's estate, an unauthorised or refunded debit, or our own error).

The rows are checked on the policy as shipped and on the table built anew: the module builds
``DEFAULT_POLICY`` once, at import, and building it again here is what lets mutation testing (which swaps
functions after import, tests/mutation/README.md) see every entry of the table.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from ledger.collections import (
    DEFAULT_POLICY,
    ReturnAction,
    ReturnCategory,
    ReturnPolicy,
    ReturnRule,
    WindowKind,
    decide_return,
    returns,
)
from ledger.collections.returns import window_end
from ledger.core.errors import InvalidInput

D = date(2026, 3, 10)
A = ReturnAction
C = ReturnCategory
W = WindowKind
FUNDS_CHARGES = (Decimal("3.50"), Decimal("5.00"))  # our bank's return charge, our return fee
NOTHING = (Decimal("0.00"), Decimal("0.00"))

#: architecture.md §5: codes, action, category, window, re-presentations, (bank charge, fee), a word of
#: the description.
TABLE = [
    ("AM04 MS03", A.RETRY, C.INSUFFICIENT_FUNDS, W.BANK_RETURN, 2, FUNDS_CHARGES, "insufficient funds"),
    ("MS02 AC06 SL01", A.NO_RETRY_CONTACT, C.DEBTOR_REFUSAL, W.BANK_RETURN, 0, FUNDS_CHARGES, "refused"),
    ("AC01 AC04 AG01 DNOR", A.STOP_DD_SWITCH_TO_TRANSFER, C.ACCOUNT_UNUSABLE, W.BANK_RETURN, 0,
     (FUNDS_CHARGES[0], Decimal("0.00")), "closed account"),
    ("MD07", A.STOP_DD_SWITCH_TO_TRANSFER, C.ACCOUNT_UNUSABLE, W.BANK_RETURN, 0, NOTHING, "deceased"),
    ("MD01", A.STOP_MANDATE_NEW_NEEDED, C.UNAUTHORISED, W.UNAUTHORISED, 0, NOTHING, "mandate"),
    ("MD06", A.REFUND_NO_RECOLLECT, C.REFUND, W.REFUND_ON_REQUEST, 0, NOTHING, "refund"),
    ("MD02 AG02 BE05 RC01 FF01 RR01 RR02 RR03", A.FIX_DATA_RESUBMIT, C.DATA_ERROR, W.BANK_RETURN, 0, NOTHING,
     "data error"),
    ("AM05", A.INVESTIGATE, C.DUPLICATE, W.BANK_RETURN, 0, NOTHING, "duplicate"),
    ("RR04", A.INVESTIGATE, C.REGULATORY, W.BANK_RETURN, 0, NOTHING, "regulatory"),
]


@pytest.fixture(params=["as shipped", "built anew"])
def policy(request: pytest.FixtureRequest) -> ReturnPolicy:
    if request.param == "as shipped":
        return DEFAULT_POLICY
    return ReturnPolicy(returns._rules(), DEFAULT_POLICY.unknown, DEFAULT_POLICY.name)


def test_the_table_has_exactly_the_codes_of_architecture_md(policy: ReturnPolicy) -> None:
    assert sorted(policy.rules) == sorted(code for row in TABLE for code in row[0].split())


@pytest.mark.parametrize(("codes", "action", "category", "window", "retries", "charges", "word"), TABLE,
                         ids=[row[0].split()[0] for row in TABLE])
def test_each_row_of_the_table(policy: ReturnPolicy, codes: str, action: ReturnAction,
                               category: ReturnCategory, window: WindowKind, retries: int,
                               charges: tuple[Decimal, Decimal], word: str) -> None:
    for code in codes.split():
        rule = policy.rule_for(code)
        assert (rule.action, rule.category, rule.window, rule.max_retries) == (action, category, window,
                                                                               retries), code
        assert (rule.bank_charge, rule.return_fee) == charges, code
        assert word in rule.description, code
        decision = decide_return(policy, code.lower(), 1, D, D)
        assert (decision.reason_code, decision.action, decision.rule) == (code, action, rule)
        assert (decision.bank_charge, decision.return_fee) == charges
        assert decision.notes == ()


def test_a_code_outside_the_table_is_investigated_free_of_charge(policy: ReturnPolicy) -> None:
    decision = decide_return(policy, "XT99", 1, D, D)
    assert (decision.action, decision.rule.category) == (A.INVESTIGATE, C.UNKNOWN)
    assert (decision.bank_charge, decision.return_fee) == NOTHING
    assert decision.notes == ("reason code 'XT99' is not in policy 'default'",)


def test_a_rule_that_does_not_retry_leaves_no_retries_whatever_its_count() -> None:
    refusal = ReturnRule(C.DEBTOR_REFUSAL, A.NO_RETRY_CONTACT, "refused", 3)
    contact = DEFAULT_POLICY.with_rules({"MS02": refusal})
    decision = decide_return(contact, "MS02", 1, D, D)
    assert (decision.retry, decision.retries_left) == (False, 0)


def test_a_custom_policy_keeps_the_rule_for_unknown_codes_and_its_name_unless_renamed() -> None:
    cautious = ReturnPolicy({}, ReturnRule(C.UNKNOWN, A.FIX_DATA_RESUBMIT, "ask the bank"), "cautious")
    extended = cautious.with_rules({"AM04": DEFAULT_POLICY.rules["AM04"]})
    assert (extended.unknown, extended.name) == (cautious.unknown, "cautious")
    assert extended.with_rules({}, name="cautious-2026").name == "cautious-2026"
    assert decide_return(extended, "ZZ01", 1, D, D).action is A.FIX_DATA_RESUBMIT


def test_the_default_scheme_is_core() -> None:
    for window in WindowKind:
        assert window_end(window, D) == window_end(window, D, "CORE") == window_end(window, D, "core")
    assert window_end(W.REFUND_ON_REQUEST, D, "B2B") is None
    assert decide_return(DEFAULT_POLICY, "MD06", 1, D, D).window_ends == window_end(W.REFUND_ON_REQUEST, D)


def test_a_late_return_says_when_its_window_ended() -> None:
    ends = window_end(W.BANK_RETURN, D)
    assert ends is not None
    late = decide_return(DEFAULT_POLICY, "AM04", 1, D, date(2026, 4, 1))
    assert late.notes == (f"return on 2026-04-01 is outside the bank-return window ending {ends}",)


def test_a_refund_under_b2b_says_the_scheme_has_no_such_window() -> None:
    refund = decide_return(DEFAULT_POLICY, "MD06", 1, D, D, scheme="B2B")
    assert refund.notes == (f"return on {D} is outside the refund-on-request window (none for B2B)",)


def test_a_return_counted_as_no_attempt_is_refused_naming_the_field() -> None:
    why = r"^attempts_so_far counts the returned collection: it must be ≥ 1$"
    with pytest.raises(InvalidInput, match=why) as refused:
        decide_return(DEFAULT_POLICY, "AM04", 0, D, D)
    assert refused.value.field == "attempts_so_far"


def test_a_rule_may_have_no_retries_and_no_charges() -> None:
    rule = ReturnRule(C.DATA_ERROR, A.FIX_DATA_RESUBMIT, "ours", 0, Decimal("0.00"), Decimal("0"))
    assert (rule.max_retries, rule.bank_charge, rule.return_fee) == (0, 0, 0)
    assert ReturnRule(C.DATA_ERROR, A.FIX_DATA_RESUBMIT, "ours", 1, Decimal("0.01"), Decimal("0.99"))


def test_a_negative_retry_count_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match=r"^max_retries must not be negative$") as refused:
        ReturnRule(C.UNKNOWN, A.INVESTIGATE, "x", -1)
    assert refused.value.field == "max_retries"


@pytest.mark.parametrize("name", ["bank_charge", "return_fee"])
@pytest.mark.parametrize("amount", ["-0.01", "0.001", "2.505"])
def test_a_charge_that_is_not_a_non_negative_cent_amount_is_refused_naming_it(name: str, amount: str) -> None:
    with pytest.raises(InvalidInput, match=f"{name} must be a non-negative amount in cents") as refused:
        ReturnRule(C.UNKNOWN, A.INVESTIGATE, "x", **{name: Decimal(amount)})  # type: ignore[arg-type]
    assert refused.value.field == name
