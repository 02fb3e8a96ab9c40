"""Importing a bank statement: file → receipts → matching cascade → commands, exactly once.

1. The whole file is read and checked first (balances, structure). A bad file raises
   :class:`~importers.bank.errors.BankFileError` naming the line and element, and nothing is written.
2. A file whose SHA-256 was imported in full before is reported as a duplicate without being read again.
3. Each entry's fingerprint (bank reference, else content hash + occurrence; a bank reference repeated in
   the file is told apart by content, see :func:`~ledger.payments.bank_entries.fingerprint_entries`) is
   its idempotency key. An overlapping statement, or a re-run after a crash half-way, books only the
   entries not booked yet. An entry known by its content alone is keyed by its statement's period too:
   the same content in a statement of an overlapping period is a duplicate, in one of another period it
   is booked and waits in the worklist as a possible duplicate (:mod:`ledger.payments.duplicates`).
4. Receipts are matched in batches. Each batch's lookups are prefetched from the ledger view in a few
   queries, and the batch is saved in one transaction.
5. Outgoing entries, entries in another currency, unbooked entries and direct-debit returns are reported,
   not allocated (returns are the direct-debit import's job).
6. Nothing is dropped: every credit of the file is booked (to an account or to suspense), or listed with
   its place and reason, either in ``not_allocated`` (not a receipt) or in ``refused`` (the ledger refused
   it: an amount of 12.345 or 0.00, or a bank reference imported before with other details). A file with
   a refused entry is not recorded as imported in full, so importing it again reads it again: what was
   booked replays, and the refused entries are reported again (never as duplicates).
"""

from __future__ import annotations

import hashlib
import io
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from importers.bank._periods import StatementKey, statement_periods
from importers.bank.camt import read_camt
from importers.bank.csv_format import read_csv
from importers.bank.ktl import KtlReader, looks_like_ktl, read_ktl
from importers.bank.mt940 import Mt940Reader, looks_like_mt940, read_mt940
from ledger.core.errors import Conflict
from ledger.payments import commands as pmt
from ledger.payments import matching
from ledger.payments.bank_entries import BankEntry, StatementPeriod, fingerprint_entries
from ledger.payments.duplicates import DUPLICATE, ContentClaim
from ledger.payments.matching import InvoiceRef, MatchIndex, Receipt

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services

#: Receipts matched and saved per transaction.
IMPORT_BATCH = 2000
#: Largest statement file accepted (a year of receipts of a large utility stays well below).
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class ImportReport:
    file_name: str
    sha256: str
    file_already_imported: bool = False
    entries: int = 0
    booked: int = 0
    duplicates: int = 0
    to_suspense: int = 0
    by_rule: Counter[str] = field(default_factory=Counter)
    amount_booked: Decimal = Decimal("0.00")
    amount_to_suspense: Decimal = Decimal("0.00")
    not_allocated: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)
    possible_duplicates: list[dict[str, str]] = field(default_factory=list)

    @property
    def imported_in_full(self) -> bool:
        """Every entry booked, replayed or not a receipt; nothing refused (the file is then recorded)."""
        return not self.refused

    def as_dict(self) -> dict[str, Any]:
        return {
            "file_name": self.file_name,
            "sha256": self.sha256,
            "file_already_imported": self.file_already_imported,
            "entries": self.entries,
            "booked": self.booked,
            "duplicates": self.duplicates,
            "to_suspense": self.to_suspense,
            "matched_by_rule": dict(sorted(self.by_rule.items())),
            "amount_booked": str(self.amount_booked),
            "amount_to_suspense": str(self.amount_to_suspense),
            "not_allocated": self.not_allocated,
            "refused": self.refused,
            "possible_duplicates": self.possible_duplicates,
            "imported_in_full": self.imported_in_full,
        }


def _where(entry: BankEntry) -> str:
    return f"{entry.file_name} line {entry.line}, {entry.element_path}"


