"""Importing a bank statement: file → receipts → matching cascade → commands, exactly once.

1. The whole file is read and checked first (balances, structure), a ZIP archive member by member
   (:mod:`importers.bank.reading`). A bad file raises :class:`~importers.bank.errors.BankFileError` naming
   the file (``archive.zip!member.xml``), line and element, and nothing is written. A statement whose
   balances the bank left out (only ``CLBD``, only available or interim balances) is imported and listed
   in ``not_reconcilable`` with the reason; one whose booked balances do not add up is refused, unless a
   clerk gives an override reason: then the acceptance (who, why, which mismatch) is recorded on the
   file's record first (:class:`~ledger.payments.commands.AcceptUnbalancedStatement`).
2. A file whose SHA-256 was imported in full before is reported as a duplicate without being read again.
3. Each entry's fingerprint (bank reference, else content hash + occurrence; a bank reference repeated in
   the file is told apart by content, see :func:`~ledger.payments.bank_entries.fingerprint_entries`) is
   its idempotency key. An overlapping statement, or a re-run after a crash half-way, books only the
   entries not booked yet. An entry known by its content alone is keyed by its statement's period too:
   the same content in a statement of an overlapping period is a duplicate, in one of another period it
   is booked and waits in the worklist as a possible duplicate (:mod:`ledger.payments.duplicates`).
4. Receipts are matched in batches. Each batch's lookups are prefetched from the ledger view in a few
   queries, and the batch is saved in one transaction.
5. Direct-debit returns (debits with ``RvslInd``, ``PMNT/IDDT/UPDD`` or a return reason) go to the
   returns handling of :mod:`importers.sepa.returns`, as if the camt had been sent there: the collection
   is reversed, its items reopen, the fee and the reason's policy apply, or the return is held for a
   person; the report's ``direct_debit_returns`` says which. Outgoing entries, entries in another
   currency, unbooked entries and every entry of a camt.052 intraday report (a position, not a
   statement; its returns too) are reported, not allocated. Fingerprints are taken per statement file,
   so the same movement in the camt.053 and the camt.054 of one archive is booked once.
6. Nothing is dropped: every credit of the file is booked (to an account or to suspense), or listed with
   its place and reason, either in ``not_allocated`` (not a receipt) or in ``refused`` (the ledger refused
   it: an amount of 12.345 or 0.00, or a bank reference imported before with other details). A file with
   a refused entry is not recorded as imported in full, so importing it again reads it again: what was
   booked replays, and the refused entries are reported again (never as duplicates).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from importers.bank._camt_statement import BalanceCheck
from importers.bank._periods import StatementKey, statement_periods
from importers.bank.company_filter import company_code_of, of_company
from importers.bank.errors import BankFileError, UnbalancedStatement
from importers.bank.reading import BankFile, FileData, file_sha256, read_bank_file
from importers.sepa.returns import ReturnsReport, import_entry_returns
from ledger.core.actor import SYSTEM, Actor, Channel
from ledger.core.errors import Conflict, InvalidInput
from ledger.payments import commands as pmt
from ledger.payments import matching
from ledger.payments.bank_entries import BankEntry, StatementPeriod, fingerprint_entries
from ledger.payments.duplicates import DUPLICATE, ContentClaim
from ledger.payments.matching import InvoiceRef, MatchIndex, Receipt

if TYPE_CHECKING:  # the wiring is api/bootstrap's; importers only use the port it satisfies
    from importers.ports import Services
    from ledger.payments.receipts import StatementFile

#: Receipts matched and saved per transaction.
IMPORT_BATCH = 2000
#: Largest statement file accepted (a year of receipts of a large utility stays well below).
MAX_FILE_BYTES = 200 * 1024 * 1024
#: How much of a streamed file is hashed at a time.
#: Why every entry of a camt.052 is reported and none booked.
INTRADAY = "camt.052 intraday report: reported, not booked (the end-of-day camt.053 books it)"


@dataclass(frozen=True, slots=True)
class BalanceOverride:
    """A clerk's decision to import a file whose balances do not add up: why, who, through which channel."""

    reason: str
    accepted_by: str
    channel: str


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
    returns: ReturnsReport | None = None
    files: list[dict[str, str]] = field(default_factory=list)
    not_reconcilable: list[dict[str, str]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    balance_override: dict[str, Any] | None = None
    possible_duplicates: list[dict[str, str]] = field(default_factory=list)

    @property
    def imported_in_full(self) -> bool:
        """Every entry booked, replayed, handled as a return or not a receipt; nothing refused (the file is
        then recorded)."""
        return not self.refused and (self.returns is None or not self.returns.refused)

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
            "direct_debit_returns": None if self.returns is None else self.returns.as_dict(),
            "imported_in_full": self.imported_in_full,
            "files": self.files,
            "not_reconcilable": self.not_reconcilable,
            "skipped": self.skipped,
            "balance_override": self.balance_override,
            "possible_duplicates": self.possible_duplicates,
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


def read_file(data: FileData, file_name: str, *, accept_mismatch: bool = False) -> BankFile:
    """Every statement file in ``data`` (camt.052/053/054, CSV, or a ZIP archive of them), or BankFileError.

    The readers enforce the size limit themselves, before parsing."""
    return read_bank_file(data, file_name, max_bytes=MAX_FILE_BYTES, accept_mismatch=accept_mismatch)


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
    if entry.credit_debit == "DBIT":
        return "outgoing payment (DBIT): not a receipt"
    if entry.is_reversal or (entry.bank_transaction_code or "").endswith("UPDD"):
        return "a credit marked as a reversal or unpaid direct debit: not a receipt; book it by hand"
    if entry.status != "BOOK":
        return f"status {entry.status}: not booked yet"
    if entry.currency != currency:
        return f"in {entry.currency}; accounts are kept in {currency}"
    return None


def build_index(svc: Services, receipts: Sequence[Receipt], company: str | None = None) -> MatchIndex:
    """Prefetch what the cascade may look up for these receipts, in a few queries; with ``company``, only
    that company's accounts and invoices (a statement on its IBAN pays nobody else's, issue 11)."""
    needed = matching.lookups_needed(receipts)
    keep = of_company(svc, company)

    def refs(rows: list[tuple[Any, ...]]) -> dict[str, InvoiceRef]:
        return {r[0]: InvoiceRef(r[1], UUID(r[2]), Decimal(r[3]) / 100) for r in rows if keep(r[2])}

    reference_rows = svc.view.invoices_by("payment_reference", sorted(needed.references))
    # A reference of another company's invoice: the payer sent it to the wrong company's IBAN. Kept (with
    # the company) so the cascade parks the money with that reason instead of guessing by IBAN or amount.
    ours = refs(reference_rows)
    code_of = company_code_of(svc)
    elsewhere = {r[0]: code_of(r[2]) or "?" for r in reference_rows
                 if company is not None and r[0] not in ours and not keep(r[2])}

    by_iban: dict[str, list[UUID]] = {}
    for iban, account in svc.view.accounts_by_iban(sorted(needed.ibans)):
        if keep(account):
            by_iban.setdefault(iban, []).append(UUID(account))
    single = sorted({str(a[0]) for a in by_iban.values() if len(a) == 1})
    open_items: dict[UUID, list[InvoiceRef]] = {}
    for account, number, open_cents, _, _ in svc.view.open_items_of(single):
        open_items.setdefault(UUID(account), []).append(
            InvoiceRef(number, UUID(account), Decimal(open_cents) / 100)
        )
    return MatchIndex(
        ours,
        refs(svc.view.invoices_by("document_number", sorted(needed.numbers))),
        {k: tuple(v) for k, v in by_iban.items()},
        {k: tuple(v) for k, v in open_items.items()},
        elsewhere,
    )


def import_statement(
    svc: Services, data: FileData, file_name: str, progress: Callable[[int, int], None] | None = None,
    *, override: BalanceOverride | None = None, actor: Actor = SYSTEM,
) -> ImportReport:
    """Import one bank file (or ZIP archive), as bytes or a seekable stream at its start (an upload spooled
    to disk is read from there, not copied into memory); ``override`` accepts balances that do not add
    up, saying why.

    Every command is recorded as ``actor``'s (the person who uploaded the file) through the import channel,
    tied to the file by its SHA-256 where the actor brings no request id."""
    sha256 = file_sha256(data)
    actor = replace(actor, channel=Channel.IMPORT, request_id=actor.request_id or f"sha256:{sha256}")
    report = ImportReport(file_name, sha256)
    recorded = svc.app.payments.statement_file(sha256)
    if recorded is not None and recorded.in_full:
        report.file_already_imported = True
        report.entries = report.duplicates = int(recorded.report.get("entries", 0))
        return report
    bank_file = _read_checked(svc, data, file_name, recorded, override, report, actor)
    _check_bank_accounts(bank_file, svc.app.companies.house_bank_accounts)
    report.entries = sum(len(read.entries) for read in bank_file.files)
    # The matching index reads the view: bring it up to date once. Receipts of this same file that pay the
    # same invoice twice are still right: the account aggregate, not the index, decides the clearing.
    svc.projections.catch_up()
    currency = "EUR"
    # A file that names no account (CSV, some MT940) is of the default company's collection account: no
    # account is in sight to say otherwise (as _book below).
    periods = statement_periods((e for read in bank_file.files for e in read.entries),
                                svc.app.config.bank_account)
    batch: list[tuple[BankEntry, str]] = []
    returns: list[BankEntry] = []
    for read in bank_file.files:
        reported_only = INTRADAY if read.message_type == "camt.052" else None
        for entry, fingerprint in fingerprint_entries(read.entries):
            if reported_only is None and entry.is_direct_debit_return:
                returns.append(entry)
                continue
            why = reported_only or _why_not_allocated(entry, currency)
            if why is not None:
                report.not_allocated.append(_listed(entry, why))
                continue
            batch.append((entry, fingerprint))
            if len(batch) == IMPORT_BATCH:
                _book(svc, batch, periods, report, actor)
                batch = []
                if progress:
                    progress(report.booked + report.duplicates + report.to_suspense, report.entries)
    if batch:
        _book(svc, batch, periods, report, actor)
    if returns:
        report.returns = import_entry_returns(svc, returns, file_name, actor=actor)
    svc.projections.catch_up()  # read your writes: the report's effects are visible when it returns
    if report.imported_in_full:  # an older record (not known to be in full) is confirmed under its own key
        summary = (("entries", str(report.entries)), ("refused", "0"),
                   ("not_reconcilable", str(len(report.not_reconcilable))))
        key = f"file:{sha256}" if recorded is None else f"file-in-full:{sha256}"
        svc.app.execute(pmt.RecordStatementFile(sha256, file_name, summary), key, actor=actor)
    if progress:
        progress(report.entries, report.entries)
    return report


def _read_checked(svc: Services, data: FileData, file_name: str, recorded: StatementFile | None,
                  override: BalanceOverride | None, report: ImportReport, actor: Actor) -> BankFile:
    """Read the whole file; record a clerk's acceptance of unbalanced statements before anything is booked.

    An acceptance already on the file's record (an import re-run after a crash) still holds."""
    accepted = None if recorded is None else recorded.unbalanced_accepted
    if override is not None and not override.reason.strip():
        raise InvalidInput("an override needs a reason: why may these balances not add up?",
                           "override_reason")
    try:
        bank_file = read_file(data, file_name, accept_mismatch=accepted is not None or override is not None)
    except UnbalancedStatement as error:
        raise UnbalancedStatement(error.file_name, error.location, f"{error.reason} (a clerk who has "
                                  "checked it with the bank can import it with an override reason)") from None
    mismatches = tuple(f"{read.file_name}: {check.mismatch}" for read in bank_file.files
                       for check in read.checks if check.mismatch)
    if mismatches and accepted is None and override is not None:
        command = pmt.AcceptUnbalancedStatement(report.sha256, file_name, mismatches, override.reason,
                                                override.accepted_by, override.channel)
        accepted = svc.app.execute(command, f"unbalanced:{report.sha256}", actor=actor)
        accepted.pop("replayed", None)
        accepted.pop("statement_file_id", None)
    report.balance_override = accepted if mismatches else None
    _describe(bank_file, report)
    return bank_file


def _describe(bank_file: BankFile, report: ImportReport) -> None:
    """What the report says of the file beside its entries: what was read, set aside, or not reconcilable."""
    report.skipped = [{"file": name, "reason": why} for name, why in bank_file.set_aside]
    for read in bank_file.files:
        report.files.append({"file": read.file_name, "kind": read.kind, "entries": str(len(read.entries))})
        if not read.checks:
            continue
        for header, check in zip(read.statements, read.checks, strict=True):
            reason = check.not_reconcilable or _accepted(check, report.balance_override)
            if reason is not None:
                report.not_reconcilable.append({
                    "where": f"{header.file_name} line {header.line}, {header.element_path}",
                    "statement": header.statement_id, "reason": reason})


def _accepted(check: BalanceCheck, override: dict[str, Any] | None) -> str | None:
    if check.mismatch is None or override is None:
        return None
    return (f"not reconcilable: {check.mismatch}; accepted by {override['accepted_by']} "
            f"({override['channel']}): {override['reason']}")


#: Where each format names the account a statement is of, for the error that refuses it.
_ACCOUNT_FIELD = {"camt.052": "Acct/Id/IBAN", "camt.053": "Acct/Id/IBAN", "camt.054": "Acct/Id/IBAN",
                  "mt940": ":25:", "ktl": "account"}


def _check_bank_accounts(bank_file: BankFile, configured: Sequence[str]) -> None:
    """Every statement is of one of the company's bank accounts (it books to ``bank:<iban>``), or the whole
    file is refused before anything is written, naming the statement and listing the accounts (issue 10)."""
    for read in bank_file.files:
        for header in read.statements:
            if header.account_iban is not None and header.account_iban not in configured:
                field = _ACCOUNT_FIELD.get(header.message_type, "account")
                raise BankFileError(read.file_name, f"line {header.line}, {header.element_path}/{field}",
                                    f"account {header.account_iban!r} is not one of the company's bank "
                                    f"accounts: {', '.join(configured)}")
        for entry in read.entries:  # the statements above name them all; an entry never books elsewhere
            if entry.account_iban is not None and entry.account_iban not in configured:
                raise BankFileError(read.file_name, f"line {entry.line}, {entry.element_path}",
                                    f"account {entry.account_iban!r} is not one of the company's bank "
                                    f"accounts: {', '.join(configured)}")


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
          report: ImportReport, actor: Actor) -> None:
    receipts = [_receipt(entry, svc.app.today()) for entry, _ in batch]
    # An entry of a file naming no account: the default company's collection account (no account in sight).
    default_account = svc.app.config.bank_account
    companies = svc.app.companies
    indexes: dict[str | None, MatchIndex] = {}
    if len(companies.companies) == 1:
        indexes[None] = build_index(svc, receipts)
    owners = [None if len(companies.companies) == 1 else
              getattr(companies.owning(entry.account_iban or default_account), "code", None)
              for entry, _ in batch]
    for owner in sorted({o for o in owners if o not in indexes}, key=str):
        indexes[owner] = build_index(svc, [r for r, o in zip(receipts, owners, strict=True) if o == owner],
                                     owner)
    commands: list[tuple[object, str]] = [
        _command(entry, fingerprint, receipt, entry.account_iban or default_account, indexes[owner], periods)
        for (entry, fingerprint), receipt, owner in zip(batch, receipts, owners, strict=True)]
    for (entry, _), item in zip(batch, svc.app.execute_many(commands, actor=actor), strict=True):
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
    svc: Services, path: str | Path, progress: Callable[[int, int], None] | None = None,
    *, override: BalanceOverride | None = None, actor: Actor = SYSTEM,
) -> ImportReport:
    path = Path(path)
    return import_statement(svc, path.read_bytes(), path.name, progress, override=override, actor=actor)
