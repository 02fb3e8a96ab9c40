"""What the reports ask of the catalog and the ledger view: rows already grouped by the database.

Each query groups in SQL over integer columns (cents, millionths of a unit), so a month of a million
invoices comes back as a few hundred rows; the pure folds of :mod:`projections.reports.consumption`,
:mod:`~projections.reports.portfolio` and :mod:`~projections.reports.collections` turn them into Decimal
report rows. An account the view recorded no company for is the ``default`` company's (as everywhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

#: The company of the row's account (joined as ``ac``: :data:`_JOIN`).
_COMPANY = "COALESCE(ac.company, ?)"
_JOIN = " LEFT JOIN {account_companies} ac ON ac.account_id = %s"
#: The account's payment method (joined as ``ap``) and company.
_PARTIES = " LEFT JOIN {p}saldo_account_parties ap ON ap.account_id = %s" + _JOIN
#: A supply point is the point of its latest contract (projections.lists, the supply-point list).
_LATEST = ("NOT EXISTS (SELECT 1 FROM {p}saldo_contracts n WHERE n.supply_point_id = c.supply_point_id"
           " AND n.supply_point_scheme = c.supply_point_scheme AND n.position > c.position)")
_POINT_STATUS = "(CASE WHEN c.end_date IS NULL THEN 'occupied' ELSE 'vacant' END)"


def _filters(company: str | None, default: str, extra: Sequence[tuple[str, Any]] = ()
             ) -> tuple[str, list[Any]]:
    where, params = [], []
    if company is not None:
        where.append(f"{_COMPANY} = ?")
        params += [default, company]
    for condition, value in extra:
        if value is not None:
            where.append(condition)
            params.append(value)
    return "".join(f" AND {w}" for w in where), params


class ReportQueries:
    prefix: str

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:  # pragma: no cover
        raise NotImplementedError

    def _report(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self._read(sql.replace("{p}", self.prefix), params)

    def billed_lines(self, first_day: str, last_day: str, company: str | None, commodity: str | None,
                     default: str) -> list[tuple[Any, ...]]:
        """(month, company, currency, document kind, commodity, tariff, component, line kind, band, unit,
        quantity in millionths, amount in cents, lines) of the documents issued from ``first_day`` to
        ``last_day`` (inclusive), grouped; quantities and amounts as the lines print them (positive)."""
        only, params = _filters(company, default, [("l.commodity = ?", commodity)])
        join = _JOIN % "d.account_id"
        return self._report(
            f"SELECT SUBSTR(d.issue_date, 1, 7), {_COMPANY}, d.currency, d.kind,"  # noqa: S608 - constants
            " COALESCE(l.commodity, ''), COALESCE(l.tariff_code, ''), l.component, l.kind,"
            " COALESCE(l.band, ''), l.unit, SUM(l.quantity_micro), SUM(l.amount_cents), COUNT(*)"
            " FROM {p}saldo_document_lines l"
            f" JOIN {{p}}saldo_documents d ON d.document_id = l.document_id{join}"
            f" WHERE d.issue_date >= ? AND d.issue_date <= ?{only}"
            " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10",
            (default, first_day, last_day, *params))

    def billed_documents(self, first_day: str, last_day: str, company: str | None, commodity: str | None,
                         default: str) -> list[tuple[Any, ...]]:
        """(month, company, currency, document kind, documents, net, VAT, gross cents) of the documents
        issued from ``first_day`` to ``last_day``; with ``commodity``, those with a line of it."""
        extra = [("EXISTS (SELECT 1 FROM {p}saldo_document_lines l WHERE l.document_id = d.document_id"
                  " AND l.commodity = ?)", commodity)]
        only, params = _filters(company, default, extra)
        return self._report(
            f"SELECT SUBSTR(d.issue_date, 1, 7), {_COMPANY}, d.currency, d.kind, COUNT(*),"  # noqa: S608
            " SUM(d.net_cents), SUM(d.vat_cents), SUM(d.gross_cents)"
            f" FROM {{p}}saldo_documents d{_JOIN % 'd.account_id'}"
            f" WHERE d.issue_date >= ? AND d.issue_date <= ?{only}"
            " GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
            (default, first_day, last_day, *params))

    def portfolio_accounts(self, company: str | None, default: str) -> list[tuple[Any, ...]]:
        """(company, currency, payment method, accounts, open cents, credit cents) per group."""
        only, params = _filters(company, default)
        return self._report(
            f"SELECT {_COMPANY}, a.currency, COALESCE(ap.payment_method, ''),"  # noqa: S608 - constants
            " COUNT(*), SUM(a.open_cents), SUM(a.credit_cents) FROM {accounts} a"
            + _PARTIES % ("a.account_id", "a.account_id") +
            f" WHERE 1 = 1{only} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3", (default, *params))

    def portfolio_contracts(self, company: str | None, today: str, default: str) -> list[tuple[Any, ...]]:
        """(company, commodity, status, payment method, contracts) per group: ``active`` while a contract
        has no end date or ends on or after ``today``, else ``ended``."""
        only, params = _filters(company, default)
        return self._report(
            f"SELECT {_COMPANY}, c.commodity,"  # noqa: S608 - constants
            " CASE WHEN c.end_date IS NULL OR c.end_date >= ? THEN 'active' ELSE 'ended' END,"
            " COALESCE(ap.payment_method, ''), COUNT(*) FROM {p}saldo_contracts c"
            + _PARTIES % ("c.account_id", "c.account_id") +
            f" WHERE 1 = 1{only} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4", (default, today, *params))

    def portfolio_supply_points(self, company: str | None, default: str) -> list[tuple[Any, ...]]:
        """(company, commodity, status, scheme, payment method, points) per group, as the supply-point list
        counts them: each point once, with its latest contract (``occupied`` or ``vacant``)."""
        only, params = _filters(company, default)
        return self._report(
            f"SELECT {_COMPANY}, c.commodity, {_POINT_STATUS}, c.supply_point_scheme,"  # noqa: S608
            " COALESCE(ap.payment_method, ''), COUNT(*) FROM {p}saldo_contracts c"
            + _PARTIES % ("c.account_id", "c.account_id") +
            f" WHERE {_LATEST}{only} GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5", (default, *params))

    def collection_outcomes(self, first_day: str, last_day: str, company: str | None,
                            default: str) -> list[tuple[Any, ...]]:
        """(month, company, currency, status, reason code, collections, cents) of the direct debits
        collected from ``first_day`` to ``last_day`` (their collection date), grouped."""
        only, params = _filters(company, default)
        return self._report(
            f"SELECT SUBSTR(col.collection_date, 1, 7), {_COMPANY}, a.currency, col.status,"  # noqa: S608
            " COALESCE(col.reason_code, ''), COUNT(*), SUM(col.amount_cents)"
            f" FROM {{collections}} col JOIN {{accounts}} a ON a.account_id = col.account_id"
            f"{_JOIN % 'col.account_id'}"
            f" WHERE col.collection_date >= ? AND col.collection_date <= ?{only}"
            " GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5", (default, first_day, last_day, *params))
