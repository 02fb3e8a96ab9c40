"""Old topics of moved classes, so that events stored before a move still load.

A stored event names its class by topic, ``module:QualName``, and so do the value records and enums inside
it (:mod:`ledger.core.transcoding`). Moving a class to another module changes its topic, and old events
would no longer resolve (https://eventsourcing.readthedocs.io/en/stable/topics/domain.html#topics). So
every module or class that ever moved is listed here and registered with
:func:`eventsourcing.utils.register_topic` before the first event is read. Entries are never removed.
``tests/test_old_store.py`` reads a store written before the move to capability folders (2026-12).

This module names modules by text only: it imports no capability; :func:`register_old_topics` imports
them when it resolves the current names.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util

from eventsourcing.utils import register_topic, resolve_topic

#: Old module → the module its classes live in now, under the same qualified names.
MOVED_MODULES: dict[str, str] = {
    "ledger.account": "ledger.accounts.account",
    "ledger.account_dd": "ledger.collections.account_part",
    "ledger.account_dunning": "ledger.dunning.account_part",
    "ledger.bank_entries": "ledger.payments.bank_entries",
    "ledger.billing_commands": "ledger.billing.commands",
    "ledger.billing_drafts": "ledger.billing.drafts",
    "ledger.billing_handlers": "ledger.billing.handlers",
    "ledger.billing_rating": "ledger.billing.rating_step",
    "ledger.billing_records": "ledger.billing.records",
    "ledger.billing_run": "ledger.billing.run",
    "ledger.chart": "ledger.core.chart",
    "ledger.clearing": "ledger.accounts.clearing",
    "ledger.collection_run": "ledger.collections.run",
    "ledger.contract": "ledger.accounts.contract",
    "ledger.dd_commands": "ledger.collections.commands",
    "ledger.dd_handlers": "ledger.collections.handlers",
    "ledger.dunning_commands": "ledger.dunning.commands",
    "ledger.dunning_handlers": "ledger.dunning.handlers",
    "ledger.dunning_run": "ledger.dunning.run",
    "ledger.errors": "ledger.core.errors",
    "ledger.idempotency": "ledger.core.idempotency",
    "ledger.identifiers": "ledger.parties.identifiers",
    "ledger.ids": "ledger.core.ids",
    "ledger.instalments": "ledger.dunning.instalments",
    "ledger.invoice": "ledger.accounts.invoice",
    "ledger.matching": "ledger.payments.matching",
    "ledger.money": "ledger.core.money",
    "ledger.partner": "ledger.parties.partner",
    "ledger.rating": "ledger.billing.rating",
    "ledger.readings": "ledger.billing.readings",
    "ledger.receipts": "ledger.payments.receipts",
    "ledger.references": "ledger.accounts.references",
    "ledger.sepa": "ledger.collections",
    "ledger.sepa.calendar": "ledger.core.calendar",
    "ledger.tariffs": "ledger.billing.tariffs",
    "ledger.transcoding": "ledger.core.transcoding",
}

#: Old topic → current topic, where the module alone does not say: a module split in several, or an old
#: module name that is now a package (``ledger.billing``), which must not be registered as a module.
MOVED_CLASSES: dict[str, str] = {
    "ledger.account:PaymentMethod": "ledger.accounts.terms:PaymentMethod",
    "ledger.clearing:Allocation": "ledger.core.money:Allocation",
    "ledger.billing:BillingSettings": "ledger.billing.decisions:BillingSettings",
    "ledger.billing:Usage": "ledger.billing.decisions:Usage",
    "ledger.billing:_Boundary": "ledger.billing.decisions:_Boundary",
    "ledger.commands:AllocateSuspense": "ledger.payments.commands:AllocateSuspense",
    "ledger.commands:ImportReceipt": "ledger.payments.commands:ImportReceipt",
    "ledger.commands:IssueCreditNote": "ledger.accounts.commands:IssueCreditNote",
    "ledger.commands:IssueInvoice": "ledger.accounts.commands:IssueInvoice",
    "ledger.commands:LineInput": "ledger.accounts.commands:LineInput",
    "ledger.commands:OpenContractAccount": "ledger.accounts.commands:OpenContractAccount",
    "ledger.commands:RecordPayment": "ledger.payments.commands:RecordPayment",
    "ledger.commands:RecordStatementFile": "ledger.payments.commands:RecordStatementFile",
    "ledger.commands:RefundSuspense": "ledger.payments.commands:RefundSuspense",
    "ledger.commands:RegisterPartner": "ledger.parties.commands:RegisterPartner",
    "ledger.commands:ResetClearing": "ledger.payments.commands:ResetClearing",
    "ledger.commands:ReversePayment": "ledger.payments.commands:ReversePayment",
    "ledger.commands:SignContract": "ledger.accounts.commands:SignContract",
    # dunning split
    # Instalment plans left the Dunning mixin for InstalmentPlans, the overview and the settings their
    # modules; both the original topics and those the capability folders had before the split resolve.
    "ledger.account_dunning:Dunning.InstalmentPlanCancelled":
        "ledger.dunning.account_plans:InstalmentPlans.InstalmentPlanCancelled",
    "ledger.account_dunning:Dunning.InstalmentPlanCompleted":
        "ledger.dunning.account_plans:InstalmentPlans.InstalmentPlanCompleted",
    "ledger.account_dunning:Dunning.InstalmentPlanCreated":
        "ledger.dunning.account_plans:InstalmentPlans.InstalmentPlanCreated",
    "ledger.account_dunning:DunningOverview": "ledger.dunning.overview:DunningOverview",
    "ledger.account_dunning:PlanState": "ledger.dunning.account_plans:PlanState",
    "ledger.account_dunning:PlannedInstalment": "ledger.dunning.account_plans:PlannedInstalment",
    "ledger.dunning.account_part:Dunning.InstalmentPlanCancelled":
        "ledger.dunning.account_plans:InstalmentPlans.InstalmentPlanCancelled",
    "ledger.dunning.account_part:Dunning.InstalmentPlanCompleted":
        "ledger.dunning.account_plans:InstalmentPlans.InstalmentPlanCompleted",
    "ledger.dunning.account_part:Dunning.InstalmentPlanCreated":
        "ledger.dunning.account_plans:InstalmentPlans.InstalmentPlanCreated",
    "ledger.dunning.account_part:DunningOverview": "ledger.dunning.overview:DunningOverview",
    "ledger.dunning.account_part:PlanState": "ledger.dunning.account_plans:PlanState",
    "ledger.dunning.account_part:PlannedInstalment": "ledger.dunning.account_plans:PlannedInstalment",
    "ledger.dunning.handlers:DunningSettings": "ledger.dunning.settings:DunningSettings",
    "ledger.dunning_handlers:DunningSettings": "ledger.dunning.settings:DunningSettings",
    # billing and accounts split
    "ledger.account:ReceivedPayment": "ledger.accounts.payments_received:ReceivedPayment",
    "ledger.readings:LoadCurveMonth": "ledger.billing.load_curves:LoadCurveMonth",
    "ledger.readings:LoadCurveMonth.BlockRecorded": "ledger.billing.load_curves:LoadCurveMonth.BlockRecorded",
    "ledger.readings:LoadCurveMonth.Created": "ledger.billing.load_curves:LoadCurveMonth.Created",
    "ledger.readings:LoadCurveMonth.Event": "ledger.billing.load_curves:LoadCurveMonth.Event",
    "ledger.readings:LoadCurveMonth.Opened": "ledger.billing.load_curves:LoadCurveMonth.Opened",
    # (and the topics the capability-folder commits wrote, d2fa8ed..0911388)
    "ledger.accounts.account:ReceivedPayment": "ledger.accounts.payments_received:ReceivedPayment",
    "ledger.billing.readings:LoadCurveMonth": "ledger.billing.load_curves:LoadCurveMonth",
    "ledger.billing.readings:LoadCurveMonth.BlockRecorded": (
        "ledger.billing.load_curves:LoadCurveMonth.BlockRecorded"
    ),
    "ledger.billing.readings:LoadCurveMonth.Created": "ledger.billing.load_curves:LoadCurveMonth.Created",
    "ledger.billing.readings:LoadCurveMonth.Event": "ledger.billing.load_curves:LoadCurveMonth.Event",
    "ledger.billing.readings:LoadCurveMonth.Opened": "ledger.billing.load_curves:LoadCurveMonth.Opened",
}


@functools.cache
def register_old_topics() -> None:
    """Make every old topic resolve to what now carries it (once per process)."""
    for old, current in MOVED_MODULES.items():
        if _exists(old):
            raise RuntimeError(f"{old} still exists: list its classes in MOVED_CLASSES instead")
        register_topic(old, importlib.import_module(current))
    for old, current in MOVED_CLASSES.items():
        register_topic(old, resolve_topic(current))


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def stored_topics(current: str) -> tuple[str, ...]:
    """The topic ``current`` and every old one it had: what a query by topic must ask the store for.

    >>> stored_topics("ledger.accounts.contract:Contract.Signed")
    ('ledger.accounts.contract:Contract.Signed', 'ledger.contract:Contract.Signed')
    >>> stored_topics("ledger.billing.rating.tariff:TariffVersion")[1]
    'ledger.rating.tariff:TariffVersion'
    """
    module, _, qualname = current.partition(":")
    old = {o for o, n in MOVED_CLASSES.items() if n == current}
    for old_module, new_module in MOVED_MODULES.items():
        if module == new_module or module.startswith(new_module + "."):
            old.add(f"{old_module}{module[len(new_module):]}:{qualname}")
    return (current, *sorted(old))
