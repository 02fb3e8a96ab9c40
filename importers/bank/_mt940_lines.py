"""MT940 text → fields with the line each starts on; one field's value → its parts, by the ``mt-940`` package.

A field starts at the beginning of a line with ``:TAG:`` (``:20:``, ``:28C:``, ``:61:``, ``:NS:``) and runs
on over the following lines until the next field. Lines before the first field (a bank's file header such
as ``940 00``), the SWIFT envelope (``{1:…}{2:…}{4:``, ``-}``, ``{5:…}``) and message separators (``-``)
are not fields. Some banks break the tag itself (``:`` alone, then ``86:…``): that is one field.

>>> [(f.tag, f.value, f.line) for f in fields_of("940 00\\n:20:ST1\\n:86:first\\nsecond\\n-\\n", "a.sta")]
[('20', 'ST1', 2), ('86', 'first\\nsecond', 3)]
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import mt940
from mt940 import tags

from importers.bank._mt940_details import MT940_OPTIONS
from importers.bank.errors import BankFileError

__all__ = ["MAX_FIELD_LINES", "Field", "amount", "field_error", "fields_of", "parse_tag"]

#: Lines one field may span: SWIFT allows 6 for ``:86:``; banks send more, never hundreds.
MAX_FIELD_LINES = 100
#: Characters on one line: SWIFT lines are 65; anything near this is not an MT940 file.
MAX_LINE_CHARS = 2000

_TAG_RE = re.compile(r":(\d{2}[A-Z]?|NS):")
_SEPARATOR_RE = re.compile(r"-[}A-Z]*(\{.*)?")
_ENVELOPE_RE = re.compile(r"\{[1-5]:")
#: ``15d``: digits and one decimal comma. Knab (NL) writes whole amounts without the comma (``500``); such
#: an amount is read as whole units, which is what it can only mean.
_AMOUNT_RE = re.compile(r"\d{1,14},\d{0,3}|\d{1,15}", re.ASCII)  # ASCII: see ledger.core.numbers
#: The package's ``:61:`` pattern with a longer owner's reference: SNS and ASN Bank (de Volksbank, NL) put
#: the counterparty's IBAN (18 characters) where SWIFT allows ``16x``, as their published files show.
#: Tried only where the package's own pattern fails.
_LENIENT_LINE_RE = re.compile(tags.Statement.pattern.replace(r"[^\n]){0,16})", r"[^\n]){0,34})"),
                              tags.Statement.RE_FLAGS)
#: The start of a ``:61:`` up to its amount, to name a bad amount before the package's pattern fails.
_LINE_AMOUNT_RE = re.compile(r"\d{6}(?:\d{4}|\s{4})?R?[CD][A-Z]?\n?(?P<amount>[^A-Z\n]{0,20})")
_BALANCE_FORMAT = "mark C/D, date YYMMDD, currency, amount with a decimal comma"
_LINE_FORMAT = ("value date YYMMDD, booking date MMDD, mark C/D/RC/RD, amount with a decimal comma, "
                "type, reference[//bank reference]")


@dataclass(frozen=True, slots=True)
class Field:
    """One ``:TAG:value`` field; ``value`` keeps its line breaks, ``line`` is where the tag is."""

    tag: str
    value: str
    line: int


def field_error(file_name: str, item: Field, reason: str) -> BankFileError:
    return BankFileError(file_name, f"line {item.line}, :{item.tag}:", reason)


def fields_of(text: str, file_name: str) -> Iterator[Field]:
    """The fields of an MT940 text, in order (see the module doc)."""
    current: tuple[str, list[str], int] | None = None
    colon = 0  # the line of a ":" alone: the tag may follow on the next line
    for number, raw in enumerate(text.splitlines(), start=1):
        if len(raw) > MAX_LINE_CHARS:
            raise BankFileError(file_name, f"line {number}", f"line longer than {MAX_LINE_CHARS} characters")
        line, start = raw.rstrip(), number
        if _ENVELOPE_RE.match(line):
            line = line.split("{4:", 1)[1] if "{4:" in line else ""
        if line == ":":
            colon = number
            continue
        if colon:
            if _TAG_RE.match(":" + line):
                line, start = ":" + line, colon
            elif current is not None:
                current[1].append(":")
            colon = 0
        tag = _TAG_RE.match(line)
        if tag or _SEPARATOR_RE.fullmatch(line):
            if current is not None:
                yield Field(current[0], "\n".join(current[1]), current[2])
            current = None if tag is None else (tag.group(1), [line[tag.end():]], start)
        elif current is not None and line:
            current[1].append(line)
            if len(current[1]) > MAX_FIELD_LINES:
                raise BankFileError(file_name, f"line {current[2]}, :{current[0]}:",
                                    f"field runs over more than {MAX_FIELD_LINES} lines")
    if current is not None:
        yield Field(current[0], "\n".join(current[1]), current[2])


def amount(text: str, item: Field, file_name: str) -> Decimal:
    """An MT940 ``15d`` amount: digits, one decimal comma, at most 15 characters (``300,`` is 300)."""
    if len(text) > 15 or not _AMOUNT_RE.fullmatch(text):
        raise field_error(file_name, item, f"unreadable amount {text!r} (MT940 amounts are digits with a "
                                           "decimal comma, e.g. 12,50)")
    return Decimal(text.replace(",", "."))


def parse_tag(item: Field, file_name: str, currency: str = "XXX") -> dict[str, object]:
    """The parts of a ``:61:`` or balance field, by the package's pattern; dates built, amount as text.

    Keys: ``status`` (the mark), ``raw_amount``, ``currency``, ``date`` (value or balance date) and, for a
    ``:61:``, ``entry_date`` (the booking date, its year set across New Year), ``id`` (transaction type),
    ``customer_reference``, ``bank_reference``.
    """
    tag = tags.TAG_BY_ID.get(item.tag) or tags.TAG_BY_ID.get(int(item.tag[:2]))
    if tag is None:
        raise field_error(file_name, item, "not a field this reader knows")
    if item.tag == "61":
        found = _LINE_AMOUNT_RE.match(item.value)
        if found is not None:
            amount(found.group("amount"), item, file_name)
    transactions = mt940.models.Transactions(options=MT940_OPTIONS)
    match = tag.re.match(item.value)  # the package's pattern; its parse() would log the whole field
    if match is None and item.tag == "61":
        match = _LENIENT_LINE_RE.match(item.value)
    if match is None:
        expected = _LINE_FORMAT if item.tag == "61" else _BALANCE_FORMAT
        raise field_error(file_name, item, f"unreadable :{item.tag}: {item.value!r} "
                                           f"(expected {expected})")
    groups = match.groupdict()
    raw_amount = str(groups.get("amount") or "")
    amount(raw_amount, item, file_name)
    groups = _february_30(dict(groups, currency=groups.get("currency") or currency))
    try:
        built = tag(transactions, groups)
    except ValueError as error:
        raise field_error(file_name, item, f"impossible date in {item.value!r}: {error}") from None
    parsed: dict[str, object] = dict(built) if item.tag == "61" else dict(groups)
    if item.tag != "61":
        balance = next(iter(built.values()))
        parsed["date"] = getattr(balance, "date", None)
    parsed["raw_amount"] = raw_amount
    return parsed


def _february_30(groups: dict[str, object]) -> dict[str, object]:
    """A value or booking date of 29 or 30 February in a year without it, read as the month's last day.

    German banks date month-end interest in the 30-day months of the 30/360 convention (``160230``), as
    the ``mt-940`` package's ``date_fixup_pre_processor`` also allows; any other impossible date stays
    an error.

    >>> _february_30({"year": "23", "month": "02", "day": "30", "entry_month": "02", "entry_day": "29"})
    {'year': '23', 'month': '02', 'day': '28', 'entry_month': '02', 'entry_day': '28'}
    """
    year = groups.get("year")
    if not isinstance(year, str) or not year.isdigit():
        return groups
    last = calendar.monthrange(2000 + int(year), 2)[1]
    fixed = dict(groups)
    for month, day in (("month", "day"), ("entry_month", "entry_day")):
        if fixed.get(month) == "02" and str(fixed.get(day)) in ("29", "30") and int(str(fixed[day])) > last:
            fixed[day] = str(last)
    return fixed
