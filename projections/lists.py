"""Paged lists of partners, accounts, contracts, documents, payments, mandates and dunning steps, and the
search box.

Every list is a keyset page (https://use-the-index-luke.com/no-offset): ordered by one sort column and the
row's id, it starts strictly after the last (sort value, id) of the page before, so a page costs the same
at the millionth row as at the first, and rows written meanwhile are neither skipped nor repeated. The
API wraps the position in an opaque cursor (:mod:`api.listing`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from projections.catalog import NAME, key_variants, name_words
from projections.dunning_history import DunningHistorySQL, PostgresDunningHistory, SQLiteDunningHistory
from projections.reports.queries import ReportQueries

#: Most rows of one page.
MAX_PAGE_SIZE = 500
#: Most search results (per query, over every kind of key).
MAX_SEARCH_RESULTS = 50
#: Most contracts one supply point's history shows (decades of holders fit many times over).
MAX_TENURES = 500


@dataclass(frozen=True)
class Listing:
    """One list: what it selects from, its columns, the columns it sorts and filters by."""

    #: FROM clause; ``{p}`` the schema prefix, ``{accounts}``/``{items}``/``{mandates}`` view tables
    source: str
    id_column: str
    columns: tuple[str, ...]
    sorts: Mapping[str, str]  #: sort name -> SQL expression (never NULL)
    filters: Mapping[str, str] = field(default_factory=dict)  #: filter name -> column compared for equality
    #: filter name -> (column, ``>=`` or ``<=``): the ends of a range (dates as ISO text compare as dates)
    ranges: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    numbers: frozenset[str] = frozenset()  #: sorts by a number other than a position or cents
    #: A condition every row of the list meets (SQL over ``source``'s aliases).
    where: str = "1 = 1"

    def numeric(self, sort: str) -> bool:
        """Whether sort ``sort`` orders by a number (a store position or cents), else by text."""
        expression = self.sorts[sort]
        return "position" in expression or "_cents" in expression or sort in self.numbers


_OPEN = ("(SELECT COALESCE(SUM(i.open_cents), 0) FROM {items} i"
         " WHERE i.document_number = d.number AND i.account_id = d.account_id)")

_SUPPLY_STATUS = "(CASE WHEN c.end_date IS NULL THEN 'occupied' ELSE 'vacant' END)"

LISTINGS: dict[str, Listing] = {
    "partners": Listing(
        "{p}saldo_partners p", "p.partner_id",
        ("p.partner_id", "p.name", "p.kind", "p.tax_ids", "p.email", "p.language"),
        {"name": "p.name", "registered": "p.position"}, {"kind": "p.kind", "language": "p.language"}),
    "accounts": Listing(
        "{accounts} a LEFT JOIN {p}saldo_account_parties ap ON ap.account_id = a.account_id", "a.account_id",
        ("a.account_id", "a.partner_id", "a.name", "a.currency", "a.open_cents", "a.credit_cents",
         "ap.payment_method", "ap.payment_terms_days"),
        {"name": "a.name", "opened": "a.opened_at_position", "balance": "(a.open_cents - a.credit_cents)"},
        {"partner_id": "a.partner_id", "currency": "a.currency", "payment_method": "ap.payment_method"}),
    "contracts": Listing(
        "{p}saldo_contracts c", "c.contract_id",
        ("c.contract_id", "c.account_id", "c.supply_point_scheme", "c.supply_point_id", "c.commodity",
         "c.tariff_code", "c.billing_frequency", "c.start_date", "c.end_date"),
        {"signed": "c.position", "start_date": "c.start_date"},
        {"account_id": "c.account_id", "commodity": "c.commodity", "tariff_code": "c.tariff_code",
         "supply_point_scheme": "c.supply_point_scheme"}),
    "documents": Listing(
        "{p}saldo_documents d", "d.document_id",
        ("d.document_id", "d.number", "d.kind", "d.account_id", "d.contract_id", "d.issue_date", "d.due_date",
         "d.currency", "d.net_cents", "d.vat_cents", "d.gross_cents", "d.payment_reference", "d.corrects",
         "d.credited_cents", _OPEN),
        {"issued": "d.position", "issue_date": "d.issue_date", "due_date": "d.due_date", "number": "d.number",
         "gross": "d.gross_cents"},
        {"account_id": "d.account_id", "contract_id": "d.contract_id", "kind": "d.kind",
         "currency": "d.currency"}),
    "payments": Listing(
        "{p}saldo_payments y", "y.payment_id",
        ("y.payment_id", "y.account_id", "y.amount_cents", "y.received_on", "y.source_account",
         "y.payer_iban", "y.rule", "y.evidence", "y.allocations", "y.to_credit_cents", "y.reversed_on"),
        {"received": "y.position", "received_on": "y.received_on", "amount": "y.amount_cents"},
        {"account_id": "y.account_id", "rule": "y.rule"}),
    "mandates": Listing(
        "{mandates} m", "m.account_id",
        ("m.account_id", "m.reference", "m.status", "m.debtor_iban", "m.signed_on"),
        {"signed_on": "m.signed_on", "reference": "m.reference"}, {"status": "m.status"}),
    # A supply point is the point of its latest contract (no later one signed there): occupied while that
    # contract has no end date, vacant once it has one (ended, or ending, with no successor signed).
    "supply_points": Listing(
        "{p}saldo_contracts c LEFT JOIN {p}saldo_account_parties ap ON ap.account_id = c.account_id",
        "c.contract_id",
        ("c.supply_point_scheme", "c.supply_point_id", "c.commodity", _SUPPLY_STATUS, "c.contract_id",
         "c.account_id", "ap.partner_id", "c.tariff_code", "c.start_date", "c.end_date"),
        {"supply_point": "c.supply_point_id", "since": "c.start_date"},
        {"scheme": "c.supply_point_scheme", "commodity": "c.commodity", "status": _SUPPLY_STATUS},
        where=("NOT EXISTS (SELECT 1 FROM {p}saldo_contracts n WHERE n.supply_point_id = c.supply_point_id"
               " AND n.supply_point_scheme = c.supply_point_scheme AND n.position > c.position)")),
    "dunning_steps": Listing(
        "{p}saldo_dunning_steps h", "h.step_id",
        ("h.step_id", "h.account_id", "h.company", "h.run_id", "h.procedure", "h.procedure_version",
         "h.level", "h.level_name", "h.template", "h.rule", "h.stepped_on", "h.payment_deadline",
         "h.documents",
         "h.overdue_cents", "h.fee_cents", "h.interest_cents", "h.reversed_on", "h.reversal_reason"),
        {"stepped_on": "h.stepped_on", "recorded": "h.position", "level": "h.level", "fee": "h.fee_cents"},
        {"account_id": "h.account_id", "company": "h.company", "level": "CAST(h.level AS TEXT)",
         "procedure": "h.procedure", "template": "h.template"},
        ranges={"from": ("h.stepped_on", ">="), "to": ("h.stepped_on", "<=")}, numbers=frozenset({"level"})),
}


@dataclass(frozen=True, slots=True)
class PageRequest:
    sort: str
    descending: bool = False
    after: tuple[Any, str] | None = None  #: (sort value, id) of the last row of the page before
    limit: int = 100
    #: filter name -> the value, or the values one of which the column holds
    filters: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: str  #: what matched (:mod:`projections.catalog`'s kinds)
    key: str  #: the key as indexed
    entity: str  #: partner, account, contract, document, payment, mandate
    entity_id: str
    label: str


class ListQueries(DunningHistorySQL, ReportQueries):
    def page(self, name: str, request: PageRequest) -> tuple[list[tuple[Any, ...]], tuple[Any, str] | None]:
        """One page of list ``name`` and the (sort value, id) to continue after (None on the last page)."""
        listing = LISTINGS[name]
        sort = listing.sorts[request.sort]
        where, params = [listing.where], list[Any]()
        for key, value in sorted(request.filters.items()):
            if key in listing.ranges:
                column, op = listing.ranges[key]
                where.append(f"{column} {op} ?")
            elif isinstance(value, tuple):
                where.append(f"{listing.filters[key]} IN ({', '.join('?' * len(value))})")
                params += list(value)
                continue
            else:
                where.append(f"{listing.filters[key]} = ?")
            params.append(value)
        if request.after is not None:
            op = "<" if request.descending else ">"
            where.append(f"({sort} {op} ? OR ({sort} = ? AND {listing.id_column} {op} ?))")
            params += [request.after[0], request.after[0], request.after[1]]
        direction = "DESC" if request.descending else "ASC"
        limit = max(1, min(request.limit, MAX_PAGE_SIZE))
        sql = (f"SELECT {', '.join(listing.columns)}, {sort}, {listing.id_column} FROM {listing.source}"  # noqa: S608
               f" WHERE {' AND '.join(where)} ORDER BY {sort} {direction}, {listing.id_column} {direction}"
               " LIMIT ?").replace("{p}", self.prefix)
        rows = self._read(sql, (*params, limit + 1))
        more = len(rows) > limit
        rows = rows[:limit]
        after = (rows[-1][-2], rows[-1][-1]) if more and rows else None
        return [r[:-2] for r in rows], after

    def one(self, name: str, entity_id: str, column: str | None = None) -> tuple[Any, ...] | None:
        """The row of list ``name`` whose id (or ``column``) is ``entity_id``."""
        listing = LISTINGS[name]
        sql = (f"SELECT {', '.join(listing.columns)} FROM {listing.source}"  # noqa: S608 - constant names
               f" WHERE {column or listing.id_column} = ?").replace("{p}", self.prefix)
        rows = self._read(sql, (entity_id,))
        return rows[0] if rows else None

    def supply_point_history(self, scheme: str, supply_point_id: str) -> list[tuple[Any, ...]]:
        """Every contract signed at one supply point, oldest first: who held it, from when, until when."""
        listing = LISTINGS["supply_points"]
        sql = (f"SELECT {', '.join(listing.columns)} FROM {listing.source}"  # noqa: S608 - constant names
               " WHERE c.supply_point_scheme = ? AND c.supply_point_id = ? ORDER BY c.position"
               f" LIMIT {MAX_TENURES}").replace("{p}", self.prefix)
        return self._read(sql, (scheme, supply_point_id))

    def search(self, text: str, limit: int = MAX_SEARCH_RESULTS) -> list[SearchHit]:
        """What ``text`` finds: identifiers by their compact key, names by every word (all must match).

        One statement: the identifier keys (an ``IN`` list) or the name range (:meth:`_name_range`), two
        index ranges of the primary key that the planner ORs, so a search costs one round trip."""
        limit = max(1, min(limit, MAX_SEARCH_RESULTS))
        keys, words = key_variants(text), name_words(text)
        where, params = [], []
        if keys:
            where.append(f"(key IN ({', '.join('?' * len(keys))}) AND kind <> ?)")
            params += [*keys, NAME]
        if words:
            where.append("(key >= ? AND key <= ? AND kind = ?)")
            params += [*self._name_range(words), NAME]
        if not where:
            return []
        rows = self._read(f"SELECT key, kind, entity, entity_id, label FROM {self.prefix}saldo_search"  # noqa: S608
                          f" WHERE {' OR '.join(where)} ORDER BY key, kind, entity_id LIMIT ?",
                          (*params, limit * 20))
        hits: dict[tuple[str, str, str], SearchHit] = {}
        for key, kind, entity, entity_id, label in rows:
            if kind != NAME or _has_words(label, words):
                hits.setdefault((kind, entity, entity_id), SearchHit(kind, key, entity, entity_id, label))
        return sorted(hits.values(), key=lambda h: (h.kind, h.label, h.entity_id))[:limit]

    @staticmethod
    def _name_range(words: Sequence[str]) -> tuple[str, str]:
        """The key range of names with ``words``: the longest word (the rarest-looking) drives the range
        scan, the others filter; the last word typed may be a word's beginning."""
        lead = max(words, key=len)
        # A prefix is the key range [lead, lead + U+FFFF]: an index range scan in code-point order (SQLite's
        # BINARY collation; PostgreSQL's C / C.UTF-8 collation, which the deployment uses).
        return lead, (lead + "\uffff" if lead == words[-1] else lead)


def _has_words(label: str, words: Sequence[str]) -> bool:
    """Every word of ``words`` is a word of ``label``; the last may be a word's beginning."""
    label_words = name_words(label)
    return (all(w in label_words for w in words[:-1])
            and any(lw.startswith(words[-1]) for lw in label_words))


class SQLiteLists(SQLiteDunningHistory, ListQueries):
    """The ledger view, the audit trail, the catalog and the dunning history on SQLite: what
    :mod:`api.bootstrap` builds."""


class PostgresLists(PostgresDunningHistory, ListQueries):
    """The same on PostgreSQL."""
