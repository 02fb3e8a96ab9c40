"""The matching cascade as a pure function: which rule decides, for which account, and what it says why.

Unit tests of :func:`ledger.payments.matching.match` over a hand-built :class:`MatchIndex` (the importer's
prefetched lookups), one per way a receipt can be decided; the end-to-end paths through a bank file are in
test_bank_import.py and test_misrouted_payments.py. The evidence is what a clerk reads on the worklist, so
the tests check that it names the reference, number or IBAN that decided, and every reason a receipt was
parked.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

from ledger.accounts.references import rf
from ledger.payments.matching import (
    IN_TEXT,
    INVOICE_NUMBER,
    PAYER_IBAN,
    STRUCTURED,
    SUSPENSE,
    InvoiceRef,
    MatchIndex,
    Receipt,
    lookups_needed,
    match,
)

PAYER = "DE89370400440532013000"
OTHER_PAYER = "GB82WEST12345698765432"
ANNA, BRUNO = uuid4(), uuid4()
OURS = rf.generate("INV2026000123")
ALSO_OURS = rf.generate("INV2026000124")
FOREIGN = rf.generate("SOMEONEELSE1")


def receipt(amount: str, **fields: object) -> Receipt:
    return Receipt(Decimal(amount), "EUR", date(2026, 3, 20), **fields)  # type: ignore[arg-type]


def ref(number: str, account: UUID, open_amount: str) -> InvoiceRef:
    return InvoiceRef(number, account, Decimal(open_amount))


def iban_index(*items: InvoiceRef, ibans: dict[str, tuple[UUID, ...]] | None = None) -> MatchIndex:
    accounts = {item.account_id for item in items}
    return MatchIndex(
        accounts_by_iban=ibans if ibans is not None else {PAYER: tuple(accounts)},
        open_items_by_account={a: tuple(i for i in items if i.account_id == a) for a in accounts},
    )


# -- references and invoice numbers --------------------------------------------------------------------


def test_a_structured_reference_of_ours_decides_and_is_named_as_evidence() -> None:
    index = MatchIndex(by_reference={OURS: ref("INV-2026-000123", ANNA, "80.00")})
    decision = match(receipt("80.00", structured_reference=OURS), index)
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (
        STRUCTURED, ANNA, ("INV-2026-000123",))
    assert OURS in decision.evidence


def test_references_of_two_different_accounts_park_the_money_saying_so() -> None:
    index = MatchIndex(by_reference={OURS: ref("INV-2026-000123", ANNA, "80.00"),
                                     ALSO_OURS: ref("INV-2026-000124", BRUNO, "20.00")})
    decision = match(receipt("100.00", remittance=(f"{OURS} {ALSO_OURS}",)), index)
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (SUSPENSE, None, ())
    assert "2 different accounts" in decision.evidence
    assert OURS in decision.evidence and ALSO_OURS in decision.evidence


def test_two_references_of_one_account_pay_both_and_both_are_named() -> None:
    index = MatchIndex(by_reference={OURS: ref("INV-2026-000123", ANNA, "80.00"),
                                     ALSO_OURS: ref("INV-2026-000124", ANNA, "20.00")})
    decision = match(receipt("100.00", remittance=(f"{OURS} and {ALSO_OURS}",)), index)
    assert (decision.rule, decision.account_id) == (IN_TEXT, ANNA)
    assert decision.invoice_numbers == ("INV-2026-000123", "INV-2026-000124")
    assert f"{OURS}, {ALSO_OURS}" in decision.evidence


def test_two_structured_references_of_one_account_are_both_named() -> None:
    index = MatchIndex(by_reference={OURS: ref("INV-2026-000123", ANNA, "80.00"),
                                     ALSO_OURS: ref("INV-2026-000124", ANNA, "20.00")})
    decision = match(receipt("100.00", structured_reference=f"{OURS} {ALSO_OURS}"), index)
    assert (decision.rule, decision.account_id) == (STRUCTURED, ANNA)
    assert f"{OURS}, {ALSO_OURS}" in decision.evidence


def test_the_evidence_of_a_text_match_names_only_our_references() -> None:
    index = MatchIndex(by_reference={OURS: ref("INV-2026-000123", ANNA, "80.00")})
    decision = match(receipt("80.00", remittance=(f"{FOREIGN} {OURS}",)), index)
    assert (decision.rule, decision.account_id) == (IN_TEXT, ANNA)
    assert OURS in decision.evidence
    assert FOREIGN not in decision.evidence


def test_an_invoice_number_decides_when_no_reference_does_and_is_named() -> None:
    index = MatchIndex(by_number={"INV-2026-000123": ref("INV-2026-000123", ANNA, "80.00")})
    decision = match(receipt("80.00", remittance=("fattura inv 2026 000123",)), index)
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (
        INVOICE_NUMBER, ANNA, ("INV-2026-000123",))
    assert "INV-2026-000123" in decision.evidence


def test_two_invoice_numbers_of_one_account_are_both_named() -> None:
    index = MatchIndex(by_number={"INV-2026-000123": ref("INV-2026-000123", ANNA, "80.00"),
                                  "INV-2026-000124": ref("INV-2026-000124", ANNA, "20.00")})
    decision = match(receipt("100.00", remittance=("INV-2026-000123 + INV-2026-000124",)), index)
    assert decision.rule == INVOICE_NUMBER
    assert decision.invoice_numbers == ("INV-2026-000123", "INV-2026-000124")
    assert "invoice number INV-2026-000123, INV-2026-000124 named" in decision.evidence


def test_a_valid_structured_reference_that_is_not_ours_is_the_reason_the_money_waits() -> None:
    decision = match(receipt("80.00", structured_reference=FOREIGN), MatchIndex())
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (SUSPENSE, None, ())
    assert FOREIGN in decision.evidence and "not ours" in decision.evidence


def test_a_structured_reference_with_bad_check_digits_is_the_reason_the_money_waits() -> None:
    typo = OURS[:2] + ("00" if OURS[2:4] != "00" else "01") + OURS[4:]
    decision = match(receipt("80.00", structured_reference=typo),
                     MatchIndex(by_reference={OURS: ref("INV-2026-000123", ANNA, "80.00")}))
    assert decision.rule == SUSPENSE
    assert repr(typo) in decision.evidence and "invalid check digits" in decision.evidence


def test_a_receipt_with_nothing_to_go_on_says_so() -> None:
    decision = match(receipt("80.00"), MatchIndex())
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (SUSPENSE, None, ())
    assert decision.evidence.startswith("no reference") and "IBAN" in decision.evidence


def test_every_reason_a_receipt_waits_is_kept_in_the_order_found() -> None:
    foreign = match(receipt("80.00", structured_reference=FOREIGN), MatchIndex()).evidence
    shared = iban_index(ibans={PAYER: (ANNA, BRUNO)})
    two_accounts = match(receipt("80.00", payer_iban=PAYER), shared).evidence
    both = match(receipt("80.00", structured_reference=FOREIGN, payer_iban=PAYER), shared)
    assert both.rule == SUSPENSE
    assert both.evidence == f"{foreign}; {two_accounts}"


# -- the payer's IBAN ----------------------------------------------------------------------------------


def test_an_iban_known_on_one_account_pays_the_item_of_that_amount_and_says_which() -> None:
    index = iban_index(ref("INV-2026-000001", ANNA, "30.00"), ref("INV-2026-000002", ANNA, "45.50"))
    decision = match(receipt("45.50", payer_iban=PAYER), index)
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (
        PAYER_IBAN, ANNA, ("INV-2026-000002",))
    assert PAYER in decision.evidence and "INV-2026-000002" in decision.evidence
    assert "not a valid IBAN" not in decision.evidence


def test_an_iban_known_on_one_account_pays_its_open_total_naming_no_single_item() -> None:
    index = iban_index(ref("INV-2026-000001", ANNA, "30.00"), ref("INV-2026-000002", ANNA, "45.50"))
    decision = match(receipt("75.50", payer_iban=PAYER), index)
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (PAYER_IBAN, ANNA, ())
    assert PAYER in decision.evidence and "open total" in decision.evidence


def test_an_amount_that_fits_no_item_nor_the_open_total_waits_naming_the_account() -> None:
    index = iban_index(ref("INV-2026-000001", ANNA, "30.00"), ref("INV-2026-000002", ANNA, "45.50"))
    for amount in ("75.49", "75.51", "1.00", "30.01"):
        decision = match(receipt(amount, payer_iban=PAYER), index)
        assert (decision.rule, decision.account_id, decision.invoice_numbers) == (SUSPENSE, None, ()), amount
        assert str(ANNA) in decision.evidence and "fits no open item" in decision.evidence


def test_an_iban_known_on_an_account_with_nothing_open_waits() -> None:
    index = MatchIndex(accounts_by_iban={PAYER: (ANNA,)})
    decision = match(receipt("10.00", payer_iban=PAYER), index)
    assert (decision.rule, decision.account_id) == (SUSPENSE, None)
    assert str(ANNA) in decision.evidence


def test_a_valid_iban_no_account_knows_waits_like_no_iban_at_all() -> None:
    index = iban_index(ref("INV-2026-000001", ANNA, "30.00"))
    decision = match(receipt("30.00", payer_iban=OTHER_PAYER), index)
    assert (decision.rule, decision.account_id) == (SUSPENSE, None)
    assert decision == match(receipt("30.00"), index)


def test_an_iban_known_on_two_accounts_waits_saying_on_how_many() -> None:
    index = iban_index(ref("INV-2026-000001", ANNA, "30.00"), ref("INV-2026-000002", BRUNO, "30.00"),
                       ibans={PAYER: (ANNA, BRUNO)})
    decision = match(receipt("30.00", payer_iban=PAYER), index)
    assert (decision.rule, decision.account_id, decision.invoice_numbers) == (SUSPENSE, None, ())
    assert "known on 2 accounts" in decision.evidence


def test_an_invalid_payer_iban_matches_nothing_and_is_named_as_the_reason() -> None:
    typo = PAYER[:-1] + ("1" if PAYER[-1] != "1" else "2")
    index = iban_index(ref("INV-2026-000001", ANNA, "30.00"), ibans={PAYER: (ANNA,), typo: (ANNA,)})
    decision = match(receipt("30.00", payer_iban=typo), index)
    assert (decision.rule, decision.account_id) == (SUSPENSE, None)
    assert repr(typo) in decision.evidence and "not a valid IBAN" in decision.evidence
    assert typo not in lookups_needed([receipt("30.00", payer_iban=typo)]).ibans
