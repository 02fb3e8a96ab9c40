"""The trial balance reconciles to the journal (issue 14, item 2): for each company and each period, the
debits, credits and line counts per ledger account are the sums of the journal export's lines of that
company booked in that period; its CSV and XLSX are the same lines as its JSON.

(``tests/test_company_books.py`` already checks the whole-history totals per account against the journal
for two companies; this adds periods, days with several kinds of posting, and the file formats.)"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledger.accounts import commands as ac
from tests.auth import api_client
from tests.clerk import Clerk
from tests.test_company_books import _account, _bill, _story, books  # noqa: F401 (the fixture)
from tests.xlsx_reader import read_xlsx

Sums = dict[tuple[str, str, str], tuple[Decimal, Decimal, int]]


def _rich_books(clerk: Clerk) -> date:
    """Both companies over three weeks: bills, part payments, receipts in suspense, a credit note, a
    second customer; returns the first day."""
    first = clerk.clock.today
    story = _story(clerk)
    clerk.clock.advance(7)
    north2 = _account(clerk, None, "n2")
    bill = _bill(clerk, north2, "250.00")
    clerk.pay(north2, "100.00", bill["number"])
    clerk.run(ac.IssueCreditNote(story.north_bill["number"], "wrong reading"))
    clerk.clock.advance(7)
    _bill(clerk, story.south, "80.00")
    clerk.pay(story.south, "20.00", story.south_bill["number"])
    clerk.clock.advance(7)
    clerk.pay(north2, "5.00", bill["number"])
    return first


def _journal_sums(http: Any, first: date | None, last: date | None) -> Sums:
    """(company, currency, account) → debit, credit, lines of the journal export's lines booked in the
    period, read from the export the accounting system receives."""
    response = http.get("/journal", params={"format": "csv", "limit": 10000})
    assert response.status_code == 200, response.text
    sums: dict[tuple[str, str, str], list[Any]] = defaultdict(lambda: [Decimal(0), Decimal(0), 0])
    for line in csv.DictReader(io.StringIO(response.text)):
        day = date.fromisoformat(line["booking_date"])
        if (first is None or day >= first) and (last is None or day <= last):
            total = sums[(line["company"], line["currency"], line["gl_account"])]
            total[0] += Decimal(line["debit"])
            total[1] += Decimal(line["credit"])
            total[2] += 1
    return {k: (d, c, n) for k, (d, c, n) in sums.items()}


def _balance_sums(http: Any, first: date | None, last: date | None) -> Sums:
    params = {k: v.isoformat() for k, v in (("first_day", first), ("last_day", last)) if v is not None}
    response = http.get("/trial-balance", params=params)
    assert response.status_code == 200, response.text
    out = {}
    for book in response.json()["books"]:
        assert Decimal(book["total_debit"]) == Decimal(book["total_credit"]) and book["balanced"]
        for a in book["accounts"]:
            out[(book["company"], book["currency"], a["gl_account"])] = (
                Decimal(a["debit"]), Decimal(a["credit"]), a["lines"])
    return out


def test_the_trial_balance_of_every_period_is_the_sum_of_the_journals_lines(books: Clerk) -> None:  # noqa: F811
    first = _rich_books(books)
    http = api_client(books.services, "accounting")
    days = [first + timedelta(days=n) for n in (0, 6, 7, 14, 21)]
    periods = [(None, None), (first, first), (days[2], None), (None, days[3]), (days[1], days[3]),
               (days[3], days[4]), (days[4] + timedelta(days=1), None)]
    found = []
    for first_day, last_day in periods:
        journal = _journal_sums(http, first_day, last_day)
        balance = _balance_sums(http, first_day, last_day)
        assert balance == journal, (first_day, last_day)
        found.append(balance)
    assert {company for company, _, _ in found[0]} == {"nord", "sud"}
    assert len({tuple(sorted(f.items())) for f in found if f}) == 6  # six different, non-empty periods
    assert found[-1] == {}  # after the last posting
    # Two periods that split the history add up to the whole, account by account.
    before, after = _balance_sums(http, None, days[1]), _balance_sums(http, days[2], None)
    for key, (debit, credit, lines) in found[0].items():
        parts = [p.get(key, (Decimal(0), Decimal(0), 0)) for p in (before, after)]
        assert (debit, credit, lines) == tuple(a + b for a, b in zip(*parts, strict=True)), key


def test_the_trial_balance_as_csv_and_xlsx_has_its_json_lines(books: Clerk) -> None:  # noqa: F811
    first = _rich_books(books)
    http = api_client(books.services, "accounting")
    params = {"first_day": first.isoformat(), "last_day": (first + timedelta(days=14)).isoformat()}
    expected = [{"company": b["company"], "legal_name": b["legal_name"], "currency": b["currency"], **a}
                for b in http.get("/trial-balance", params=params).json()["books"] for a in b["accounts"]]
    rows = list(csv.DictReader(io.StringIO(http.get("/trial-balance",
                                                    params={**params, "format": "csv"}).text)))
    assert rows == [{k: str(v) for k, v in e.items()} for e in expected]
    sheet = read_xlsx(http.get("/trial-balance", params={**params, "format": "xlsx"}).content)
    header, *cells = sheet.rows
    assert header == list(expected[0])
    assert [dict(zip(header, r, strict=True)) for r in cells] == [
        {**e, "debit": float(e["debit"]), "credit": float(e["credit"]), "balance": float(e["balance"])}
        for e in expected]
    debit = header.index("debit")
    assert {f[debit] for f in sheet.formats[1:]} == {"#,##0.00"}
