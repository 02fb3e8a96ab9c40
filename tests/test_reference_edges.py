"""Payment references at their edges: longest allowed, one too long, prefixes, separators, and the
readings of free text that the module docstring of ledger.accounts.references promises.

A reference one digit too long must be refused (the payer's bank would bounce it, or worse, a longer
number with the right tail would match), a prefix people type (``KID``, ``QRR``, ``OGM``, ``codice
avviso``) must not break it, and detection in remittance text must read a grouped print exactly as
documented: where a short group ends it, when a word of capitals may belong, what an amount or a date
glued to a run means.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from stdnum.exceptions import InvalidLength, ValidationError

from ledger.accounts.references import be_ogm, ch_qrr, detect, fi, it_pagopa, no_kid, rf


@pytest.mark.parametrize(("calc", "longest_base"), [
    (fi.calc_check_digits, 19), (no_kid.calc_check_digits, 24), (be_ogm.calc_check_digits, 10),
    (ch_qrr.calc_check_digits, 26),
])
def test_a_base_one_digit_too_long_gets_no_check_digit(calc: Callable[[str], str], longest_base: int) -> None:
    assert calc("1" * longest_base)
    with pytest.raises(InvalidLength):
        calc("1" * (longest_base + 1))


def test_a_pagopa_base_or_segregation_code_one_digit_too_long_gets_no_check_digits() -> None:
    assert it_pagopa.calc_check_digits("01", "1" * 13)
    with pytest.raises(InvalidLength):
        it_pagopa.calc_check_digits("01", "1" * 14)
    with pytest.raises(InvalidLength):
        it_pagopa.calc_check_digits("012", "1" * 13)


@pytest.mark.parametrize(("make", "module"), [
    (lambda n: fi.generate("1" * (n - 1)), fi),
    (lambda n: no_kid.generate("1" * (n - 1)), no_kid),
    (lambda n: ch_qrr.generate("1" * (n - 1)), ch_qrr),
    (lambda n: it_pagopa.generate("01", "1" * (n - 5)), it_pagopa),
    (lambda n: rf.generate("1" * (n - 4)), rf),
])
def test_the_longest_reference_is_valid_and_a_digit_more_is_not(make: Callable[[int], str],
                                                                 module: object) -> None:
    longest = {fi: 20, no_kid: 25, ch_qrr: 27, it_pagopa: 18, rf: 25}[module]  # type: ignore[index]
    reference = make(longest)
    assert len(reference) == longest and module.is_valid(reference)  # type: ignore[attr-defined]
    for extra in "0123456789":
        with pytest.raises(InvalidLength):  # refused for its length, whatever its check digits say
            module.validate(reference + extra)  # type: ignore[attr-defined]


def test_rf_check_digits_run_from_02_to_98() -> None:
    lowest = next(rf.generate(f"A{n}") for n in itertools.count() if rf.generate(f"A{n}")[2:4] == "02")
    highest = next(rf.generate(f"A{n}") for n in itertools.count() if rf.generate(f"A{n}")[2:4] == "98")
    assert rf.is_valid(lowest) and rf.is_valid(highest)


def test_rf_aliases_of_canonical_check_digits_are_refused_at_both_ends() -> None:
    """mod 97 cannot tell 02 from 99 (nor 97 from 00, 98 from 01): only 02..98 is ever generated."""
    lowest = next(rf.generate(f"A{n}") for n in itertools.count() if rf.generate(f"A{n}")[2:4] == "02")
    alias = "RF99" + lowest[4:]
    with pytest.raises(ValidationError):
        rf.validate(alias)
    assert not detect(f"pay {alias}")


def test_an_rf_body_may_hold_any_capital_letter() -> None:
    for letters in ("XYZW", "ABCX", "X"):
        reference = rf.generate(letters)
        assert rf.compact(reference) == reference and rf.validate(rf.format(reference)) == reference


@pytest.mark.parametrize(("module", "typed"), [
    (be_ogm, "OGM +++010/8068/17183+++"),
    (ch_qrr, "QRR 21 00000 00003 13947 14300 09017"),
    (it_pagopa, "codice avviso 3012 3456 7890 1234 16"),
    (no_kid, "KID 2345 6783"),
])
def test_the_prefix_people_type_is_not_part_of_the_reference(module: object, typed: str) -> None:
    assert module.is_valid(typed)  # type: ignore[attr-defined]


def test_a_letter_inside_a_belgian_communication_is_not_a_separator() -> None:
    assert be_ogm.is_valid("+++010/8068/17183+++")
    assert not be_ogm.is_valid("+++010/8068/X17183+++")


def test_a_qr_reference_of_only_zeros_gets_no_check_digit() -> None:
    with pytest.raises(ValidationError):
        ch_qrr.generate("0" * 26)


def test_tabs_and_non_breaking_spaces_inside_a_reference_are_dropped() -> None:
    assert fi.validate("12312\t34") == "1231234"
    assert no_kid.validate("2345\u00a06783") == "23456783"


def test_a_finnish_compact_strips_leading_zeros_only_of_a_number() -> None:
    assert fi.compact("00 12312 34") == "1231234"
    assert fi.compact("0ab12") == "0AB12"


# -- detection in free text ----------------------------------------------------------------------------


def test_a_reference_at_the_very_start_of_the_text_is_read() -> None:
    assert ("fi", "1232") in detect("1232 kiitos")
    assert ("fi", "1232") in detect("1232 x")


@pytest.mark.parametrize("text", ["x_1232 viite", "1232_x", "1232x", "1.1232 x", "1232.5", "viite 1232 5x"])
def test_a_run_glued_to_a_word_or_an_amount_is_no_reference(text: str) -> None:
    assert ("fi", "1232") not in detect(text)


def test_a_run_ending_the_text_with_a_full_stop_is_read() -> None:
    assert ("fi", "1232") in detect("viite 1232.")


def test_only_full_stops_commas_slashes_and_dashes_glue_digits_into_an_amount() -> None:
    assert ("fi", "1232") in detect("klo 12:1232")


def test_only_the_edge_group_glued_to_a_date_is_dropped_from_a_run() -> None:
    assert ("fi", "1232") in detect("pagato il 12.03 1232")
    assert ("fi", "1232") in detect("viite 1232 15.03.2026")


def test_references_are_listed_in_the_order_they_appear_when_a_glued_edge_group_is_dropped() -> None:
    """In "1232 5.0312345 1313" the group "5" belongs to the amount 5.0312345, and so does "0312345":
    what is left of the second run, 1313, still comes after 1232."""
    found = [value for _, value in detect("1232 5.0312345 1313")]
    assert found.index("1232") < found.index("1313")


def test_a_skipped_run_does_not_hide_the_runs_after_it() -> None:
    assert ("fi", "1232") in detect("INV2024 viite 1232")


def test_a_run_that_fits_two_schemes_lists_them_in_the_schemes_order() -> None:
    both = next(n for n in map(str, itertools.count(10 ** 11)) if be_ogm.is_valid(n) and fi.is_valid(n))
    assert detect(f"maksu {both}")[:2] == [("fi", both), ("be_ogm", both)]


def test_references_keep_the_order_they_appear_in_after_a_long_one_is_masked() -> None:
    first, second = rf.generate("539007547034"), rf.generate("INV2026000256")
    found = [value for _, value in detect(f"pay {first} viite 1232 and {second}")]
    assert found.index(first) < found.index("1232") < found.index(second)


def _printed(body: str) -> str:
    return rf.format(rf.generate(body))


def _extension_also_valid(body: str, tails: list[str]) -> str:
    """A tail such that the reference of ``body`` with the tail appended is valid with the same digits."""
    check = rf.generate(body)[2:4]
    return next(t for t in tails if rf.is_valid(f"RF{check}{body}{t}".upper()))


def test_a_reference_written_as_one_token_ends_there_even_if_a_number_after_it_would_fit() -> None:
    """Written as one token, a reference has no doubt (module docstring): a number after it is not glued on,
    even when the longer reading is valid too (1 in 97)."""
    token = rf.generate("INV2026000256")
    tail = _extension_also_valid("INV2026000256", [f"{n:04d}" for n in range(1000, 10000)])
    assert detect(f"pagato {token} {tail}")[0] == ("rf", token)
    assert ("rf", token + tail) not in detect(f"pagato {token} {tail}")


def test_a_grouped_reference_followed_by_a_date_ends_before_it() -> None:
    printed = _printed("539007547034")
    assert detect(f"{printed} 12.03.2024") == [("rf", rf.compact(printed))]


def test_a_number_after_a_full_last_group_is_not_part_of_it_unless_that_reading_is_valid() -> None:
    body = "53900754"
    printed = _printed(body)
    invalid = next(f"{n:04d}" for n in range(1000, 10000)
                   if not rf.is_valid(f"RF{printed[2:4]}{body}{n}") and not detect(str(n)))
    assert detect(f"{printed} {invalid}") == [("rf", rf.compact(printed))]


def test_the_mask_of_a_reference_covers_all_its_groups() -> None:
    printed = _printed("539007541232")  # its last group alone is a Finnish reference
    assert detect(printed) == [("rf", rf.compact(printed))]


def test_a_short_last_group_ends_the_print_even_if_a_longer_reading_would_be_valid() -> None:
    for body in ("539007547", "5390075"):  # print form: ... 0754 7 and 5390 075
        printed = _printed(body)
        tail = _extension_also_valid(body, [f"{n:04d}" for n in range(10000)])
        assert detect(f"{printed} {tail}") == [("rf", rf.compact(printed))], body


def test_a_lower_case_word_ends_the_print_even_if_a_longer_reading_would_be_valid() -> None:
    body = next(b for b in (f"5390075470{n:02d}" for n in range(100))
                if rf.is_valid(f"RF{rf.generate(b)[2:4]}{b}E"))
    printed = _printed(body)
    assert detect(f"{printed} e grazie") == [("rf", rf.compact(printed))]


def test_capitals_belong_only_while_the_text_follows_the_print_form() -> None:
    for body in ("ABCDEFGH", "5390ABCD"):
        reference = rf.generate(body)
        assert detect(f"{rf.format(reference)} grazie") == [("rf", reference)]
    glued = rf.generate("5390ABCD")  # RFdd5390 ABCD: not the print form, so ABCD is a word
    if not rf.is_valid(glued[:8]):
        assert detect(f"{glued[:8]} {glued[8:]}") == []
    short_first = rf.generate("539ABCD")  # RFdd 539 ABCD: a first group of three is no print form
    if not rf.is_valid(short_first[:7]):
        assert detect(f"{short_first[:4]} {short_first[4:7]} {short_first[7:]}") == []


def test_out_of_the_print_form_a_later_group_of_four_does_not_bring_capitals_back() -> None:
    reference = rf.generate("53900754ABCD")
    text = f"{reference[:8]} {reference[8:12]} {reference[12:]}"  # RFdd5390 0754 ABCD
    assert ("rf", reference) not in detect(text)


def test_a_group_of_five_capitals_is_a_word_even_in_the_print_form() -> None:
    reference = rf.generate("ABCDEFGHI")
    assert ("rf", reference) not in detect(f"{reference[:4]} {reference[4:8]} {reference[8:]}")
