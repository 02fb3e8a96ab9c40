"""What a bank file says about our collections, before anything is looked up: statuses and returns.

- A pain.002 states a status per group (the whole message), per payment-information block and per
  transaction. Every stated status is reported. ``RJCT`` undoes collections: a transaction's own, a
  block's (every collection of the block the report does not list with a status of its own), a group's
  (every collection of the message not covered by a more specific status). ``PART`` is a group or block
  some of whose transactions were rejected: the rejected ones are listed and applied, the rest stand.
- A camt.053/054 debit entry is a direct-debit return when it says so
  (:attr:`~ledger.payments.bank_entries.BankEntry.is_direct_debit_return`); other entries are listed as
  not being returns.

The meanings follow the ISO 20022 ExternalPaymentTransactionStatus1Code and
ExternalPaymentGroupStatus1Code code sets.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from importers.sepa.pain002 import StatusItem, read_pain002
from ledger.collections.review import ReportedReturn
from ledger.payments.bank_entries import BankEntry

#: What the bank means by each status code, in the returns report.
STATUS_MEANINGS = {
    "RCVD": "received: not checked yet",
    "ACTC": "accepted after technical validation: syntax and format are fine",
    "ACCP": "accepted after customer-profile checks",
    "ACWC": "accepted with a change (e.g. another collection date)",
    "ACWP": "accepted, without posting",
    "ACSP": "accepted, settlement in process",
    "ACSC": "accepted, settlement completed",
    "PDNG": "pending: further checks; a final status follows",
    "PART": "partially accepted: the rejected transactions are listed and applied",
    "RJCT": "rejected",
    "CANC": "cancelled",
}
#: A return the bank gave no reason for is booked with this code (ISO "narrative"), which the policy sends
#: to investigation.
NO_REASON = "NARR"


@dataclass(frozen=True, slots=True)
class LevelReject:
    """A whole group or block rejected, with the totals the bank quotes for it."""

    reported: ReportedReturn
    line: int
    number_of_transactions: int | None
    control_sum: Decimal | None


@dataclass
class StatusFacts:
    """Everything one pain.002 or camt file says that the returns import acts on or reports."""

    transactions: list[ReportedReturn] = field(default_factory=list)
    levels: list[LevelReject] = field(default_factory=list)
    statuses: list[dict[str, str]] = field(default_factory=list)
    ignored: list[dict[str, str]] = field(default_factory=list)
    #: end-to-end ids the file gives a status of their own, and (message, block) pairs with a block status
    covered: set[str] = field(default_factory=set)
    blocks: set[tuple[str, str]] = field(default_factory=set)


def _where(item: StatusItem) -> str:
    return f"line {item.line}, {item.element_path}"


def _status_row(item: StatusItem) -> dict[str, str]:
    row = {"where": _where(item), "level": item.level, "status": item.status,
           "meaning": STATUS_MEANINGS.get(item.status, "status code not in the ISO code set"),
           "original_message_id": item.original_message_id}
    optional = {"payment_information_id": item.original_payment_information_id,
                "end_to_end_id": item.original_end_to_end_id, "reason": item.reason_code}
    row |= {k: v for k, v in optional.items() if v}
    if item.additional_info:
        row["additional_info"] = " ".join(item.additional_info)
    return row


def _reported(item: StatusItem, file_name: str, today: date) -> ReportedReturn:
    return ReportedReturn(
        "pain.002", file_name, _where(item), item.reason_code or NO_REASON,
        item.requested_collection_date or today, item.level, item.original_end_to_end_id, item.mandate_id,
        item.amount, item.currency, item.original_message_id, item.original_payment_information_id,
        item.requested_collection_date)


def pain002_facts(data: bytes | BinaryIO, file_name: str, today: date) -> StatusFacts:
    """Read a whole pain.002 (a bad file raises BankFileError before anything is booked)."""
    reader = read_pain002(io.BytesIO(data) if isinstance(data, bytes) else data, file_name)
    transactions = [item for item in reader if item.level == "transaction"]
    facts = StatusFacts()
    for item in reader.levels:
        facts.statuses.append(_status_row(item))
        if item.level == "payment" and item.original_payment_information_id:
            facts.blocks.add((item.original_message_id, item.original_payment_information_id))
        if item.is_rejected:
            facts.levels.append(LevelReject(_reported(item, file_name, today), item.line,
                                            item.original_number_of_transactions, item.original_control_sum))
    for item in transactions:
        facts.statuses.append(_status_row(item))
        if item.original_end_to_end_id:
            facts.covered.add(item.original_end_to_end_id)
        if item.is_rejected:
            facts.transactions.append(_reported(item, file_name, today))
    return facts


def entry_where(entry: BankEntry) -> str:
    return f"line {entry.line}, {entry.element_path}"


def camt_facts(entries: Iterable[BankEntry], source: str, today: date) -> StatusFacts:
    """The direct-debit returns among ``entries``; the other entries are listed as ignored."""
    facts = StatusFacts()
    for entry in entries:
        where = entry_where(entry)
        if not entry.is_direct_debit_return:
            facts.ignored.append({"where": where, "reason": "not a direct-debit return"})
        elif entry.status != "BOOK":
            facts.ignored.append({"where": where, "reason": f"a return with status {entry.status}: "
                                                             "not booked yet, it comes again when booked"})
        else:
            facts.transactions.append(camt_return(entry, source, today))
    return facts


def camt_return(entry: BankEntry, source: str, today: date) -> ReportedReturn:
    return ReportedReturn(
        source, entry.file_name, entry_where(entry), entry.return_reason or NO_REASON,
        entry.booking_date or entry.value_date or today, "transaction", entry.end_to_end_id,
        entry.mandate_id, entry.amount, entry.currency)
