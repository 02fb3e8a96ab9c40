"""Rebuilding the ledger view beside the one the API reads, then putting it in that one's place at once.

A rebuild used to empty the view and replay the log into it: until the replay reached an account's events,
every reader (the portal in another process too) found no such account and answered 404 (issue 14: 4 of
60 balance reads during a rebuild). Now the replay writes tables of their own (the view's names plus
:data:`NEXT`, under a tracking name of their own), while the view being read stays whole and keeps being
caught up by the API. Once the new tables have caught up with it, one transaction drops the old tables and
renames the new ones into their names, and moves the view's position to theirs: a reader sees the old view
or the new one, never a view half replayed, and reads stay what they were (the same tables, the same
indexes, no fallback query).

Why that is atomic: DDL is transactional on both stores. PostgreSQL's ``DROP TABLE`` and ``ALTER TABLE ...
RENAME`` take an ACCESS EXCLUSIVE lock held to the commit, so a read waits the few milliseconds the switch
takes and then finds the new table by its name
(https://www.postgresql.org/docs/current/sql-altertable.html, https://wiki.postgresql.org/wiki/
Transactional_DDL_in_PostgreSQL:_A_Competitive_Analysis); SQLite's schema changes are part of the
transaction like any write, and in WAL mode readers go on reading their snapshot meanwhile
(https://www.sqlite.org/lang_transaction.html, https://www.sqlite.org/lang_altertable.html#altertabrename).
SQLite cannot rename an index, so its new tables get their indexes in the switch itself (under the write
lock SQLite's single writer holds anyway); PostgreSQL's are built before it and renamed in it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from projections.sql import TABLES, LedgerViewSQL
from projections.tables import CREATE

#: What the tables a rebuild writes are called: the view's names plus this.
NEXT = "_rebuild"
#: Times the switch is tried before giving up, each after catching the new tables up again: it is refused
#: while the view being read is ahead of them (a command was caught up meanwhile).
MAX_SWITCH_ATTEMPTS = 50

_NAME = re.compile(r"\bsaldo_[a-z_]+\b")
_INDEX = re.compile(r"CREATE INDEX IF NOT EXISTS (\w+) ON")


class ViewMovedOn(Exception):
    """The view being read got ahead of the rebuilt tables before the switch: catch them up and retry."""


def next_view(view: LedgerViewSQL, built_name: str) -> LedgerViewSQL:
    """The same store's view over the rebuild's tables (:data:`NEXT`), created empty, with no position
    under ``built_name``. Their secondary indexes come once they are loaded (:func:`index_next`)."""
    built = copy.copy(view)
    built.generation = NEXT
    with built._write() as curs:
        for table in TABLES.values():  # a rebuild that died half-way left its tables: start again
            curs.execute(f"DROP TABLE IF EXISTS {built.prefix}{table}{NEXT}")
        curs.execute(view._q("DELETE FROM {tracking} WHERE application_name = ?"), (built_name,))
        for statement in _statements(view, NEXT, indexes=False):
            curs.execute(statement)
    return built


def index_next(built: LedgerViewSQL) -> None:
    """The rebuilt tables' indexes, on PostgreSQL, now that they are loaded: building an index once is
    cheaper than keeping it up to date row by row (https://www.postgresql.org/docs/current/populate.html).
    SQLite's come in the switch, under the names they keep (it cannot rename an index)."""
    if built.renames_indexes:
        with built._write() as curs:
            for statement in _statements(built, NEXT, indexes=True, tables=False):
                curs.execute(statement)


def _statements(view: LedgerViewSQL, generation: str, *, indexes: bool, tables: bool = True) -> list[str]:
    """The CREATE statements of the view's tables (and of their indexes), for ``generation``."""
    chosen = [s for s in CREATE if (s.startswith("CREATE INDEX") and indexes)
              or (s.startswith("CREATE TABLE") and tables)]
    return [_NAME.sub(lambda m: m.group(0) + generation, s).format(schema=view.prefix) for s in chosen]


def switch(view: LedgerViewSQL, built: LedgerViewSQL, view_name: str, built_name: str) -> int | None:
    """Put the rebuilt tables in the view's place and give the view their position, in one transaction;
    :class:`ViewMovedOn` if the view has got ahead of them. Returns the view's new position."""
    with view._write() as curs:
        # Take the tracking rows' locks first, as every catch-up does (projections.sql): no batch can be
        # applied to the old tables while they are replaced, and the positions read next stay true.
        curs.execute(view._q("UPDATE {tracking} SET notification_id = notification_id"
                             " WHERE application_name IN (?, ?)"), (view_name, built_name))
        live, position = _position(view, curs, view_name), _position(view, curs, built_name)
        if (live or 0) > (position or 0):
            raise ViewMovedOn(f"the view is at {live}, the rebuilt tables at {position}")
        for table in TABLES.values():
            old, new = f"{view.prefix}{table}", f"{view.prefix}{table}{NEXT}"
            if view.renames_indexes:
                _keep_grants(curs, old, new)
            curs.execute(f"DROP TABLE IF EXISTS {old}")
            curs.execute(f"ALTER TABLE {new} RENAME TO {table}")
        if view.renames_indexes:
            _rename_indexes(view, curs)
        else:
            for statement in _statements(view, "", indexes=True, tables=False):
                curs.execute(statement)
        curs.execute(view._q("DELETE FROM {tracking} WHERE application_name IN (?, ?)"),
                     (view_name, built_name))
        if position is not None:
            curs.execute(view._q("INSERT INTO {tracking} (application_name, notification_id) VALUES (?, ?)"),
                         (view_name, position))
    return position


def _position(view: LedgerViewSQL, curs: Any, name: str) -> int | None:
    curs.execute(view._q("SELECT notification_id FROM {tracking} WHERE application_name = ?"), (name,))
    row = curs.fetchone()
    return int(row[0]) if row is not None else None


def _keep_grants(curs: Any, old: str, new: str) -> None:
    """The privileges granted on the old table (a read-only role's SELECT), granted on the new one too:
    a replaced table would otherwise lose them (PostgreSQL; SQLite has none)."""
    curs.execute("SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee))"
                 " END, a.privilege_type, a.is_grantable FROM pg_class c, aclexplode(c.relacl) a"
                 " WHERE c.oid = to_regclass(%s)", (old,))
    for grantee, privilege, grantable in curs.fetchall():
        option = " WITH GRANT OPTION" if grantable else ""
        curs.execute(f"GRANT {privilege} ON {new} TO {grantee}{option}")


def _rename_indexes(view: LedgerViewSQL, curs: Any) -> None:
    """Every index of the renamed tables (their primary keys' too) under the name the view's own had."""
    schema = view.prefix.strip('".')
    curs.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s AND indexname LIKE %s",
                 (schema, f"%{NEXT}%"))
    for (name,) in curs.fetchall():
        if name.startswith("saldo_") and NEXT in name:
            curs.execute(f'ALTER INDEX {view.prefix}"{name}" RENAME TO "{name.replace(NEXT, "", 1)}"')


