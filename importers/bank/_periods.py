"""The period each statement of a file covers, for telling a duplicate from a look-alike (issue 9, finding 6).

A statement's period is its ``FrToDt`` when the bank gave one (camt); otherwise (MT940, KTL, CSV, a camt
without ``FrToDt``) it is the booking days of its entries, from local midnight of the first to local
midnight after the last, in the zone of the account (:mod:`importers.bank._zones`). Entries without a
booking date count by their value date. A statement with no date at all covers all time: nothing tells
its receipts apart from earlier ones, so they are deduplicated as they always were.

>>> from dataclasses import replace
>>> from decimal import Decimal
>>> from datetime import date
>>> row = BankEntry(file_name="a.csv", statement_id="a.csv", account_iban=None, entry_index=1,
...                 element_path="row[1]", line=2, amount=Decimal("25.00"), credit_debit="CRDT",
...                 currency="EUR", status="BOOK", booking_date=date(2026, 3, 2))
>>> later = replace(row, booking_date=date(2026, 3, 5))
>>> statement_periods([row, later], "IT60X0542811101000000123456")[(None, "a.csv")].key
'20260301T230000Z/20260305T230000Z'
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from importers.bank._zones import ONE_DAY, day_start, zone_for
from ledger.payments.bank_entries import BankEntry, StatementPeriod

__all__ = ["ALL_TIME", "StatementKey", "statement_periods"]

#: (account IBAN, statement id): how entries name their statement.
StatementKey = tuple[str | None, str]

#: The period of a statement without any date: it overlaps every other.
ALL_TIME = StatementPeriod(datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))


def statement_periods(entries: Iterable[BankEntry],
                      default_account: str) -> dict[StatementKey, StatementPeriod]:
    """Each statement's period (see the module doc); ``default_account`` is booked when a file names none."""
    given: dict[StatementKey, StatementPeriod] = {}
    days: dict[StatementKey, tuple[date, date]] = {}
    accounts: dict[StatementKey, str] = {}
    for entry in entries:
        key = (entry.account_iban, entry.statement_id)
        accounts.setdefault(key, entry.account_iban or default_account)
        if entry.statement_period is not None:
            given.setdefault(key, entry.statement_period)
        day = entry.booking_date or entry.value_date
        if day is not None:
            first, last = days.get(key, (day, day))
            days[key] = (min(first, day), max(last, day))
    periods: dict[StatementKey, StatementPeriod] = {}
    for key, account in accounts.items():
        if key in given:
            periods[key] = given[key]
        elif key in days:
            zone = zone_for(account)
            first, last = days[key]
            periods[key] = StatementPeriod(day_start(first, zone), day_start(last + ONE_DAY, zone))
        else:
            periods[key] = ALL_TIME
    return periods
