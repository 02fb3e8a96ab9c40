"""Party and supply-point identifiers: validate and normalise before they enter an event.

Tax ids delegate to python-stdnum modules, named by their stdnum path:

>>> validate_tax_id('it.codicefiscale', 'rccmnl83s18d969h')
'RCCMNL83S18D969H'
>>> validate_tax_id('ch.uid', 'CHE-100.155.212')
'CHE100155212'
>>> validate_tax_id('fi.ytunnus', '2077474-1')
Traceback (most recent call last):
    ...
ledger.parties.identifiers.InvalidIdentifier: fi.ytunnus: The number's checksum or check digit is invalid.

Supply points (the metering point a contract delivers to):

* ``cups``: Spanish CUPS, :mod:`stdnum.es.cups` (two check letters);
* ``eic``: ENTSO-E Energy Identification Code, :mod:`stdnum.eu.eic`;
* ``gsrn``: GS1 Global Service Relation Number, 18 digits with the GS1 mod 10
  check digit (weights 3, 1, 3, ... from the right of the 17-digit payload,
  computed by :func:`stdnum.ean.calc_check_digit`; stdnum has no GSRN module
  and ``ean.validate`` only takes 8, 12, 13 or 14 digits). Finnish metering
  point ids (Datahub) are GSRNs;
* ``pod``: Italian electricity POD, ``IT`` + 3-digit distributor + ``E`` +
  8 digits, optionally one more letter or digit. Pattern check only: a POD
  has no check digit, so a mistyped digit passes;
* ``pdr``: Italian gas PDR, 14 digits. Pattern check only, as for ``pod``;
* ``other``: free text of 1 to 64 printable characters, stripped.

>>> validate_supply_point('pod', 'it 001 e 12345678')
'IT001E12345678'
>>> validate_supply_point('gsrn', '643 00000 00000 0001 6')
'643000000000000016'
>>> validate_supply_point('pdr', '1234567890123')
Traceback (most recent call last):
    ...
ledger.parties.identifiers.InvalidIdentifier: pdr: The number has an invalid length.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from stdnum import ean
from stdnum.be import vat as be_vat
from stdnum.ch import uid as ch_uid
from stdnum.es import cups, nif
from stdnum.eu import eic
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, ValidationError
from stdnum.fi import hetu, ytunnus
from stdnum.it import codicefiscale, iva
from stdnum.no import orgnr
from stdnum.util import clean, isdigits


class IdentifierScheme(Protocol):
    """What a scheme provides: python-stdnum's protocol (``validate`` returns the compact form)."""

    def compact(self, number: str) -> str: ...
    def validate(self, number: str) -> str: ...
    def is_valid(self, number: str) -> bool: ...


class InvalidIdentifier(ValueError):
    """An unknown scheme or a value the scheme rejects.

    The message names the scheme and the reason but not the value: tax ids such as a
    codice fiscale or henkilötunnus are personal data, and messages end up in logs.
    """

    def __init__(self, scheme: str, value: str, reason: str) -> None:
        super().__init__(f"{scheme}: {reason}")
        self.scheme = scheme
        self.value = value
        self.reason = reason


class _Scheme:
    """Shared ``is_valid`` for the schemes written here."""

    def validate(self, number: str) -> str:
        raise NotImplementedError

    def is_valid(self, number: str) -> bool:
        """Whether ``number`` is valid."""
        try:
            return bool(self.validate(number))
        except ValidationError:
            return False


class Gsrn(_Scheme):
    """GS1 Global Service Relation Number: 17 digits + GS1 mod 10 check digit."""

    def compact(self, number: str) -> str:
        """Strip spaces and dashes."""
        return ean.compact(number)

    def calc_check_digit(self, payload: str) -> str:
        """The GS1 check digit for a 17-digit payload.

        >>> GSRN.calc_check_digit('64300000000000001')  # 6*3 + 4*1 + 3*3 + 1*3 = 34
        '6'
        """
        payload = self.compact(payload)
        if not isdigits(payload) or len(payload) != 17:
            raise InvalidFormat()
        return ean.calc_check_digit(payload)

    def validate(self, number: str) -> str:
        """Return the 18 digits or raise a :mod:`stdnum.exceptions` error."""
        number = self.compact(number)
        if not isdigits(number):
            raise InvalidFormat()
        if len(number) != 18:
            raise InvalidLength()
        if self.calc_check_digit(number[:-1]) != number[-1]:
            raise InvalidChecksum()
        return number


