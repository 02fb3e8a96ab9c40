"""Fixtures: every store-facing test runs on SQLite and on a real PostgreSQL (never skipped)."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from api.bootstrap import Services, build
from tests.clerk import Clerk, Clock
from tests.postgres import NoPostgres, scratch_database, server_url

STORES = ("sqlite", "postgres")
#: The test company's bank accounts besides its collection account: those the statements in tests/fixtures/
#: and of importers.bank.synth are of. A statement of any other account is refused (issue 10), so every
#: test company, the command line's included, is configured with these (SALDO_BANK_ACCOUNTS).
TEST_BANK_ACCOUNTS = ("FI2112345600000785", "FI7815723500012349", "DE02120300000000202051",
                      "ES9121000418450200051332", "NL20INGB0001234567", "NL69INGB0123456789",
                      "NL77ABNA0574908765")

# Shared, noisy machines: no deadlines and no "too slow" verdicts (speed is measured in bench/, not here).
# Under CI the examples are derandomised, so a red build can be reproduced exactly.
settings.register_profile("saldo", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("saldo"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "saldo")


#: The top-level packages whose loggers the tests read (caplog).
OUR_PACKAGES = frozenset({"saldo", "api", "ledger", "projections", "importers"})


@pytest.fixture(autouse=True)
def our_loggers_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """import-linter's CLI, run in-process by tests/test_architecture.py, configures logging with
    ``dictConfig`` and so disables every logger that exists by then (``disable_existing_loggers``): a test
    after it would read no log at all. A server's logging configuration does not do that."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.disabled and name.split(".")[0] in OUR_PACKAGES:
            monkeypatch.setattr(logger, "disabled", False)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    try:
        with server_url() as url, scratch_database(url, f"saldo_test_{os.getpid()}") as db_url:
            yield db_url
    except NoPostgres as e:
        pytest.fail(str(e), pytrace=False)


def _postgres_schema_url(pg_url: str, schema: str) -> str:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in pg_url else "?"
    return f"{pg_url}{separator}schema={schema}"


@pytest.fixture(autouse=True)
def test_bank_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALDO_BANK_ACCOUNTS", ",".join(TEST_BANK_ACCOUNTS))
    monkeypatch.delenv("SALDO_CONFIG", raising=False)  # a test names its company file (issue 11)


@pytest.fixture
def clock() -> Clock:
    return Clock(date(2026, 3, 1))


@pytest.fixture
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store: a new SQLite file, or a new schema in the test PostgreSQL database."""
    kind = getattr(request, "param", "sqlite")
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path}/saldo.sqlite"
        return
    pg = request.getfixturevalue("pg_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield _postgres_schema_url(pg, schema)
    with psycopg.connect(pg, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def services(store_url: str, clock: Clock) -> Iterator[Services]:
    svc = build(store_url, clock=clock)
    yield svc
    svc.close()


@pytest.fixture
def clerk(services: Services, clock: Clock) -> Clerk:
    return Clerk(services, clock)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Any test that uses the store runs once per store (the ``store`` parameter)."""
    if "store_url" in metafunc.fixturenames:
        metafunc.parametrize("store_url", STORES, indirect=True)
