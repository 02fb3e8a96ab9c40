"""The partner's language on a document: the :class:`~ledger.documents.wording.Wording` the printed model
is built through, from the gettext catalogue ``documents`` and CLDR's number and date forms (:mod:`api.i18n`).

Numbers keep every stored decimal (``api.i18n.number``), so a line's printed quantity × printed unit price,
read back in the language's digits, still rounds to its printed amount (issue 9). Dates are CLDR's medium
form (``1 mar 2026``, ``1.3.2026``); an amount is followed by the currency's sign in the language (``€``:
Italian, Spanish, Catalan, Finnish and Swedish all write it after the figure, CLDR's currency pattern).
English is :data:`~ledger.documents.wording.PLAIN` (see :mod:`ledger.documents.wording` for why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from api.i18n import FALLBACK, currency_sign, day, language_of, number, translate
from ledger.documents.wording import CATALOG, PLAIN, Wording


@dataclass(frozen=True, slots=True)
class LocaleWording:
    """A Saldo language other than English, as a document writes it."""

    language: str

    def number(self, value: Decimal) -> str:
        return number(value, self.language)

    def day(self, value: date) -> str:
        return day(value, self.language)

    def currency(self, code: str) -> str:
        return currency_sign(code, self.language)

    def text(self, message: str, **fields: object) -> str:
        return translate(self.language, CATALOG, message, **fields)


def wording_for(language: str | None) -> Wording:
    """How a document for a partner speaking ``language`` is written (English for an unknown language).

    >>> wording_for("it-IT").number(Decimal("1234.5")), wording_for("de").number(Decimal("1234.5"))
    ('1.234,5', '1234.5')
    """
    chosen = language_of(language)
    return PLAIN if chosen == FALLBACK else LocaleWording(chosen)
