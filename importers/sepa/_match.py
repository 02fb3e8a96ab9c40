"""Which collection a return undoes, and whether it may be applied without a person looking first.

Matching (architecture.md §5): by our end-to-end id; a return without one (``NOTPROVIDED``) by mandate id +
amount + date; never by name. A rejected group or block by the message id and payment-information id our
pain.008 wrote (:mod:`importers.sepa.keys`).

A return is applied only when what the bank says agrees with the collection: the same amount, the same
mandate, the same currency, a collection that is ours. Anything else is held for a person
(:class:`~ledger.collections.review.ReturnReview`) with the reason and the collections it could be.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from importers.sepa._reported import LevelReject, StatusFacts
from importers.sepa.keys import payment_information_id, run_id_prefix
from ledger.collections.returns import ReturnPolicy, window_end
from ledger.collections.review import ReportedReturn, ReviewProblem
from ledger.collections.run import MAX_RUN_COLLECTIONS
from projections.queries import LedgerQueries

#: The currency of every collection file we write (pain.008 ``InstdAmt@Ccy``).
COLLECTION_CURRENCY = "EUR"

#: The return policy of the company an account (id as text) belongs to (issue 11: each company has its own).
PolicyOf = Callable[[str], ReturnPolicy]


@dataclass(frozen=True, slots=True)
class Row:
    """A collection as the ledger view has it (``COLLECTION_COLUMNS``)."""

    end_to_end_id: str
    account_id: str
    status: str
    collection_date: date
    amount: Decimal
    run_id: str
    sequence_type: str
    mandate_reference: str
    reason_code: str | None

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> Row:
        return cls(row[0], row[1], row[2], date.fromisoformat(row[3]), Decimal(row[4]).scaleb(-2), row[5],
                   row[6], row[7], row[8])

    @property
    def block(self) -> str:
        return payment_information_id(self.sequence_type, self.collection_date)


@dataclass(frozen=True, slots=True)
class Apply:
    reported: ReportedReturn
    row: Row
    matched_by: str


@dataclass(frozen=True, slots=True)
class Hold:
    reported: ReportedReturn
    problem: ReviewProblem
    detail: str
    candidates: tuple[str, ...] = ()


@dataclass
class Plan:
    applies: list[Apply] = field(default_factory=list)
    holds: list[Hold] = field(default_factory=list)
    duplicates: int = 0
    unknown: list[dict[str, str]] = field(default_factory=list)


def plan_returns(view: LedgerQueries, facts: StatusFacts, policy: PolicyOf) -> Plan:
    """Decide, for every return and rejected level in ``facts``, what to apply and what to hold."""
    plan = Plan()
    _transactions(view, facts.transactions, policy, plan)
    for level in facts.levels:
        _level(view, level, facts, plan)
    return plan


def _transactions(view: LedgerQueries, returns: list[ReportedReturn], policy: PolicyOf,
                  plan: Plan) -> None:
    by_e2e = {e: Row.of(v) for e, v in view.collections_by_e2e(
        sorted({r.end_to_end_id for r in returns if r.end_to_end_id})).items()}
    by_mandate: dict[str, list[Row]] = {}
    for raw in view.collections_by_mandate(sorted({r.mandate_id for r in returns if r.mandate_id})):
        by_mandate.setdefault(raw[7], []).append(Row.of(raw))
    for r in returns:
        if r.end_to_end_id is None:
            _by_mandate(r, by_mandate.get(r.mandate_id or "", []), policy, plan)
            continue
        found = by_e2e.get(r.end_to_end_id)
        if found is not None:
            _check(r, found, "end-to-end-id", plan)
            continue
        plan.unknown.append({"where": r.where, "end_to_end_id": r.end_to_end_id, "reason": r.reason_code})
        guesses = _fitting(r, by_mandate.get(r.mandate_id or "", []), policy)
        plan.holds.append(Hold(r, ReviewProblem.UNKNOWN_COLLECTION,
                               f"end-to-end id {r.end_to_end_id} is not one of our collections"
                               + (" (listed: the collections of that mandate and amount)" if guesses else ""),
                               tuple(g.end_to_end_id for g in guesses)))


def _check(r: ReportedReturn, row: Row, matched_by: str, plan: Plan) -> None:
    """Apply ``r`` to ``row`` if they agree; hold it if not; count it if ``row`` came back already."""
    mismatch = _mismatch(r, row)
    if mismatch is not None:
        plan.holds.append(Hold(r, mismatch[0], mismatch[1], (row.end_to_end_id,)))
    elif row.status != "returned":
        plan.applies.append(Apply(r, row, matched_by))
    elif row.reason_code == r.reason_code:
        plan.duplicates += 1
    else:
        plan.holds.append(Hold(r, ReviewProblem.ALREADY_RETURNED,
                               f"collection {row.end_to_end_id} came back before with reason "
                               f"{row.reason_code}; this return says {r.reason_code}", (row.end_to_end_id,)))


def _mismatch(r: ReportedReturn, row: Row) -> tuple[ReviewProblem, str] | None:
    e2e = row.end_to_end_id
    if r.currency is not None and r.currency != COLLECTION_CURRENCY:
        return ReviewProblem.CURRENCY_DIFFERS, (f"the return is in {r.currency}; collection {e2e} was in "
                                                f"{COLLECTION_CURRENCY}")
    if r.amount is not None and r.amount != row.amount:
        return ReviewProblem.AMOUNT_DIFFERS, (f"the bank returns {r.amount}; collection {e2e} was "
                                              f"{row.amount}")
    if r.mandate_id is not None and r.mandate_id != row.mandate_reference:
        return ReviewProblem.MANDATE_DIFFERS, (f"the return names mandate {r.mandate_id}; collection {e2e} "
                                               f"was under mandate {row.mandate_reference}")
    return None


def _fitting(r: ReportedReturn, rows: list[Row], policy: PolicyOf) -> list[Row]:
    """Collections of the mandate with the return's amount and a date that fits, in its window if any is
    (the window of the return policy of the company whose collection it is)."""
    fits = [row for row in rows if row.amount == r.amount and (
        row.collection_date == r.collection_date if r.collection_date
        else row.collection_date <= r.returned_on)]
    within = [row for row in fits
              if r.returned_on <= (window_end(policy(row.account_id).rule_for(r.reason_code).window,
                                              row.collection_date) or row.collection_date)]
    return within or fits


def _by_mandate(r: ReportedReturn, rows: list[Row], policy: PolicyOf, plan: Plan) -> None:
    if r.mandate_id is None or r.amount is None:
        plan.holds.append(Hold(r, ReviewProblem.NO_MATCH,
                               "no end-to-end id, and no mandate id and amount to find the collection by"))
        return
    pool = _fitting(r, rows, policy)
    live = [row for row in pool if row.status != "returned"]
    if len(live) == 1:
        _check(r, live[0], "mandate-amount-date", plan)
    elif not live and any(row.reason_code == r.reason_code for row in pool):
        plan.duplicates += 1
    elif not live:
        plan.holds.append(Hold(r, ReviewProblem.NO_MATCH,
                               f"no end-to-end id, and no collection still open under mandate {r.mandate_id} "
                               f"for {r.amount} on or before {r.returned_on}",
                               tuple(row.end_to_end_id for row in rows[-20:])))
    else:
        plan.holds.append(Hold(r, ReviewProblem.SEVERAL_MATCH,
                               f"no end-to-end id, and {len(live)} collections under mandate {r.mandate_id} "
                               f"for {r.amount} could be it", tuple(row.end_to_end_id for row in live)))


def _level(view: LedgerQueries, level: LevelReject, facts: StatusFacts, plan: Plan) -> None:
    """A whole message or block rejected: every collection in it not covered by a more specific status."""
    r = level.reported
    message = r.original_message_id or ""
    prefix = run_id_prefix(message)
    rows = [] if prefix is None else [
        Row.of(v) for v in view.collections_of_run(prefix, MAX_RUN_COLLECTIONS)]
    if not rows or len({row.run_id for row in rows}) > 1:
        plan.holds.append(Hold(r, ReviewProblem.UNKNOWN_MESSAGE,
                               f"message {message} is not a collection file we sent"))
        return
    if r.level == "payment":
        rows = [row for row in rows if row.block == r.payment_information_id]
        if not rows:
            plan.holds.append(Hold(r, ReviewProblem.UNKNOWN_MESSAGE,
                                   f"our message {message} has no block {r.payment_information_id}"))
            return
    differs = _totals_differ(level, rows)
    if differs is not None:
        plan.holds.append(Hold(r, ReviewProblem.TOTALS_DIFFER, differs,
                               tuple(row.end_to_end_id for row in rows[:20])))
        return
    for row in rows:
        own_block = r.level == "group" and (message, row.block) in facts.blocks
        if row.end_to_end_id in facts.covered or own_block:
            continue  # a more specific status in the same report decides this collection
        reported = replace(r, where=f"{r.where} (collection {row.end_to_end_id})",
                           end_to_end_id=row.end_to_end_id)
        _check(reported, row, f"{r.level}-reject", plan)


def _totals_differ(level: LevelReject, rows: list[Row]) -> str | None:
    count, total = len(rows), sum((row.amount for row in rows), Decimal("0.00"))
    stated_count, stated_total = level.number_of_transactions, level.control_sum
    if (stated_count is None or stated_count == count) and (stated_total is None or stated_total == total):
        return None
    what = "message" if level.reported.level == "group" else f"block {level.reported.payment_information_id}"
    quoted = "?" if stated_count is None else stated_count
    quoted_total = "?" if stated_total is None else stated_total
    return (f"the bank quotes {quoted} transactions for {quoted_total}; the {what} we sent had {count} "
            f"for {total}")
