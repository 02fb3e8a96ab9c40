"""Text rules of SEPA messages: the basic Latin character set and the rules for identifiers.

The EPC guarantees only the basic Latin set end to end: ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space
(EPC217-08, https://www.europeanpaymentscouncil.eu/document-library/guidance-documents/sepa-requirements-extended-character-set-unicode-subset-best).
References and identifiers (mandate reference, end-to-end id, message id) must moreover neither start
nor end with ``/`` nor contain ``//`` (EPC implementation guidelines, "Identifiers").

>>> check_identifier("UMR-2026/000123", "reference")
'UMR-2026/000123'
>>> check_identifier("/UMR", "reference")
Traceback (most recent call last):
...
ledger.core.errors.InvalidInput: reference must not start or end with '/' nor contain '//'
>>> check_identifier("ÜMR-1", "reference")
Traceback (most recent call last):
...
ledger.core.errors.InvalidInput: reference contains characters outside the SEPA character set: 'Ü'
"""

from __future__ import annotations

import string

from ledger.core.errors import InvalidInput

#: The SEPA basic Latin character set (EPC217-08 §1.4).
SEPA_CHARACTERS = frozenset(string.ascii_letters + string.digits + "/-?:().,'+ ")


def check_identifier(value: str, field: str, max_length: int = 35) -> str:
    """Return ``value`` if it is a SEPA identifier of 1..``max_length`` characters, else raise."""
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{field} is required", field)
    if value != value.strip():
        raise InvalidInput(f"{field} must not start or end with a space", field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters ({len(value)})", field)
    bad = sorted(set(value) - SEPA_CHARACTERS)
    if bad:
        raise InvalidInput(f"{field} contains characters outside the SEPA character set: "
                           f"{''.join(bad)!r}", field)
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise InvalidInput(f"{field} must not start or end with '/' nor contain '//'", field)
    return value


def check_text(value: str, field: str, max_length: int) -> str:
    """Return ``value`` stripped if it is 1..``max_length`` printable characters, else raise.

    Names and free text may carry accented letters: banks transliterate them (or the file writer
    does), so only control characters and lengths are refused here.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{field} is required", field)
    value = value.strip()
    if len(value) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters ({len(value)})", field)
    if not value.isprintable():
        raise InvalidInput(f"{field} contains control characters", field)
    return value
