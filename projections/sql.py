"""The ledger view's tables, on SQLite and PostgreSQL, written in one transaction with the tracking record.

Both views extend the eventsourcing library's tracking recorders, so the tracking table and its
``max_tracking_id`` are the library's own, in the same database as the events. One thing is ours: the
tracking record is advanced by compare-and-set (``UPDATE ... WHERE notification_id = <expected>``) as the
*first* statement of the transaction. It takes the row lock (PostgreSQL) or the write lock (SQLite) before
any view row is touched, so two catch-up workers can never both apply the same events: the loser updates
no row and rolls back. (The library's own upsert only checks "newer than", which would let a worker that
read an older position apply events twice.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import IntegrityError
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.rows import tuple_row
from psycopg.sql import SQL

from projections.ledger_view import Changes

_CREATE = [
    "CREATE TABLE IF NOT EXISTS {schema}saldo_accounts ("
    " account_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, name TEXT NOT NULL,"
    " currency TEXT NOT NULL, open_cents BIGINT NOT NULL DEFAULT 0, credit_cents BIGINT NOT NULL DEFAULT 0,"
    " opened_at_position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_open_items ("
    " item_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, document_number TEXT NOT NULL,"
    " kind TEXT NOT NULL, amount_cents BIGINT NOT NULL, open_cents BIGINT NOT NULL,"
    " due_date TEXT NOT NULL, posted_on TEXT NOT NULL, payment_reference TEXT, seq BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_open_items_account ON {schema}saldo_open_items (account_id, due_date)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_journal ("
    " cursor BIGINT PRIMARY KEY, notification_id BIGINT NOT NULL, line_no INTEGER NOT NULL,"
    " booking_date TEXT NOT NULL, recorded_at TEXT NOT NULL, event_type TEXT NOT NULL,"
    " document TEXT NOT NULL, contract_account_id TEXT NOT NULL, gl_account TEXT NOT NULL,"
    " debit_cents BIGINT NOT NULL, credit_cents BIGINT NOT NULL, currency TEXT NOT NULL,"
    " UNIQUE (notification_id, line_no))",
    "CREATE INDEX IF NOT EXISTS saldo_journal_account ON {schema}saldo_journal (contract_account_id, cursor)",
    "CREATE INDEX IF NOT EXISTS saldo_open_items_reference ON {schema}saldo_open_items (payment_reference)",
    "CREATE INDEX IF NOT EXISTS saldo_open_items_number ON {schema}saldo_open_items (document_number)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_payer_ibans ("
    " iban TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (iban, account_id))",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_suspense ("
    " suspense_id TEXT PRIMARY KEY, amount_cents BIGINT NOT NULL, currency TEXT NOT NULL,"
    " received_on TEXT NOT NULL, payer_name TEXT, payer_iban TEXT, reference TEXT, remittance TEXT NOT NULL,"
    " reason TEXT NOT NULL, bank_account TEXT NOT NULL, status TEXT NOT NULL,"
    " parked_at_position BIGINT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_mandates ("
    " account_id TEXT PRIMARY KEY, reference TEXT NOT NULL, status TEXT NOT NULL, debtor_iban TEXT NOT NULL,"
    " signed_on TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_collections ("
    " end_to_end_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, run_id TEXT NOT NULL,"
    " collection_date TEXT NOT NULL, amount_cents BIGINT NOT NULL, sequence_type TEXT NOT NULL,"
    " mandate_reference TEXT NOT NULL, status TEXT NOT NULL, reason_code TEXT)",
    "CREATE INDEX IF NOT EXISTS saldo_collections_account ON {schema}saldo_collections (account_id)",
]


#: Values per ``IN (...)`` list: well under SQLite's bound-parameter limit.
IN_CHUNK = 900


class StaleView(Exception):
    """Another worker advanced the view first; re-read the position and try again."""


class LedgerViewSQL:
    """SQL shared by both stores; subclasses supply transactions, placeholders and the tracking table."""

    placeholder = "?"
    prefix = ""  # schema qualification ("public.") on PostgreSQL

    def _q(self, sql: str) -> str:
        """Fill in table names and this driver's placeholder style."""
        names = {
            "accounts": f"{self.prefix}saldo_accounts",
            "items": f"{self.prefix}saldo_open_items",
            "journal": f"{self.prefix}saldo_journal",
            "ibans": f"{self.prefix}saldo_payer_ibans",
            "suspense": f"{self.prefix}saldo_suspense",
            "mandates": f"{self.prefix}saldo_mandates",
            "collections": f"{self.prefix}saldo_collections",
            "tracking": self._tracking_table(),
        }
        sql = sql.format(**names)
        return sql if self.placeholder == "?" else sql.replace("?", self.placeholder)

    @contextmanager
    def _write(self) -> Iterator[Any]:  # pragma: no cover - overridden
        raise NotImplementedError
        yield

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:  # pragma: no cover
        raise NotImplementedError

    def _tracking_table(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    # -- writing -----------------------------------------------------------------------------------------

    # Column types of each bulk statement, for PostgreSQL's unnest(); SQLite binds the rows as they are.
    # fmt: off
    ACCOUNT_TYPES = ("text", "text", "text", "text", "bigint")
    ITEM_TYPES = ("text", "text", "text", "text", "bigint", "bigint", "text", "text", "text", "bigint")
    SUSPENSE_TYPES = ("text", "bigint", "text", "text", "text", "text", "text", "text", "text", "text",
                      "text", "bigint")
    JOURNAL_TYPES = ("bigint", "bigint", "int", "text", "text", "text", "text", "text", "text", "bigint",
                     "bigint", "text")
    # fmt: on

    def apply(self, changes: Changes, tracking_name: str, expected: int | None, position: int) -> None:
        """Write ``changes``; move tracking from ``expected`` to ``position`` atomically, or StaleView."""
        with self._write() as curs:
            self._advance_tracking(curs, tracking_name, expected, position)
            if changes.new_accounts:
                self._insert(
                    curs,
                    "{accounts} (account_id, partner_id, name, currency, opened_at_position)",
                    self.ACCOUNT_TYPES,
                    changes.new_accounts,
                )
            if changes.new_items:
                self._insert(curs, "{items}", self.ITEM_TYPES, changes.new_items)
            if changes.item_deltas:
                self._add(
                    curs,
                    "{items}",
                    "item_id",
                    ("open_cents",),
                    [(i, d) for i, d in sorted(changes.item_deltas.items()) if d],
                )
            accounts = sorted(set(changes.account_open_deltas) | set(changes.account_credit_deltas))
            if accounts:
                self._add(
                    curs,
                    "{accounts}",
                    "account_id",
                    ("open_cents", "credit_cents"),
                    [
                        (a, changes.account_open_deltas.get(a, 0), changes.account_credit_deltas.get(a, 0))
                        for a in accounts
                    ],
                )
            if changes.new_suspense:
                self._insert(curs, "{suspense}", self.SUSPENSE_TYPES, changes.new_suspense)
            if changes.suspense_status:
                curs.executemany(
                    self._q("UPDATE {suspense} SET status = ? WHERE suspense_id = ?"),
                    [(s, i) for i, s in sorted(changes.suspense_status.items())],
                )
            if changes.mandates:
                curs.executemany(self._q(
                    "INSERT INTO {mandates} VALUES (?, ?, ?, ?, ?) ON CONFLICT (account_id) DO UPDATE SET"
                    " reference = excluded.reference, status = excluded.status,"
                    " debtor_iban = excluded.debtor_iban, signed_on = excluded.signed_on"),
                    [changes.mandates[a] for a in sorted(changes.mandates)])
            if changes.mandate_status:
                curs.executemany(self._q("UPDATE {mandates} SET status = ? WHERE account_id = ?"),
                                 [(s, a) for a, s in sorted(changes.mandate_status.items())])
            if changes.new_collections:
                curs.executemany(self._q("INSERT INTO {collections} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                                 changes.new_collections)
            if changes.collection_status:
                curs.executemany(self._q("UPDATE {collections} SET status = ?, reason_code = ? "
                                         "WHERE end_to_end_id = ?"),
                                 [(s, r, e) for e, (s, r) in sorted(changes.collection_status.items())])
            if changes.payer_ibans:
                curs.executemany(
                    self._q("INSERT INTO {ibans} VALUES (?, ?) ON CONFLICT DO NOTHING"),
                    sorted(changes.payer_ibans),
                )
            if changes.journal:
                # The cursor is dense and follows store order; the tracking row lock taken above
                # serialises writers, so MAX()+1 cannot be handed out twice.
                curs.execute(self._q("SELECT COALESCE(MAX(cursor), 0) FROM {journal}"))
                first = int(_first(curs.fetchone())) + 1
                self._insert(
                    curs,
                    "{journal}",
                    self.JOURNAL_TYPES,
                    [
                        (
                            first + i,
                            line.notification_id,
                            line.line_no,
                            line.booking_date,
                            line.recorded_at,
                            line.event_type,
                            line.document,
                            line.contract_account_id,
                            line.gl_account,
                            line.debit_cents,
                            line.credit_cents,
                            line.currency,
                        )
                        for i, line in enumerate(changes.journal)
                    ],
                )

    def _insert(self, curs: Any, target: str, types: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        marks = ", ".join("?" * len(types))
        curs.executemany(self._q(f"INSERT INTO {target} VALUES ({marks})"), rows)  # noqa: S608

    def _add(
        self, curs: Any, table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Add deltas to counters: rows are (key, delta per column)."""
        sets = ", ".join(f"{c} = {c} + ?" for c in columns)
        curs.executemany(
            self._q(f"UPDATE {table} SET {sets} WHERE {key} = ?"),  # noqa: S608
            [(*r[1:], r[0]) for r in rows],
        )

    def _advance_tracking(self, curs: Any, name: str, expected: int | None, position: int) -> None:
        if expected is None:
            try:
                curs.execute(
                    self._q("INSERT INTO {tracking} (application_name, notification_id) VALUES (?, ?)"),
                    (name, position),
                )
            except Exception as e:  # unique violation: another worker started the view first
                raise StaleView(str(e)) from e
            return
        curs.execute(
            self._q(
                "UPDATE {tracking} SET notification_id = ? WHERE application_name = ? AND notification_id = ?"
            ),
            (position, name, expected),
        )
        if curs.rowcount != 1:
            raise StaleView(f"view {name} is no longer at position {expected}")

    def drop_rows(self, tracking_name: str) -> None:
        """Empty the view and forget its position, in one transaction (for a rebuild from zero)."""
        with self._write() as curs:
            for table in ("accounts", "items", "journal", "ibans", "suspense", "mandates", "collections"):
                curs.execute(self._q(f"DELETE FROM {{{table}}}"))  # noqa: S608 - constant names
            curs.execute(self._q("DELETE FROM {tracking} WHERE application_name = ?"), (tracking_name,))

    # -- reading -----------------------------------------------------------------------------------------

    def position(self, tracking_name: str) -> int | None:
        rows = self._read(
            "SELECT notification_id FROM {tracking} WHERE application_name = ?", (tracking_name,)
        )
        return int(rows[0][0]) if rows else None

    def currencies(self, account_ids: Sequence[str]) -> dict[str, str]:
        if not account_ids:
            return {}
        marks = ", ".join("?" * len(account_ids))
        rows = self._read(
            "SELECT account_id, currency FROM {accounts} "  # noqa: S608 - only '?' marks
            f"WHERE account_id IN ({marks})",
            tuple(account_ids),
        )
        return {r[0]: r[1] for r in rows}

    def account(self, account_id: str) -> tuple[Any, ...] | None:
        rows = self._read(
            "SELECT account_id, partner_id, name, currency, open_cents, credit_cents"
            " FROM {accounts} WHERE account_id = ?",
            (account_id,),
        )
        return rows[0] if rows else None

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

    def journal(self, since: int, limit: int) -> list[tuple[Any, ...]]:
        return self._read(
            "SELECT cursor, notification_id, line_no, booking_date, recorded_at, event_type,"
            " document, contract_account_id, gl_account, debit_cents, credit_cents, currency"
            " FROM {journal} WHERE cursor > ? ORDER BY cursor LIMIT ?",
            (since, limit),
        )

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

    def overdue_accounts(self, due_before: str, limit: int = 1_000_000) -> list[str]:
        """Accounts with an open item due before ``due_before`` (the dunning run's candidates)."""
        return [r[0] for r in self._read(
            "SELECT DISTINCT account_id FROM {items} WHERE open_cents > 0 AND due_date < ?"
            " ORDER BY account_id LIMIT ?", (due_before, limit))]

    # -- direct debit ------------------------------------------------------------------------------------

    def dd_candidates(self, due_by: str) -> list[str]:
        """Accounts with an active mandate and something open and due by ``due_by``."""
        return [r[0] for r in self._read(
            "SELECT DISTINCT m.account_id FROM {mandates} m JOIN {items} i ON i.account_id = m.account_id"
            " WHERE m.status = 'active' AND i.open_cents > 0 AND i.due_date <= ? ORDER BY m.account_id",
            (due_by,))]

    def collections_by_e2e(self, e2e_ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        rows = self._where_in("SELECT end_to_end_id, account_id, status, collection_date, amount_cents"
                              " FROM {collections} WHERE end_to_end_id IN ({marks})", sorted(e2e_ids))
        return {r[0]: r for r in rows}

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

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every view table, in key order: what a rebuild must reproduce exactly."""
        keys = {
            "accounts": "account_id",
            "items": "item_id",
            "journal": "cursor",
            "ibans": "iban, account_id",
            "suspense": "suspense_id",
            "mandates": "account_id",
            "collections": "end_to_end_id",
        }
        return {
            t: [tuple(r) for r in self._read(f"SELECT * FROM {{{t}}} ORDER BY {k}")]  # noqa: S608
            for t, k in keys.items()
        }


def _first(row: Any) -> Any:
    return row[0] if row is not None else 0


class SQLiteLedgerView(SQLiteTrackingRecorder, LedgerViewSQL):
    """The ledger view in the same SQLite file as the events."""

    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *(s.format(schema="") for s in _CREATE)]

    def _tracking_table(self) -> str:
        return "tracking"

    @contextmanager
    def _write(self) -> Iterator[Any]:
        try:
            with self.datastore.transaction(commit=True) as curs:
                yield curs.sqlite_cursor  # the raw cursor: it has rowcount
        except IntegrityError as e:
            raise StaleView(str(e)) from e

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(self._q(sql), tuple(params))
            return [tuple(r) for r in curs.fetchall()]


class PostgresLedgerView(PostgresTrackingRecorder, LedgerViewSQL):
    """The ledger view in the same PostgreSQL database (and schema) as the events."""

    placeholder = "%s"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prefix = f'"{self.datastore.schema}".'
        for statement in _CREATE:
            self.sql_create_statements.append(SQL(statement.format(schema=self.prefix)))  # type: ignore[arg-type]

    def _tracking_table(self) -> str:
        return f'"{self.datastore.schema}".{self.tracking_table_name}'

    # One statement per batch with arrays: executemany would send one statement per row.
    def _insert(self, curs: Any, target: str, types: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        arrays = ", ".join(f"%b::{t}[]" for t in types)  # %b: binary arrays dump without escaping
        curs.execute(
            self._q(f"INSERT INTO {target} SELECT * FROM unnest({arrays})"),  # noqa: S608
            [list(column) for column in zip(*rows, strict=True)],
        )

    def _add(
        self, curs: Any, table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        sets = ", ".join(f"{c} = t.{c} + d.{c}" for c in columns)
        arrays = ", ".join(["%b::text[]"] + ["%b::bigint[]"] * len(columns))
        names = ", ".join((key, *columns))
        curs.execute(
            self._q(
                f"UPDATE {table} AS t SET {sets} FROM unnest({arrays}) AS d({names}) "  # noqa: S608
                f"WHERE t.{key} = d.{key}"
            ),
            [list(col) for col in zip(*rows, strict=True)],
        )

    @contextmanager
    def _write(self) -> Iterator[Any]:
        try:
            with (
                self.datastore.get_connection() as conn,
                conn.transaction(),
                conn.cursor(row_factory=tuple_row) as curs,
            ):
                yield curs
        except (IntegrityError, psycopg.errors.IntegrityError) as e:
            raise StaleView(str(e)) from e

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as curs:
            curs.execute(self._q(sql), tuple(params))
            return list(curs.fetchall())
