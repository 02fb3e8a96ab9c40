"""Payment reference numbers: one module per standard, and detection in remittance text.

Each scheme module has python-stdnum's protocol (``compact``, ``validate``,
``is_valid``, ``format``, plus ``calc_check_digits`` and ``generate``) and
raises :mod:`stdnum.exceptions` errors.

:func:`detect` finds candidate references in free-text remittance
information and returns ``(scheme, compact value)`` for those whose check
digits are valid, in order of appearance, each pair once:

* explicit forms first: ``RF`` + check digits + groups, ``+++ddd/dddd/ddddd+++``
  (or ``***``, or bare ``ddd/dddd/ddddd``) and pagoPA's ``/RFB/<IUV>``;
* an RF reference is always whole tokens of the text: it starts a token and ends
  one (never inside ``xRF18...`` or ``RF18...ä``). Written as one token
  (``RF96INV2026000256``), a valid token is the reference and nothing after it
  is glued on, so ``RF96INV2026000256 e`` is not read as ``...256E`` (also valid
  mod 97). Written in groups (``RF18 5390 0754 7034``), groups separated by
  spaces are joined, the longest valid reading winning, but a group of letters
  only (``e``, ``grazie``) is a word and ends the reference, and so does a
  group glued to a date or an amount (``12.03``). While the text follows the
  print form (groups of four, the last one shorter or not), a group of
  capitals may belong (``RF71 ABCD EFGH``) and a short group ends it. Only two
  check digits guard a grouped print: when a number or a short word in
  capitals follows one whose last group is full (``... 7034 2024``, ``... 7034
  E``), both readings may be valid (1 in 97), and the longer wins. Written as
  one token, a reference has no such doubt;
* then bare runs of digits, where single spaces between groups are allowed
  (``12312 34``) and a ``viite``/``ref``/``KID``... word may be glued on. A run
  counts for a scheme only if its length and check digit fit that scheme
  (FI 4-20, KID 2-25, OGM 12, pagoPA 18 starting with 3, QRR 27 digits), and
  only runs of at least :data:`MIN_BARE_DIGITS` digits are tried. A run
  glued to letters or ``+`` on the left or letters on the right is part of
  something else (an IBAN, a phone number, ``INV2024``) and is skipped; an
  edge group glued by ``.``, ``,``, ``/`` or ``-`` to more digits belongs to
  an amount or a date and is dropped from the run.

A run valid under several schemes yields one pair per scheme: ``1313`` is a
Finnish reference and a mod 10 KID, and only the payee's open items can say
which was meant. Every result is a candidate to match, not a proof.

>>> detect('Lasku 1232 viite 12312 34')
[('fi', '1232'), ('fi', '1231234')]
>>> detect('PAGAMENTO FATTURA RF18 5390 0754 7034')
[('rf', 'RF18539007547034')]
>>> detect('+++010/8068/17183+++')
[('be_ogm', '010806817183')]
>>> detect('viite1313, 12.03.2024, EUR 1 234,56')
[('fi', '1313'), ('no_kid', '1313')]
"""

from __future__ import annotations

import re
from typing import Protocol

from ledger.accounts.references import be_ogm, ch_qrr, fi, it_pagopa, no_kid, rf


class ReferenceScheme(Protocol):
    """What every scheme module provides (stdnum's protocol)."""

    def compact(self, number: str) -> str: ...
    def validate(self, number: str) -> str: ...
    def is_valid(self, number: str) -> bool: ...
    def format(self, number: str) -> str: ...


SCHEMES: dict[str, ReferenceScheme] = {
    "rf": rf,
    "fi": fi,
    "it_pagopa": it_pagopa,
    "be_ogm": be_ogm,
    "ch_qrr": ch_qrr,
    "no_kid": no_kid,
}

#: Shorter bare runs (quantities, days) are not tried: one in ten passes a mod 10 check.
MIN_BARE_DIGITS = 4

_BARE_SCHEMES = ("fi", "it_pagopa", "be_ogm", "ch_qrr", "no_kid")
_SP = r"[ \t\u00a0]"
_RF = re.compile(rf"(?<!\w)RF{_SP}?([0-9]{{2}})", re.IGNORECASE)
#: One group of an RF reference: spaces, then letters and digits that end a token (not glued to ``ä``, ``_``).
_RF_GROUP = re.compile(rf"({_SP}*)([0-9A-Za-z]+)(?!\w)")
_DELIM = r"(?:\+{3}|\*{3})"
_OGM = re.compile(
    rf"{_DELIM}{_SP}*([0-9]{{3}}){_SP}*/?{_SP}*([0-9]{{4}}){_SP}*/?{_SP}*([0-9]{{5}}){_SP}*{_DELIM}"
    r"|(?<![\w/])([0-9]{3})/([0-9]{4})/([0-9]{5})(?![\w/])"
)
_RFB = re.compile(r"/RFB/([0-9]{17})(?![0-9])", re.IGNORECASE)
_RUN = re.compile(rf"[0-9]+(?:{_SP}[0-9]+)*+")
_GROUP = re.compile(r"[0-9]+")
_KEYWORD_BEFORE = re.compile(r"(?<!\w)(?:viitenumero|viite|ref|kid|avviso|qrr)$", re.IGNORECASE)
_JOINERS = ".,/-"

_Hit = tuple[int, str, str]  # (position, scheme, value)


