"""Gathering what a letter prints from the store: the event that caused it, on the account it concerns.

A letter is named by its account, its kind and the id its causing event carries (:data:`SOURCES`): a
dunning step's id, an instalment plan's number, the collection run whose pre-notification it is, a
returned collection's end-to-end id, the contract a holder change signed. The account, the partner and
the company are read **as they were when that event was recorded** (:func:`ledger.documents.loading.as_of`),
as an issued invoice is: a customer who changes language or address later does not change a letter
already sent, so a re-render from the events gives the same bytes. Anything not found — an unknown kind,
an id the account's events do not name — is NotFound, worded as if it did not exist.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.accounts.clearing import OpenItem
from ledger.accounts.contract import Contract
from ledger.accounts.holder_change import SupplyPointOccupancy
from ledger.collections.account_part import DirectDebit
from ledger.collections.run import CollectionRun
from ledger.core.errors import NotFound
from ledger.core.handling import Workspace
from ledger.core.money import ZERO
from ledger.documents.invoice_document import company_party, partner_party
from ledger.documents.letters import Letter, LetterHead, StepFacts, dunning_letter
from ledger.documents.loading import as_of
from ledger.documents.notices import (
    CollectionFacts,
    HolderFacts,
    PlanFacts,
    ReturnFacts,
    holder_change_letter,
    plan_letter,
    pre_notification_letter,
    return_letter,
)
from ledger.dunning import PROCEDURES
from ledger.dunning.account_part import Dunning
from ledger.dunning.account_plans import InstalmentPlans
from ledger.parties.company import company_of
from ledger.parties.partner import BusinessPartner, PartnerKind

#: The longest source id a letter is asked by (a UUID, a step id, an end-to-end id fit well within it).
MAX_SOURCE_ID_LENGTH = 64


def _day(timestamp: datetime) -> date:
    return timestamp.date()


def _state_at(ws: Workspace[Any], account_id: UUID, wanted: Callable[[Any], bool]
              ) -> tuple[Any, ContractAccount] | None:
    """The first event of the account ``wanted`` accepts, and the account as that event left it."""
    account: Any = None
    for e in ws.events_after(account_id, 0):
        account = cast(Any, e).mutate(account)
        if wanted(e):
            return e, cast(ContractAccount, account)
    return None


def _head(ws: Workspace[Any], account: ContractAccount, timestamp: object) -> LetterHead:
    partner = as_of(ws, account.partner_id, timestamp)
    if not isinstance(partner, BusinessPartner):  # pragma: no cover - an account's partner exists before it
        raise NotFound(f"the business partner of account {account.id} does not exist", "partner_id")
    company = company_of(ws, account)
    return LetterHead(partner.language, company_party(company), partner_party(partner), account.name,
                      company.bank_account)


def _business(ws: Workspace[Any], account: ContractAccount, timestamp: object) -> bool:
    partner = as_of(ws, account.partner_id, timestamp)
    return isinstance(partner, BusinessPartner) and partner.kind is PartnerKind.ORGANISATION


def _country(procedure: str, fallback: str) -> str:
    """The country whose law a procedure follows: a shipped procedure's, else its code's ``XX-`` prefix,
    else the company's (a procedure defined by configuration names its country in its code by custom)."""
    shipped = PROCEDURES.get(procedure)
    if shipped is not None:
        return shipped.country
    prefix = procedure[:3]
    return prefix[:2].upper() if len(prefix) == 3 and prefix[2] == "-" and prefix[:2].isalpha() else fallback


def _missing(what: str, source_id: str, field: str) -> NotFound:
    return NotFound(f"{what} {source_id} does not exist on this account", field)


def _dunning(ws: Workspace[Any], account_id: UUID, step_id: str) -> Letter:
    found = _state_at(ws, account_id, lambda e: isinstance(e, Dunning.DunningStepRecorded)
                      and e.step_id == step_id)
    if found is None:
        raise _missing("dunning step", step_id, "source_id")
    e, account = found
    items = tuple(account.items[i] for i in e.item_ids if i in account.items)
    head = _head(ws, account, e.timestamp)
    step = StepFacts(
        e.step_id, e.run_id, e.procedure, _country(e.procedure, company_of(ws, account).address.country),
        e.level, e.level_name, e.template, e.rule, e.posted_on, items, e.overdue_total, e.fee, e.interest,
        e.interest_until, e.payment_deadline, e.earliest_next_step, _business(ws, account, e.timestamp))
    return dunning_letter(head, step)


def _plan(ws: Workspace[Any], account_id: UUID, number: str) -> Letter:
    found = _state_at(ws, account_id, lambda e: isinstance(e, InstalmentPlans.InstalmentPlanCreated)
                      and number in (e.number, e.plan_id))
    if found is None:
        raise _missing("instalment plan", number, "source_id")
    e, account = found
    originals = tuple(account.items[a.item_id].document_number for a in e.cleared
                      if a.item_id in account.items)
    plan = PlanFacts(e.plan_id, e.number, e.posted_on, tuple(dict.fromkeys(originals)), e.instalments,
                     e.grace_days, e.interest_rate)
    return plan_letter(_head(ws, account, e.timestamp), plan)


