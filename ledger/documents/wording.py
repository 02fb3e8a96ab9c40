"""How a printed document writes its figures, dates and words: the port the pure model is built through.

The printed model (:mod:`ledger.documents.invoice_document`) holds every figure as the text the page
shows, so a test reads back exactly what the customer read. Which text that is depends on the customer's
language (the partner's ``language``): ``1.234,5600`` in Italian, ``1 234,5600`` in Finnish. The domain
may not import the gettext catalogues and CLDR data of ``api.i18n`` (import-linter, ``.importlinter``),
so the model asks a :class:`Wording` it is given; ``api.documents.wording`` is the one for the
partner's language, and :data:`PLAIN` the English one every caller gets unless it asks for another.

English is written :data:`PLAIN`: figures with every stored digit and no grouping, dates in ISO 8601
(https://www.iso.org/iso-8601-date-and-time-format.html), the ISO 4217 currency code. English is the
fallback for a customer of any country, and these forms read the same to every reader (``2026-03-01`` is
not the 3rd of January to anyone); it is also what Saldo printed before it spoke other languages.

A text the model writes is marked with :func:`N_` (the catalogue check, ``tests/test_catalogues.py``,
finds it) in a module naming its ``CATALOG``, and is translated by :meth:`Wording.text`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

CATALOG = "documents"


def N_(message: str) -> str:  # the gettext convention for "mark, translate later" (as api.i18n.N_)
    """Mark ``message`` for the ``documents`` catalogue; :meth:`Wording.text` translates it."""
    return message


def plain(value: Decimal) -> str:
    """A decimal as printed in English: every stored digit, never an exponent.

    >>> plain(Decimal("0.152000")), plain(Decimal("1E+3")), plain(Decimal("-0.00"))
    ('0.152000', '1000', '0.00')
    """
    text = format(value, "f")
    return text[1:] if text.startswith("-") and value.is_zero() else text


class Wording(Protocol):
    """Writes a document's figures, dates and words in one language."""

    @property
    def language(self) -> str:
        """The language written (a Saldo language, ``it``, ``fi``, ...)."""

    def number(self, value: Decimal) -> str:
        """``value`` with every stored decimal (so a printed line recomputes from its printed figures)."""

    def day(self, value: date) -> str:
        """A date as the language writes it."""

    def currency(self, code: str) -> str:
        """The sign printed after an amount in ``code`` (an ISO 4217 code)."""

    def text(self, message: str, **fields: object) -> str:
        """The English ``message`` (marked with :func:`N_`) in the language, its ``{fields}`` filled."""


@dataclass(frozen=True, slots=True)
class PlainWording:
    """English as Saldo prints it (see the module): plain figures, ISO dates, currency codes."""

    language: str = "en"

    def number(self, value: Decimal) -> str:
        return plain(value)

    def day(self, value: date) -> str:
        return value.isoformat()

    def currency(self, code: str) -> str:
        return code

    def text(self, message: str, **fields: object) -> str:
        return message.format(**fields) if fields else message


PLAIN: Wording = PlainWording()
