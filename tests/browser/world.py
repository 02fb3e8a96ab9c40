"""A small receivables world for the workplace's browser tests and its screenshots: a few customers with
invoices, payments and a receipt in suspense that the worklist suggests for one of them.

Deterministic: the same world, the same pages (the clock is the test's, every amount fixed).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from ledger.payments import commands as pmt
from ledger.payments.matching import SUSPENSE, MatchDecision, Receipt
from tests.clerk import Clerk

OUR_IBAN = "IT60X0542811101000000123456"
GIULIA_IBAN = "IT02A0301503200000003517230"


@dataclass(frozen=True)
class World:
    giulia: UUID  #: owes two invoices; the receipt in suspense is hers
    marco: UUID  #: paid his invoice in part
    anna: UUID  #: paid in full
    suspense_id: UUID
    giulia_invoices: tuple[str, str]


def build_world(clerk: Clerk) -> World:
    giulia, marco, anna = (clerk.customer(n) for n in ("Giulia Bianchi", "Marco Esposito", "Anna Ferrari"))
    first = clerk.bill(giulia, "100.00")["number"]  # 122.00 with VAT
    clerk.clock.advance(10)
    second = clerk.bill(giulia, "40.00", "10.00")["number"]  # 61.00
    clerk.pay(marco, "50.00", clerk.bill(marco, "80.00")["number"])  # 97.60, 47.60 left open
    clerk.pay(anna, "36.60", clerk.bill(anna, "30.00")["number"])
    clerk.clock.advance(5)
    receipt = Receipt(Decimal("122.00"), "EUR", clerk.clock.today, "Giulia Bianchi", GIULIA_IBAN, None,
                      ("saldo fattura marzo",))
    parked = clerk.run(pmt.ImportReceipt(receipt, OUR_IBAN, MatchDecision(SUSPENSE, None, (), "no reference "
                                                                          "in the remittance")))
    return World(giulia, marco, anna, UUID(parked["suspense_id"]), (first, second))
