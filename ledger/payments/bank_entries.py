"""Bank statement records: what a camt.053/054 or CSV file says, before any matching or booking.

A statement file can hold 100k entries, so it is not one object: readers yield one
:class:`StatementHeader` per statement (``Stmt`` / ``Ntfctn``, or the whole CSV file) and a stream
of :class:`BankEntry` records, each carrying its statement's id and account so boundaries stay
visible.

**One record per transaction.** An ISO 20022 entry (``Ntry``) that carries several transaction
details (``NtryDtls/TxDtls``, e.g. a direct-debit collection booked as one batch) becomes one
``BankEntry`` per ``TxDtls`` with the amount of that transaction, so each can be matched on its own.
They share ``entry_index`` (the entry's position in the file) and differ in ``tx_index`` (1-based)
and ``element_path`` (``Stmt[1]/Ntry[17]/NtryDtls/TxDtls[2]``); ``batch`` is true. An entry with
zero or one ``TxDtls`` is one record with the entry's amount, ``tx_index`` ``None``.

**Fingerprints** make imports idempotent (architecture §4.2): the bank's own reference when there is
one (the transaction's ``Refs/AcctSvcrRef``, else the entry's ``AcctSvcrRef`` plus the transaction
index for batch parts), namespaced by account; otherwise a SHA-256 of the entry's content. Two
legitimately identical rows in one file have the same content hash, so :func:`fingerprint_entries`
appends ``#n`` for the n-th occurrence of a content hash within the file:

>>> from dataclasses import replace
>>> row = BankEntry(file_name="a.csv", statement_id="a.csv", account_iban=None, entry_index=1,
...                 element_path="row[1]", line=2, amount=Decimal("25.00"), credit_debit="CRDT",
...                 currency="EUR", status="BOOK", booking_date=date(2024, 2, 29))
>>> twin = replace(row, entry_index=2, element_path="row[2]", line=3)
>>> [fp[-2:] for _, fp in fingerprint_entries([row, twin])]
['#1', '#2']
>>> replace(row, account_servicer_reference="ASR-1").fingerprint()
'ref:-:ASR-1'

**A bank reference repeated within one file.** The reference should name one movement, but real
statements give one ``AcctSvcrRef`` to several entries, or to every ``TxDtls`` of a batch (Swiss,
Finnish and OCA sample files). The file's balances prove they are different money, so each needs its
own key: the first entry with the reference keeps ``ref:<account>:<reference>`` (the key older imports
used, so a statement imported before still dedupes), and every later one in the same file is told
apart by its content, ``ref:<account>:<reference>~<16 hex of its content hash>#n``, where ``#n``
counts entries of that reference and content (identical twins are still two payments). The same file
always gives the same keys:

>>> paid = replace(row, account_servicer_reference="123456CHCAFEBABE", amount=Decimal("2187.00"))
>>> also = replace(paid, entry_index=2, amount=Decimal("1296.00"))
>>> [fp[:22] for _, fp in fingerprint_entries([paid, also])]
['ref:-:123456CHCAFEBABE', 'ref:-:123456CHCAFEBABE']
>>> [len(fp) for _, fp in fingerprint_entries([paid, also])]
[22, 41]
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal, NamedTuple

#: The parts of a bank transaction code (``PMNT/IDDT/UPDD``, ``PMNT-IDDT-UPDD``, ``IDDT+UPDD``).
_CODE_PARTS_RE = re.compile(r"[^A-Za-z0-9]+")

__all__ = [
    "BankEntry",
    "CreditDebit",
    "MessageType",
    "ReferredDocument",
    "StatementHeader",
    "StatementPeriod",
    "fingerprint_entries",
]

CreditDebit = Literal["CRDT", "DBIT"]
MessageType = Literal["camt.052", "camt.053", "camt.054", "csv", "mt940", "ktl"]

#: Entry status codes (ISO ExternalEntryStatus1Code). Only ``BOOK`` entries move the booked balance.
BOOKED = "BOOK"
PENDING = "PDNG"
INFORMATION = "INFO"


class ReferredDocument(NamedTuple):
    """One invoice named in ``Strd/RfrdDocInf/Nb``, with the remitted amount if the bank gave it."""

    number: str
    amount: Decimal | None


@dataclass(frozen=True, slots=True)
class StatementPeriod:
    """The stretch of time a statement covers: from ``start`` to ``end``, both in UTC.

    From the statement's ``FrToDt`` when the bank gives it, else from its entries' booking days (local
    midnight of the first to local midnight after the last). Two periods **overlap** when they share
    more than an instant, or are the same period: consecutive daily statements (one ends at midnight,
    the next begins there) do not overlap; the same statement sent twice, or a statement of 1–15 March
    and one of 10–20 March, do.

    >>> march = StatementPeriod(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    >>> april = StatementPeriod(datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))
    >>> march.overlaps(april), march.overlaps(march), march.key
    (False, True, '20260301T000000Z/20260401T000000Z')
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("a statement period is made of instants (timezone-aware datetimes)")
        if self.end < self.start:
            raise ValueError(f"a statement period ends before it starts: {self.start} > {self.end}")

    def overlaps(self, other: StatementPeriod) -> bool:
        if (self.start, self.end) == (other.start, other.end):
            return True
        return self.start < other.end and other.start < self.end

    @property
    def key(self) -> str:
        """A compact, stable spelling (UTC, to the second) for idempotency keys."""
        return f"{_compact(self.start)}/{_compact(self.end)}"


