"""Bank statement readers: camt.052/053/054 (ISO 20022), SWIFT MT940, the Finnish reference-payment
file (viitesiirto, KTL), a simple CSV format, and ZIP archives of them.

Parsing only: readers turn a file into :class:`~ledger.payments.bank_entries.StatementHeader` and
:class:`~ledger.payments.bank_entries.BankEntry` records and raise :class:`BankFileError` on the first
problem (:class:`UnbalancedStatement` when booked balances do not add up). Which reader takes a file, and
archives, are :mod:`importers.bank.reading`'s. Matching and booking happen elsewhere.
"""

from __future__ import annotations

from importers.bank._source import DEFAULT_MAX_BYTES
from importers.bank.camt import BalanceCheck, CamtReader, read_camt
from importers.bank.csv_format import CsvReader, read_csv
from importers.bank.errors import BankFileError, UnbalancedStatement
from importers.bank.ktl import KtlReader, read_ktl
from importers.bank.mt940 import Mt940Reader, read_mt940

__all__ = [
    "DEFAULT_MAX_BYTES",
    "BalanceCheck",
    "BankFileError",
    "CamtReader",
    "CsvReader",
    "KtlReader",
    "Mt940Reader",
    "UnbalancedStatement",
    "read_camt",
    "read_csv",
    "read_ktl",
    "read_mt940",
]
