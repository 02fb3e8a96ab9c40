"""Who may use which route: the one table, enforced for every request by :mod:`api.auth.gate`.

Deny by default: a route missing here answers 403 to everyone (and fails ``tests/test_access_matrix.py``),
a role not named for a route gets 403, and only ``/health`` (and the documentation pages, which are not API
routes) need no credentials. The roles (:class:`~ledger.core.actor.Role`):

- ``finance``: the commands on receivables, imports, runs and the worklist, and the reads they need;
  alone may run the bulk money runs (collection execution, settlement, refunds, write-offs);
- ``auditor``: every read, never a write;
- ``accounting``: the journal, trial balance and exports, and the reports of revenue and of aging only;
- ``portal``: only routes naming one contract account (``{account_id}``), contract (``{contract_id}``),
  business partner (``{partner_id}``) or document (``{invoice_number}``), and only those of (or that is)
  the business partner its token
  names; any other id is 404, exactly as if it did not exist, so a portal token can neither read nor
  probe other customers' data;
- ``admin``: companies, configuration (tariffs) and API keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ledger.core.actor import Role

FINANCE, AUDITOR, ACCOUNTING, PORTAL, ADMIN = (Role.FINANCE, Role.AUDITOR, Role.ACCOUNTING, Role.PORTAL,
                                               Role.ADMIN)
#: The path parameters a portal route may be scoped by, in the order they are looked for: an account or
#: contract of the token's partner, that partner itself, or a document (invoice, credit note) of its accounts.
PORTAL_SCOPES = ("account_id", "contract_id", "partner_id", "invoice_number")


@dataclass(frozen=True)
class Rule:
    """The roles that may use a route; ``public`` routes need no credentials at all."""

    roles: frozenset[Role] = frozenset()
    public: bool = False
    #: a page of the workplace (:mod:`api.web`): the session cookie authenticates it too, and a refusal is
    #: a page (the login page, an HTML 403), not a problem document
    page: bool = False

    def portal_scope(self, path: str) -> str | None:
        """The path parameter whose account must be the portal's own, if the portal may use the route."""
        if PORTAL not in self.roles:
            return None
        return next((p for p in PORTAL_SCOPES if "{" + p + "}" in path), None)


def allow(*roles: Role) -> Rule:
    return Rule(frozenset(roles))


def page(*roles: Role) -> Rule:
    return Rule(frozenset(roles), page=True)


PUBLIC = Rule(public=True)
READ = (FINANCE, AUDITOR)  # the staff who read receivables

