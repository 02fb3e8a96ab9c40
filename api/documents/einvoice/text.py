"""Text in the character sets the e-invoice schemas allow.

FatturaPA's names and descriptions are ``String…LatinType``: Basic Latin and Latin-1 Supplement only
(U+0000–U+00FF); its codes (document number, unit, payment code) are Basic Latin (ASCII). A customer named
*Łukasiewicz* must still be invoiced, so a letter outside the set is written as its base letter (Unicode
NFKD decomposition without the marks: ``ř`` → ``r``), or by a short table for letters that do not
decompose (``Ł`` → ``L``), else ``?``: transliteration, since the schema leaves no other way to write
the name (whether a transliterated name identifies the customer well enough is a lawyer's reading); the
courtesy PDF keeps every letter.
"""

from __future__ import annotations

import unicodedata

#: Letters and signs without a decomposition into Latin-1, by what they are written as.
_TABLE = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i", "Œ": "OE", "œ": "oe",
          "Ŋ": "N", "ŋ": "n", "ſ": "s", "€": "EUR", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"',
          "”": '"', "…": "..."}


def _fold(char: str, limit: int) -> str:
    if ord(char) < limit:
        return char
    base = "".join(c for c in unicodedata.normalize("NFKD", char)
                   if ord(c) < limit and not unicodedata.combining(c))
    return base or "".join(c for c in _TABLE.get(char, "?") if ord(c) < limit) or "?"


def latin1(text: str, max_length: int | None = None) -> str:
    """``text`` in Latin-1 (see the module docstring), whitespace collapsed, cut to ``max_length``.

    >>> latin1("Niccolò Łukasiewicz-Dvořák")
    'Niccolò Lukasiewicz-Dvorák'
    """
    folded = " ".join("".join(_fold(c, 0x100) for c in text).split())
    return folded if max_length is None else folded[:max_length].rstrip()


def ascii_text(text: str, max_length: int | None = None) -> str:
    """``text`` in ASCII (Basic Latin), folded as :func:`latin1` does, cut to ``max_length``.

    >>> ascii_text("Metro cúbico")
    'Metro cubico'
    """
    folded = " ".join("".join(_fold(c, 0x80) for c in text).split())
    return folded if max_length is None else folded[:max_length].rstrip()
