"""Payment references: published vectors, error detection, properties, detection in text."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from ledger.accounts.references import (
    MIN_BARE_DIGITS,
    SCHEMES,
    be_ogm,
    ch_qrr,
    detect,
    fi,
    it_pagopa,
    no_kid,
    rf,
)

DIGITS = "0123456789"


def digits(min_size: int, max_size: int | None = None) -> st.SearchStrategy[str]:
    return st.text(DIGITS, min_size=min_size, max_size=min_size if max_size is None else max_size)


def _pagopa(parts: tuple[str, str]) -> str:
    return it_pagopa.generate(*parts)


def _kid(base: str, method: no_kid.Method) -> str:
    try:
        return no_kid.generate(base, method)
    except InvalidComponent:  # remainder 1: this base has no mod 11 check digit
        assume(False)
        raise


#: A strategy of generated (hence valid) references per scheme.
GENERATED: dict[str, st.SearchStrategy[str]] = {
    "rf": st.text(DIGITS + "ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21).map(rf.generate),
    # A leading zero is not part of a Finnish reference (compact drops it).
    "fi": st.from_regex(r"[1-9][0-9]{2,18}", fullmatch=True).map(fi.generate),
    "it_pagopa": st.tuples(digits(2), digits(13)).map(_pagopa),
    "be_ogm": digits(10).map(be_ogm.generate),
    "ch_qrr": digits(26).filter(lambda b: b.strip("0") != "").map(ch_qrr.generate),
    "no_kid": st.builds(_kid, digits(1, 24), st.sampled_from(no_kid.METHODS)),
}


def test_registry_holds_every_scheme_module() -> None:
    modules = [rf, fi, it_pagopa, be_ogm, ch_qrr, no_kid]
    expected = {m.__name__.rsplit(".", 1)[1]: m for m in modules}
    assert expected == SCHEMES


# -- published vectors ----------------------------------------------------------------------------


def test_rf_vector() -> None:
    assert rf.calc_check_digits("539007547034") == "18"
    assert rf.generate("539007547034") == "RF18539007547034"
    assert rf.format("RF18539007547034") == "RF18 5390 0754 7034"
    assert rf.validate("rf18 5390 0754 7034") == "RF18539007547034"


def test_rf_rejects_non_canonical_check_digits_stdnum_accepts() -> None:
    # '72' has check digits 97; mod 97 cannot tell 97 from 00 (nor 98/01, 02/99).
    from stdnum import iso11649

    assert rf.generate("72") == "RF9772"
    assert iso11649.is_valid("RF0072")
    with pytest.raises(InvalidChecksum):
        rf.validate("RF0072")


def test_rf_rejects_unicode_digits_and_bad_bodies() -> None:
    with pytest.raises(InvalidFormat):
        rf.validate("RF18 5390 0754 703\u0664")  # ARABIC-INDIC DIGIT FOUR
    with pytest.raises(InvalidFormat):
        rf.validate("XX18539007547034")
    with pytest.raises(InvalidLength):
        rf.generate("1234567890123456789012")  # 22 > 21


@pytest.mark.parametrize(
    ("base", "reference"),
    [
        ("123", "1232"),
        ("123123", "1231234"),
        ("123456", "1234561"),  # Finance Finland's example, printed '12 34561'
        ("1234567123456784"[:-1], "1234567123456784"),  # printed '1 23456 71234 56784'
    ],
)
def test_fi_vectors(base: str, reference: str) -> None:
    assert fi.generate(base) == reference
    assert fi.validate(reference) == reference


def test_fi_print_form_and_machine_form() -> None:
    assert fi.format("1234561") == "12 34561"
    assert fi.format("1234567123456784") == "1 23456 71234 56784"
    assert fi.validate("00000000000001234561") == "1234561"  # barcode form, zero-padded to 20
    assert fi.validate("viite: 12 34561") == "1234561"


def test_fi_lengths() -> None:
    with pytest.raises(InvalidLength):
        fi.generate("12")  # base needs 3 digits
    with pytest.raises(InvalidLength):
        fi.validate("1" * 21)


def test_fi_rf_form_is_rf_over_the_finnish_reference() -> None:
    assert fi.to_rf("1232") == rf.generate(fi.generate("123")) == "RF111232"
    assert rf.is_valid(fi.to_rf("12 31234"))


def test_pagopa_vector() -> None:
    # 3012345678901234 = 93 * 32390813751626 + 16
    assert it_pagopa.generate("01", "2345678901234") == "301234567890123416"
    assert it_pagopa.iuv("3012 3456 7890 1234 16") == "01234567890123416"
    assert it_pagopa.format("301234567890123416") == "3012 3456 7890 1234 16"


def test_pagopa_other_aux_digits_are_not_handled() -> None:
    with pytest.raises(InvalidComponent):
        it_pagopa.validate("001234567890123416")


def test_be_ogm_vector() -> None:
    # 108068171 = 97 * 1114104 + 83
    assert be_ogm.generate("0108068171") == "010806817183"
    assert be_ogm.format("010806817183") == "+++010/8068/17183+++"
    assert be_ogm.validate("+++010/8068/17183+++") == "010806817183"
    assert be_ogm.validate("***010/8068/17183***") == "010806817183"


def test_be_ogm_remainder_zero_is_written_97() -> None:
    assert be_ogm.generate("0000000097") == "000000009797"


def test_ch_qrr_vector() -> None:
    assert ch_qrr.generate("21000000000313947143000901") == "210000000003139471430009017"
    assert ch_qrr.format("210000000003139471430009017") == "21 00000 00003 13947 14300 09017"
    assert ch_qrr.validate("21 00000 00003 13947 14300 09017") == "210000000003139471430009017"


def test_ch_qrr_keeps_leading_zeros_and_needs_27_digits() -> None:
    reference = ch_qrr.generate("00000000000000000000001878")
    assert ch_qrr.validate(reference) == reference
    with pytest.raises(InvalidLength):
        ch_qrr.validate(reference.lstrip("0"))  # an ESR number may drop them, a QRR may not
    with pytest.raises(InvalidFormat):
        ch_qrr.validate("0" * 27)


def test_no_kid_vectors() -> None:
    assert no_kid.generate("2345678") == "23456783"
    # mod 11: 8*2 + 7*3 + 6*4 + 5*5 + 4*6 + 3*7 + 2*2 = 135 = 11*12 + 3 -> 11 - 3 = 8
    assert no_kid.generate("2345678", method="mod11") == "23456788"
    assert no_kid.validate("23456783") == no_kid.validate("23456783", method="mod10") == "23456783"
    assert no_kid.validate("23456788") == no_kid.validate("23456788", method="mod11") == "23456788"
    assert not no_kid.is_valid("23456788", method="mod10")


def test_no_kid_mod11_remainder_one_has_no_check_digit() -> None:
    # base 6: 6*2 = 12 = 11 + 1; none of the ten digits completes it.
    with pytest.raises(InvalidComponent):
        no_kid.generate("6", method="mod11")
    assert not any(no_kid.is_valid("6" + d, method="mod11") for d in DIGITS)


def test_no_kid_unknown_method_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown KID method"):
        no_kid.generate("123", method="mod12")  # type: ignore[arg-type]


# -- one wrong digit, two transposed digits -------------------------------------------------------

WRONG_DIGIT = [
    (rf, "RF18539007547035"),
    (fi, "1231235"),
    (it_pagopa, "301234567890123417"),
    (be_ogm, "010806817184"),
    (ch_qrr, "210000000003139471430009018"),
    (no_kid, "23456784"),
]


@pytest.mark.parametrize(("module", "number"), WRONG_DIGIT)
def test_one_wrong_digit_is_rejected(module: ModuleType, number: str) -> None:
    with pytest.raises(InvalidChecksum):
        module.validate(number)


TRANSPOSED = [
    (rf, "RF18359007547034"),  # 53 -> 35
    (rf, "RF81539007547034"),  # the check digits themselves
    (it_pagopa, "301234567890123146"),  # last base digit and first check digit
    (be_ogm, "010806817138"),
    (be_ogm, "100806817183"),
    (fi, "1213234"),  # 31 -> 13: |3 - 1| != 5
    (ch_qrr, "120000000003139471430009017"),
    (no_kid, "23456738"),  # Luhn catches 83 -> 38
]


@pytest.mark.parametrize(("module", "number"), TRANSPOSED)
def test_adjacent_transposition_is_rejected(module: ModuleType, number: str) -> None:
    assert not module.is_valid(number)


def test_known_transposition_blind_spots() -> None:
    # The schemes with a single mod-10 check digit cannot catch every transposition:
    assert no_kid.generate("90") == "901" and no_kid.is_valid("091")  # Luhn: 09 <-> 90
    assert fi.generate("160") == "1601" and fi.is_valid("6101")  # 7-3-1: digits 5 apart
    assert ch_qrr.generate("47" + "0" * 24) == "47" + "0" * 24 + "9"
    assert ch_qrr.is_valid("74" + "0" * 24 + "9")  # mod 10 recursive: 47 <-> 74 at carry 0


# -- properties of generated references -----------------------------------------------------------

scheme_names = st.sampled_from(sorted(GENERATED))


@given(st.data())
def test_generated_references_validate(data: st.DataObject) -> None:
    name = data.draw(scheme_names)
    reference = data.draw(GENERATED[name])
    assert SCHEMES[name].validate(reference) == reference


@given(st.data())
def test_format_round_trips(data: st.DataObject) -> None:
    name = data.draw(scheme_names)
    reference = data.draw(GENERATED[name])
    module = SCHEMES[name]
    assert module.validate(module.format(reference)) == module.compact(reference) == reference


@given(st.data(), st.text())
def test_compact_is_idempotent(data: st.DataObject, text: str) -> None:
    module = SCHEMES[data.draw(scheme_names)]
    reference = data.draw(GENERATED[data.draw(scheme_names)])
    for value in (text, reference, module.format(reference)):
        once = module.compact(value)
        assert module.compact(once) == once


def _method(reference: str) -> no_kid.Method:
    return "mod10" if no_kid.is_valid(reference, method="mod10") else "mod11"


def _is_valid(name: str) -> Callable[[str, str], bool]:
    """``is_valid(mutated, original)``; a KID is checked by the method it was generated with."""
    if name == "no_kid":
        return lambda mutated, original: no_kid.is_valid(mutated, method=_method(original))
    return lambda mutated, _original: SCHEMES[name].is_valid(mutated)


@given(st.data())
def test_any_single_digit_change_is_rejected(data: st.DataObject) -> None:
    name = data.draw(scheme_names)
    reference = data.draw(GENERATED[name])
    positions = [i for i, ch in enumerate(reference) if ch.isdigit()]
    i = data.draw(st.sampled_from(positions))
    new = data.draw(st.sampled_from(DIGITS.replace(reference[i], "")))
    assert not _is_valid(name)(reference[:i] + new + reference[i + 1 :], reference)


@given(GENERATED["no_kid"])
def test_kid_either_method_accepts_the_other_methods_check_digit(reference: str) -> None:
    # What holds without a method: swapping the check digit for the other method's one passes,
    # so a single-digit change is not always caught. Pass the agreement's method when known.
    method = _method(reference)
    other: no_kid.Method = "mod11" if method == "mod10" else "mod10"
    try:
        changed = no_kid.generate(reference[:-1], other)
    except InvalidComponent:
        return
    assert no_kid.is_valid(changed)
    assert not no_kid.is_valid(changed, method=method) or changed == reference


def _transpositions(data: st.DataObject, reference: str) -> tuple[int, str]:
    pairs = [
        i
        for i in range(len(reference) - 1)
        if reference[i] != reference[i + 1] and (reference[i] + reference[i + 1]).isdigit()
    ]
    assume(pairs)
    i = data.draw(st.sampled_from(pairs))
    return i, reference[:i] + reference[i + 1] + reference[i] + reference[i + 2 :]


@pytest.mark.parametrize("name", ["rf", "it_pagopa", "be_ogm"])
@given(data=st.data())
def test_mod_9x_schemes_catch_every_adjacent_transposition(name: str, data: st.DataObject) -> None:
    reference = data.draw(GENERATED[name])
    _, swapped = _transpositions(data, reference)
    assert not SCHEMES[name].is_valid(swapped)


@given(st.data(), st.sampled_from(no_kid.METHODS))
def test_kid_transpositions(data: st.DataObject, method: no_kid.Method) -> None:
    reference = _kid(data.draw(digits(1, 24)), method)
    i, swapped = _transpositions(data, reference)
    # Luhn misses exactly 09 <-> 90; mod 11 (prime, weights 2..7 and 1) misses none.
    missed = method == "mod10" and {reference[i], reference[i + 1]} == {"0", "9"}
    assert no_kid.is_valid(swapped, method=method) == missed


@given(st.data())
def test_fi_transpositions(data: st.DataObject) -> None:
    reference = data.draw(GENERATED["fi"])
    i, swapped = _transpositions(data, reference)
    # Weights 7, 3, 1 differ pairwise by an even number, so digits 5 apart are missed; a swap
    # that moves a 0 to the front can still fail on length, as leading zeros are not counted.
    missed = abs(int(reference[i]) - int(reference[i + 1])) == 5
    assert fi.is_valid(swapped) == (missed and len(fi.compact(swapped)) >= 4)


_ESR = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)


def _carry(prefix: str) -> int:
    carry = 0
    for digit in prefix:
        carry = _ESR[(carry + int(digit)) % 10]
    return carry


def _after(carry: int, a: int, b: int) -> int:
    return _ESR[(_ESR[(carry + a) % 10] + b) % 10]


#: (carry, a, b) where "ab" and "ba" leave the mod 10 recursion in the same state.
ESR_BLIND = {
    (c, a, b)
    for c in range(10)
    for a in range(10)
    for b in range(10)
    if a != b and _after(c, a, b) == _after(c, b, a)
}


def test_esr_blind_spots_are_rare() -> None:
    assert len(ESR_BLIND) == 20  # of 900 (carry, a, b) with a != b
    assert (0, 4, 7) in ESR_BLIND


@given(st.data())
def test_ch_qrr_transpositions(data: st.DataObject) -> None:
    # A valid QRR drives the recursion back to 0 after all 27 digits, and every step is a
    # bijection of the carry: a swap is missed exactly when both orders leave the same carry.
    reference = data.draw(GENERATED["ch_qrr"])
    i, swapped = _transpositions(data, reference)
    blind = (_carry(reference[:i]), int(reference[i]), int(reference[i + 1])) in ESR_BLIND
    assert ch_qrr.is_valid(swapped) == blind


@given(st.data())
def test_detect_finds_any_printed_reference(data: st.DataObject) -> None:
    name = data.draw(scheme_names)
    reference = data.draw(GENERATED[name])
    assume(name == "rf" or len(reference) >= MIN_BARE_DIGITS)
    assert (name, reference) in detect(f"Maksu ref: {SCHEMES[name].format(reference)}, kiitos")


# -- detect on remittance text --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lasku 1232 viite 12312 34", [("fi", "1232"), ("fi", "1231234")]),
        ("PAGAMENTO FATTURA RF18 5390 0754 7034", [("rf", "RF18539007547034")]),
        ("+++010/8068/17183+++", [("be_ogm", "010806817183")]),
        ("rf18 5390 0754 7034 kiitos", [("rf", "RF18539007547034")]),
        ("RF185390 07547034", [("rf", "RF18539007547034")]),
        ("Referenz 21 00000 00003 13947 14300 09017", [("ch_qrr", "210000000003139471430009017")]),
        ("Codice avviso: 3012 3456 7890 1234 16", [("it_pagopa", "301234567890123416")]),
        ("/RFB/01234567890123416/150.00", [("it_pagopa", "301234567890123416")]),
        ("Mededeling 010/8068/17183", [("be_ogm", "010806817183")]),
        ("viite1232", [("fi", "1232")]),
    ],
)
def test_detect_realistic_remittance(text: str, expected: list[tuple[str, str]]) -> None:
    assert detect(text) == expected


@given(st.text(alphabet=st.sampled_from("0123456789 RFrf+/*.,-:viteKID\u00a0ä"), max_size=80))
def test_detect_returns_only_valid_compact_references(text: str) -> None:
    found = detect(text)
    assert len(found) == len(set(found))
    for scheme, value in found:
        assert SCHEMES[scheme].validate(value) == value


def test_detect_reports_every_scheme_an_ambiguous_run_fits() -> None:
    # 23456783 is a mod 10 KID and also a Finnish reference:
    # 8*7 + 7*3 + 6*1 + 5*7 + 4*3 + 3*1 + 2*7 = 147, and 10 - 7 = 3.
    assert detect("KID:23456783") == [("fi", "23456783"), ("no_kid", "23456783")]


def test_detect_skips_invalid_check_digits() -> None:
    assert detect("RF19 5390 0754 7034 / +++010/8068/17180+++ / viite 1233") == []


def test_detect_keeps_order_of_appearance_and_drops_duplicates() -> None:
    text = "+++010/8068/17183+++ RF18 5390 0754 7034 viite 1232, +++010/8068/17183+++"
    assert detect(text) == [
        ("be_ogm", "010806817183"),
        ("rf", "RF18539007547034"),
        ("fi", "1232"),
    ]


def test_detect_ignores_digits_that_belong_to_other_things() -> None:
    # 2024 and 1232 are valid Finnish references on their own: the IBAN, phone number, date,
    # amount and invoice code around them must not be mistaken for references.
    assert fi.is_valid("2024") and fi.is_valid("1232")
    text = "IBAN FI21 1234 5600 0007 85, puh. +358 40 123 4567, 12.03.2024, 1 234,56 EUR, INV1232"
    assert detect(text) == []


def test_detect_drops_an_amount_glued_to_the_end_of_a_run() -> None:
    assert detect("viite 12312 34 125,00 EUR") == [("fi", "1231234")]


def test_detect_ignores_short_runs() -> None:
    assert no_kid.is_valid("42")
    assert detect("KID 42") == []


@given(st.text("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21),
       st.integers(min_value=2, max_value=98))
def test_rf_agrees_with_stdnum_on_every_canonical_reference(body: str, check: int) -> None:
    """rf.validate checks MOD 97-10 itself (faster); stdnum's iso11649 is the oracle."""
    from stdnum import iso11649

    candidate = f"RF{check:02d}{body}"
    assert rf.is_valid(candidate) == iso11649.is_valid(candidate)
    assert rf.is_valid(rf.generate(body))


@given(st.text(st.characters(codec="ascii"), max_size=30), st.sampled_from(["", "'", "`", "x"]))
def test_the_fast_ascii_clean_is_stdnums(number: str, extra: str) -> None:
    from stdnum.util import clean as stdnum_clean

    from ledger.accounts.references._util import SEPARATORS, clean

    assert clean(number, extra=extra) == "".join(stdnum_clean(number.upper(), SEPARATORS + extra).split())
