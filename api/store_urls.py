"""Which event store each company's application runs on: ``store_url`` and ``read_url`` in the company
configuration (``SALDO_CONFIG``), checked by ``saldo config check`` and read by :mod:`api.stores`.

A company that names no ``store_url`` lives in the main store (``SALDO_DATABASE_URL``); the first company,
the default one, always does (every account from before companies names no company and is there).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

#: A store URL is at most this long.
MAX_STORE_URL = 1000


@dataclass(frozen=True, slots=True)
class StoreUrls:
    """Where one company's events are written (``store``) and, if set, read back by the views (``read``: a
    read-only URL, e.g. a streaming replica of ``store``)."""

    store: str
    read: str | None = None


def store_url_problem(key: str, url: str) -> str | None:
    """Why ``url`` cannot be a company's ``store_url`` (sqlite:/// or postgresql://) or ``read_url``
    (postgresql:// only: a replica), or None.

    >>> store_url_problem("store_url", "mysql://db/x")
    "must start with sqlite:/// or postgresql://, got 'mysql://db/x'"
    >>> store_url_problem("read_url", "sqlite:///var/x.sqlite")
    "must start with postgresql:// (a read-only view is a PostgreSQL replica), got 'sqlite:///var/x.sqlite'"
    >>> store_url_problem("store_url", "postgresql://db:5432/heat") is None
    True
    """
    parsed = urlparse(url)
    if parsed.scheme in ("postgresql", "postgres"):
        return None if parsed.path.strip("/") else f"names no database, got {url!r}"
    if key == "read_url":
        return f"must start with postgresql:// (a read-only view is a PostgreSQL replica), got {url!r}"
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return None
    return f"must start with sqlite:/// or postgresql://, got {url!r}"


def store_urls(path: str | Path) -> dict[str, StoreUrls]:
    """The companies of the configuration file at ``path`` that name their own store, by code.

    Call it on a file :func:`api.company_file.load_companies` accepted: that checked every URL."""
    data = tomllib.loads(Path(path).read_text("utf-8"))
    return {c["code"]: StoreUrls(c["store_url"], c.get("read_url"))
            for c in data.get("companies", []) if isinstance(c, dict) and c.get("store_url")}
