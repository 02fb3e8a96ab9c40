"""What the Finvoice and UBL writers share: unit codes, identifiers, names and file names.

Units follow UN/ECE Recommendation 20 (https://unece.org/trade/uncefact/cl-recommendations, rec. 20
"Codes for units of measure used in international trade"), the list EN 16931 requires for BT-130 and
Finvoice's ``QuantityUnitCodeUN``. Only the units Saldo's tariffs and lines use are mapped; an unknown unit
is an InvalidInput naming the line, never a guessed code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from lxml import etree

from ledger.accounts.invoice import LUMP_SUM_UNIT, Invoice, InvoiceLine, credit_line
from ledger.core.errors import InvalidInput

#: Line units (as the lines carry them, case-insensitive) → UN/ECE rec. 20 common code.
UNIT_CODES = {
    "kwh": "KWH", "mwh": "MWH", "wh": "WHR", "kw": "KWT", "kvarh": "K3", "kvar": "KVR",
    "m3": "MTQ", "m³": "MTQ", "l": "LTR", "litre": "LTR",
    "month": "MON", "months": "MON", "day": "DAY", "days": "DAY", "year": "ANN", "h": "HUR", "hour": "HUR",
    "unit": "C62", "units": "C62", "pcs": "C62", "piece": "C62", "each": "C62", LUMP_SUM_UNIT: "C62",
}
#: File names keep these characters of a document number; any other becomes ``_``.
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def unit_code(unit: str, index: int) -> str:
    """The UN/ECE rec. 20 code of ``unit`` (line ``index``), or InvalidInput naming the line's unit."""
    code = UNIT_CODES.get(unit.strip().lower())
    if code is None:
        raise InvalidInput(f"unit {unit!r} has no UN/ECE Recommendation 20 code here (known: "
                           f"{', '.join(sorted(UNIT_CODES))})", f"lines[{index}].unit")
    return code


def shown_lines(invoice: Invoice) -> Iterator[tuple[int, InvoiceLine]]:
    """The lines as documents show them (numbered from 1): one that does not add up as its lump sum,
    exactly as the PDF prints it (:func:`~ledger.accounts.invoice.credit_line`)."""
    for n, line in enumerate(invoice.lines, start=1):
        yield n, credit_line(line)


def file_stem(number: str) -> str:
    """The document number as a file name's part: characters beyond ``[A-Za-z0-9._-]`` become ``_``.

    >>> file_stem("VRK-2026-000001"), file_stem("A/7 b")
    ('VRK-2026-000001', 'A_7_b')
    """
    return _SAFE.sub("_", number)


def chunks(text: str, size: int) -> tuple[str, ...]:
    """``text`` in pieces of at most ``size`` characters, cut at spaces where it can (a schema's field
    length; the pieces are written as repeated elements, so nothing of a name is lost).

    >>> chunks("Helsingin Sähköverkko Oy", 12)
    ('Helsingin', 'Sähköverkko', 'Oy')
    """
    words, out, current = text.split(), [], ""
    for word in words:
        while len(word) > size:
            if current:
                out.append(current)
                current = ""
            out.append(word[:size])
            word = word[size:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= size:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return tuple(out)


def y_tunnus(vat_id: str | None) -> str | None:
    """Finland's business id (Y-tunnus, ``1234567-8``) of a Finnish VAT id (``FI12345678``), else None.

    >>> y_tunnus("FI20774740"), y_tunnus("IT00743110157")
    ('2077474-0', None)
    """
    if vat_id is None or not re.fullmatch(r"FI[0-9]{8}", vat_id):
        return None
    return f"{vat_id[2:9]}-{vat_id[9]}"


def percent(rate: Decimal) -> str:
    """A VAT rate as the documents write it: no trailing zeros (``25.5``, ``22``, ``0``)."""
    text = format(rate.normalize(), "f")
    return "0" if rate.is_zero() else text


def cents(value: Decimal) -> str:
    """An amount with exactly two decimals (EN 16931's BR-DEC rules, Finvoice's EPI amounts)."""
    return format(value.quantize(Decimal("0.01")), "f")


def add(parent: Any, tag: str, text: str | None = None) -> Any:
    """A new child ``tag`` of ``parent`` (with ``text``, if any): how every writer builds its tree."""
    element = etree.SubElement(parent, tag)
    if text is not None:
        element.text = text
    return element