@dataclass(frozen=True)
class PatternScheme(_Scheme):
    """A scheme checked by shape only: right length and characters, no check digit."""

    pattern: re.Pattern[str]
    lengths: frozenset[int]

    def compact(self, number: str) -> str:
        """Strip spaces, dashes and dots; upper-case."""
        return clean(number, " -.").strip().upper()

    def validate(self, number: str) -> str:
        """Return the compact form or raise a :mod:`stdnum.exceptions` error."""
        number = self.compact(number)
        if len(number) not in self.lengths:
            raise InvalidLength()
        if not self.pattern.fullmatch(number):
            raise InvalidFormat()
        return number


class FreeText(_Scheme):
    """Any other supply-point id: 1 to 64 printable characters, surrounding space stripped."""

    def compact(self, number: str) -> str:
        """Strip surrounding whitespace."""
        return number.strip()

    def validate(self, number: str) -> str:
        """Return the stripped text or raise a :mod:`stdnum.exceptions` error."""
        number = self.compact(number)
        if not 1 <= len(number) <= 64:
            raise InvalidLength()
        if not number.isprintable():
            raise InvalidFormat()
        return number


GSRN = Gsrn()
#: Italy's SDI recipient code (codice destinatario) of a business customer's channel: 7 letters or digits
#: (FatturaPA's CodiceDestinatarioType for FPR12). Kept among the tax ids because it identifies where the
#: customer receives its e-invoices, as a tax id identifies it; SDI checks it, Saldo checks its shape.
SDI_CODE = PatternScheme(re.compile(r"[A-Z0-9]{7}"), frozenset({7}))
POD = PatternScheme(re.compile(r"IT[0-9]{3}E[0-9]{8}[0-9A-Z]?"), frozenset({14, 15}))
PDR = PatternScheme(re.compile(r"[0-9]{14}"), frozenset({14}))
OTHER = FreeText()

TAX_ID_SCHEMES: Mapping[str, IdentifierScheme] = {
    "it.codicefiscale": codicefiscale,
    "it.iva": iva,
    "es.nif": nif,
    "fi.ytunnus": ytunnus,
    "fi.hetu": hetu,
    "eu.vat": eu_vat,
    "be.vat": be_vat,
    "ch.uid": ch_uid,
    "no.orgnr": orgnr,
    "it.sdi": SDI_CODE,
}

SUPPLY_POINT_SCHEMES: Mapping[str, IdentifierScheme] = {
    "cups": cups,
    "eic": eic,
    "gsrn": GSRN,
    "pod": POD,
    "pdr": PDR,
    "other": OTHER,
}


def _validate(schemes: Mapping[str, IdentifierScheme], scheme: str, value: str) -> str:
    module = schemes.get(scheme)
    if module is None:
        raise InvalidIdentifier(scheme, value, f"unknown scheme; known: {', '.join(schemes)}")
    try:
        return module.validate(value)
    except ValidationError as exc:
        raise InvalidIdentifier(scheme, value, str(exc)) from exc


def validate_tax_id(scheme: str, value: str) -> str:
    """The normalised tax id, or :class:`InvalidIdentifier`."""
    return _validate(TAX_ID_SCHEMES, scheme, value)


def validate_supply_point(scheme: str, value: str) -> str:
    """The normalised supply-point id, or :class:`InvalidIdentifier`."""
    return _validate(SUPPLY_POINT_SCHEMES, scheme, value)


def validate_iban(value: str) -> str:
    """The IBAN in electronic form, with the national (BBAN) check digits verified by schwifty.

    Never requires a BIC: schwifty's IBAN→BIC table has gaps for Italian and Spanish banks.

    >>> validate_iban("it60 x054 2811 1010 0000 0123 456")
    'IT60X0542811101000000123456'
    """
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(value, validate_bban=True).compact)
    except SchwiftyException as e:
        raise InvalidIdentifier("iban", value, str(e)) from None


@functools.lru_cache(maxsize=4096)  # payers repeat: a statement names the same IBANs again and again
def known_iban(value: str | None) -> str | None:
    """``value`` as a valid IBAN in electronic form, or None: what may be remembered as a payer's IBAN.

    A bank file may say ``NOTPROVIDED`` or carry a mistyped IBAN; such a value must never become an
    account's known IBAN, or it would route the next receipt that says the same to that account.

    >>> known_iban("de89 3704 0044 0532 0130 00"), known_iban("NOTPROVIDED"), known_iban(None)
    ('DE89370400440532013000', None, None)
    """
    if value is None or not value.strip():
        return None
    try:
        return validate_iban(value)
    except InvalidIdentifier:
        return None
