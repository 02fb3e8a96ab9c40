"""What an invoice line is, for the consumption and revenue report: its kind, time-of-use band and tariff.

The rating core prints every line as ``"<component>: <label>"`` (:mod:`ledger.billing.rating.pricing`) and
cites the tariff version that priced it among its sources (``tariff:<code>/<version>``). The label says
the kind of line: ``fixed charge per day`` (standing), ``flat price``, ``per-unit charge``, ``excise
duty``, ``spot-indexed``, ``maximum demand``, ``block <n>`` (tiers), and otherwise the name of a
time-of-use band (``F1``, ``peak``). A line typed by a clerk cites no tariff, and a line a credit note
reverses as a lump sum (:func:`ledger.accounts.invoice.credit_line`) is no longer quantity x price: the
kind of both is ``other``, with no band.

Quantities are kept to the millionth of their unit (:func:`quantity_micro`): rating prints them to the
thousandth (Wh, litres), a typed line may give more digits, and a report adds them up in integers, exactly,
in the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from ledger.accounts.invoice import LUMP_SUM_UNIT

#: The kinds of line: the rating core's component kinds, and ``other`` for typed and lump-sum lines.
STANDING, FLAT, PER_UNIT, EXCISE, TOU, SPOT, TIERS, DEMAND, OTHER = (
    "standing", "flat", "per_unit", "excise", "tou", "spot", "tiers", "demand", "other")
#: The kinds whose quantity is the energy or volume supplied (the others charge per day, per kW, or again
#: on the same consumption: a per-unit network charge or excise duty counts the same kWh a second time).
ENERGY_KINDS: Final = frozenset({FLAT, TOU, SPOT, TIERS})
#: Label -> kind, as :func:`ledger.billing.rating.pricing.priced_lines` words them.
_LABELS: Final = {"fixed charge per day": STANDING, "flat price": FLAT, "per-unit charge": PER_UNIT,
                  "excise duty": EXCISE, "spot-indexed": SPOT, "maximum demand": DEMAND}
_BLOCK = re.compile(r"block [0-9]+")
_TARIFF = "tariff:"
#: Quantities as millionths of their unit (see the module docstring).
MICRO: Final = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class LineClass:
    kind: str
    band: str | None  #: the time-of-use band (``tou`` lines only)
    tariff_code: str | None  #: the tariff that priced the line (rated lines only)


def classify(component: str, description: str, sources: tuple[str, ...] | list[str],
             unit: str = "") -> LineClass:
    """The kind, band and tariff of one invoice line.

    >>> classify("energy", "energy: F1", ["reading:r1", "tariff:TOU-HOME/v2"])
    LineClass(kind='tou', band='F1', tariff_code='TOU-HOME')
    >>> classify("network", "network: per-unit charge", ["tariff:NET/v1"])
    LineClass(kind='per_unit', band=None, tariff_code='NET')
    >>> classify("energy", "energy charge", [])
    LineClass(kind='other', band=None, tariff_code=None)
    """
    tariffs = [s.removeprefix(_TARIFF) for s in sources if s.startswith(_TARIFF)]
    prefix = f"{component}: "
    if not tariffs or not description.startswith(prefix) or unit == LUMP_SUM_UNIT:
        return LineClass(OTHER, None, None)
    code = tariffs[0].rpartition("/")[0] or tariffs[0]
    label = description.removeprefix(prefix)
    if label in _LABELS:
        return LineClass(_LABELS[label], None, code)
    if _BLOCK.fullmatch(label):
        return LineClass(TIERS, None, code)
    return LineClass(TOU, label, code)


def quantity_micro(quantity: Decimal) -> int:
    """``quantity`` in millionths of its unit, rounded half up once (a report figure, never money: rated
    quantities have three decimals and are exact here).

    >>> quantity_micro(Decimal("480.100")), quantity_micro(Decimal("0.0000005"))
    (480100000, 1)
    """
    return int((quantity * MICRO).quantize(Decimal(1), rounding=ROUND_HALF_UP))