def _listed(entry: BankEntry, reason: str) -> dict[str, str]:
    """An entry reported instead of booked: where it is, what it says, and why."""
    return {"where": _where(entry), "amount": f"{entry.credit_debit} {entry.amount} {entry.currency}",
            "reason": reason}


def _why_refused(error: Exception | None) -> str:
    if isinstance(error, Conflict) and error.field == "Idempotency-Key":
        return ("the bank's reference was imported before with other details (amount, date, payer or "
                "text): if this is another payment, book it by hand")
    return str(error)


#: Text formats told by their first lines, tried in order before CSV: (looks like it, its reader).
TEXT_FORMATS: tuple[tuple[Callable[[bytes], bool], Callable[..., Mt940Reader | KtlReader]], ...] = (
    (looks_like_mt940, read_mt940),  # SWIFT MT940: a :20: field (or an envelope) near the start
    (looks_like_ktl, read_ktl),  # Finnish reference payments: 90-character records 0, 3/5, 9
)


def read_entries(data: bytes, file_name: str) -> list[BankEntry]:
    """Every entry of a camt.053/054, MT940, KTL or CSV file, or BankFileError; sniffed from the content.

    The readers enforce the size limit themselves, before parsing."""
    head = data.lstrip()[:1]
    if head == b"<" or data.startswith(b"\xef\xbb\xbf<"):
        return read_camt(io.BytesIO(data), file_name, max_bytes=MAX_FILE_BYTES).read_all()
    for looks_like, read in TEXT_FORMATS:
        if looks_like(data):
            return read(io.BytesIO(data), file_name, max_bytes=MAX_FILE_BYTES).read_all()
    return read_csv(io.BytesIO(data), file_name, max_bytes=MAX_FILE_BYTES).read_all()


def _receipt(entry: BankEntry, today: date) -> Receipt:
    received_on = entry.value_date or entry.booking_date or today
    return Receipt(
        entry.amount,
        entry.currency,
        received_on,
        entry.debtor_name,
        entry.debtor_iban,
        entry.creditor_reference,
        tuple(entry.unstructured),
        tuple(d.number for d in entry.referred_documents),
    )


def _why_not_allocated(entry: BankEntry, currency: str) -> str | None:
    if entry.credit_debit == "DBIT" and entry.is_reversal:
        return ("reversal of an earlier receipt (DBIT, e.g. MT940 RC or a KTL correction): not a receipt; "
                "reverse the payment it cancels by hand")
    if entry.credit_debit == "DBIT":
        return "outgoing payment (DBIT): not a receipt"
    if entry.is_reversal or (entry.bank_transaction_code or "").endswith("UPDD"):
        return "direct-debit return: imported with the returns"
    if entry.status != "BOOK":
        return f"status {entry.status}: not booked yet"
    if entry.currency != currency:
        return f"in {entry.currency}; accounts are kept in {currency}"
    return None


def build_index(svc: Services, receipts: Sequence[Receipt]) -> MatchIndex:
    """Prefetch what the cascade may look up for these receipts, in a few queries."""
    needed = matching.lookups_needed(receipts)

    def refs(rows: list[tuple[Any, ...]]) -> dict[str, InvoiceRef]:
        return {r[0]: InvoiceRef(r[1], UUID(r[2]), Decimal(r[3]) / 100) for r in rows}

    by_iban: dict[str, list[UUID]] = {}
    for iban, account in svc.view.accounts_by_iban(sorted(needed.ibans)):
        by_iban.setdefault(iban, []).append(UUID(account))
    single = sorted({str(a[0]) for a in by_iban.values() if len(a) == 1})
    open_items: dict[UUID, list[InvoiceRef]] = {}
    for account, number, open_cents, _, _ in svc.view.open_items_of(single):
        open_items.setdefault(UUID(account), []).append(
            InvoiceRef(number, UUID(account), Decimal(open_cents) / 100)
        )
    return MatchIndex(
        refs(svc.view.invoices_by("payment_reference", sorted(needed.references))),
        refs(svc.view.invoices_by("document_number", sorted(needed.numbers))),
        {k: tuple(v) for k, v in by_iban.items()},
        {k: tuple(v) for k, v in open_items.items()},
    )


