"""Bank statement readers: camt.053 / camt.054 (ISO 20022) and a simple CSV format.

Parsing only: readers turn a file into :class:`~ledger.payments.bank_entries.StatementHeader` and
:class:`~ledger.payments.bank_entries.BankEntry` records and raise :class:`BankFileError` on the first
problem. Matching and booking happen elsewhere.
"""

from __future__ import annotations

from importers.bank._source import DEFAULT_MAX_BYTES
from importers.bank.camt import BalanceCheck, CamtReader, read_camt
from importers.bank.csv_format import CsvReader, read_csv
from importers.bank.errors import BankFileError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "BalanceCheck",
    "BankFileError",
    "CamtReader",
    "CsvReader",
    "read_camt",
    "read_csv",
]