#: ``"METHOD /path/{param}"`` (as FastAPI declares it) → who may use it.
ACCESS: MappingProxyType[str, Rule] = MappingProxyType({
    # ops
    "GET /health": PUBLIC,
    # Prometheus' scrape: the operators (admin) and the read-only auditor role, whose API key
    # (`saldo keys create --role auditor`) is what a scraper is given: it reads, it never writes.
    "GET /metrics": allow(ADMIN, AUDITOR),
    # the documentation pages (api.docs; not in the OpenAPI document, their assets are not API routes)
    "GET /docs": PUBLIC,
    "GET /docs/oauth2-redirect": PUBLIC,
    "GET /redoc": PUBLIC,
    # master data, invoices and the portal's reads of an account
    "POST /partners": allow(FINANCE),
    "POST /accounts": allow(FINANCE),
    "POST /contracts": allow(FINANCE),
    "POST /accounts/{account_id}/invoices": allow(FINANCE),
    "POST /invoices/{invoice_number}/credit-notes": allow(FINANCE),
    "GET /accounts/{account_id}/balance": allow(*READ, PORTAL),
    "GET /accounts/{account_id}/open-items": allow(*READ, PORTAL),
    "GET /accounts/{account_id}/statement": allow(*READ, PORTAL),
    # a customer's life at a supply point (api.routes.moves): deposits, holder change, move-out/in
    "POST /contracts/{contract_id}/deposit": allow(FINANCE),
    "POST /contracts/{contract_id}/deposit/settlement": allow(FINANCE),
    "GET /accounts/{account_id}/deposits": allow(*READ, PORTAL),
    "POST /contracts/{contract_id}/holder-change": allow(FINANCE),
    "POST /contracts/{contract_id}/move-out": allow(FINANCE),
    "POST /move-ins": allow(FINANCE),
    "GET /contracts/{contract_id}/deposit-refund.pain001.xml": allow(*READ),
    "POST /contracts/{contract_id}/regularisation": allow(FINANCE),
    "GET /regularisations": allow(*READ),
    "POST /regularisations/lapse": allow(FINANCE),
    # exports for the accounting system
    "GET /journal": allow(ACCOUNTING, AUDITOR),
    "GET /trial-balance": allow(ACCOUNTING, AUDITOR),
    # payments, statements, the worklist and refunds from it
    "POST /accounts/{account_id}/payments": allow(FINANCE),
    "POST /accounts/{account_id}/payments/{payment_id}/reversal": allow(FINANCE),
    "POST /accounts/{account_id}/payments/{payment_id}/clearing-reset": allow(FINANCE),
    "POST /bank/statements": allow(FINANCE),
    "GET /worklist": allow(*READ),
    "POST /worklist/{suspense_id}/allocation": allow(FINANCE),
    "POST /worklist/{suspense_id}/refund": allow(FINANCE),
    "GET /worklist/{suspense_id}/refund.pain001.xml": allow(*READ),
    "GET /refunds": allow(*READ),
    "POST /refunds/{suspense_id}/approval": allow(FINANCE),  # four-eyes: another finance user
    "POST /refunds/{suspense_id}/rejection": allow(FINANCE),
    # dunning and instalment plans
    "POST /accounts/{account_id}/dunning/locks": allow(FINANCE),
    "POST /accounts/{account_id}/dunning/locks/{lock_id}/release": allow(FINANCE),
    "POST /accounts/{account_id}/dunning/procedure": allow(FINANCE),
    "GET /accounts/{account_id}/dunning": allow(*READ),
    "GET /accounts/{account_id}/dunning/history": allow(*READ),
    "GET /dunning/history": allow(*READ),
    "POST /accounts/{account_id}/dunning/steps/{step_id}/reversal": allow(FINANCE),
    "POST /dunning/runs": allow(FINANCE),
    "GET /dunning/runs/{run_id}": allow(*READ),
    "POST /dunning/runs/{run_id}/execution": allow(FINANCE),
    "POST /dunning/runs/{run_id}/discard": allow(FINANCE),
    "POST /dunning/runs/{run_id}/reversal": allow(FINANCE),
    "POST /accounts/{account_id}/instalment-plans": allow(FINANCE),
    "GET /accounts/{account_id}/instalment-plans": allow(*READ, PORTAL),
    "POST /accounts/{account_id}/instalment-plans/{plan_id}/cancellation": allow(FINANCE),
    "GET /accounts/{account_id}/instalment-eligibility": allow(*READ, PORTAL),
    "GET /accounts/{account_id}/portal-summary": allow(*READ, PORTAL),
    # readings, tariffs, billing runs and documents
    "POST /readings": allow(FINANCE),
    "POST /readings/files": allow(FINANCE),
    "POST /load-curves": allow(FINANCE),
    "POST /contracts/{contract_id}/self-readings": allow(FINANCE, PORTAL),
    "POST /tariffs": allow(ADMIN),
    "GET /tariffs/{code}": allow(*READ, ADMIN),
    "POST /spot-prices": allow(FINANCE),
    "POST /billing/runs": allow(FINANCE),
    "GET /billing/runs/{run_id}": allow(*READ),
    "POST /billing/simulations": allow(FINANCE),
    "GET /contracts/{contract_id}/invoices": allow(*READ, PORTAL),
    # documents (issue 13): the PDF of an invoice or credit note, the portal its own account's only; finance
    # records the hash of the PDF it issues
    "GET /invoices/{invoice_number}.pdf": allow(*READ, PORTAL),
    "POST /invoices/{invoice_number}/renderings": allow(FINANCE),
    # letters and notices (issue 13): an account's dunning letters, plan, pre-notifications, returns and
    # holder-change confirmation; the portal its own account's only (the gate checks {account_id})
    "GET /accounts/{account_id}/letters/{kind}/{source_id}.pdf": allow(*READ, PORTAL),
    # its e-invoice (the XML the tax authority, operator or customer's bank gets): the same readers as the
    # PDF, the portal its own account's only (what a business customer imports into its books; nothing the
    # PDF does not show)
    "GET /invoices/{invoice_number}/e-invoice": allow(*READ, PORTAL),
    # delivery: finance queues documents and runs the sending; the staff read the outbox
    "POST /deliveries": allow(FINANCE),
    "POST /deliveries/runs": allow(FINANCE),
    "GET /deliveries": allow(*READ),
    # direct debit: mandates, collection runs, settlement, returns
    "POST /accounts/{account_id}/mandate": allow(FINANCE),
    "POST /accounts/{account_id}/mandate/iban": allow(FINANCE, PORTAL),
    "POST /accounts/{account_id}/mandate/revocation": allow(FINANCE),
    "GET /accounts/{account_id}/direct-debit": allow(*READ, PORTAL),
    "POST /collection-runs": allow(FINANCE),
    "GET /collection-runs/{run_id}": allow(*READ),
    "POST /collection-runs/{run_id}/execution": allow(FINANCE),
    "POST /collection-runs/{run_id}/discard": allow(FINANCE),
    "GET /collection-runs/{run_id}/pain008.xml": allow(*READ),
    "POST /collections/settlement": allow(FINANCE),
    "POST /direct-debit/returns": allow(FINANCE),
    "GET /direct-debit/returns/reviews": allow(*READ),
    "POST /direct-debit/returns/reviews/{review_id}/application": allow(FINANCE),
    "POST /direct-debit/returns/reviews/{review_id}/dismissal": allow(FINANCE),
    # dunning procedures and packs as versioned data: configuration, read by the staff
    "GET /dunning/procedures": allow(*READ, ADMIN),
    "GET /dunning/procedures/{code}": allow(*READ, ADMIN),
    "PUT /dunning/procedures/{code}": allow(ADMIN),
    "GET /dunning/packs": allow(*READ, ADMIN),
    "GET /dunning/packs/{country}": allow(*READ, ADMIN),
    "PUT /dunning/packs/{country}": allow(ADMIN),
    # reports: aged receivables as of a date and as known at a moment (the company's, or one account's)
    "GET /reports/aged-receivables": allow(*READ, ACCOUNTING),
    # issue 14: consumption and revenue billed, the portfolio, direct-debit outcomes, and their charts
    "GET /reports/aged-receivables/chart.svg": allow(*READ, ACCOUNTING),
    "GET /reports/consumption-revenue": allow(*READ, ACCOUNTING),
    "GET /reports/consumption-revenue/chart.svg": allow(*READ, ACCOUNTING),
    "GET /reports/portfolio": allow(*READ),
    "GET /reports/collection-success": allow(*READ),
    "GET /reports/collection-success/chart.svg": allow(*READ),
    # the audit trail: who did what to an account or a document
    "GET /audit/trail": allow(*READ),
    # finding and reading everything (issue 11): global lists and the search box for the staff, the
    # portal its own account's contracts, documents and payments
    "GET /partners": allow(*READ),
    "GET /partners/{partner_id}": allow(*READ),
    "GET /accounts": allow(*READ),
    "GET /contracts": allow(*READ),
    "GET /contracts/{contract_id}": allow(*READ, PORTAL),
    "GET /invoices": allow(*READ),
    "GET /payments": allow(*READ),
    "GET /mandates": allow(*READ),
    "GET /supply-points": allow(*READ),
    "GET /supply-points/{scheme}/{supply_point_id}": allow(*READ),
    "GET /accounts/{account_id}/contracts": allow(*READ, PORTAL),
    "GET /accounts/{account_id}/invoices": allow(*READ, PORTAL),
    "GET /accounts/{account_id}/payments": allow(*READ, PORTAL),
    "GET /search": allow(*READ),
    "GET /contracts/{contract_id}/readings": allow(*READ, PORTAL),
    "GET /contracts/{contract_id}/load-curve": allow(*READ, PORTAL),
    # the reading review list: self-readings held as implausible, decided by finance
    "GET /readings/reviews": allow(*READ),
    "POST /readings/reviews/{reading_id}/acceptance": allow(FINANCE),
    "POST /readings/reviews/{reading_id}/rejection": allow(FINANCE),
    # write-offs to bad-debt and their reversal (issue 11 item 5): finance decides, the staff read
    "POST /accounts/{account_id}/write-offs": allow(FINANCE),
    "POST /accounts/{account_id}/write-offs/{write_off_id}/reversal": allow(FINANCE),
    "GET /accounts/{account_id}/write-offs": allow(*READ),
    "POST /write-off-runs": allow(FINANCE),
    "GET /write-off-runs/{run_id}": allow(*READ),
    "POST /write-off-runs/{run_id}/execution": allow(FINANCE),
    "POST /write-off-runs/{run_id}/discard": allow(FINANCE),
    # refunds of credit on account: proposal, four-eyes approval (another IBAN), execution, the transfer
    "POST /accounts/{account_id}/credit-refunds": allow(FINANCE),
    "GET /credit-refunds/{refund_id}": allow(*READ),
    "POST /credit-refunds/{refund_id}/approval": allow(FINANCE),
    "POST /credit-refunds/{refund_id}/rejection": allow(FINANCE),
    "POST /credit-refunds/{refund_id}/execution": allow(FINANCE),
    "GET /credit-refunds/{refund_id}/pain001.xml": allow(*READ),
    # changes to master data (issue 11): the portal changes its own partner's e-mail, language, address
    "POST /partners/{partner_id}/details": allow(FINANCE, PORTAL),
    "POST /contracts/{contract_id}/tariff": allow(FINANCE),
    "POST /contracts/{contract_id}/billing-frequency": allow(FINANCE),
    "POST /contracts/{contract_id}/vat-rate": allow(FINANCE),
    "POST /accounts/{account_id}/payment-method": allow(FINANCE),
    # API keys of machine clients
    "POST /keys": allow(ADMIN),
    "POST /keys/{name}/revocation": allow(ADMIN),
    # the workplace (api.web, issue 14): the login page and logging out need no session (each form
    # carries its CSRF token); every other page names its roles as the API route it reads does
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": PUBLIC,
    "GET /": page(*READ),
    "GET /ui/search": page(*READ),
    "GET /ui/accounts/{account_id}": page(*READ),
    "GET /ui/invoices/{invoice_number}.pdf": page(*READ, PORTAL),  # the portal page's documents too
    "GET /ui/accounts/{account_id}/letters/{kind}/{source_id}.pdf": page(*READ, PORTAL),
    "GET /ui/worklist": page(*READ),
    "POST /ui/worklist/{suspense_id}/allocation": page(FINANCE),
    "POST /ui/worklist/{suspense_id}/refund": page(FINANCE),
    "GET /ui/audit/trail": page(*READ),
    "GET /ui/audit/chain": page(*READ),
    # the workplace's statement, run and portal pages (api.web.statements, .runs, .portal): finance imports
    # and decides runs, the auditor reads them; the portal's page names its account, contract, partner or
    # document like the API routes it reads, so the gate scopes it the same way
    "GET /ui/statements": page(*READ),
    "POST /ui/statements": page(FINANCE),
    "GET /ui/runs": page(*READ),
    "POST /ui/runs/billing/simulation": page(FINANCE),
    "POST /ui/runs/billing": page(FINANCE),
    "GET /ui/runs/billing/{run_id}": page(*READ),
    "POST /ui/runs/collection": page(FINANCE),
    "GET /ui/runs/collection/{run_id}": page(*READ),
    "POST /ui/runs/collection/{run_id}/execution": page(FINANCE),
    "POST /ui/runs/collection/{run_id}/discard": page(FINANCE),
    "POST /ui/runs/dunning": page(FINANCE),
    "GET /ui/runs/dunning/{run_id}": page(*READ),
    "POST /ui/runs/dunning/{run_id}/execution": page(FINANCE),
    "POST /ui/runs/dunning/{run_id}/discard": page(FINANCE),
    # the reports page and the workplace's downloads (api.web.reports): each report to the roles of the API
    # route it reads (the page shows each role its own), the same bytes as that route's format=csv/xlsx
    "GET /ui/reports": page(*READ, ACCOUNTING),
    "GET /ui/reports/consumption-revenue.{fmt}": page(*READ, ACCOUNTING),
    "GET /ui/reports/aged-receivables.{fmt}": page(*READ, ACCOUNTING),
    "GET /ui/reports/collection-success.{fmt}": page(*READ),
    "GET /ui/reports/portfolio.{fmt}": page(*READ),
    "GET /ui/reports/trial-balance.{fmt}": page(ACCOUNTING, AUDITOR),
    "GET /ui/worklist.{fmt}": page(*READ),
    "GET /ui/accounts/{account_id}/open-items.{fmt}": page(*READ),
    "GET /portal/partners/{partner_id}": page(*READ, PORTAL),
    "GET /portal/accounts/{account_id}": page(*READ, PORTAL),
    "POST /portal/contracts/{contract_id}/self-readings": page(FINANCE, PORTAL),
    "POST /portal/accounts/{account_id}/iban": page(FINANCE, PORTAL),
})