def import_statement(
    svc: Services, data: bytes, file_name: str, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    sha256 = hashlib.sha256(data).hexdigest()
    report = ImportReport(file_name, sha256)
    recorded = svc.app.payments.statement_file(sha256)
    if recorded is not None and recorded.in_full:
        report.file_already_imported = True
        report.entries = report.duplicates = int(recorded.report.get("entries", 0))
        return report
    entries = read_entries(data, file_name)
    report.entries = len(entries)
    # The matching index reads the view: bring it up to date once. Receipts of this same file that pay the
    # same invoice twice are still right: the account aggregate, not the index, decides the clearing.
    svc.projections.catch_up()
    currency = "EUR"
    periods = statement_periods(entries, svc.app.config.bank_account)
    batch: list[tuple[BankEntry, str]] = []
    for entry, fingerprint in fingerprint_entries(entries):
        why = _why_not_allocated(entry, currency)
        if why is not None:
            report.not_allocated.append(_listed(entry, why))
            continue
        batch.append((entry, fingerprint))
        if len(batch) == IMPORT_BATCH:
            _book(svc, batch, periods, report)
            batch = []
            if progress:
                progress(report.booked + report.duplicates + report.to_suspense, report.entries)
    if batch:
        _book(svc, batch, periods, report)
    svc.projections.catch_up()  # read your writes: the report's effects are visible when it returns
    if report.imported_in_full:  # an older record (not known to be in full) is confirmed under its own key
        summary = (("entries", str(report.entries)), ("refused", "0"))
        key = f"file:{sha256}" if recorded is None else f"file-in-full:{sha256}"
        svc.app.execute(pmt.RecordStatementFile(sha256, file_name, summary), key)
    if progress:
        progress(report.entries, report.entries)
    return report


def _command(entry: BankEntry, fingerprint: str, receipt: Receipt, bank_account: str, index: MatchIndex,
             periods: dict[StatementKey, StatementPeriod]) -> tuple[pmt.ImportReceipt, str]:
    """The command and idempotency key of one receipt; one known by content is keyed by its period too."""
    decision = matching.match(receipt, index)
    if not fingerprint.startswith("sha256:"):
        return pmt.ImportReceipt(receipt, bank_account, decision), f"bank:{fingerprint}"
    period = periods[(entry.account_iban, entry.statement_id)]
    claim = ContentClaim(fingerprint, period, f"{_where(entry)} (statement {entry.statement_id})")
    return pmt.ImportReceipt(receipt, bank_account, decision, claim), f"bank:{fingerprint}@{period.key}"


def _book(svc: Services, batch: list[tuple[BankEntry, str]], periods: dict[StatementKey, StatementPeriod],
          report: ImportReport) -> None:
    receipts = [_receipt(entry, svc.app.today()) for entry, _ in batch]
    index = build_index(svc, receipts)
    default_account = svc.app.config.bank_account
    commands: list[tuple[object, str]] = [
        _command(entry, fingerprint, receipt, entry.account_iban or default_account, index, periods)
        for (entry, fingerprint), receipt in zip(batch, receipts, strict=True)]
    for (entry, _), item in zip(batch, svc.app.execute_many(commands), strict=True):
        if item.error is not None or item.result is None:
            report.refused.append(_listed(entry, _why_refused(item.error)))
        elif item.result["replayed"] or item.result["rule"] == DUPLICATE:
            report.duplicates += 1
        elif item.result["rule"] == matching.SUSPENSE:
            report.to_suspense += 1
            report.amount_to_suspense += entry.amount
            if "possible_duplicate_of" in item.result:
                report.possible_duplicates.append(_listed(entry, item.result["evidence"]))
        else:
            report.booked += 1
            report.by_rule[item.result["rule"]] += 1
            report.amount_booked += entry.amount


def import_file(
    svc: Services, path: str | Path, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    path = Path(path)
    return import_statement(svc, path.read_bytes(), path.name, progress)
