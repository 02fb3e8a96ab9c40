"""The catalog's tables (:mod:`projections.catalog`), on the ledger view's database and tracking table.

Like the audit trail (:mod:`projections.trail`), the catalog has its own tracking name and is caught up
when it is asked (a list or a search), so commands do not wait for it. Its operations are applied in
store order, one statement per operation kind and run of operations, in the transaction that advances
its tracking record: exactly once, and identical on every rebuild.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from itertools import groupby
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Notification
from psycopg.sql import SQL

from projections.catalog import CATALOG_TOPICS, Op, catalog_ops
from projections.following import Progress, TopicFollower
from projections.trail import AuditTrailSQL, PostgresAuditTrail, SQLiteAuditTrail

#: Events read and applied per transaction.
CATALOG_BATCH = 2000
#: The catalog's shape: raise it whenever projections/catalog.py reads other events or writes other rows,
#: and every store rebuilds its catalog on the next catch-up (:class:`CatalogCatchUp`). Version 2: partner
#: details, payment-method and billing-frequency changes (issue 11). Version 3: the documents' lines, for the
#: consumption and revenue report (issue 14).
CATALOG_VERSION = 3

TABLES = ("saldo_partners", "saldo_account_parties", "saldo_contracts", "saldo_documents", "saldo_payments",
          "saldo_search", "saldo_document_lines")
CREATE = [
    "CREATE TABLE IF NOT EXISTS {schema}saldo_partners ("
    " partner_id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, tax_ids TEXT NOT NULL,"
    " email TEXT, language TEXT NOT NULL, position BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_partners_name ON {schema}saldo_partners (name, partner_id)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_account_parties ("
    " account_id TEXT PRIMARY KEY, partner_id TEXT NOT NULL, payment_method TEXT NOT NULL,"
    " payment_terms_days INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_account_parties_partner ON {schema}saldo_account_parties (partner_id)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_contracts ("
    " contract_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, supply_point_scheme TEXT NOT NULL,"
    " supply_point_id TEXT NOT NULL, commodity TEXT NOT NULL, tariff_code TEXT NOT NULL,"
    " billing_frequency TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT, position BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_contracts_account ON {schema}saldo_contracts (account_id, position)",
    # The supply-point list looks for a later contract at the same point and pages by the point id
    # (projections/lists.py): one index serves both.
    "CREATE INDEX IF NOT EXISTS saldo_contracts_point ON {schema}saldo_contracts"
    " (supply_point_id, supply_point_scheme, position)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_documents ("
    " document_id TEXT PRIMARY KEY, number TEXT NOT NULL, kind TEXT NOT NULL, account_id TEXT NOT NULL,"
    " contract_id TEXT, issue_date TEXT NOT NULL, due_date TEXT NOT NULL, currency TEXT NOT NULL,"
    " net_cents BIGINT NOT NULL, vat_cents BIGINT NOT NULL, gross_cents BIGINT NOT NULL,"
    " payment_reference TEXT, corrects TEXT, credited_cents BIGINT NOT NULL DEFAULT 0,"
    " position BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_documents_account ON {schema}saldo_documents (account_id, position)",
    # The consumption and revenue report reads a period's documents by issue date.
    "CREATE INDEX IF NOT EXISTS saldo_documents_issued ON {schema}saldo_documents (issue_date)",
    # Every line of every document, as the report groups them (projections/reports/lines.py): quantity in
    # millionths of its unit, amount in cents, both positive on a credit note too (its kind says the sign).
    "CREATE TABLE IF NOT EXISTS {schema}saldo_document_lines ("
    " document_id TEXT NOT NULL, line_no INTEGER NOT NULL, component TEXT NOT NULL, kind TEXT NOT NULL,"
    " band TEXT, tariff_code TEXT, unit TEXT NOT NULL, quantity_micro BIGINT NOT NULL,"
    " amount_cents BIGINT NOT NULL, vat_rate TEXT NOT NULL, site TEXT, commodity TEXT,"
    " PRIMARY KEY (document_id, line_no))",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_payments ("
    " payment_id TEXT NOT NULL, account_id TEXT NOT NULL, amount_cents BIGINT NOT NULL,"
    " received_on TEXT NOT NULL, source_account TEXT NOT NULL, payer_iban TEXT, rule TEXT NOT NULL,"
    " evidence TEXT NOT NULL, allocations TEXT NOT NULL, to_credit_cents BIGINT NOT NULL,"
    " position BIGINT NOT NULL, reversed_on TEXT, PRIMARY KEY (account_id, payment_id))",
    "CREATE INDEX IF NOT EXISTS saldo_payments_position ON {schema}saldo_payments (position)",
    # One row per key a thing can be found by; the primary key is the index every search reads.
    "CREATE TABLE IF NOT EXISTS {schema}saldo_search ("
    " key TEXT NOT NULL, kind TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT NOT NULL,"
    " label TEXT NOT NULL, PRIMARY KEY (key, kind, entity_id))",
]

STATEMENTS = {
    "partner": "INSERT INTO {p}saldo_partners VALUES (?, ?, ?, ?, ?, ?, ?)",
    "account": "INSERT INTO {p}saldo_account_parties VALUES (?, ?, ?, ?)",
    "contract": "INSERT INTO {p}saldo_contracts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "partner_details": "UPDATE {p}saldo_partners SET email = COALESCE(?, email),"
                       " language = COALESCE(?, language) WHERE partner_id = ?",
    "unindex": "DELETE FROM {p}saldo_search WHERE kind = ? AND entity_id = ?",
    "account_payment_method": "UPDATE {p}saldo_account_parties SET payment_method = ? WHERE account_id = ?",
    "contract_tariff": "UPDATE {p}saldo_contracts SET tariff_code = ? WHERE contract_id = ?",
    "contract_frequency": "UPDATE {p}saldo_contracts SET billing_frequency = ? WHERE contract_id = ?",
    "contract_end": "UPDATE {p}saldo_contracts SET end_date = ? WHERE contract_id = ?",
    "document": "INSERT INTO {p}saldo_documents (document_id, number, kind, account_id, contract_id,"
                " issue_date, due_date, currency, net_cents, vat_cents, gross_cents, payment_reference,"
                " corrects, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "document_line": "INSERT INTO {p}saldo_document_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                     " COALESCE((SELECT c.commodity FROM {p}saldo_contracts c WHERE c.contract_id = ?),"
                     " (SELECT MIN(c.commodity) FROM {p}saldo_contracts c WHERE c.account_id = ?"
                     " AND c.supply_point_id = ?)))",
    "document_credited": "UPDATE {p}saldo_documents SET credited_cents = credited_cents + ?"
                         " WHERE document_id = ?",
    # A payment id is unique on its account; a replayed event cannot reach here (tracking), so a conflict
    # would be a second receipt under one id, which the account refuses before recording it.
    "payment": "INSERT INTO {p}saldo_payments (payment_id, account_id, amount_cents, received_on,"
               " source_account, payer_iban, rule, evidence, allocations, to_credit_cents, position)"
               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "payment_reversed": "UPDATE {p}saldo_payments SET reversed_on = ?"
                        " WHERE account_id = ? AND payment_id = ?",
    "index": "INSERT INTO {p}saldo_search VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
}


class CatalogSQL(AuditTrailSQL):
    """The catalog's writes; its reads are :class:`projections.lists.ListQueries`'."""

    def apply_catalog(self, ops: list[Op], tracking_name: str, expected: int | None, position: int) -> None:
        self._apply_ops(STATEMENTS, ops, tracking_name, expected, position)

    def _apply_ops(self, statements: Mapping[str, str], ops: list[Op], tracking_name: str,
                   expected: int | None, position: int) -> None:
        """``ops`` (named by ``statements``) and the move of the tracking record, in one transaction."""
        with self._write() as curs:
            self._advance_tracking(curs, tracking_name, expected, position)
            # Consecutive operations of one kind go in one executemany; the order between kinds is kept
            # (an account's opening before its steps, a step before its reversal).
            for statement, run in groupby(ops, key=lambda op: op.statement):
                sql = statements[statement].replace("{p}", self.prefix)
                if self.placeholder != "?":
                    sql = sql.replace("?", self.placeholder)
                curs.executemany(sql, [op.params for op in run])

    def drop_catalog(self, tracking_name: str, *older: str) -> None:
        """Every catalog row and the tracking records of ``tracking_name`` and ``older``, in one transaction
        (a process applying a batch meanwhile then finds its position gone and starts again from 0)."""
        self._drop_tables(TABLES, tracking_name, *older)

    def _drop_tables(self, tables: Sequence[str], *tracking_names: str) -> None:
        with self._write() as curs:
            for table in tables:
                curs.execute(f"DELETE FROM {self.prefix}{table}")  # noqa: S608 - constant names
            for name in tracking_names:
                curs.execute(self._q("DELETE FROM {tracking} WHERE application_name = ?"), (name,))

    def catalog_versions(self, base_name: str) -> list[str]:
        """The tracking names of every version of the catalog this store has been built with."""
        rows = self._read("SELECT application_name FROM {tracking} WHERE application_name = ?"
                          " OR application_name LIKE ?", (base_name, f"{base_name}@v%"))
        return sorted(str(r[0]) for r in rows)


    def dump_catalog(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every catalog row in key order: what a rebuild must reproduce exactly."""
        keys = {"saldo_partners": "partner_id", "saldo_account_parties": "account_id",
                "saldo_contracts": "contract_id", "saldo_documents": "document_id",
                "saldo_payments": "account_id, payment_id", "saldo_search": "key, kind, entity_id",
                "saldo_document_lines": "document_id, line_no"}
        return {t: self._read(f"SELECT * FROM {self.prefix}{t} ORDER BY {k}")  # noqa: S608 - constants
                for t, k in keys.items()}


