"""Consumption and revenue billed: per period, company, commodity, tariff, component and time-of-use band,
the quantity (in its unit) and the net amount of the documents' lines; per period and company, the
documents' net, VAT and gross.

A credit note takes back what its lines say, so its quantities and amounts count negative: a true-up that
credits an estimate and bills the actual leaves the actual in the report. The period is the month of the
document's issue date (the day its revenue is booked, so the report reconciles with the journal), or one
range of days named ``<first>/<last>`` (ISO 8601 interval).

The revenue per period and company is the sum of the lines' amounts, and it equals the documents' net:
a document's net is the sum of its rounded lines (:mod:`ledger.accounts.invoice`). VAT is computed per
rate on each document, so it is reported per document total, never apportioned to lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from projections.reports.lines import ENERGY_KINDS, MICRO

CREDIT_NOTE = "credit-note"
CENT = Decimal("0.01")


def money(cents: int) -> Decimal:
    """Cents as an amount with two decimals (exact)."""
    return (Decimal(cents) / 100).quantize(CENT)


def quantity(micro: int) -> Decimal:
    """Millionths of a unit as a quantity, without trailing zeros past the thousandth (rating's places).

    >>> quantity(480100000), quantity(1), quantity(-2500)
    (Decimal('480.100'), Decimal('0.000001'), Decimal('-0.0025'))
    """
    exact = Decimal(micro) / MICRO
    three = exact.quantize(Decimal("0.001"))
    return three if three == exact else exact.normalize()


@dataclass(frozen=True, slots=True)
class ConsumptionRow:
    period: str
    company: str
    currency: str
    commodity: str | None
    tariff_code: str | None
    component: str
    kind: str  #: the kind of line (projections.reports.lines)
    band: str | None
    unit: str
    quantity: Decimal
    #: ``quantity`` when it is the energy or volume supplied (flat, time-of-use, spot and tiered lines),
    #: else None (a standing charge's days, a demand's kW, a network charge on the same kWh again)
    supplied: Decimal | None
    net: Decimal
    lines: int


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    period: str
    company: str
    currency: str
    invoices: int
    credit_notes: int
    net: Decimal
    vat: Decimal
    gross: Decimal


def _sign(document_kind: str) -> int:
    return -1 if document_kind == CREDIT_NOTE else 1


def fold_lines(rows: Iterable[Sequence[Any]], period_of: Callable[[str], str]) -> list[ConsumptionRow]:
    """Report rows of :meth:`~projections.reports.queries.ReportQueries.billed_lines`' grouped rows, each
    month put in the period ``period_of`` names; rows in key order (the same rows give the same bytes)."""
    sums: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    for month, company, currency, doc_kind, commodity, tariff, component, kind, band, unit, micro, cents, n \
            in rows:
        key = (period_of(month), company, currency, commodity, tariff, component, kind, band, unit)
        total, sign = sums[key], _sign(doc_kind)
        total[0] += sign * int(micro)
        total[1] += sign * int(cents)
        total[2] += int(n)
    return [ConsumptionRow(p, c, cur, com or None, t or None, comp, k, b or None, u, quantity(q),
                           quantity(q) if k in ENERGY_KINDS else None, money(a), n)
            for (p, c, cur, com, t, comp, k, b, u), (q, a, n) in sorted(sums.items())]


def fold_documents(rows: Iterable[Sequence[Any]], period_of: Callable[[str], str]) -> list[PeriodTotal]:
    """Per period, company and currency: the documents' count and totals, credit notes negative."""
    sums: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for month, company, currency, doc_kind, n, net, vat, gross in rows:
        total, sign = sums[(period_of(month), company, currency)], _sign(doc_kind)
        total[0 if sign > 0 else 1] += int(n)
        for i, cents in enumerate((net, vat, gross), start=2):
            total[i] += sign * int(cents)
    return [PeriodTotal(p, c, cur, inv, cn, money(net), money(vat), money(gross))
            for (p, c, cur), (inv, cn, net, vat, gross) in sorted(sums.items())]


def consumption_by_band(rows: Iterable[ConsumptionRow]) -> list[tuple[str, Decimal]]:
    """The energy or volume supplied per time-of-use band and unit (``all hours`` for lines priced on
    every hour alike), for the chart: ``("F1 kWh", 220.000)``, in label order."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r.supplied is not None:
            sums[f"{r.band or 'all hours'} {r.unit}"] += r.supplied
    return sorted(sums.items())
