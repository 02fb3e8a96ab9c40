"""Instalment plans (rateizzazione) for the dunning capability: create, cancel and review a plan, decide
whether a live plan ends (an instalment missed past its grace, or every instalment paid), and Italy's
mandatory instalment offer.

Functions of the running :class:`~ledger.core.handling.Workspace`, not a capability of their own:
:class:`ledger.dunning.handlers.DunningHandlers` registers the commands and delegates here, because a
dunning run reviews the live plans of the accounts it duns, and both read the same
:class:`~ledger.dunning.settings.DunningSettings`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import ItemKind
from ledger.accounts.handlers import draw_numbers, sequence_references
from ledger.accounts.invoice import document_id
from ledger.collections.account_part import DirectDebit
from ledger.core.errors import InvalidInput
from ledger.core.handling import Handled, Workspace
from ledger.core.ids import child_id
from ledger.core.money import ZERO, round_cents
from ledger.dunning import commands as dc
from ledger.dunning.account_plans import PlannedInstalment
from ledger.dunning.instalments import (
    IT_MIN_AMOUNT,
    IT_RATIO_DOMESTIC,
    IT_RATIO_NON_DOMESTIC,
    Instalment,
    InstalmentPayment,
    is_eligible_it,
    missed_instalments,
    plan_instalments,
)
from ledger.dunning.run import PlanAction
from ledger.dunning.settings import DunningSettings
from ledger.parties.company import CompanyConfig, company_of
from ledger.parties.partner import BusinessPartner, PartnerKind


def _account(ws: Workspace[CompanyConfig], account_id: UUID) -> ContractAccount:
    account: ContractAccount = ws.get(ContractAccount, account_id, "contract account", "account_id")
    return account


def standing_plan_payments(events: Iterable[object], plan_items: frozenset[str]) -> list[InstalmentPayment]:
    """What was paid towards a plan's instalments and still stands, dated by when it was booked.

    Payments and credit (dated when received or applied) and direct-debit collections (dated on the
    collection date) count; a payment reversed or un-cleared, or a collection returned, does not, whenever
    that happened. This is the payment record :func:`ledger.dunning.instalments.missed_instalments` needs to
    decide by what happened in time.
    """
    sources: dict[str, tuple[date, Decimal]] = {}
    undone: set[str] = set()
    for e in events:
        if isinstance(e, ContractAccount.PaymentReceived):
            key, day, allocations = f"pay:{e.payment_id}", e.received_on, (*e.allocations, *e.written_off)
        elif isinstance(e, ContractAccount.PaymentReversed | ContractAccount.ClearingReset):
            undone.add(f"pay:{e.payment_id}")
            continue
        elif isinstance(e, DirectDebit.CollectionBooked):
            collection = e.collection
            key, day = f"dd:{collection.end_to_end_id}", collection.collection_date
            allocations = collection.allocations
        elif isinstance(e, DirectDebit.CollectionReturned):
            undone.add(f"dd:{e.end_to_end_id}")
            continue
        elif isinstance(e, ContractAccount.CreditApplied):
            key, day, allocations = f"credit:{e.originator_version}", e.applied_on, e.allocations
        elif isinstance(e, ContractAccount.CreditNotePosted):
            key, day, allocations = f"note:{e.document_id}", e.posted_on, e.allocations
        else:
            continue
        amount = sum((a.amount for a in allocations if a.item_id in plan_items), ZERO)
        if amount > 0:
            sources[key] = (day, amount)
    return [InstalmentPayment(day, amount) for key, (day, amount) in sources.items() if key not in undone]


# -- decisions -------------------------------------------------------------------------------------------


def review_plan(ws: Workspace[CompanyConfig], account: ContractAccount, day: date) -> PlanAction | None:
    """Whether the live plan ends on ``day``: an instalment missed past its grace, or all paid."""
    plan = account.plan
    if plan is None:
        return None
    if any(i.due_date + timedelta(days=plan.grace_days) < day for i in plan.instalments):
        stored = ws.events_after(account.id, plan.since_version)
        payments = standing_plan_payments([*stored, *account.pending_events], frozenset(plan.item_ids))
        schedule = [Instalment(i.number, i.due_date, i.principal, i.interest, i.amount)
                    for i in plan.instalments]
        missed = missed_instalments(schedule, payments, day, plan.grace_days)
        if missed:
            numbers = ", ".join(str(n) for n in missed)
            reason = f"instalment {numbers} not paid within {plan.grace_days} days of its due date"
            return PlanAction(account.id, plan.plan_id, plan.number, "cancel", missed, reason)
    if account.plan_paid():
        return PlanAction(account.id, plan.plan_id, plan.number, "complete", (), "every instalment paid")
    return None


def end_plan(account: ContractAccount, action: PlanAction, day: date) -> str | None:
    """Apply ``action``; the reason it no longer applies, if it does not."""
    if account.plan is None or account.plan.plan_id != action.plan_id:
        return f"plan {action.plan_number}: no longer live"
    if action.action == "cancel":
        account.cancel_instalment_plan(day, action.reason, action.missed, action.plan_id)
    elif account.plan_paid():
        account.complete_instalment_plan(day, action.plan_id)
    else:
        return f"plan {action.plan_number}: an instalment is open again"
    return None


# -- queries ---------------------------------------------------------------------------------------------


def instalment_eligibility(ws: Workspace[CompanyConfig], account_id: UUID, invoice_number: str,
                           domestic: bool | None = None) -> dict[str, Any]:
    """Italy's mandatory instalment offer for one bill, against the bills of the 12 months before it."""
    account = _account(ws, account_id)
    item = account.item_by_number(invoice_number.strip())
    if item.kind is not ItemKind.INVOICE:
        raise InvalidInput(f"{item.document_number} is not an invoice", "invoice_number")
    if domestic is None:
        partner = ws.find(BusinessPartner, account.partner_id)
        domestic = partner is None or partner.kind is PartnerKind.PERSON
    since = item.posted_on - timedelta(days=365)
    history = [i.amount for i in account.items.values()
               if i.kind is ItemKind.INVOICE and since <= i.posted_on < item.posted_on
               and i.item_id != item.item_id]
    average = round_cents(sum(history, ZERO) / len(history)) if history else ZERO
    return {"invoice": item.document_number, "amount": item.amount, "average_12_months": average,
            "bills_in_average": len(history), "domestic": domestic,
            "ratio_required": IT_RATIO_DOMESTIC if domestic else IT_RATIO_NON_DOMESTIC,
            "minimum_amount": IT_MIN_AMOUNT,
            "eligible": is_eligible_it(item.amount, average, domestic),
            "rule": "IT-ARERA instalment offer: bill ≥ 150 % (domestic) / 250 % (non-domestic) of the "
                    "12-month average and over 50 EUR"}


