"""The account's state an invoice's personal messages are chosen from, read as it was when it was issued.

Everything comes from the events up to the invoice's own timestamp (the account as
:func:`~ledger.documents.loading.load_invoice_facts` reads it, passed in, and the account's events up to
then), so a re-render years later chooses the same messages and gives the bytes whose hash was recorded:

- **returned direct debits**: the account's ``CollectionReturned`` events whose return day lies in the
  :data:`~ledger.documents.messages.RETURNS_WINDOW_DAYS` before the issue date (a reject before settlement
  counts too: the customer's bank refused the debit either way);
- **unpaid invoices**: the account's other invoices still open and past due on the issue date (not yet
  due is not unpaid), their count and open amount; fees, interest and instalments are not invoices;
- **instalment plan**: the live plan's first instalment still open (its due date and open amount);
- **telemetering** (telemesura / telelettura): a line of the invoice was rated from a load curve, or a load
  curve of one of its supply points for a month of its period was recorded before it was issued;
- **tariffs applied**: the tariff codes the invoice's lines name (``tariff:<code>/<version>``).

The commodity is not known to the invoice (its contracts are not indexed by account), so
``commodities`` stays empty here and a rule limited to commodities does not fire: left for when contracts
are read by account.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import ItemKind
from ledger.accounts.invoice import Invoice
from ledger.billing.load_curves import LoadCurveMonth, month_key
from ledger.collections.account_part import DirectDebit
from ledger.core.handling import Workspace
from ledger.core.money import ZERO
from ledger.documents.messages import RETURNS_WINDOW_DAYS, AccountState, MessageBox, choose_messages
from ledger.parties.company import CompanyConfig
from ledger.parties.partner import SUPPORTED_LANGUAGES


def returned_debits(ws: Workspace[Any], invoice: Invoice) -> int:
    """Direct debits of the account returned in the window before the issue date, as known at issue."""
    issued, since = invoice.issue_date, invoice.issue_date - timedelta(days=RETURNS_WINDOW_DAYS)
    count = 0
    for e in ws.events_after(invoice.account_id, 0):
        if cast(Any, e).timestamp > invoice.created_on:
            break
        if isinstance(e, DirectDebit.CollectionReturned) and since < e.returned_on <= issued:
            count += 1
    return count


def unpaid(invoice: Invoice, account: ContractAccount) -> tuple[int, Decimal]:
    """(count, open amount) of the account's other invoices open and past due on the issue date."""
    items = [i for i in account.open_items() if i.kind is ItemKind.INVOICE and i.is_open
             and i.document_number != invoice.number and i.due_date < invoice.issue_date]
    return len(items), sum((i.open_amount for i in items), ZERO)


def next_instalment(account: ContractAccount) -> tuple[str, date, Decimal] | None:
    """(plan number, due date, open amount) of the live plan's first open instalment, if any."""
    plan, items = account.plan, account.items
    if plan is None or plan.status != "live":
        return None
    for instalment in sorted(plan.instalments, key=lambda i: i.number):
        item = items.get(instalment.item_id)
        if item is not None and item.is_open:
            return plan.number, item.due_date, item.open_amount
    return None


def _months(start: date, end: date) -> list[str]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(month_key(day))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def telemetering(ws: Workspace[Any], invoice: Invoice) -> bool:
    """Whether the invoice was rated from, or its supply points had, a load curve when it was issued."""
    lines = invoice.lines
    if any(s.startswith("curve:") for li in lines for s in li.sources):
        return True
    for site in dict.fromkeys(li.site for li in lines if li.site and li.period):
        periods = [li.period for li in lines if li.site == site and li.period]
        for month in dict.fromkeys(m for p in periods for m in _months(*p)):
            first = ws.events_after(LoadCurveMonth.id_for(site, month), 0)[:1]
            if first and cast(Any, first[0]).timestamp <= invoice.created_on:
                return True
    return False


def tariffs(invoice: Invoice) -> tuple[str, ...]:
    """The tariff codes the invoice's lines were rated by, in order of first appearance."""
    named = (s[7:].partition("/")[0] for li in invoice.lines for s in li.sources if s.startswith("tariff:"))
    return tuple(dict.fromkeys(named))


def account_state(ws: Workspace[Any], invoice: Invoice, account: ContractAccount,
                  company: str) -> AccountState:
    """The state the invoice's messages are chosen from (``account``: as it was when it was issued; see
    the module for each part)."""
    count, amount = unpaid(invoice, account)
    plan = next_instalment(account)
    return AccountState(
        company=company, returned_debits=returned_debits(ws, invoice), unpaid_count=count,
        unpaid_amount=amount, plan=None if plan is None else plan[0],
        next_instalment_on=None if plan is None else plan[1],
        next_instalment_amount=None if plan is None else plan[2], telemetering=telemetering(ws, invoice),
        tariffs=tariffs(invoice))


def message_box(ws: Workspace[Any], invoice: Invoice, account: ContractAccount, company: CompanyConfig,
                language: str) -> MessageBox:
    """The messages the company's rules choose for the invoice, in the partner's ``language`` then."""
    chosen = choose_messages(company.messages, account_state(ws, invoice, account, company.code))
    return MessageBox(language if language in SUPPORTED_LANGUAGES else "en", invoice.currency, chosen)
