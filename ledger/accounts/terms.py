"""How a contract account is paid: bank transfer or SEPA direct debit (bonifico / addebito diretto)."""

from __future__ import annotations

import enum


class PaymentMethod(enum.Enum):
    BANK_TRANSFER = "bank-transfer"
    DIRECT_DEBIT = "direct-debit"
