"""What the API, the importers and the runs ask of the ledger view: the read side of ``projections.sql``.

Every query goes through ``_read``, which the store-specific view supplies (with its table names and
placeholder style), so these are written once for SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from ledger.parties.company import DEFAULT_COMPANY
from projections.as_of import AsOfQueries
from projections.dating import MoveDating

#: Values per ``IN (...)`` list: well under SQLite's bound-parameter limit.
IN_CHUNK = 900
#: What the returns import reads of a collection, in this order.
COLLECTION_COLUMNS = ("end_to_end_id, account_id, status, collection_date, amount_cents, run_id,"
                      " sequence_type, mandate_reference, reason_code")
#: A return held for a person, as the worklist shows it, in this order.
REVIEW_COLUMNS = ("review_id, status, problem, detail, source, file_name, location, level, reason_code,"
                  " returned_on, end_to_end_id, mandate_id, amount_cents, currency, original_message_id,"
                  " payment_information_id, candidates, resolution")


class LedgerQueries(AsOfQueries):
    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:  # pragma: no cover
        raise NotImplementedError

    # -- reading -----------------------------------------------------------------------------------------

    def position(self, tracking_name: str) -> int | None:
        rows = self._read(
            "SELECT notification_id FROM {tracking} WHERE application_name = ?", (tracking_name,)
        )
        return int(rows[0][0]) if rows else None

    def currencies(self, account_ids: Sequence[str]) -> dict[str, str]:
        rows = self._where_in("SELECT account_id, currency FROM {accounts} WHERE account_id IN ({marks})",
                              account_ids)
        return {r[0]: r[1] for r in rows}

    def move_dating(self, keys: Sequence[str]) -> MoveDating:
        """What the view knows of the dates moves count from, for ``keys`` (``projections.dating``)."""
        rows = self._where_in("SELECT ref, day, due_date FROM {since} WHERE ref IN ({marks})", sorted(keys))
        return MoveDating({r[0]: date.fromisoformat(r[1]) for r in rows},
                          {r[0].removeprefix("item:"): date.fromisoformat(r[2]) for r in rows if r[2]})

    def account(self, account_id: str) -> tuple[Any, ...] | None:
        rows = self._read(
            "SELECT account_id, partner_id, name, currency, open_cents, credit_cents"
            " FROM {accounts} WHERE account_id = ?",
            (account_id,),
        )
        return rows[0] if rows else None

    def balance_row(self, account_id: str, today: str) -> tuple[Any, ...] | None:
        """:meth:`account`'s row followed by :meth:`due_summary`'s two values, in one round trip.

        Why one statement: the portal's balance is the most frequent read there is, and three round trips
        were most of its time under load (issue 12 item 3, bench/http_load.py)."""
        rows = self._read(
            "SELECT a.account_id, a.partner_id, a.name, a.currency, a.open_cents, a.credit_cents,"
            " (SELECT COALESCE(SUM(i.open_cents), 0) FROM {items} i"
            "   WHERE i.account_id = a.account_id AND i.open_cents > 0 AND i.due_date < ?),"
            " (SELECT MIN(i.due_date) FROM {items} i"
            "   WHERE i.account_id = a.account_id AND i.open_cents > 0 AND i.due_date >= ?)"
            " FROM {accounts} a WHERE a.account_id = ?",
            (today, today, account_id),
        )
        return (*rows[0][:6], int(rows[0][6]), rows[0][7]) if rows else None

    def due_summary(self, account_id: str, today: str) -> tuple[int, str | None]:
        """Overdue cents (due before ``today``) and the next due date on or after it."""
        overdue = self._read(
            "SELECT COALESCE(SUM(open_cents), 0) FROM {items}"
            " WHERE account_id = ? AND open_cents > 0 AND due_date < ?",
            (account_id, today),
        )
        nxt = self._read(
            "SELECT MIN(due_date) FROM {items} WHERE account_id = ? AND open_cents > 0 AND due_date >= ?",
            (account_id, today),
        )
        return int(overdue[0][0]), nxt[0][0]

    def open_items(self, account_id: str) -> list[tuple[Any, ...]]:
        return self._read(
            "SELECT item_id, document_number, kind, amount_cents, open_cents, due_date,"
            " posted_on, payment_reference FROM {items}"
            " WHERE account_id = ? AND open_cents > 0 ORDER BY due_date, seq",
            (account_id,),
        )

    def statement(self, account_id: str) -> list[tuple[Any, ...]]:
        """Movements on what the customer owes (receivables and credit), with the running balance."""
        return self._read(
            "SELECT notification_id, booking_date, event_type, document, amount,"
            " SUM(amount) OVER (ORDER BY notification_id) FROM ("
            "  SELECT notification_id, MIN(booking_date) AS booking_date, MIN(event_type) AS event_type,"
            "   MIN(document) AS document, SUM(debit_cents - credit_cents) AS amount"
            "  FROM {journal} WHERE contract_account_id = ?"
            "   AND gl_account IN ('receivables', 'customer-credit')"
            "  GROUP BY notification_id) AS movements ORDER BY notification_id",
            (account_id,),
        )

    def journal(self, since: int, limit: int, company: str | None = None,
                default: str = DEFAULT_COMPANY, until: int | None = None) -> list[tuple[Any, ...]]:
        """Journal lines after cursor ``since`` (and up to ``until``), with the company whose books each
        is in (last column); only ``company``'s if given. An entry the view recorded no company for (a
        view written before it kept them) is the ``default`` company's, as every entry was then."""
        only = " AND COALESCE(e.company, ?) = ?" if company is not None else ""
        upto = " AND j.cursor <= ?" if until is not None else ""
        return self._read(
            "SELECT j.cursor, j.notification_id, j.line_no, j.booking_date, j.recorded_at, j.event_type,"  # noqa: S608
            " j.document, j.contract_account_id, j.gl_account, j.debit_cents, j.credit_cents, j.currency,"
            " COALESCE(e.company, ?) FROM {journal} j"
            " LEFT JOIN {entry_companies} e ON e.notification_id = j.notification_id"
            f" WHERE j.cursor > ?{upto}{only} ORDER BY j.cursor LIMIT ?",
            (default, since, *(() if until is None else (until,)),
             *((default, company) if company is not None else ()), limit),
        )

    def journal_page_end(self, since: int, limit: int, company: str | None = None,
                         default: str = DEFAULT_COMPANY) -> int | None:
        """The cursor of the last of the (at most ``limit``) journal lines after ``since`` (of
        ``company``'s books if given); None if there are none."""
        only = " AND COALESCE(e.company, ?) = ?" if company is not None else ""
        rows = self._read(
            "SELECT MAX(cursor) FROM (SELECT j.cursor FROM {journal} j"  # noqa: S608
            " LEFT JOIN {entry_companies} e ON e.notification_id = j.notification_id"
            f" WHERE j.cursor > ?{only} ORDER BY j.cursor LIMIT ?) AS page",
            (since, *((default, company) if company is not None else ()), limit),
        )
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def journal_accounts(self, since: int, until: int, company: str | None = None,
                         default: str = DEFAULT_COMPANY) -> list[tuple[str, str, int]]:
        """(company, GL account, first cursor) of every account the journal lines in (``since``,
        ``until``] book to (of ``company``'s books if given)."""
        only = " AND COALESCE(e.company, ?) = ?" if company is not None else ""
        rows = self._read(
            "SELECT COALESCE(e.company, ?), j.gl_account, MIN(j.cursor) FROM {journal} j"  # noqa: S608
            " LEFT JOIN {entry_companies} e ON e.notification_id = j.notification_id"
            f" WHERE j.cursor > ? AND j.cursor <= ?{only} GROUP BY 1, 2 ORDER BY 3",
            (default, since, until, *((default, company) if company is not None else ())),
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    def trial_balance(self, company: str | None, first_day: str | None, last_day: str | None,
                      default: str = DEFAULT_COMPANY) -> list[tuple[Any, ...]]:
        """(company, currency, GL account, debit cents, credit cents, lines) per account of each company's
        books, for the postings booked from ``first_day`` to ``last_day`` (inclusive; none: unbounded)."""
        where = ["j.booking_date >= ?"] if first_day is not None else []
        where += ["j.booking_date <= ?"] if last_day is not None else []
        where += ["COALESCE(e.company, ?) = ?"] if company is not None else []
        params = [p for p in (first_day, last_day) if p is not None]
        params += [default, company] if company is not None else []
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        return self._read(
            "SELECT COALESCE(e.company, ?) AS company, j.currency, j.gl_account, SUM(j.debit_cents),"  # noqa: S608
            " SUM(j.credit_cents), COUNT(*) FROM {journal} j"
            " LEFT JOIN {entry_companies} e ON e.notification_id = j.notification_id"
            f"{clause} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            (default, *params),
        )

    def account_companies(self, account_ids: Sequence[str]) -> dict[str, str]:
        """The company of each of ``account_ids`` the view knows (accounts it recorded one for)."""
        rows = self._where_in("SELECT account_id, company FROM {account_companies} WHERE account_id IN"
                              " ({marks})", sorted(account_ids))
        return {r[0]: r[1] for r in rows}

    def account_ids(self, limit: int) -> list[str]:
        return [
            r[0]
            for r in self._read(
                "SELECT account_id FROM {accounts} ORDER BY opened_at_position LIMIT ?", (limit,)
            )
        ]

    # -- matching and the clarification worklist ---------------------------------------------------------

    def _where_in(self, sql: str, values: Sequence[Any], extra: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run ``sql`` (with one ``{marks}``) for ``values`` in chunks the drivers accept."""
        rows: list[tuple[Any, ...]] = []
        values = list(values)
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            rows += self._read(sql.replace("{marks}", ", ".join("?" * len(chunk))), (*chunk, *extra))
        return rows

    def invoices_by(self, column: str, values: Sequence[str]) -> list[tuple[Any, ...]]:
        """(key, document_number, account_id, open_cents) of invoices whose ``column`` is in ``values``."""
        if column not in ("payment_reference", "document_number"):
            raise ValueError(column)
        return self._where_in(
            f"SELECT {column}, document_number, account_id, open_cents FROM {{items}} "  # noqa: S608
            f"WHERE {column} IN ({{marks}})",
            sorted(values),
        )

    def accounts_by_iban(self, ibans: Sequence[str]) -> list[tuple[Any, ...]]:
        return self._where_in("SELECT iban, account_id FROM {ibans} WHERE iban IN ({marks})", sorted(ibans))

    def open_items_of(self, account_ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """(account_id, document_number, open_cents, payment_reference, account name) of open items."""
        return self._where_in(
            "SELECT i.account_id, i.document_number, i.open_cents, i.payment_reference, a.name "
            "FROM {items} i JOIN {accounts} a ON a.account_id = i.account_id "
            "WHERE i.account_id IN ({marks}) AND i.open_cents > 0 ORDER BY i.due_date, i.seq",
            sorted(account_ids),
        )

    def candidate_items(
        self, amount_cents: int, account_ids: Sequence[str], limit: int
    ) -> list[tuple[Any, ...]]:
        """Open items near an amount, or on the given accounts: the pool the worklist ranks."""
        near = self._read(
            "SELECT i.account_id, i.document_number, i.open_cents, i.payment_reference, a.name "
            "FROM {items} i JOIN {accounts} a ON a.account_id = i.account_id "
            "WHERE i.open_cents BETWEEN ? AND ? ORDER BY ABS(i.open_cents - ?), i.document_number LIMIT ?",
            (amount_cents * 95 // 100, amount_cents * 105 // 100, amount_cents, limit),
        )
        return near + (self.open_items_of(account_ids) if account_ids else [])

    def ibans_of(self, account_ids: Sequence[str]) -> list[tuple[Any, ...]]:
        return self._where_in(
            "SELECT account_id, iban FROM {ibans} WHERE account_id IN ({marks})", sorted(account_ids)
        )

    def suspense(
        self, status: str | None = "open", suspense_id: str | None = None, limit: int = 1000
    ) -> list[tuple[Any, ...]]:
        sql = (
            "SELECT suspense_id, amount_cents, currency, received_on, payer_name, payer_iban, reference,"
            " remittance, reason, bank_account, status FROM {suspense} WHERE 1 = 1"
        )
        params: list[Any] = []
        if status is not None:
            sql += " AND status = ?"
            params.append(status)
        if suspense_id is not None:
            sql += " AND suspense_id = ?"
            params.append(suspense_id)
        return self._read(sql + " ORDER BY parked_at_position LIMIT ?", (*params, limit))

    def overdue_accounts(self, due_before: str, limit: int = 1_000_000, after: str = "") -> list[str]:
        """Accounts with an open item due before ``due_before`` (the dunning run's candidates), in id order,
        from the one after ``after``: a keyset page (``''``: from the first)."""
        return [r[0] for r in self._read(
            "SELECT DISTINCT account_id FROM {items} WHERE open_cents > 0 AND due_date < ? AND account_id > ?"
            " ORDER BY account_id LIMIT ?", (due_before, after, limit))]

    # -- direct debit ------------------------------------------------------------------------------------

    def dd_candidates(self, due_by: str) -> list[str]:
        """Accounts with an active mandate and something open and due by ``due_by``."""
        return [r[0] for r in self._read(
            "SELECT DISTINCT m.account_id FROM {mandates} m JOIN {items} i ON i.account_id = m.account_id"
            " WHERE m.status = 'active' AND i.open_cents > 0 AND i.due_date <= ? ORDER BY m.account_id",
            (due_by,))]

    def collections_by_e2e(self, e2e_ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """end-to-end id -> the :data:`COLLECTION_COLUMNS` of that collection."""
        rows = self._where_in(f"SELECT {COLLECTION_COLUMNS} FROM {{collections}}"  # noqa: S608 - constant
                              " WHERE end_to_end_id IN ({marks})", sorted(e2e_ids))
        return {r[0]: r for r in rows}

    def collections_by_mandate(self, references: Sequence[str]) -> list[tuple[Any, ...]]:
        """Collections presented under these mandate references (a return without our end-to-end id)."""
        return self._where_in(f"SELECT {COLLECTION_COLUMNS} FROM {{collections}}"  # noqa: S608 - constant
                              " WHERE mandate_reference IN ({marks}) ORDER BY collection_date, end_to_end_id",
                              sorted(references))

    def collections_of_run(self, run_id_prefix: str, limit: int) -> list[tuple[Any, ...]]:
        """Collections of the runs whose id starts with ``run_id_prefix`` (a message id quotes 20 hex digits).

        A rejected file or block is rare; this scans the collections, which is fine at that rate."""
        return self._read(f"SELECT {COLLECTION_COLUMNS} FROM {{collections}}"  # noqa: S608 - constant
                          " WHERE run_id LIKE ? ORDER BY end_to_end_id LIMIT ?", (run_id_prefix + "%", limit))

    def return_reviews(self, status: str | None = "open", limit: int = 1000) -> list[tuple[Any, ...]]:
        """Returns held for a person, oldest first: the :data:`REVIEW_COLUMNS`."""
        sql = f"SELECT {REVIEW_COLUMNS} FROM {{reviews}}"  # noqa: S608 - constant
        params: tuple[Any, ...] = (limit,)
        if status is not None:
            sql += " WHERE status = ?"
            params = (status, limit)
        return self._read(sql + " ORDER BY opened_at_position LIMIT ?", params)

    def pending_collections(self, on_or_before: str) -> list[tuple[Any, ...]]:
        return self._read("SELECT end_to_end_id, account_id FROM {collections}"
                          " WHERE status = 'pending' AND collection_date <= ? ORDER BY end_to_end_id",
                          (on_or_before,))

    def direct_debit_of(self, account_id: str) -> tuple[tuple[Any, ...] | None, list[tuple[Any, ...]]]:
        """(mandate row, collections of the account newest first) for the portal."""
        mandate = self._read("SELECT reference, status, debtor_iban, signed_on FROM {mandates}"
                             " WHERE account_id = ?", (account_id,))
        collections = self._read("SELECT end_to_end_id, collection_date, amount_cents, sequence_type, status,"
                                 " reason_code FROM {collections} WHERE account_id = ?"
                                 " ORDER BY collection_date DESC, end_to_end_id", (account_id,))
        return (mandate[0] if mandate else None), collections

    def instalment_accounts(self, due_since: str) -> list[str]:
        """Accounts with an instalment open or due since ``due_since``: the plans a dunning run reviews."""
        return [r[0] for r in self._read(
            "SELECT DISTINCT account_id FROM {items} WHERE kind = 'instalment'"
            " AND (open_cents > 0 OR due_date >= ?) ORDER BY account_id", (due_since,))]