class SQLiteCatalog(SQLiteAuditTrail, CatalogSQL):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *(c.format(schema="") for c in CREATE)]


class PostgresCatalog(PostgresAuditTrail, CatalogSQL):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for statement in CREATE:
            self.sql_create_statements.append(SQL(statement.format(schema=self.prefix)))  # type: ignore[arg-type]


class CatalogCatchUp(TopicFollower):
    """Brings the catalog up to date with the application's notification log.

    The catalog's rows are derived data, so a new version of :func:`~projections.catalog.catalog_ops` (it
    reads more events, or writes other rows) needs no migration: the first catch-up after an upgrade finds
    a tracking record of an older :data:`CATALOG_VERSION`, drops the catalog and builds it again from
    position 0 (one transaction drops the rows and the old records, as :meth:`CatalogSQL.drop_catalog`
    says). Without this a store built before the upgrade would answer from rows that miss what the new
    version indexes (partners' changed e-mails, the payment method after a mandate).
    """

    def __init__(self, app: Application[Any], catalog: CatalogSQL, name: str = "catalog") -> None:
        super().__init__(app, name if CATALOG_VERSION == 1 else f"{name}@v{CATALOG_VERSION}", CATALOG_TOPICS,
                         CATALOG_BATCH)
        self.base_name = f"{app.name}:{name}"
        self.catalog = catalog
        self._version_checked = False

    def follow(self, progress: Progress | None = None,
               stop: threading.Event | None = None) -> tuple[int, int | None]:
        if not self._version_checked:
            older = [n for n in self.catalog.catalog_versions(self.base_name) if n != self.tracking_name]
            if older:
                self.catalog.drop_catalog(self.tracking_name, *older)
            self._version_checked = True
        return super().follow(progress, stop)

    def position(self) -> int | None:
        return self.catalog.position(self.tracking_name)

    def apply(self, notifications: Sequence[Notification], expected: int | None) -> None:
        ops = catalog_ops((self.app.mapper.to_domain_event(n), n.id) for n in notifications)
        self.catalog.apply_catalog(ops, self.tracking_name, expected, notifications[-1].id)

    def drop(self) -> None:
        self.catalog.drop_catalog(self.tracking_name)