def _compact(moment: datetime) -> str:
    """``20260401T000000Z``; spelled out by hand, since ``%Y`` of year 1 differs between C libraries."""
    utc = moment.astimezone(UTC)
    return (f"{utc.year:04d}{utc.month:02d}{utc.day:02d}"
            f"T{utc.hour:02d}{utc.minute:02d}{utc.second:02d}Z")


@dataclass(frozen=True, slots=True, kw_only=True)
class StatementHeader:
    """One statement (camt.053 ``Stmt``), notification (camt.054 ``Ntfctn``) or CSV file.

    Balances are signed (credit positive); camt.054 and CSV have none. ``period`` is the statement's
    ``FrToDt`` (MT940, KTL and CSV files have none: the import derives it from the booking dates).
    """

    file_name: str
    message_type: MessageType
    version: str
    message_id: str | None
    statement_id: str
    statement_index: int
    account_iban: str | None
    currency: str | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    created_at: datetime | None
    line: int
    element_path: str
    period: StatementPeriod | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BankEntry:
    """One bookable movement: an entry, or one transaction of a batch entry (see the module doc).

    ``amount`` is never negative; the direction is ``credit_debit``. ``account_servicer_reference``
    and ``entry_reference`` come from the entry (``Ntry``), ``tx_account_servicer_reference`` and
    the other references from its transaction details. ``line`` is the source line where the entry
    (or, for a batch part, the ``TxDtls``) starts; ``element_path`` locates it for error messages.
    """

    file_name: str
    statement_id: str
    account_iban: str | None
    entry_index: int
    element_path: str
    line: int
    amount: Decimal
    credit_debit: CreditDebit
    currency: str
    status: str
    booking_date: date | None = None
    value_date: date | None = None
    tx_index: int | None = None
    account_servicer_reference: str | None = None
    tx_account_servicer_reference: str | None = None
    entry_reference: str | None = None
    end_to_end_id: str | None = None
    mandate_id: str | None = None
    debtor_name: str | None = None
    debtor_iban: str | None = None
    creditor_name: str | None = None
    creditor_iban: str | None = None
    creditor_reference: str | None = None
    creditor_reference_type: str | None = None
    unstructured: tuple[str, ...] = ()
    referred_documents: tuple[ReferredDocument, ...] = ()
    is_reversal: bool = False
    bank_transaction_code: str | None = None
    return_reason: str | None = None
    batch: bool = False
    statement_period: StatementPeriod | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise ValueError(
                f"{self.element_path}: amount must be a finite Decimal, got {self.amount!r}"
            )
        if self.amount < 0:
            raise ValueError(f"{self.element_path}: amount must not be negative, got {self.amount}")
        if self.credit_debit not in ("CRDT", "DBIT"):
            raise ValueError(f"{self.element_path}: credit_debit must be CRDT or DBIT")

    @property
    def signed_amount(self) -> Decimal:
        """The amount as it moves the account balance: credits positive, debits negative."""
        return self.amount if self.credit_debit == "CRDT" else -self.amount

    @property
    def is_booked(self) -> bool:
        return self.status == BOOKED

    @property
    def is_direct_debit_return(self) -> bool:
        """A debit that undoes one of our collections (an R-transaction: insoluto, devolució, palautus).

        The bank says so with ``RvslInd`` true, with the bank transaction code ``PMNT/IDDT/UPDD``
        ("unpaid direct debit", as ISO domain code or quoted in a proprietary code), or with a return
        reason (``TxDtls/RtrInf/Rsn``). A credit is never one: our collections come in as credits.

        >>> from dataclasses import replace
        >>> entry = BankEntry(file_name="s.xml", statement_id="S", account_iban=None, entry_index=1,
        ...                   element_path="Stmt[1]/Ntry[1]", line=9, amount=Decimal("65.40"),
        ...                   credit_debit="DBIT", currency="EUR", status="BOOK")
        >>> entry.is_direct_debit_return
        False
        >>> [replace(entry, **change).is_direct_debit_return for change in (
        ...     {"is_reversal": True}, {"return_reason": "AM04"}, {"bank_transaction_code": "PMNT/IDDT/UPDD"},
        ...     {"bank_transaction_code": "PMNT/ICDT/ESCT"}, {"is_reversal": True, "credit_debit": "CRDT"})]
        [True, True, True, False, False]
        """
        if self.credit_debit != "DBIT":
            return False
        code = self.bank_transaction_code or ""
        return self.is_reversal or self.return_reason is not None or "UPDD" in _CODE_PARTS_RE.split(code)

    def fingerprint(self) -> str:
        """Stable identity across imports: the bank's reference, else ``sha256:`` of the content.

        Content fingerprints of identical rows collide on purpose; :func:`fingerprint_entries` adds
        the occurrence counter that tells them apart within one file.
        """
        account = self.account_iban or "-"
        if self.tx_account_servicer_reference:
            return f"ref:{account}:{self.tx_account_servicer_reference}"
        if self.account_servicer_reference:
            part = "" if self.tx_index is None else f"/{self.tx_index}"
            return f"ref:{account}:{self.account_servicer_reference}{part}"
        return "sha256:" + self.content_hash()

    def content_hash(self) -> str:
        """SHA-256 of what the bank said, not of where it sits in the file (index, line, path)."""
        return hashlib.sha256(self.canonical_content().encode("utf-8")).hexdigest()

    def canonical_content(self) -> str:
        fields: list[object] = [
            self.account_iban,
            self.currency,
            self.credit_debit,
            _canonical_decimal(self.amount),
            self.status,
            _iso(self.booking_date),
            _iso(self.value_date),
            self.entry_reference,
            self.end_to_end_id,
            self.mandate_id,
            self.debtor_name,
            self.debtor_iban,
            self.creditor_name,
            self.creditor_iban,
            self.creditor_reference,
            self.creditor_reference_type,
            list(self.unstructured),
            [[doc.number, _canonical_decimal(doc.amount)] for doc in self.referred_documents],
            self.is_reversal,
            self.bank_transaction_code,
            self.return_reason,
        ]
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def fingerprint_entries(entries: Iterable[BankEntry]) -> Iterator[tuple[BankEntry, str]]:
    """Pair each entry of ONE file with a fingerprint no other entry of the file has (see the module doc).

    Content hashes get ``#n`` (n-th repeat). A bank reference is returned unchanged the first time; a
    later entry with the same reference gets ``~<content>#n``. Deterministic: file order and content only.
    """
    seen: dict[str, int] = {}
    first_with: dict[str, BankEntry] = {}  # bank reference -> the entry that keeps it unqualified
    for entry in entries:
        fingerprint = entry.fingerprint()
        if fingerprint.startswith("sha256:"):
            seen[fingerprint] = seen.get(fingerprint, 0) + 1
            fingerprint = f"{fingerprint}#{seen[fingerprint]}"
        elif fingerprint not in first_with:
            first_with[fingerprint] = entry
        else:
            first = first_with[fingerprint]
            qualified = f"{fingerprint}~{entry.content_hash()[:16]}"
            if qualified not in seen:  # the first entry counts as #1 of its own content
                seen[qualified] = int(first.content_hash() == entry.content_hash())
            seen[qualified] += 1
            fingerprint = f"{qualified}#{seen[qualified]}"
        yield entry, fingerprint


def _canonical_decimal(value: Decimal | None) -> str | None:
    """``100``, ``100.0`` and ``100.00`` are the same amount: one spelling for hashing.

    >>> _canonical_decimal(Decimal("100.00")), _canonical_decimal(Decimal("0.50"))
    ('100', '0.5')
    """
    if value is None:
        return None
    return format(value.normalize(), "f")


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
