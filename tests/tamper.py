"""Raw SQL on a store, behind Saldo's back: what an intruder or a careless administrator could do."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg


class Store:
    """One store's event and chain tables through a raw connection; positions are notification ids."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.position = "rowid" if self.sqlite else "notification_id"
        self.events = "stored_events" if self.sqlite else "saldo_events"  # PostgreSQL's is named by the app
        self.mark = "?" if self.sqlite else "%s"

    @contextmanager
    def _conn(self) -> Iterator[Any]:
        if self.sqlite:
            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            try:
                with conn:
                    yield conn
            finally:
                conn.close()
            return
        base, _, query = self.url.partition("?")
        schema = parse_qs(query)["schema"][0]
        assert urlparse(base).scheme.startswith("postgres")
        with psycopg.connect(base) as conn:
            conn.execute(f'SET search_path TO "{schema}"')
            yield conn

    def sql(self, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._conn() as conn:
            cursor = conn.execute(statement.replace("?", self.mark).replace("{position}", self.position)
                                  .replace("{events}", self.events),
                                  params)
            return list(cursor.fetchall()) if cursor.description else []

    def positions(self, topic_part: str) -> list[int]:
        return [r[0] for r in self.sql("SELECT {position} FROM {events} WHERE topic LIKE ? "
                                       "ORDER BY {position}", (f"%{topic_part}%",))]

    def update_state(self, position: int, state: bytes) -> None:
        self.sql("UPDATE {events} SET state = ? WHERE {position} = ?", (state, position))

    def state(self, position: int) -> bytes:
        return bytes(self.sql("SELECT state FROM {events} WHERE {position} = ?", (position,))[0][0])

    def delete(self, position: int) -> None:
        self.sql("DELETE FROM {events} WHERE {position} = ?", (position,))

    def swap(self, first: int, second: int) -> None:
        """Exchange the positions of two events (through a free one: positions are unique)."""
        with self._conn() as conn:
            for old, new in ((first, -1), (second, first), (-1, second)):
                conn.execute(f"UPDATE {self.events} SET {self.position} = {self.mark} "
                             f"WHERE {self.position} = {self.mark}", (new, old))

    def insert_copy(self, position: int) -> int:
        """A copy of the event at ``position`` as its aggregate's next version, appended: a second
        payment, say. Returns its position."""
        oid, topic, state = self.sql("SELECT originator_id, topic, state FROM {events} "
                                     "WHERE {position} = ?", (position,))[0]
        (version,) = self.sql("SELECT MAX(originator_version) FROM {events} WHERE originator_id = ?",
                              (oid,))[0]
        self.sql("INSERT INTO {events} (originator_id, originator_version, topic, state) "
                 "VALUES (?, ?, ?, ?)", (oid, version + 1, topic, state))
        return int(self.sql("SELECT MAX({position}) FROM {events}")[0][0])

    def empty_chain(self) -> None:
        self.sql("DELETE FROM saldo_event_chain")
