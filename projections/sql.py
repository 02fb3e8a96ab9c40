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
from projections.queries import LedgerQueries
from projections.tables import CREATE

#: The view's tables, by the names its statements use (``{accounts}``).
TABLES = {
    "accounts": "saldo_accounts",
    "items": "saldo_open_items",
    "journal": "saldo_journal",
    "ibans": "saldo_payer_ibans",
    "suspense": "saldo_suspense",
    "mandates": "saldo_mandates",
    "collections": "saldo_collections",
    "reviews": "saldo_return_reviews",
    "moves": "saldo_moves",
    "since": "saldo_since",
    "account_companies": "saldo_account_companies",
    "entry_companies": "saldo_entry_companies",
}


class StaleView(Exception):
    """Another worker advanced the view first; re-read the position and try again."""


class LedgerViewSQL(LedgerQueries):
    """SQL shared by both stores; subclasses supply transactions, placeholders and the tracking table."""

    placeholder = "?"
    prefix = ""  # schema qualification ("public.") on PostgreSQL
    #: Appended to every table name: "" for the view the API reads, :data:`projections.rebuild.NEXT` for
    #: the one a rebuild builds beside it.
    generation = ""
    #: Whether the store renames an index in a transaction (PostgreSQL); SQLite builds it again.
    renames_indexes = False

    def _q(self, sql: str) -> str:
        """Fill in table names and this driver's placeholder style."""
        names = {key: f"{self.prefix}{table}{self.generation}" for key, table in TABLES.items()}
        sql = sql.format(**names, tracking=self._tracking_table())
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
    REVIEW_TYPES = ("text",) * 12 + ("bigint",) + ("text",) * 5 + ("bigint",)
    MOVE_TYPES = ("bigint", "int", "text", "text", "text", "text", "text", "bigint", "bigint")
    JOURNAL_TYPES = ("bigint", "bigint", "int", "text", "text", "text", "text", "text", "text", "bigint",
                     "bigint", "text")
    # fmt: on

    def apply(self, changes: Changes, tracking_name: str, expected: int | None, position: int) -> None:
        """Write ``changes``; move tracking from ``expected`` to ``position`` atomically, or StaleView."""
        with self._write() as curs:
            self._advance_tracking(curs, tracking_name, expected, position)
            self._write_accounts_and_items(curs, changes)
            self._write_suspense(curs, changes)
            self._write_direct_debit(curs, changes)
            self._write_reviews(curs, changes)
            if changes.moves:
                self._insert(curs, "{moves}", self.MOVE_TYPES, changes.moves)
            if changes.dating.changed:
                self._upsert_since(curs, changes.since_rows())
            if changes.payer_ibans:
                curs.executemany(
                    self._q("INSERT INTO {ibans} VALUES (?, ?) ON CONFLICT DO NOTHING"),
                    sorted(changes.payer_ibans),
                )
            if changes.journal:
                self._write_journal(curs, changes)
            if changes.new_account_companies:
                self._insert(curs, "{account_companies}", ("text", "text"), changes.new_account_companies)
            if changes.entry_companies:
                self._insert(curs, "{entry_companies}", ("bigint", "text"),
                             sorted(changes.entry_companies.items()))

    def _write_accounts_and_items(self, curs: Any, changes: Changes) -> None:
        """New accounts and open items, then what clearing changed: open amounts, account balances."""
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

    def _write_suspense(self, curs: Any, changes: Changes) -> None:
        """Receipts parked in suspense, and the status of those allocated or refunded since."""
        if changes.new_suspense:
            self._insert(curs, "{suspense}", self.SUSPENSE_TYPES, changes.new_suspense)
        if changes.suspense_status:
            curs.executemany(
                self._q("UPDATE {suspense} SET status = ? WHERE suspense_id = ?"),
                [(s, i) for i, s in sorted(changes.suspense_status.items())],
            )

    def _write_direct_debit(self, curs: Any, changes: Changes) -> None:
        """SEPA mandates (latest per account) and collections, with their status changes."""
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

    def _write_reviews(self, curs: Any, changes: Changes) -> None:
        """Returns held for a person, and the resolution of those applied or dismissed since."""
        if changes.new_reviews:
            self._insert(curs, "{reviews}", self.REVIEW_TYPES, changes.new_reviews)
        if changes.review_status:
            curs.executemany(self._q("UPDATE {reviews} SET status = ?, resolution = ? WHERE review_id = ?"),
                             [(s, r, i) for i, (s, r) in sorted(changes.review_status.items())])

    def _write_journal(self, curs: Any, changes: Changes) -> None:
        """Append the journal lines under the next cursors."""
        # The cursor is dense and follows store order; the tracking row lock that apply() takes first
        # serialises writers, so MAX()+1 cannot be handed out twice.
        curs.execute(self._q("SELECT COALESCE(MAX(cursor), 0) FROM {journal}"))
        first = int(_first(curs.fetchone())) + 1
        self._insert(curs, "{journal}", self.JOURNAL_TYPES,
                     [(first + i, *line) for i, line in enumerate(changes.journal)])

    def _upsert_since(self, curs: Any, rows: Sequence[Sequence[Any]]) -> None:
        """Dates the next batch's moves count from (projections.dating), one row per key."""
        curs.executemany(self._q("INSERT INTO {since} VALUES (?, ?, ?) ON CONFLICT (ref) DO UPDATE SET"
                                 " day = excluded.day, due_date = excluded.due_date"), rows)

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
            for table in TABLES:
                curs.execute(self._q(f"DELETE FROM {{{table}}}"))  # noqa: S608 - constant names
            curs.execute(self._q("DELETE FROM {tracking} WHERE application_name = ?"), (tracking_name,))

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
            "reviews": "review_id",
            "moves": "position, seq",
            "since": "ref",
            "account_companies": "account_id",
            "entry_companies": "notification_id",
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
        return [*super().construct_create_table_statements(), *(s.format(schema="") for s in CREATE)]

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
    renames_indexes = True
    #: The catch-up translates a batch while the one before is written (projections.runner): from a pool of
    #: connections, each write in its own. SQLite's view is written in the caller's thread.
    pipelined = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.prefix = f'"{self.datastore.schema}".'
        for statement in CREATE:
            self.sql_create_statements.append(SQL(statement.format(schema=self.prefix)))  # type: ignore[arg-type]

    def _tracking_table(self) -> str:
        return f'"{self.datastore.schema}".{self.tracking_table_name}'

    def _where_in(self, sql: str, values: Sequence[Any], extra: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One statement with one array (``= ANY(%s)``) instead of lists of ``IN`` marks: a statement of
        900 marks is longer than psycopg caches parsed queries for (``_queries.py``), so each chunk was
        parsed again in Python: the reads of bench/ledger.py's catch-up took 0.36 s of client CPU per
        30,000 events, 0.16 s with one array."""
        if not values:
            return []
        if sql.count("IN ({marks})") != 1:  # pragma: no cover - every query names its list once
            raise ValueError(f"expected one IN list in {sql!r}")
        return self._read(sql.replace("IN ({marks})", "= ANY(?)"), (list(values), *extra))

    def _upsert_since(self, curs: Any, rows: Sequence[Sequence[Any]]) -> None:
        curs.execute(self._q("INSERT INTO {since} SELECT * FROM unnest(%b::text[], %b::text[], %b::text[])"
                             " ON CONFLICT (ref) DO UPDATE SET day = excluded.day,"
                             " due_date = excluded.due_date"),
                     [list(column) for column in zip(*rows, strict=True)])

    # One COPY per table and batch: executemany would send one statement per row, and an INSERT from
    # unnest() of arrays had psycopg build every array in Python (its list dumpers are pure Python, a seventh
    # of the catch-up's time in the profile of bench/ledger.py); COPY's rows are formatted by psycopg's C
    # extension (https://www.psycopg.org/psycopg3/docs/basic/copy.html). In text format, so the server
    # parses each value as its column's type, as the INSERT did (a table of an older store keeps its types).
    def _insert(self, curs: Any, target: str, types: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        with curs.copy(self._q(f"COPY {target} FROM STDIN")) as copy:
            for row in rows:
                copy.write_row(row)

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
