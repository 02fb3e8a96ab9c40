"""The one place that wires Saldo together: settings → event store → application → projections.

One setting chooses the store: ``SALDO_DATABASE_URL`` — ``sqlite:///var/saldo.sqlite`` (the default, a
file relative to the working directory), ``sqlite:////absolute/path.sqlite``, or
``postgresql://user:password@host:port/dbname?schema=name``. It is mapped onto the eventsourcing library's
environment (``PERSISTENCE_MODULE``, ``SQLITE_DBNAME``, ``POSTGRES_*``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from api.company_file import ConfigFileError, load_companies
from api.delivery.settings import transports_from_env
from api.documents.einvoice import dispatch as einvoice_dispatch
from ledger.accounts.payment_references import ReferenceScheme
from ledger.application import DEFAULT_BANK_ACCOUNT, CompanyConfig, Saldo
from ledger.delivery.transport import Channel, Transport
from ledger.parties.company import Companies
from ledger.parties.identifiers import known_iban
from projections.bulk_load import BulkLoader
from projections.catalog_sql import CatalogCatchUp
from projections.dunning_history import DunningHistoryCatchUp
from projections.lists import ListQueries, PostgresLists, SQLiteLists
from projections.runner import CatchUp
from projections.snapshots import SnapshotPruner
from projections.trail import TrailCatchUp

DEFAULT_DATABASE_URL = "sqlite:///var/saldo.sqlite"


class ConfigurationError(ValueError):
    """A setting is missing or malformed; the message names it."""


def store_env(url: str) -> dict[str, str]:
    """The eventsourcing environment for a database URL.

    >>> store_env("sqlite:///var/x.sqlite")["SQLITE_DBNAME"]
    'var/x.sqlite'
    >>> e = store_env("postgresql://saldo:secret@db:5433/ledger?schema=acme")
    >>> e["POSTGRES_HOST"], e["POSTGRES_PORT"], e["POSTGRES_DBNAME"], e["POSTGRES_SCHEMA"]
    ('db', '5433', 'ledger', 'acme')
    """
    parsed = urlparse(url)
    env = {"CREATE_TABLE": "y",
           # Never the database functions: in 9.5.6 they lose tracking records (architecture.md §7).
           "POSTGRES_ENABLE_DB_FUNCTIONS": "n"}
    if parsed.scheme == "sqlite":
        path = unquote(parsed.path[1:] if parsed.path.startswith("/") else parsed.path)
        if not path:
            raise ConfigurationError(f"SALDO_DATABASE_URL {url!r} names no SQLite file")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {**env, "PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "projections.sqlite_recorder:ChainedSQLiteRecorder"}
    if parsed.scheme in ("postgresql", "postgres"):
        query = parse_qs(parsed.query)
        dbname = unquote(parsed.path.lstrip("/"))
        if not dbname:
            raise ConfigurationError(f"SALDO_DATABASE_URL {url!r} names no database")
        return {**env, "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": dbname,
                "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(parsed.port or 5432),
                "POSTGRES_USER": unquote(parsed.username or os.environ.get("PGUSER", "postgres")),
                "POSTGRES_PASSWORD": unquote(parsed.password or os.environ.get("PGPASSWORD", "")),
                "POSTGRES_SCHEMA": query.get("schema", ["public"])[0],
                "POSTGRES_POOL_SIZE": "10", "POSTGRES_MAX_OVERFLOW": "10",
                "POSTGRES_LOCK_TIMEOUT": "10",
                "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
                "APPLICATION_RECORDER_TOPIC": "projections.pg_recorder:ArrayInsertRecorder"}
    raise ConfigurationError(
        f"SALDO_DATABASE_URL must start with sqlite:/// or postgresql://, got {url!r}")


def company_config_from_env() -> CompanyConfig:
    scheme = os.environ.get("SALDO_REFERENCE_SCHEME", "rf").lower()
    try:
        reference_scheme = ReferenceScheme(scheme)
    except ValueError:
        choices = ", ".join(s.value for s in ReferenceScheme)
        raise ConfigurationError(f"SALDO_REFERENCE_SCHEME must be one of {choices}, got {scheme!r}") from None
    bank_account = _iban_setting("SALDO_BANK_ACCOUNT",
                                 os.environ.get("SALDO_BANK_ACCOUNT", DEFAULT_BANK_ACCOUNT))
    others = tuple(_iban_setting("SALDO_BANK_ACCOUNTS", text)
                   for text in os.environ.get("SALDO_BANK_ACCOUNTS", "").split(",") if text.strip())
    return CompanyConfig(reference_scheme=reference_scheme, bank_account=bank_account, bank_accounts=others)


def _iban_setting(name: str, text: str) -> str:
    """A bank account of the company as configured: a valid IBAN, kept compact (it names a GL account)."""
    iban = known_iban(text)
    if iban is None:
        raise ConfigurationError(f"{name} must hold valid IBANs of the company's bank accounts, got {text!r}")
    return iban


@dataclass
class Services:
    """Everything an entrypoint needs: the application (commands) and the view (queries)."""

    app: Saldo
    view: ListQueries  #: the ledger view, with the audit trail's and the catalog's tables and queries
    projections: CatchUp
    database_url: str
    trail: TrailCatchUp  #: who did what (:mod:`projections.trail`), caught up when asked
    catalog: CatalogCatchUp  #: what lists and search read (:mod:`projections.catalog`), caught up when asked
    #: every dunning step (:mod:`projections.dunning_history`), caught up when asked
    dunning_history: DunningHistoryCatchUp
    #: the same tables read through a read-only URL (a streaming replica), if one is set; never written
    read_view: ListQueries | None = None
    #: a store of companies of their own (api/stores.py): an account opened there without a company is
    #: given the store's first one by name, so that no later order of the configuration can re-assign it
    company_store: bool = False
    #: how documents reach customers, per channel (api/delivery/settings.py: SALDO_SMTP_URL, SALDO_OUTBOX_DIR)
    transports: dict[Channel, Transport] = field(default_factory=dict)

    def for_reads(self, after: int | None = None) -> Services:
        """These services with ``view`` reading through the read-only URL, if there is one (for a request that
        only reads: :mod:`api.deps`). Commands and catch-up keep the primary: they hold their own views.

        ``after``: the position in the event log a client has written up to (the ``Saldo-Position`` its
        command answered). A replica whose ledger view has not reached it yet is passed over for the
        primary, so a client reads its own writes however far the replica lags."""
        if self.read_view is None:
            return self
        if after is not None and (self.read_view.position(self.projections.tracking_name) or 0) < after:
            return self
        return dataclasses.replace(self, view=self.read_view, read_view=None)

    def close(self) -> None:
        self.app.close()


def companies_from_env() -> Companies:
    """The companies of ``SALDO_CONFIG`` (a TOML file, :mod:`api.company_file`), else the one the environment
    settings make (``SALDO_REFERENCE_SCHEME``, ``SALDO_BANK_ACCOUNT``, ``SALDO_BANK_ACCOUNTS``)."""
    path = os.environ.get("SALDO_CONFIG")
    if not path:
        return Companies((company_config_from_env(),))
    try:
        return load_companies(path)
    except ConfigFileError as error:
        raise ConfigurationError(f"SALDO_CONFIG {path}: " + "; ".join(error.problems)) from None


def build(database_url: str | None = None, *, config: CompanyConfig | None = None,
          clock: Callable[[], date] = date.today, companies: Companies | None = None,
          read_url: str | None = None) -> Services:
    """The services of one store. ``companies``: those this store serves (default: ``config``, else the
    environment's); ``read_url``: the read-only URL its views read through (default
    ``SALDO_READ_DATABASE_URL``; ``""``: none)."""
    url = database_url or os.environ.get("SALDO_DATABASE_URL") or DEFAULT_DATABASE_URL
    if companies is None:
        companies = Companies((config,)) if config is not None else companies_from_env()
    app = Saldo(store_env(url), config=companies.default, clock=clock)
    app.companies = companies
    app.bulk_loader = BulkLoader(app)
    app.snapshot_pruner = SnapshotPruner(app)
    view_class = PostgresLists if url.startswith("postgres") else SQLiteLists
    # The view shares the application's datastore (same database, same connection pool): on SQLite that
    # keeps every writer behind one interlock, on PostgreSQL it is simply one pool fewer. The ledger view
    # class extended with the audit trail's table: one recorder for both read models.
    view = app.factory.tracking_recorder(view_class)
    if not isinstance(view, ListQueries):
        raise ConfigurationError("the store did not build a ledger view")
    read_url = os.environ.get("SALDO_READ_DATABASE_URL", "") if read_url is None else read_url
    reads = read_only_view(read_url, view_class) if read_url else None
    # The e-invoice channel writes each document in its company's format (api/documents/einvoice/dispatch).
    transports = transports_from_env(lambda number: einvoice_dispatch.write(app, number))
    return Services(app, view, CatchUp(app, view), url, TrailCatchUp(app, view), CatalogCatchUp(app, view),
                    DunningHistoryCatchUp(app, view), reads, transports=transports)


def read_only_view(url: str, view_class: type[ListQueries]) -> ListQueries:
    """The ledger view's tables through ``url``, a read-only connection (a streaming replica of the store, or
    a role that may only SELECT): its own connection pool, and no table creation (a replica refuses DDL).

    Why a replica can serve the reads: every table a GET reads is written by the projections on the primary
    in the same transaction as their tracking record, so a replica shows a consistent, possibly older, view
    (https://www.postgresql.org/docs/current/hot-standby.html)."""
    if not url.startswith("postgres"):
        raise ConfigurationError(f"SALDO_READ_DATABASE_URL must start with postgresql:// (a read-only view "
                                 f"is a PostgreSQL replica), got {url!r}")
    if view_class is not PostgresLists:
        raise ConfigurationError("a read-only view URL needs a PostgreSQL store (SALDO_DATABASE_URL)")
    env = {**store_env(url), "CREATE_TABLE": "n"}
    view = InfrastructureFactory.construct(Environment(Saldo.name, env)).tracking_recorder(view_class)
    if not isinstance(view, ListQueries):
        raise ConfigurationError("the read-only URL did not build a ledger view")
    return view
