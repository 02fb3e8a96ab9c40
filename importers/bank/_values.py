"""Strict parsing of the scalar values bank files carry: amounts, dates, timestamps, codes.

Every function returns ``None`` for text it cannot read; the caller knows where the text came from
and raises :class:`~importers.bank.errors.BankFileError` with that location. Amounts become
:class:`~decimal.Decimal` straight from the text, never through ``float``.

>>> parse_unsigned_amount("1234.50"), parse_unsigned_amount("1e3"), parse_unsigned_amount("-1")
(Decimal('1234.50'), None, None)
>>> parse_signed_amount("-12.3"), parse_signed_amount("12,30")
(Decimal('-12.3'), None)
>>> parse_date("2024-02-29"), parse_date("2024-02-30"), parse_date("20240229")
(datetime.date(2024, 2, 29), None, None)
>>> parse_datetime("2024-02-29T10:15:00.123456789+02:00").isoformat()
'2024-02-29T10:15:00.123456+02:00'
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# re.ASCII: without it ``\d`` matches every Unicode digit, and "١٠.٠٠" would be read as 10.00
# (see ledger.core.numbers).
_UNSIGNED_RE = re.compile(r"\+?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_SIGNED_RE = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
_DATE_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)
_DATETIME_RE = re.compile(
    r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)
_CURRENCY_RE = re.compile(r"[A-Z]{3}")

#: xs:decimal totalDigits of ISO 20022 amounts; longer numbers are refused rather than trusted.
MAX_DIGITS = 18


def parse_unsigned_amount(text: str) -> Decimal | None:
    """An ISO 20022 amount: xs:decimal, not negative, no exponent, at most 18 digits."""
    text = text.strip()
    if not _UNSIGNED_RE.fullmatch(text):
        return None
    return _decimal(text)


def parse_signed_amount(text: str) -> Decimal | None:
    """A CSV amount: optional sign, digits, optional ``.`` and decimals."""
    text = text.strip()
    if not _SIGNED_RE.fullmatch(text):
        return None
    return _decimal(text)


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    digits = value.as_tuple().digits
    return value if len(digits) <= MAX_DIGITS else None


def parse_date(text: str) -> date | None:
    """xs:date (``2024-02-29``, an optional zone suffix is ignored)."""
    match = _DATE_RE.fullmatch(text.strip())
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse_datetime(text: str) -> datetime | None:
    """xs:dateTime; fractions beyond microseconds are dropped, ``Z`` means UTC."""
    match = _DATETIME_RE.fullmatch(text.strip())
    if not match:
        return None
    base, fraction, zone = match.groups()
    normalized = base + (f".{fraction[:6].ljust(6, '0')}" if fraction else "")
    normalized += "+00:00" if zone == "Z" else (zone or "")
    try:
        return datetime.fromisoformat(normalized)
    except ValueError:
        return None


def is_currency(text: str) -> bool:
    return _CURRENCY_RE.fullmatch(text) is not None


def normalize_iban(text: str | None) -> str | None:
    """Drop spaces and upper-case; validation is the matcher's business (schwifty)."""
    if text is None:
        return None
    compact = "".join(text.split()).upper()
    return compact or None
