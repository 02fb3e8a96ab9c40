"""Money and postings (ledger.core.money): what is refused at the door, and why, and what an entry must be.

An amount a clerk or a file sends is whole cents, positive, finite, at most :data:`MAX_AMOUNT`; anything
else is refused with an error that names the field and the value it got. A journal entry books only if its
lines are positive whole cents and its debits equal its credits.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledger.core.money import (
    CENT,
    MAX_AMOUNT,
    MoneyError,
    Posting,
    Side,
    UnbalancedPostings,
    check_balanced,
    check_currency,
    entry,
    line_amount,
    parse_amount,
)


@pytest.mark.parametrize(("value", "why"), [
    (12.3, "not a float"),
    ("12,30", "not a decimal number"),
    ("twelve", "not a decimal number"),
    ("NaN", "finite number"),
    ("Infinity", "finite number"),
    ("12.305", "at most 2 decimals"),
    ("-0.01", "must be positive"),
    ("0", "must be positive"),
    (MAX_AMOUNT + CENT, "exceeds the limit"),
])
def test_a_bad_amount_is_refused_naming_the_field_and_what_it_got(value: object, why: str) -> None:
    with pytest.raises(MoneyError, match=why) as refused:
        parse_amount(value, "price")  # type: ignore[arg-type]
    assert refused.value.field == "price"
    assert str(refused.value).startswith("price ")
    assert repr(str(value)) in str(refused.value) or repr(value) in str(refused.value)


def test_without_a_field_name_the_error_is_about_the_amount() -> None:
    with pytest.raises(MoneyError) as refused:
        parse_amount("-5")
    assert refused.value.field == "amount" and str(refused.value).startswith("amount ")
    assert MoneyError("something is off").field == "amount"


def test_the_limit_itself_is_a_valid_amount() -> None:
    assert parse_amount(MAX_AMOUNT) == MAX_AMOUNT
    assert parse_amount(str(MAX_AMOUNT)) == MAX_AMOUNT


def test_zero_is_refused_unless_allowed_and_negatives_never() -> None:
    assert parse_amount("0", allow_zero=True) == Decimal("0.00")
    assert parse_amount(0, allow_zero=True) == Decimal("0.00")
    with pytest.raises(MoneyError, match="must be positive"):
        parse_amount("-0.01", allow_zero=True)


def test_amounts_are_whole_cents_written_with_two_decimals() -> None:
    assert str(parse_amount(7)) == "7.00"
    assert str(parse_amount("7.5")) == "7.50"


def test_a_currency_is_normalised_or_refused_naming_the_field() -> None:
    assert check_currency(" eur ") == "EUR"
    with pytest.raises(MoneyError, match="unsupported currency 'USD'") as refused:
        check_currency("USD")
    assert refused.value.field == "currency" and str(refused.value).startswith("currency: ")
    with pytest.raises(MoneyError) as refused:
        check_currency("XYZ", "lines[0].currency")
    assert refused.value.field == "lines[0].currency"


@pytest.mark.parametrize(("quantity", "price"), [("NaN", "1"), ("1", "NaN"), ("Infinity", "0.15"),
                                                 ("2", "-Infinity")])
def test_a_line_of_a_figure_that_is_not_a_number_is_refused(quantity: str, price: str) -> None:
    with pytest.raises(MoneyError, match="cannot price") as refused:
        line_amount(Decimal(quantity), Decimal(price))
    assert refused.value.field == "amount"
    assert quantity in str(refused.value) and price in str(refused.value)


def test_a_line_that_cannot_be_priced_exactly_is_refused_not_rounded() -> None:
    quantity = Decimal("1." + "3" * 60)
    price = Decimal("0." + "7" * 60)  # the exact product needs more than 100 digits
    with pytest.raises(MoneyError, match="cannot be priced exactly") as refused:
        line_amount(quantity, price)
    assert refused.value.field == "amount"


def test_postings_carry_the_account_and_the_document_they_book() -> None:
    debit = Posting.debit("receivables", Decimal("10.00"), "acct-1", "INV-1")
    credit = Posting.credit("revenue:energy", Decimal("10.00"), "acct-1", "INV-1")
    assert (debit.side, debit.contract_account_id, debit.document, debit.signed) == (
        Side.DEBIT, "acct-1", "INV-1", Decimal("10.00"))
    assert (credit.side, credit.contract_account_id, credit.document, credit.signed) == (
        Side.CREDIT, "acct-1", "INV-1", Decimal("-10.00"))
    plain = Posting.credit("revenue:energy", Decimal("1.00"))
    assert (plain.contract_account_id, plain.document) == (None, "")
    assert Posting.debit("bank:X", Decimal("1.00")).document == ""


def test_an_empty_entry_is_refused() -> None:
    with pytest.raises(UnbalancedPostings, match=r"^an entry needs at least one debit and one credit$"):
        check_balanced(())


@pytest.mark.parametrize("bad", ["0.00", "-1.00", "0.005", "1.001"])
def test_an_entry_with_a_line_that_is_not_a_positive_cent_amount_is_refused_even_if_it_balances(
    bad: str
) -> None:
    amount = Decimal(bad)
    lines = (Posting.debit("receivables", amount), Posting.credit("revenue:energy", amount))
    with pytest.raises(UnbalancedPostings, match="posting on receivables has invalid amount") as refused:
        check_balanced(lines)
    assert bad in str(refused.value)


def test_an_unbalanced_entry_is_refused_naming_the_difference() -> None:
    lines = (Posting.debit("receivables", Decimal("122.00")),
             Posting.credit("revenue:energy", Decimal("100.00")),
             Posting.credit("vat-output:22", Decimal("21.99")))
    with pytest.raises(UnbalancedPostings, match=r"debits and credits differ by 0\.01"):
        check_balanced(lines)


def test_an_entry_drops_absent_and_zero_lines_and_must_still_balance() -> None:
    booked = entry(Posting.debit("bank:X", Decimal("5.00")), None,
                   Posting.credit("customer-credit", Decimal("0.00")),
                   Posting.credit("receivables", Decimal("5.00")))
    assert [p.account for p in booked] == ["bank:X", "receivables"]
    with pytest.raises(UnbalancedPostings):
        entry(Posting.debit("bank:X", Decimal("5.00")), None)
