"""The languages Saldo writes in: gettext catalogues per language and domain, and locale-correct numbers,
dates and money (Babel, https://babel.pocoo.org/, on CLDR data).

Saldo speaks the languages of its utilities' customers: Italian, Spanish, Catalan, Finnish, Swedish
(Finland's second official language) and English (:data:`LANGUAGES`, the partner's
``SUPPORTED_LANGUAGES``). A text to translate is written in English in the code, marked with
:func:`N_` so that the catalogue check (``tests/test_catalogues.py``) finds it, in a module that names its
domain in a module-level ``CATALOG = "<domain>"``; it is translated where it is printed, with
:func:`translate`. Each domain has one ``locale/<language>/LC_MESSAGES/<domain>.po`` per language but
English (the msgid is the English text). Placeholders are ``{name}`` fields filled after translation, so
a translator can move them.

Why ``.po`` files read by Babel rather than compiled ``.mo`` files: no build step (``make run`` installs and
runs), the catalogue in the repository is the one that is used, and a reviewer reads its diff.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, get_currency_symbol

from ledger.parties.partner import SUPPORTED_LANGUAGES

#: The languages documents, letters, messages and API errors are written in; English is the fallback.
LANGUAGES = SUPPORTED_LANGUAGES
FALLBACK = "en"
LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:  # the gettext convention for "mark, translate later"
    """Mark ``message`` for the catalogue; it is translated when printed (:func:`translate`)."""
    return message


def language_of(tag: str | None) -> str:
    """The Saldo language of a language tag or a partner's language (``"it-IT"``, ``"sv_FI"``, ``"FI"``);
    English for anything else.

    >>> language_of("it-IT"), language_of("sv_FI"), language_of("de"), language_of(None)
    ('it', 'sv', 'en', 'en')
    """
    base = (tag or "").strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else FALLBACK


@cache
def catalogue(language: str, domain: str) -> dict[str, str]:
    """The translations of ``domain`` in ``language`` (msgid → msgstr; empty for English or none)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if language == FALLBACK or not path.exists():
        return {}
    with path.open("rb") as file:
        po = read_po(file, locale=language)
    return {str(m.id): str(m.string) for m in po if m.id and m.string and not m.fuzzy}


def translate(language: str, domain: str, message: str, **fields: object) -> str:
    """``message`` in ``language`` (English if it has no translation), its ``{fields}`` filled."""
    text = catalogue(language_of(language), domain).get(message, message)
    return text.format(**fields) if fields else text


@cache
def _locale(language: str) -> Locale:
    # Finnish and Swedish as written in Finland, Catalan and Spanish as in Spain, Italian as in Italy.
    return Locale.parse({"it": "it_IT", "es": "es_ES", "ca": "ca_ES", "fi": "fi_FI", "sv": "sv_FI",
                         "en": "en_IE"}[language_of(language)])


def number(value: Decimal, language: str) -> str:
    """``value`` with every stored decimal, grouped and with the language's decimal sign.

    >>> number(Decimal("1234.5600"), "it"), number(Decimal("0.152000"), "fi"), number(Decimal("-3"), "en")
    ('1.234,5600', '0,152000', '-3')
    """
    places = max(0, -int(value.as_tuple().exponent))
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=_locale(language), decimal_quantization=False)


def money(amount: Decimal, currency: str, language: str) -> str:
    """``amount`` in ``currency`` as the language writes money (the currency's own decimals).

    >>> money(Decimal("1234.5"), "EUR", "it").replace("\\xa0", " ")
    '1.234,50 €'
    """
    return format_currency(amount, currency, locale=_locale(language))


def day(value: date, language: str) -> str:
    """A date as the language writes it in a document (CLDR's medium form).

    >>> day(date(2026, 3, 1), "fi"), day(date(2026, 3, 1), "en")
    ('1.3.2026', '1 Mar 2026')
    """
    return format_date(value, format="medium", locale=_locale(language))


def currency_sign(currency: str, language: str) -> str:
    """The sign the language writes for ``currency`` (an ISO 4217 code), as in :func:`money`.

    >>> currency_sign("EUR", "fi"), currency_sign("SEK", "sv")
    ('€', 'kr')
    """
    return str(get_currency_symbol(currency, locale=_locale(language)))
