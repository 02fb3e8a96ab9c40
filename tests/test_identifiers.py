"""Party and supply-point identifiers: tax ids via stdnum, supply-point schemes, errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from ledger.parties.identifiers import (
    GSRN,
    SUPPLY_POINT_SCHEMES,
    TAX_ID_SCHEMES,
    InvalidIdentifier,
    validate_supply_point,
    validate_tax_id,
)

# Valid vectors from python-stdnum's own doctests, with the normalised form.
VALID_TAX_IDS = [
    ("it.codicefiscale", "RCCMNL83S18D969H", "RCCMNL83S18D969H"),
    ("it.codicefiscale", "00743110157", "00743110157"),  # stdnum also takes company numbers
    ("it.iva", "IT 00743110157", "00743110157"),
    ("es.nif", "B64717838", "B64717838"),
    ("es.nif", "X-5253868-R", "X5253868R"),
    ("fi.ytunnus", "2077474-0", "20774740"),
    ("fi.hetu", "131052-308T", "131052-308T"),
    ("eu.vat", "BE697449992", "BE0697449992"),
    ("eu.vat", "FR 61 954 506 077", "FR61954506077"),
    ("be.vat", "BE 428759497", "0428759497"),
    ("ch.uid", "CHE-100.155.212", "CHE100155212"),
    ("no.orgnr", "988 077 917", "988077917"),
]

INVALID_TAX_IDS = [
    ("it.codicefiscale", "RCCMNL83S18D969", InvalidLength),
    ("it.iva", "00743110158", InvalidChecksum),
    ("es.nif", "B64717839", InvalidChecksum),
    ("fi.ytunnus", "2077474-1", InvalidChecksum),
    ("fi.hetu", "131052-308U", InvalidChecksum),
    ("be.vat", "BE431150351", InvalidChecksum),
    ("ch.uid", "CHE-100.155.213", InvalidChecksum),
    ("no.orgnr", "988 077 918", InvalidChecksum),
]


def test_required_tax_id_schemes_are_registered() -> None:
    required = {"it.codicefiscale", "it.iva", "es.nif", "fi.ytunnus", "fi.hetu", "eu.vat"}
    assert required | {"be.vat", "ch.uid", "no.orgnr"} <= set(TAX_ID_SCHEMES)


@pytest.mark.parametrize(("scheme", "value", "normalised"), VALID_TAX_IDS)
def test_valid_tax_ids_are_normalised(scheme: str, value: str, normalised: str) -> None:
    assert validate_tax_id(scheme, value) == normalised
    assert validate_tax_id(scheme, normalised) == normalised  # stored values re-validate as is


@pytest.mark.parametrize(("scheme", "value", "cause"), INVALID_TAX_IDS)
def test_invalid_tax_ids_name_scheme_and_reason(
    scheme: str, value: str, cause: type[Exception]
) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_tax_id(scheme, value)
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error.__cause__, cause)
    assert (error.scheme, error.value, error.reason) == (scheme, value, str(error.__cause__))
    assert str(error) == f"{scheme}: {error.reason}"


def test_error_message_leaves_the_value_out() -> None:
    # A henkilötunnus is personal data; the message goes to logs and API responses.
    with pytest.raises(InvalidIdentifier) as caught:
        validate_tax_id("fi.hetu", "131052-308U")
    assert "131052" not in str(caught.value)
    assert caught.value.value == "131052-308U"


@pytest.mark.parametrize("validate", [validate_tax_id, validate_supply_point])
def test_unknown_scheme(validate: Callable[[str, str], str]) -> None:
    with pytest.raises(InvalidIdentifier, match=r"^xx\.nope: unknown scheme; known: ") as caught:
        validate("xx.nope", "123")
    assert caught.value.scheme == "xx.nope" and caught.value.value == "123"
    assert caught.value.__cause__ is None


def test_supply_point_schemes_are_registered() -> None:
    assert set(SUPPLY_POINT_SCHEMES) == {"cups", "eic", "gsrn", "pod", "pdr", "other"}


VALID_SUPPLY_POINTS = [
    # CUPS and EIC vectors from python-stdnum's doctests.
    ("cups", "ES 1234-123456789012-JY", "ES1234123456789012JY"),
    ("cups", "es1234123456789012jy1f", "ES1234123456789012JY1F"),
    ("eic", "22XWATTPLUS----G", "22XWATTPLUS----G"),
    ("gsrn", "643 12345 67890 1234 2", "643123456789012342"),
    ("pod", "it 001 e 12345678", "IT001E12345678"),
    ("pod", "IT001E12345678A", "IT001E12345678A"),
    ("pdr", "1234 5678 9012 34", "12345678901234"),
    ("other", "  Zählpunkt 7/42  ", "Zählpunkt 7/42"),
    ("other", "x" * 64, "x" * 64),
]

INVALID_SUPPLY_POINTS = [
    ("cups", "ES 1234-123456789012-XY 1F", InvalidChecksum),
    ("cups", "ES 1234-123456789012-JY 1T", InvalidFormat),
    ("eic", "22XWATTPLUS----X", InvalidChecksum),
    ("eic", "23X--130302DLGW-", InvalidFormat),  # the check character cannot be '-'
    ("gsrn", "643123456789012343", InvalidChecksum),
    ("gsrn", "64312345678901234", InvalidLength),
    ("gsrn", "64312345678901234X", InvalidFormat),
    ("pod", "IT001E1234567", InvalidLength),
    ("pod", "IT001X12345678", InvalidFormat),
    ("pod", "FR001E12345678", InvalidFormat),
    ("pdr", "1234567890123", InvalidLength),
    ("pdr", "1234567890123A", InvalidFormat),
    ("other", "   ", InvalidLength),
    ("other", "x" * 65, InvalidLength),
    ("other", "meter\n42", InvalidFormat),
]


@pytest.mark.parametrize(("scheme", "value", "normalised"), VALID_SUPPLY_POINTS)
def test_valid_supply_points(scheme: str, value: str, normalised: str) -> None:
    assert validate_supply_point(scheme, value) == normalised
    assert validate_supply_point(scheme, normalised) == normalised
    assert SUPPLY_POINT_SCHEMES[scheme].is_valid(value)


@pytest.mark.parametrize(("scheme", "value", "cause"), INVALID_SUPPLY_POINTS)
def test_invalid_supply_points(scheme: str, value: str, cause: type[Exception]) -> None:
    with pytest.raises(InvalidIdentifier) as caught:
        validate_supply_point(scheme, value)
    assert type(caught.value.__cause__) is cause
    assert caught.value.scheme == scheme
    assert not SUPPLY_POINT_SCHEMES[scheme].is_valid(value)


def test_gsrn_check_digit_by_hand() -> None:
    """GSRN 64312345678901234 + check digit, GS1 mod 10 worked by hand.

    Payload digits from the right, weights 3, 1, 3, 1, ...:
    4*3 + 3*1 + 2*3 + 1*1 + 0*3 + 9*1 + 8*3 + 7*1 + 6*3 + 5*1 + 4*3 + 3*1 + 2*3 + 1*1 + 3*3 + 4*1
    + 6*3 = 12+3+6+1+0+9+24+7+18+5+12+3+6+1+9+4+18 = 138; check = (10 - 138 mod 10) mod 10 = 2.
    """
    assert GSRN.calc_check_digit("64312345678901234") == "2"
    assert GSRN.validate("643123456789012342") == "643123456789012342"


@given(st.text("0123456789", min_size=17, max_size=17), st.data())
def test_gsrn_catches_every_single_digit_error(payload: str, data: st.DataObject) -> None:
    # Weights 3 and 1 are both prime to 10, so changing any one digit changes the sum mod 10.
    gsrn = payload + GSRN.calc_check_digit(payload)
    assert GSRN.is_valid(gsrn)
    i = data.draw(st.integers(0, 17))
    new = data.draw(st.sampled_from("0123456789".replace(gsrn[i], "")))
    assert not GSRN.is_valid(gsrn[:i] + new + gsrn[i + 1 :])


def test_pod_and_pdr_are_pattern_checks_only() -> None:
    # No check digit exists: one mistyped digit still passes. That is a property of the codes.
    assert validate_supply_point("pod", "IT001E12345679") == "IT001E12345679"
    assert validate_supply_point("pdr", "12345678901235") == "12345678901235"
