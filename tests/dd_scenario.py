"""Direct-debit customers and runs with fixed ids, so that bank files in tests/fixtures/sepa/ can name them.

Every id Saldo creates is derived from an idempotency key (:mod:`ledger.core.ids`): a customer opened with
the keys below has the same account id in every test run, and a run proposed under a fixed key has the
same run id, message id (``SALDO-`` + 20 hex digits of the run id) and end-to-end ids
(``DD`` + 10 hex digits + a 7-digit counter in account-id order). The fixtures were written from what
these functions produce, and the tests check that they still do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from importers.sepa import service as dd
from ledger.accounts import commands as ac
from ledger.collections import commands as d
from ledger.parties import commands as pc
from ledger.parties.partner import PartnerKind, PostalAddress
from tests.clerk import Clerk

FIXTURES = "tests/fixtures/sepa"


def dd_customer(clerk: Clerk, tag: str, name: str, umr: str, iban: str) -> UUID:
    """A person paying by direct debit (mandate signed 15 Jan 2026), 10 days to pay each invoice."""
    partner = clerk.run(pc.RegisterPartner(
        name, PartnerKind.PERSON, address=PostalAddress("Via Roma 1", "98122", "Messina", "IT")),
        f"{tag}:partner")
    account = UUID(clerk.run(ac.OpenContractAccount(
        UUID(partner["partner_id"]), f"{name} home", payment_terms_days=10), f"{tag}:account")["account_id"])
    clerk.run(d.RegisterMandate(account, umr, date(2026, 1, 15), name, iban), f"{tag}:mandate")
    return account


@dataclass(frozen=True)
class Run:
    run_id: UUID
    message_id: str
    content: bytes
    #: end-to-end id -> (account, amount as written in the file)
    collections: dict[str, tuple[UUID, str]]
    #: payment-information id -> end-to-end ids of that block
    blocks: dict[str, tuple[str, ...]]


def run_today(clerk: Clerk, key: str) -> Run:
    """Propose and execute a run of everything due today, collected today; its pain.008 as sent."""
    today = clerk.clock.today
    run_id = UUID(dd.propose_run(clerk.services, today, today, key)["run_id"])
    dd.execute_run(clerk.services, run_id)
    file = dd.run_file(clerk.services, run_id)
    booked = dd.load_run(clerk.services, run_id).booked
    return Run(run_id, file.message_id, file.content,
               {b.end_to_end_id: (b.account_id, str(b.amount)) for b in booked},
               {b.payment_information_id: b.end_to_end_ids for b in file.batches})
