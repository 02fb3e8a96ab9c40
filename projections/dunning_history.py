"""The dunning history: every dunning step taken, on every account, as rows to page, filter and sort.

The account's own stream knows its steps (:class:`~ledger.dunning.account_part.StepRecord`); finance asks
across accounts ("every formal notice of company X in March"), which no aggregate answers without a loop
over customers. So the steps are a read model of their own: :func:`history_ops` turns events into row
operations (a pure function, like :func:`projections.catalog.catalog_ops`), :class:`DunningHistorySQL`
writes them with the tracking record in one transaction. It has its **own tracking name**: on a store
whose catalog is already caught up, the history still starts from position 0 and finds every older step.

An account's company is taken from its opening event (``''``: the default company, as every account
opened before companies existed); a step is stored with its account's company, so a filter by company
is an index range, not a join per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic
from psycopg.sql import SQL

from ledger.accounts.account import ContractAccount
from ledger.core.topics import stored_topics
from ledger.dunning.account_part import Dunning
from projections.catalog import Op
from projections.catalog_sql import CatalogSQL, PostgresCatalog, SQLiteCatalog
from projections.following import TopicFollower
from projections.moves import cents

#: Events read and applied per transaction.
HISTORY_BATCH = 2000
#: The company of accounts that name none (the default company, and every account opened before
#: companies existed).
DEFAULT_COMPANY_KEY = ""

_OPENED = (ContractAccount.Opened,)
_RECORDED = (ContractAccount.DunningStepRecorded, Dunning.DunningStepRecorded)
_REVERSED = (ContractAccount.DunningStepReversed, Dunning.DunningStepReversed)
#: Every topic the history reads, under every name its events were ever stored with.
HISTORY_TOPICS: tuple[str, ...] = tuple(dict.fromkeys(
    t for cls in (*_OPENED, *_RECORDED, *_REVERSED) for t in stored_topics(get_topic(cls))))

TABLES = ("saldo_dunning_accounts", "saldo_dunning_steps")
CREATE = [
    "CREATE TABLE IF NOT EXISTS {schema}saldo_dunning_accounts ("
    " account_id TEXT PRIMARY KEY, company TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {schema}saldo_dunning_steps ("
    " step_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, company TEXT NOT NULL, run_id TEXT NOT NULL,"
    " procedure TEXT NOT NULL, procedure_version INTEGER NOT NULL, level INTEGER NOT NULL,"
    " level_name TEXT NOT NULL, template TEXT NOT NULL, rule TEXT NOT NULL, stepped_on TEXT NOT NULL,"
    " payment_deadline TEXT, documents TEXT NOT NULL, overdue_cents BIGINT NOT NULL,"
    " fee_cents BIGINT NOT NULL, interest_cents BIGINT NOT NULL, reversed_on TEXT, reversal_reason TEXT,"
    " position BIGINT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS saldo_dunning_steps_account"
    " ON {schema}saldo_dunning_steps (account_id, stepped_on)",
    "CREATE INDEX IF NOT EXISTS saldo_dunning_steps_company"
    " ON {schema}saldo_dunning_steps (company, stepped_on)",
]
STATEMENTS = {
    "dunning_account": "INSERT INTO {p}saldo_dunning_accounts VALUES (?, ?) ON CONFLICT DO NOTHING",
    # The account's company is read from the row its opening wrote (earlier in store order, so present).
    "dunning_step": "INSERT INTO {p}saldo_dunning_steps VALUES (?, ?, COALESCE((SELECT company FROM"
                    " {p}saldo_dunning_accounts WHERE account_id = ?), ''), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    " ?, ?, ?, NULL, NULL, ?)",
    "dunning_step_reversed": "UPDATE {p}saldo_dunning_steps SET reversed_on = ?, reversal_reason = ?"
                             " WHERE step_id = ?",
}


def history_ops(events: Iterable[tuple[DomainEventProtocol[Any], int]]) -> list[Op]:
    """The row operations of ``(event, notification id)`` pairs, in store order."""
    ops: list[Op] = []
    for e, position in events:
        aid = str(e.originator_id)
        if isinstance(e, _OPENED):
            ops.append(Op("dunning_account", (aid, e.company or DEFAULT_COMPANY_KEY)))
        elif isinstance(e, _RECORDED):
            ops.append(Op("dunning_step", (
                e.step_id, aid, aid, e.run_id, e.procedure, e.procedure_version, e.level, e.level_name,
                e.template, e.rule, e.posted_on.isoformat(),
                e.payment_deadline.isoformat() if e.payment_deadline else None, " ".join(e.documents),
                cents(e.overdue_total), cents(e.fee), cents(e.interest), position)))
        elif isinstance(e, _REVERSED):
            ops.append(Op("dunning_step_reversed", (e.reversed_on.isoformat(), e.reason, e.step_id)))
    return ops


class DunningHistorySQL(CatalogSQL):
    def apply_history(self, ops: list[Op], tracking_name: str, expected: int | None, position: int) -> None:
        self._apply_ops(STATEMENTS, ops, tracking_name, expected, position)

    def drop_history(self, tracking_name: str) -> None:
        self._drop_tables(TABLES, tracking_name)

    def dump_history(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every history row in key order: what a rebuild must reproduce exactly."""
        return {t: self._read(f"SELECT * FROM {self.prefix}{t} ORDER BY 1")  # noqa: S608 - constants
                for t in TABLES}


class SQLiteDunningHistory(SQLiteCatalog, DunningHistorySQL):
    def construct_create_table_statements(self) -> list[str]:
        return [*super().construct_create_table_statements(), *(c.format(schema="") for c in CREATE)]


class PostgresDunningHistory(PostgresCatalog, DunningHistorySQL):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for statement in CREATE:
            self.sql_create_statements.append(SQL(statement.format(schema=self.prefix)))  # type: ignore[arg-type]


class DunningHistoryCatchUp(TopicFollower):
    """Brings the dunning history up to date with the application's notification log."""

    def __init__(self, app: Application[Any], history: DunningHistorySQL,
                 name: str = "dunning-history") -> None:
        super().__init__(app, name, HISTORY_TOPICS, HISTORY_BATCH)
        self.history = history

    def position(self) -> int | None:
        return self.history.position(self.tracking_name)

    def apply(self, notifications: Sequence[Notification], expected: int | None) -> None:
        ops = history_ops((self.app.mapper.to_domain_event(n), n.id) for n in notifications)
        self.history.apply_history(ops, self.tracking_name, expected, notifications[-1].id)

    def drop(self) -> None:
        self.history.drop_history(self.tracking_name)