#: The runs that move money in bulk: finance alone, and each keeps its proposal → execution steps.
BULK_MONEY_RUNS = frozenset({
    "POST /collection-runs/{run_id}/execution",
    "POST /collections/settlement",
    "POST /worklist/{suspense_id}/refund",
    "POST /refunds/{suspense_id}/approval",
    "POST /dunning/runs/{run_id}/execution",
    "POST /write-off-runs/{run_id}/execution",
    "POST /credit-refunds/{refund_id}/approval",
    "POST /credit-refunds/{refund_id}/execution",
    "POST /ui/runs/collection/{run_id}/execution",  # the workplace's buttons for the same runs
    "POST /ui/runs/dunning/{run_id}/execution",
})


def rule_for(method: str, path: str) -> Rule | None:
    return ACCESS.get(f"{method} {path}")


def check_table(routes: list[str]) -> list[str]:
    """What is wrong with the table for these ``"METHOD /path"`` routes (empty when nothing is)."""
    problems = [f"{r}: no roles declared in api/access.py (so everyone is denied)" for r in routes
                if r not in ACCESS]
    problems += [f"{r}: declared in api/access.py but there is no such route" for r in ACCESS
                 if r not in routes]
    for route, rule in ACCESS.items():
        path = route.split(" ", 1)[1]
        if PORTAL in rule.roles and rule.portal_scope(path) is None:
            problems.append(f"{route}: a portal route must name one account, contract, partner or document "
                            "in its path")
        if AUDITOR in rule.roles and not route.startswith("GET "):
            problems.append(f"{route}: the auditor never writes")
        if route in BULK_MONEY_RUNS and rule.roles != {FINANCE}:
            problems.append(f"{route}: a bulk money run is finance only")
    return problems
