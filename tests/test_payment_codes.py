"""The payment codes printed on bills (ledger.documents.payment_codes), against independent oracles:
segno's own EPC QR builder, and the Finnish barcode's fields read back by the guide's layout."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import segno.helpers
from hypothesis import given
from hypothesis import strategies as st

from ledger.accounts.references import fi, rf
from ledger.core.errors import InvalidInput
from ledger.documents.payment_codes import epc_qr, fi_virtual_barcode, pagopa_qr

FI_IBAN = "FI79 4405 2020 0360 82"
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2)
names = st.text(st.characters(codec="utf-8", exclude_categories=("C", "Zl", "Zp")), min_size=1,
                max_size=70).filter(lambda n: n.strip() == n and n)
bases = st.integers(min_value=100, max_value=10**15).map(str)


@given(names, amounts, bases)
def test_the_epc_payload_is_what_segno_builds(name: str, amount: Decimal, base: str) -> None:
    reference = rf.generate(base)
    ours = epc_qr(name, "IT60X0542811101000000123456", amount, reference=reference, bic="BLOPIT22")
    theirs = segno.helpers._make_epc_qr_data(name, "IT60X0542811101000000123456", amount,
                                             reference=reference, bic="BLOPIT22", encoding="utf-8")
    assert ours.encode("utf-8") == theirs


@given(amounts, bases, st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), st.booleans())
def test_the_finnish_barcode_reads_back_as_the_bill(amount: Decimal, base: str, due: date,
                                                    as_rf: bool) -> None:
    national = fi.generate(base)
    reference = fi.to_rf(national) if as_rf else national
    code = fi_virtual_barcode(FI_IBAN, amount, reference, due)
    assert len(code) == 54 and code.isdigit()
    assert code[0] == ("5" if as_rf else "4")
    assert "FI" + code[1:17] == FI_IBAN.replace(" ", "")
    assert Decimal(code[17:23] + "." + code[23:25]) == amount
    if as_rf:
        assert "RF" + code[25:27] + code[27:48].lstrip("0") == rf.validate(reference)
    else:
        assert code[25:28] == "000" and code[28:48].lstrip("0") == national
    assert code[48:] == due.strftime("%y%m%d")


def test_the_finnish_barcode_prints_zeros_for_what_it_cannot_carry() -> None:
    code = fi_virtual_barcode(FI_IBAN, Decimal("1000000.00"), "1232", None)
    assert code[17:25] == "00000000" and code[48:] == "000000"


@pytest.mark.parametrize(("call", "field"), [
    (lambda: epc_qr("X", "IT60X0542811101000000123456", Decimal("1.001")), "amount"),
    (lambda: epc_qr("X", "IT60X0542811101000000123456", Decimal("0")), "amount"),
    (lambda: epc_qr("X", "IT00X0542811101000000123456", Decimal("1")), "iban"),
    (lambda: epc_qr("", "IT60X0542811101000000123456", Decimal("1")), "name"),
    (lambda: epc_qr("X", "IT60X0542811101000000123456", Decimal("1"), reference="RF00123"), "reference"),
    (lambda: epc_qr("X", "IT60X0542811101000000123456", Decimal("1"), reference="RF18539007547034",
                    text="both"), "reference"),
    (lambda: fi_virtual_barcode("IT60X0542811101000000123456", Decimal("1"), "1232", None), "iban"),
    (lambda: fi_virtual_barcode(FI_IBAN, Decimal("1"), "1233", None), "reference"),
    (lambda: fi_virtual_barcode(FI_IBAN, Decimal("1"), "RF71ABC", None), "reference"),
    (lambda: pagopa_qr("301234567890123417", "00743110157", Decimal("1")), "notice_code"),
    (lambda: pagopa_qr("301234567890123416", "00743110158", Decimal("1")), "creditor_fiscal_code"),
])
def test_a_code_that_cannot_be_printed_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        call()  # type: ignore[operator]
    assert refused.value.field == field