def _run(ws: Workspace[Any], run_id: str) -> CollectionRun | None:
    try:
        return ws.find(CollectionRun, UUID(run_id))
    except ValueError:
        return None


def _pre_notification(ws: Workspace[Any], account_id: UUID, run_id: str) -> Letter:
    run = _run(ws, run_id)
    proposed = next((p for p in run.proposals if p.account_id == account_id), None) if run else None
    if run is None or proposed is None:
        raise _missing("collection run", run_id, "source_id")
    account = as_of(ws, account_id, run.created_on)
    if not isinstance(account, ContractAccount) or account.mandate is None:
        raise _missing("collection run", run_id, "source_id")
    items = tuple(account.items[i] for i in proposed.item_ids if i in account.items)
    company = company_of(ws, account)
    facts = CollectionFacts(str(run.id), proposed.end_to_end_id, _day(run.created_on), run.collection_date,
                            proposed.amount, items, account.mandate.reference, account.mandate.debtor_iban,
                            company.creditor_id)
    return pre_notification_letter(_head(ws, account, run.created_on), facts)


def _return(ws: Workspace[Any], account_id: UUID, end_to_end_id: str) -> Letter:
    found = _state_at(ws, account_id, lambda e: isinstance(e, DirectDebit.CollectionReturned)
                      and e.end_to_end_id == end_to_end_id)
    if found is None:
        raise _missing("returned collection", end_to_end_id, "source_id")
    e, account = found
    collection = account.collections[end_to_end_id]
    items: tuple[OpenItem, ...] = tuple(account.items[a.item_id] for a in e.reopened
                                        if a.item_id in account.items)
    fee = e.fee_item.amount if e.fee_item is not None else ZERO
    facts = ReturnFacts(end_to_end_id, collection.collection_date, e.returned_on, e.reason_code, e.action,
                        company_of(ws, account).return_policy.name, collection.amount, fee, items)
    return return_letter(_head(ws, account, e.timestamp), facts)


def _signed_by_holder_change(ws: Workspace[Any], contract: Contract) -> bool:
    """Whether the contract took its supply point over from another holder (its ``Occupied`` event says so;
    the tenure itself is rewritten with how it ended)."""
    occupancy_id = SupplyPointOccupancy.id_for(contract.supply_point)
    return any(getattr(e, "tenure", None) is not None and cast(Any, e).tenure.contract_id == str(contract.id)
               and cast(Any, e).tenure.how == "holder-change" for e in ws.events_after(occupancy_id, 0))


def _holder_change(ws: Workspace[Any], account_id: UUID, contract_id: str) -> Letter:
    try:
        contract = ws.find(Contract, UUID(contract_id))
    except ValueError:
        contract = None
    if contract is None or contract.account_id != account_id or not _signed_by_holder_change(ws, contract):
        raise _missing("holder change to contract", contract_id, "source_id")
    account = as_of(ws, account_id, contract.created_on)
    if not isinstance(account, ContractAccount):  # pragma: no cover - a contract's account exists before it
        raise _missing("contract account", str(account_id), "account_id")
    company = company_of(ws, account)
    facts = HolderFacts(contract_id, _day(contract.created_on), contract.start_date, contract.supply_point.id,
                        contract.commodity.value, contract.tariffs[0].tariff_code, company.address.country)
    return holder_change_letter(_head(ws, account, contract.created_on), facts)


class LetterSource(enum.Enum):
    """The event a letter is asked by, as its address names it (the route's ``{kind}``)."""

    DUNNING_STEP = "dunning-step"  # the step id: a reminder, formal notice or disconnection warning
    INSTALMENT_PLAN = "instalment-plan"  # the plan's number (or id)
    PRE_NOTIFICATION = "pre-notification"  # the collection run's id
    DIRECT_DEBIT_RETURN = "direct-debit-return"  # the returned collection's end-to-end id
    HOLDER_CHANGE = "holder-change"  # the new holder's contract id


#: A letter's kind in its address → what finds its causing event on the account.
SOURCES: dict[str, Callable[[Workspace[Any], UUID, str], Letter]] = {
    LetterSource.DUNNING_STEP.value: _dunning, LetterSource.INSTALMENT_PLAN.value: _plan,
    LetterSource.PRE_NOTIFICATION.value: _pre_notification, LetterSource.DIRECT_DEBIT_RETURN.value: _return,
    LetterSource.HOLDER_CHANGE.value: _holder_change}


def load_letter(ws: Workspace[Any], account_id: UUID, kind: str, source_id: str) -> Letter:
    """The letter of kind ``kind`` (a :data:`SOURCES` key) that the event ``source_id`` of the account
    caused."""
    loader = SOURCES.get(kind)
    if loader is None:
        raise NotFound(f"there are no letters of kind {kind[:40]!r}: one of {', '.join(SOURCES)}", "kind")
    source_id = source_id.strip()
    if not source_id or len(source_id) > MAX_SOURCE_ID_LENGTH:
        raise NotFound(f"a letter's source id has 1..{MAX_SOURCE_ID_LENGTH} characters", "source_id")
    if ws.find(ContractAccount, account_id) is None:
        raise NotFound(f"contract account {account_id} does not exist", "account_id")
    return loader(ws, account_id, source_id)