def _rf_groups(text: str, match: re.Match[str]) -> list[tuple[str, int]]:
    """(group, end) of the groups that may belong to the RF reference ``match`` starts (see module doc).

    ISO 11649's print form is ``RFdd`` then groups of four, the last one shorter or not: while the text
    follows it, a group of capitals may belong (``RF71 ABCD EFGH``) and a short group ends the reference.
    Otherwise a group must carry a digit: a group of letters only is a word.
    """
    groups: list[tuple[str, int]] = []
    pos, length, print_form = match.end(), 0, False
    while (group := _RF_GROUP.match(text, pos)) and length + len(group[2]) <= 21:
        spaced, value = bool(group[1]), group[2]
        if groups:
            if _glued_right(text, group.end()):
                break  # part of a date or an amount
            fits_print = print_form and len(value) <= 4 and (value.isupper() or not value.isalpha())
            if not fits_print and value.isalpha():
                break  # a word of letters ("e", "grazie", "Kiitos")
            print_form = fits_print and len(value) == 4
        else:
            print_form = spaced and len(value) == 4
        groups.append((value, group.end()))
        pos, length = group.end(), length + len(value)
        if len(groups) == 1 and not spaced and rf.is_valid("RF" + match[1] + value):
            break  # one unbroken token that is a valid reference: nothing after it is glued on
        if len(groups) > 1 and len(value) < 4 and fits_print:
            break  # the short last group of the print form
    return groups


def _rf_hits(text: str) -> list[tuple[int, int, str]]:
    """(start, end, value) of valid RF references; the longest valid group sequence wins."""
    hits = []
    for match in _RF.finditer(text):
        groups = _rf_groups(text, match)
        for count in range(len(groups), 0, -1):
            candidate = "RF" + match[1] + "".join(g for g, _ in groups[:count])
            if rf.is_valid(candidate):
                hits.append((match.start(), groups[count - 1][1], rf.validate(candidate)))
                break
    return hits


def _ogm_hits(text: str) -> list[tuple[int, int, str]]:
    hits = []
    for match in _OGM.finditer(text):
        candidate = "".join(part for part in match.groups() if part)
        if be_ogm.is_valid(candidate):
            hits.append((match.start(), match.end(), be_ogm.validate(candidate)))
    return hits


def _rfb_hits(text: str) -> list[tuple[int, int, str]]:
    hits = []
    for match in _RFB.finditer(text):
        candidate = it_pagopa.AUX_DIGIT + match[1]
        if it_pagopa.is_valid(candidate):
            hits.append((match.start(), match.end(), candidate))
    return hits


def _mask(text: str, spans: list[tuple[int, int, str]]) -> str:
    """Overwrite found references with letters so no bare run starts inside or next to them."""
    for start, end, _ in spans:
        text = text[:start] + "X" * (end - start) + text[end:]
    return text


def _glued_left(text: str, start: int) -> str:
    """'word' if the run continues a token to its left, 'digits' if a date/amount, else ''."""
    before = text[start - 1] if start else ""
    word = before.isalnum() or before == "_"
    if before == "+" or (word and not _KEYWORD_BEFORE.search(text, max(0, start - 12), start)):
        return "word"
    if before and before in _JOINERS and start >= 2 and text[start - 2].isdigit():
        return "digits"
    return ""


def _glued_right(text: str, end: int) -> str:
    after = text[end] if end < len(text) else ""
    if after.isalnum() or after == "_":
        return "word"
    if after and after in _JOINERS and end + 1 < len(text) and text[end + 1].isdigit():
        return "digits"
    return ""


def _run_digits(text: str, match: re.Match[str]) -> tuple[int, str] | None:
    """(start, digits) of a bare run after trimming glued edge groups, or None to skip it."""
    left, right = _glued_left(text, match.start()), _glued_right(text, match.end())
    if "word" in (left, right):
        return None
    groups = [(g.start(), g[0]) for g in _GROUP.finditer(match[0])]
    groups = groups[1 if left else 0 : len(groups) - 1 if right else len(groups)]
    digits = "".join(g for _, g in groups)
    if len(digits) < MIN_BARE_DIGITS:
        return None
    return match.start() + groups[0][0], digits


def _bare_hits(text: str) -> list[_Hit]:
    hits: list[_Hit] = []
    for match in _RUN.finditer(text):
        run = _run_digits(text, match)
        if run is None:
            continue
        start, digits = run
        for name in _BARE_SCHEMES:
            if SCHEMES[name].is_valid(digits):
                hits.append((start, name, SCHEMES[name].validate(digits)))
    return hits


def detect(text: str) -> list[tuple[str, str]]:
    """Candidate ``(scheme, compact value)`` references in remittance ``text`` (see module doc)."""
    hits: list[_Hit] = []
    for scheme, finder in (("rf", _rf_hits), ("be_ogm", _ogm_hits), ("it_pagopa", _rfb_hits)):
        found = finder(text)
        hits += [(start, scheme, value) for start, _, value in found]
        text = _mask(text, found)
    hits += _bare_hits(text)
    order = list(SCHEMES)
    result: list[tuple[str, str]] = []
    for _, scheme, value in sorted(hits, key=lambda hit: (hit[0], order.index(hit[1]))):
        if (scheme, value) not in result:
            result.append((scheme, value))
    return result
