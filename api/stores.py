"""The event store partitioned by company: one Saldo application and its projections per store.

A group of utilities spreads over several database servers by naming, in the company configuration
(``SALDO_CONFIG``), a ``store_url`` per company (:mod:`api.store_urls`). Each distinct URL is one *store*:
its own :class:`~api.bootstrap.Services` (application, views, catch-up), serving only the companies that
name it. Companies that name none, and always the first (default) company, are served by the main store
(``SALDO_DATABASE_URL``). An installation whose configuration names no ``store_url`` builds no
:class:`Stores` at all and runs exactly as a single store does.

What goes where:

* a command or read for an account (``account_id``), partner or contract goes to the store that holds it
  (:meth:`Stores.holding`);
* a command that names a company (opening an account for it, a run for it) goes to that company's store
  (:meth:`Stores.of_company`);
* anything else (search, lists, a run for no company over HTTP) goes to the main store, unless the request
  names ``company`` (``?company=fi-heat``); the CLI's runs without ``--company`` go over every store.
  Lists and search do not fan out: a page cursor and a ranking over several databases would need a merge
  that is not built; a clerk searches one company's store at a time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from api.bootstrap import Services, build, companies_from_env
from api.store_urls import StoreUrls, store_urls
from ledger.core.errors import Conflict, InvalidInput
from ledger.parties.company import Companies

#: The ids a request may name that decide its store (:meth:`Stores.serving`).
ROUTED_IDS = ("account_id", "partner_id", "contract_id")
#: How many account (partner, contract) ids' stores are remembered; an aggregate never moves between stores.
MAX_REMEMBERED_IDS = 100_000


@dataclass
class Stores:
    """Every store of a partitioned installation; ``main`` first."""

    main: Services
    others: tuple[Services, ...]
    #: company code -> the store serving it (every company of the configuration)
    by_company: dict[str, Services]
    _where: dict[UUID, Services] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _closed: bool = False

    @property
    def all(self) -> tuple[Services, ...]:
        return (self.main, *self.others)

    def of_company(self, code: str | None) -> Services:
        """The store of company ``code``; the main store for None (the default company)."""
        if code is None:
            return self.main
        found = self.by_company.get(code)
        if found is None:
            codes = ", ".join(self.by_company)
            raise InvalidInput(f"there is no company {code!r} on this installation (there are: {codes})",
                               "company")
        return found

    def holding(self, aggregate_id: UUID, field_name: str = "account_id") -> Services:
        """The store whose events hold ``aggregate_id`` (the main store if none does: it answers the 404).

        Why asking every store is the rule, and not a table of ids or an id range per company: a table would
        be one more database every command across every server writes to, and ids are minted from the
        idempotency key (``child_id(record_id(...))``), the same on every store, so they carry no company.
        Each store answers "do I hold it" with one primary-key read of its own events, at most a few stores
        are asked once per id, and the answer is remembered (an aggregate never moves). The same id in two
        stores (one idempotency key used to open accounts in two companies) is refused, never guessed.
        """
        with self._lock:
            known = self._where.get(aggregate_id)
        if known is not None:
            return known
        holders = [svc for svc in self.all if svc.app.exists(aggregate_id)]
        if not holders:
            return self.main
        if len(holders) > 1:
            codes = ", ".join(self.codes(svc) for svc in holders)  # never the URLs: they may carry passwords
            raise Conflict(f"{aggregate_id} is in the stores of {codes}: the same idempotency key was used "
                           "in two companies' stores; ask the operator", field_name)
        with self._lock:
            if len(self._where) >= MAX_REMEMBERED_IDS:
                self._where.clear()
            self._where[aggregate_id] = holders[0]
        return holders[0]

    def codes(self, svc: Services) -> str:
        """The codes of the companies ``svc`` serves, for messages."""
        return "/".join(code for code, each in self.by_company.items() if each is svc)

    def serving(self, *named: Mapping[str, Any]) -> Services:
        """The store a request is for, from what it names: each of ``named`` (its path parameters, its
        query, its JSON body, in that order) is asked for a ``company``, then for an account, partner or
        contract id (:data:`ROUTED_IDS`); the first found decides. Naming none: the main store."""
        for source in named:
            code = source.get("company")
            if isinstance(code, str) and code:
                return self.of_company(code)
            for name in ROUTED_IDS:
                value = source.get(name)
                try:
                    wanted = UUID(str(value)) if value else None
                except ValueError:  # not an id: the route's own validation answers it
                    continue
                if wanted is not None:
                    return self.holding(wanted, name)
        return self.main

    def close(self) -> None:
        """Close every store's connections (once: ``saldo serve`` closes them before its workers start)."""
        if not self._closed:
            self._closed = True
            for svc in self.all:
                svc.close()

    def __iter__(self) -> Iterator[Services]:
        return iter(self.all)


def company_stores(path: str | None = None) -> dict[str, StoreUrls]:
    """The companies of ``path`` (default ``SALDO_CONFIG``) that name their own store, by code."""
    path = path or os.environ.get("SALDO_CONFIG")
    return store_urls(path) if path else {}


def build_stores(database_url: str | None = None, *, companies: Companies | None = None,
                 urls: dict[str, StoreUrls] | None = None,
                 clock: Callable[[], date] = date.today) -> Stores | None:
    """The stores the configuration names, or None if it names none (a single-store installation).

    ``companies`` and ``urls`` default to ``SALDO_CONFIG``'s. Each store serves its companies in the
    configuration's order (the first is its default); the main one the default company and every company
    naming no store. Companies that name the same URL (and read URL) share one store."""
    companies = companies if companies is not None else companies_from_env()
    urls = urls if urls is not None else company_stores()
    if not urls:
        return None
    if companies.default.code in urls:
        raise ValueError(f"{companies.default.code} is the default company: it lives in the main store")
    groups: dict[str, tuple[StoreUrls, list[str]]] = {}  # by store URL: the first company's read URL counts
    for company in companies.companies:
        if company.code in urls:
            groups.setdefault(urls[company.code].store, (urls[company.code], []))[1].append(company.code)
    main_codes = [c.code for c in companies.companies if c.code not in urls]
    main = build(database_url, clock=clock, companies=_only(companies, main_codes))
    others, by_company = [], dict.fromkeys(main_codes, main)
    try:
        for where, codes in groups.values():
            svc = build(where.store, clock=clock, companies=_only(companies, codes),
                        read_url=where.read or "")
            svc.company_store = True
            others.append(svc)
            by_company.update(dict.fromkeys(codes, svc))
    except BaseException:
        for svc in (main, *others):
            svc.close()
        raise
    return Stores(main, tuple(others), by_company)


def _only(companies: Companies, codes: list[str]) -> Companies:
    return Companies(tuple(c for c in companies.companies if c.code in codes), version=companies.version)
