"""The clarification worklist: which open items a parked receipt may be for, best first, and why.

:func:`ledger.payments.matching.rank_candidates` scores each open item on the evidence a person would look
at: the same amount (or within 5 %), a remittance that resembles the invoice number or its payment
reference, a payer name like the account holder's, a payer IBAN that paid the account before. The weights
only order the list; every suggestion carries its reasons, and an item with no reason is not suggested.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from difflib import SequenceMatcher
from uuid import uuid4

import pytest

from ledger.accounts.references import rf
from ledger.payments.matching import MAX_CANDIDATES, WEIGHTS, CandidateItem, Receipt, rank_candidates

PAYER = "DE89370400440532013000"


def receipt(amount: str, *remittance: str, **fields: object) -> Receipt:
    return Receipt(Decimal(amount), "EUR", date(2026, 3, 20), remittance=remittance,  # type: ignore[arg-type]
                   **fields)


def item(number: str, open_amount: str, name: str = "Anna Rossi", reference: str | None = None,
         ibans: tuple[str, ...] = ()) -> CandidateItem:
    return CandidateItem(number, uuid4(), name, Decimal(open_amount), reference, ibans)


def only(receipt: Receipt, candidate: CandidateItem) -> tuple[float, tuple[str, ...]]:
    (best,) = rank_candidates(receipt, [candidate])
    assert best.item is candidate
    return best.score, best.reasons


def test_the_same_amount_is_the_strongest_single_reason() -> None:
    assert only(receipt("80.00"), item("INV-2026-000001", "80.00", name="")) == (
        WEIGHTS["amount"], ("same amount",))


@pytest.mark.parametrize("open_amount", ["105.00", "95.00", "100.01"])
def test_an_amount_within_five_percent_counts_half(open_amount: str) -> None:
    assert only(receipt("100.00"), item("INV-2026-000001", open_amount, name="")) == (
        WEIGHTS["amount"] / 2, ("amount within 5 %",))


def test_within_five_percent_holds_for_small_amounts_too() -> None:
    assert only(receipt("0.50"), item("INV-2026-000001", "0.51", name=""))[1] == ("amount within 5 %",)


@pytest.mark.parametrize("open_amount", ["105.01", "94.99", "200.00", "0.01"])
def test_an_amount_further_off_is_no_reason(open_amount: str) -> None:
    assert rank_candidates(receipt("100.00"), [item("INV-2026-000001", open_amount, name="")]) == []


def test_a_remittance_naming_the_invoice_number_resembles_it_fully() -> None:
    score, reasons = only(receipt("1.00", "saldo", "fattura INV-2026-000001"),
                          item("INV-2026-000001", "500.00", name=""))
    assert score == WEIGHTS["reference"]
    assert reasons == ("remittance resembles INV-2026-000001 (100%)",)


def test_a_remittance_naming_the_payment_reference_in_its_print_form_resembles_it() -> None:
    reference = rf.format(rf.generate("539007547034"))  # printed in groups on the bill
    score, reasons = only(receipt("1.00", f"pagamento {rf.compact(reference)}"),
                          item("INV-2026-000001", "500.00", name="", reference=reference))
    assert score == WEIGHTS["reference"]
    assert reasons == ("remittance resembles INV-2026-000001 (100%)",)


def test_the_structured_reference_field_is_read_too() -> None:
    reference = rf.generate("539007547034")
    candidate = item("INV-2026-000001", "500.00", name="", reference=reference)
    assert only(receipt("1.00", structured_reference=reference), candidate)[0] == WEIGHTS["reference"]


def test_a_similar_token_counts_by_how_similar_it_is_from_six_tenths() -> None:
    candidate = item("ABCDEF", "500.00", name="")
    score, reasons = only(receipt("1.00", "ABC1"), candidate)  # 3 of 4 + 6 characters shared: 0.6
    assert score == round(WEIGHTS["reference"] * 0.6, 4) and reasons == ("remittance resembles ABCDEF (60%)",)
    assert rank_candidates(receipt("1.00", "AB12"), [candidate]) == []  # 0.4


def test_a_receipt_that_says_nothing_resembles_no_number() -> None:
    assert rank_candidates(receipt("1.00"), [item("XXXX", "500.00", name="")]) == []


def test_words_shorter_than_four_characters_are_not_compared() -> None:
    assert only(receipt("1.00", "pay A123 now"), item("A123", "500.00", name=""))[0] == WEIGHTS["reference"]
    assert rank_candidates(receipt("1.00", "A12"), [item("A12", "500.00", name="")]) == []


def test_remittance_lines_are_words_of_their_own() -> None:
    """Two lines are not glued: the last word of one and the first of the next stay apart."""
    assert only(receipt("1.00", "saldo", "INV-2026-000001"), item("INV-2026-000001", "500.00", name=""))[0] \
        == WEIGHTS["reference"]


def test_a_payer_name_like_the_account_holders_counts_whatever_its_case() -> None:
    score, reasons = only(receipt("1.00", payer_name="ANNA ROSSI"), item("INV-2026-000001", "500.00"))
    assert score == WEIGHTS["name"] and reasons == ("payer name resembles 'Anna Rossi' (100%)",)


def test_a_payer_name_counts_from_half_similar() -> None:
    score, _ = only(receipt("1.00", payer_name="ABXY"), item("INV-2026-000001", "500.00", name="ABCD"))
    assert score == WEIGHTS["name"] * 0.5
    assert rank_candidates(receipt("1.00", payer_name="AXYZ"), [item("INV-2026-000001", "500.00",
                                                                      name="ABCD")]) == []


def test_a_payer_iban_that_paid_the_account_before_counts() -> None:
    known = item("INV-2026-000001", "500.00", name="", ibans=(PAYER,))
    assert only(receipt("1.00", payer_iban=PAYER), known) == (WEIGHTS["iban"],
                                                              ("payer IBAN paid this account before",))
    stranger = item("INV-2026-000002", "500.00", name="", ibans=("GB82WEST12345698765432",))
    assert rank_candidates(receipt("1.00", payer_iban=PAYER), [stranger]) == []


def test_the_score_adds_up_every_reason() -> None:
    candidate = item("INV-2026-000001", "80.00", ibans=(PAYER,))
    score, reasons = only(receipt("80.00", "INV-2026-000001", payer_name="Anna Rossi", payer_iban=PAYER),
                          candidate)
    assert score == round(sum(WEIGHTS.values()), 4)
    assert len(reasons) == 4


def test_scores_are_rounded_to_four_decimals() -> None:
    token, number = "INV-2026-00001", "INV-2026-000011"
    similarity = SequenceMatcher(None, token, number).ratio()
    assert similarity != round(similarity, 4)  # a ratio that needs rounding
    score, _ = only(receipt("1.00", token), item(number, "500.00", name=""))
    assert score == round(WEIGHTS["reference"] * similarity, 4)


def test_the_best_come_first_ties_by_number_and_the_list_is_limited() -> None:
    same = [item(f"INV-2026-00000{n}", "80.00", name="") for n in (3, 1, 2)]
    near = item("INV-2026-000009", "81.00", name="")
    ranked = rank_candidates(receipt("80.00"), [near, *same])
    assert [c.item.number for c in ranked] == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003",
                                               "INV-2026-000009"]
    assert [c.item.number for c in rank_candidates(receipt("80.00"), [near, *same], limit=2)] == [
        "INV-2026-000001", "INV-2026-000002"]
    many = [item(f"INV-2026-{n:06d}", "80.00", name="") for n in range(MAX_CANDIDATES + 3)]
    assert len(rank_candidates(receipt("80.00"), many)) == MAX_CANDIDATES