# -- commands (registered by DunningHandlers) ------------------------------------------------------------


def create_instalment_plan(ws: Workspace[CompanyConfig], settings: DunningSettings,
                           cmd: dc.CreateInstalmentPlan, rid: UUID) -> Handled:
    account = _account(ws, cmd.account_id)
    today: date = ws.today()
    if cmd.first_due < today:
        raise InvalidInput("the first instalment would be due in the past", "first_due")
    grace = settings.plan_grace_days if cmd.grace_days is None else cmd.grace_days
    if grace < 0:
        raise InvalidInput("grace_days must not be negative", "grace_days")
    item_ids = [account.item_by_number(n.strip()).item_id for n in cmd.invoice_numbers]
    principal = sum((account.items[i].open_amount for i in item_ids), ZERO)
    if principal <= 0:
        raise InvalidInput("the named items have nothing open", "invoice_numbers")
    schedule = plan_instalments(principal, cmd.instalments, cmd.first_due,
                                interval_months=cmd.interval_months, interval_days=cmd.interval_days,
                                interest_rate=cmd.interest_rate, custom_amounts=cmd.custom_amounts,
                                start=today)
    number_range, (number,) = draw_numbers(ws, settings.plan_series, today.year, 1)
    # Why the company's sequence and not the plan number's digits: those start with the year, and a scheme
    # that cuts them (OGM keeps ten of 13) gave PLAN-2036-000001-001 the reference of PLAN-2026-000001-001.
    # The sequence is a space no drawn number reaches (ledger.accounts.invoice.REFERENCE_SERIES).
    # The account's company's scheme and prefix (issue 11), so an instalment is the company's reference.
    company = company_of(ws, account)
    references, sequenced = sequence_references(ws, company.reference_scheme, len(schedule),
                                                company.reference_prefix)
    planned = []
    for rate, reference in zip(schedule, sequenced, strict=True):
        document = f"{number}-{rate.number:03d}"
        planned.append(PlannedInstalment(rate.number, document_id(document).hex, document, rate.due_date,
                                         rate.principal, rate.interest, rate.amount, reference))
    plan = account.create_instalment_plan(child_id(rid, "instalment-plan").hex, number, today, item_ids,
                                          planned, grace, cmd.interest_rate)
    return [number_range, references, account], {
        "account_id": str(account.id), "plan_id": plan.plan_id, "number": plan.number,
        "principal": str(principal), "interest": str(plan.interest_total), "grace_days": grace,
        "instalments": [{"number": i.number, "document": i.document_number,
                         "due_date": i.due_date.isoformat(), "amount": str(i.amount),
                         "principal": str(i.principal), "interest": str(i.interest),
                         "payment_reference": i.payment_reference} for i in plan.instalments]}


def cancel_instalment_plan(ws: Workspace[CompanyConfig], cmd: dc.CancelInstalmentPlan) -> Handled:
    account = _account(ws, cmd.account_id)
    plan = account.cancel_instalment_plan(ws.today(), cmd.reason.strip(), (), cmd.plan_id)
    return [account], {"account_id": str(account.id), "plan_id": plan.plan_id, "status": plan.status,
                       "restored": {account.items[a.item_id].document_number: str(a.amount)
                                    for a in plan.restored},
                       "interest_reversed": str(plan.interest_reversed)}


def review_instalment_plan(ws: Workspace[CompanyConfig], cmd: dc.ReviewInstalmentPlan) -> Handled:
    account = _account(ws, cmd.account_id)
    today = ws.today()
    action = review_plan(ws, account, today)
    if action is None:
        status = account.plan.status if account.plan else "none"
        return [], {"account_id": str(account.id), "action": None, "status": status}
    end_plan(account, action, today)
    return [account], {"account_id": str(account.id), "action": action.action, "plan_id": action.plan_id,
                       "missed": list(action.missed), "status": account.past_plans[-1].status}
