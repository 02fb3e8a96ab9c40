"""Finding a PostgreSQL server for the test suite — never skipping it.

In order: ``SALDO_TEST_DATABASE_URL``; the server on 127.0.0.1:5432 (trust auth, or PGUSER/PGPASSWORD);
a throwaway cluster started from the local PostgreSQL binaries with pytest-postgresql. If none can be
had, the suite fails with :data:`HOW_TO_GET_ONE`.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlparse, urlunparse

import psycopg

HOW_TO_GET_ONE = """\
The tests need PostgreSQL and none could be found. Any one of these works:
  * export SALDO_TEST_DATABASE_URL=postgresql://user:password@host:5432/dbname
  * run a server on 127.0.0.1:5432 that trusts local connections, e.g.
      docker compose up -d db          (then SALDO_TEST_DATABASE_URL=postgresql://saldo:saldo@127.0.0.1:5432/saldo)
      sudo apt-get install postgresql  (Debian/Ubuntu; the service listens on 5432)
  * install the PostgreSQL server binaries (pg_ctl) and run the tests as a non-root user, so a
    throwaway cluster can be started
"""


class NoPostgres(RuntimeError):
    pass


def _can_connect(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as e:
        return str(e).strip()
    return None


def _local_server_url() -> str | None:
    user = os.environ.get("PGUSER")
    candidates = [user] if user else ["postgres", "root"]
    password = os.environ.get("PGPASSWORD", "")
    for name in candidates:
        auth = f"{name}:{password}@" if password else f"{name}@"
        for db in ("postgres", "test"):
            url = f"postgresql://{auth}127.0.0.1:5432/{db}"
            if _can_connect(url) is None:
                return url
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as(user: str | None, *command: str) -> None:
    prefix = ["runuser", "-u", user, "--"] if user else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=120)


@contextmanager
def _cluster_as_postgres_user(pg_ctl: str) -> Iterator[str]:
    """PostgreSQL refuses to run as root: as root, run the throwaway cluster as the ``postgres`` user."""
    bindir = os.path.dirname(pg_ctl)
    tmp = tempfile.mkdtemp(prefix="saldo-pg-")
    shutil.chown(tmp, "postgres")
    data, port = os.path.join(tmp, "data"), _free_port()
    try:
        _run_as("postgres", os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust")
        _run_as("postgres", pg_ctl, "-D", data, "-w", "-l", os.path.join(tmp, "log"), "-o",
                f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1", "start")
    except (OSError, subprocess.SubprocessError) as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise NoPostgres(f"could not start a throwaway cluster as user postgres with {pg_ctl}: {e}") from e
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with suppress(OSError, subprocess.SubprocessError):
            _run_as("postgres", pg_ctl, "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _throwaway_cluster() -> Iterator[str]:
    from pytest_postgresql.executors.proc import PostgreSQLExecutor

    pg_ctls = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")) or [shutil.which("pg_ctl") or ""]
    if not pg_ctls[-1]:
        raise NoPostgres("no pg_ctl binary found")
    if os.geteuid() == 0:
        with _cluster_as_postgres_user(pg_ctls[-1]) as url:
            yield url
        return
    tmp = tempfile.mkdtemp(prefix="saldo-pg-")
    port = _free_port()
    executor = PostgreSQLExecutor(executable=pg_ctls[-1], host="127.0.0.1", port=port,
                                  datadir=os.path.join(tmp, "data"), unixsocketdir=tmp,
                                  logfile=os.path.join(tmp, "log"), startparams="-w", dbname="saldo_test")
    try:
        executor.start()
    except Exception as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise NoPostgres(f"could not start a throwaway cluster with {pg_ctls[-1]}: {e}") from e
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        with suppress(Exception):
            executor.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def server_url() -> Iterator[str]:
    """A URL to a PostgreSQL server the tests may create a database on."""
    explicit = os.environ.get("SALDO_TEST_DATABASE_URL")
    if explicit:
        error = _can_connect(explicit)
        if error:
            raise NoPostgres(f"SALDO_TEST_DATABASE_URL={explicit} does not answer: {error}\n{HOW_TO_GET_ONE}")
        yield explicit
        return
    local = _local_server_url()
    if local:
        yield local
        return
    try:
        with _throwaway_cluster() as url:
            yield url
    except NoPostgres as e:
        raise NoPostgres(f"{e}\n{HOW_TO_GET_ONE}") from e


@contextmanager
def scratch_database(url: str, name: str) -> Iterator[str]:
    """A fresh database for this test session (falls back to the given one if we may not create any)."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        yield url
        return
    parts = urlparse(url)
    yield urlunparse(parts._replace(path=f"/{name}"))
    with suppress(psycopg.Error), psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
