"""A reference read from free text is always a whole token of the text: nothing glued on, nothing cut off.

``RF96INV2026000256 e …`` was read as ``RF96INV2026000256E`` (the word glued on, valid mod 97 too), so the
payment went to another invoice or to suspense.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.accounts.references import detect, rf

BODY = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
references = st.text(BODY, min_size=1, max_size=21).map(rf.generate)
#: Words of remittance text: letters, digits or both, short ones included ("e", "n", "12"); none starts
#: with RF (they would be reference candidates of their own).
words = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789äé", min_size=1, max_size=8)
words = words.filter(lambda w: not w.upper().startswith("RF"))
#: Words of running text after a reference printed in groups: they start with a small letter. (After a
#: print whose last group is full, ``... EGE5 G`` is ambiguous when both readings are valid, 1 in 97: a
#: group of capitals may be the short last group of a print, ``RF25 0000 A``.)
letter_words = st.builds(lambda head, tail: head + tail, st.sampled_from("abcdefghijklmnopqrstuvwxyzäé"),
                         st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=7))
letter_words = letter_words.filter(lambda w: not w.upper().startswith("RF"))


def rf_found(text: str) -> list[str]:
    return [value for scheme, value in detect(text) if scheme == "rf"]


def test_a_short_word_after_the_reference_is_not_glued_on() -> None:
    assert rf.is_valid("RF96INV2026000256") and rf.is_valid("RF96INV2026000256E")
    assert rf_found("pagato RF96INV2026000256 e grazie") == ["RF96INV2026000256"]
    assert rf_found("PAGATO RF96INV2026000256 E GRAZIE") == ["RF96INV2026000256"]
    assert rf_found("RF96INV2026000256E") == ["RF96INV2026000256E"]  # written as one token, it is meant


def test_a_token_glued_to_something_else_is_not_a_reference() -> None:
    assert rf_found("xRF18539007547034") == []
    assert rf_found("äRF18539007547034") == []
    assert rf_found("RF18539007547034ä") == []
    assert rf_found("RF18539007547034_2") == []


@given(before=st.lists(words, max_size=4), reference=references, after=st.lists(words, max_size=4))
def test_a_reference_written_as_one_token_is_read_as_that_token(
    before: list[str], reference: str, after: list[str]
) -> None:
    text = " ".join([*before, reference, *after])
    assert rf_found(text) == [reference]


@given(before=st.lists(words, max_size=3), reference=references, after=st.lists(letter_words, max_size=3))
def test_a_reference_printed_in_groups_is_read_whole_and_no_word_is_glued_on(
    before: list[str], reference: str, after: list[str]
) -> None:
    text = " ".join([*before, rf.format(reference), *after])
    assert rf_found(text) == [reference]
