"""How direct debits fared: per month of collection, company and currency, the collections ``collected``
(settled), ``pending`` (sent, neither settled nor returned yet) and ``returned`` per reason code, counted
and summed. A re-presentation is a collection of its own (a new end-to-end id), so a debit returned once
and collected at the second attempt counts once returned and once collected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from projections.reports.consumption import money

COLLECTED, PENDING, RETURNED = "collected", "pending", "returned"
#: The view's collection status -> the report's outcome.
_OUTCOMES = {"settled": COLLECTED, "pending": PENDING, "returned": RETURNED}
_ORDER = {COLLECTED: 0, PENDING: 1, RETURNED: 2}


@dataclass(frozen=True, slots=True)
class CollectionRow:
    period: str
    company: str
    currency: str
    outcome: str
    #: the outcome and reason as one label (``collected``, ``returned AM04``): the chart's category
    label: str
    reason_code: str | None  #: the bank's return reason (returned only)
    reason: str | None  #: what the company's return policy says the code means
    collections: int
    amount: Decimal
    share: Decimal  #: of the period's and company's collections, in percent (two decimals)


def fold_collections(rows: Iterable[Sequence[Any]], period_of: Callable[[str], str],
                     reason_of: Callable[[str, str], str]) -> list[CollectionRow]:
    """Report rows of :meth:`~projections.reports.queries.ReportQueries.collection_outcomes`' grouped
    rows; ``reason_of(company, code)`` words a reason code. Collected first, then pending, then returned
    by reason code."""
    sums: dict[tuple[str, str, str, int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    order = _ORDER
    for month, company, currency, status, code, n, cents in rows:
        outcome = _OUTCOMES.get(status, status)
        key = (period_of(month), company, currency, order.get(outcome, 3), outcome, code or "")
        sums[key][0] += int(n)
        sums[key][1] += int(cents)
        totals[key[:3]] += int(n)
    # Why a share rounded half up to two decimals: it is read as a percentage, never added up to money.
    return [CollectionRow(p, c, cur, outcome, f"{outcome} {code}" if code else outcome, code or None,
                          reason_of(c, code) if code else None, n,
                          money(cents),
                          (Decimal(100 * n) / totals[(p, c, cur)]).quantize(Decimal("0.01"), ROUND_HALF_UP))
            for (p, c, cur, _, outcome, code), (n, cents) in sorted(sums.items())]


def success_by_reason(rows: Iterable[CollectionRow]) -> list[tuple[str, int]]:
    """Collections per outcome for the chart: collected, pending, then each return reason code."""
    sums: dict[tuple[int, str], int] = defaultdict(int)
    for r in rows:
        sums[(_ORDER.get(r.outcome, 3), r.label)] += r.collections
    return [(label, n) for (_, label), n in sorted(sums.items())]
