"""The Saldo application: the service layer that turns commands into events in the store.

Every command runs under an idempotency key (:mod:`ledger.core.idempotency`) and is retried on an optimistic
concurrency conflict: two clerks posting to the same contract account both succeed, one after the other,
and nothing is lost (eventsourcing raises IntegrityError when two writers append the same aggregate
version — https://eventsourcing.readthedocs.io/en/stable/topics/persistence.html#recorder).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Transcoder

from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract, SupplyPoint, TariffAssignment
from ledger.accounts.invoice import (
    MAX_INVOICE_LINES,
    DocumentKind,
    Invoice,
    InvoiceLine,
    NumberRange,
    ReferenceScheme,
    compute_totals,
    document_id,
    gl_lines,
    payment_reference,
    price_line,
)
from ledger.billing.handlers import BillingHandlers
from ledger.collections import DEFAULT_POLICY, ReturnPolicy
from ledger.collections.handlers import DirectDebitHandlers
from ledger.core import chart
from ledger.core.errors import Conflict, InvalidInput, NotFound
from ledger.core.idempotency import MAX_KEY_LENGTH, IdempotencyRecord, fingerprint, record_id
from ledger.core.ids import child_id
from ledger.core.money import MoneyError, check_currency, parse_amount
from ledger.core.topics import register_old_topics
from ledger.core.transcoding import SaldoTranscoder
from ledger.dunning.handlers import DunningHandlers
from ledger.parties import commands as pc
from ledger.parties.identifiers import (
    InvalidIdentifier,
    validate_iban,
    validate_supply_point,
    validate_tax_id,
)
from ledger.parties.partner import BusinessPartner, TaxId
from ledger.payments import commands as pmt
from ledger.payments import matching
from ledger.payments.receipts import StatementFile, SuspenseItem

A = TypeVar("A", bound=Aggregate)

#: How often a command is retried after losing an optimistic-concurrency race before giving up.
MAX_COMMAND_ATTEMPTS = 20
#: Most commands one :meth:`Saldo.execute_many` call saves in one transaction (memory and lock time).
MAX_BATCH_COMMANDS = 5000
#: Longest payment terms a contract account may have.
MAX_PAYMENT_TERMS_DAYS = 365

#: The company's collection account in the demo and in tests (the standard Italian example IBAN).
DEFAULT_BANK_ACCOUNT = "IT60X0542811101000000123456"

#: Default small-difference tolerance (finance configures it; 0 turns write-offs off).
DEFAULT_PAYMENT_TOLERANCE = Decimal("0.50")

Result = dict[str, Any]


class AggregateLoader(Protocol):
    """Port: load many aggregates in one round trip (the store adapter lives outside the domain)."""

    def __call__(self, ids: Sequence[UUID]) -> dict[UUID, Aggregate]: ...


@dataclass
class BatchItem:
    """The outcome of one command of a batch: its result, or the error that refused it (errors as data)."""

    key: str
    result: Result | None = None
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class CompanyConfig:
    """What differs between utilities: reference scheme, bank account, document series."""

    reference_scheme: ReferenceScheme = ReferenceScheme.RF
    bank_account: str = DEFAULT_BANK_ACCOUNT
    #: A payment short of the items it pays by at most this much clears them; the rest is written off.
    payment_tolerance: Decimal = DEFAULT_PAYMENT_TOLERANCE
    #: SEPA creditor identifier and name on collection files (the default is the EPC example id).
    creditor_id: str = "DE98ZZZ09999999999"
    creditor_name: str = "Saldo Demo Energia"
    #: What to do with each direct-debit return reason (architecture.md §5); finance may replace it.
    return_policy: ReturnPolicy = DEFAULT_POLICY
    invoice_series: str = "INV"
    credit_note_series: str = "CN"


class Saldo(BillingHandlers, DirectDebitHandlers, DunningHandlers, Application[UUID]):
    """The service layer. Handlers are ``_handle_<CommandName>`` methods; billing's live in a mixin."""

    name = "Saldo"
    # A number range gets one event per draw: thousands a year. Without snapshots every draw would replay
    # them all (a 10k billing run spent 21 of 48 s there). Accounts stay short enough to replay whole.
    snapshotting_intervals = {NumberRange: 200}  # noqa: RUF012 - the library reads a class attribute

    def __init__(self, env: dict[str, str] | None = None, *, config: CompanyConfig | None = None,
                 clock: Callable[[], date] = date.today) -> None:
        register_old_topics()  # before the first event is read: old stores name moved classes by old topics
        super().__init__(env)
        self.config = config or CompanyConfig()
        self.clock = clock  # injected, so that tests and replays decide what "today" is
        self.bulk_loader: AggregateLoader | None = None
        self._local = threading.local()  # the unit of work of a batch, per thread

    def construct_transcoder(self) -> Transcoder:
        return SaldoTranscoder()

    # -- running commands ------------------------------------------------------------------------------

    def execute(self, command: object, idempotency_key: str) -> Result:
        """Run ``command`` exactly once for ``idempotency_key``; return its (original) result."""
        (item,) = self.execute_many([(command, idempotency_key)])
        if item.error is not None:
            raise item.error
        if item.result is None:  # pragma: no cover - an item has a result or an error
            raise RuntimeError("command produced neither result nor error")
        return item.result

    def _handle(self, command: object, rid: UUID) -> tuple[list[Aggregate], Result]:
        handler: Callable[[Any, UUID], tuple[list[Aggregate], Result]] = getattr(
            self, f"_handle_{type(command).__name__}")
        try:
            return handler(command, rid)
        except MoneyError as e:
            raise InvalidInput(str(e), e.field) from e
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), getattr(e, "field", None)) from e

    def _find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        unit: dict[UUID, Aggregate | None] | None = getattr(self._local, "unit", None)
        if unit is not None and aggregate_id in unit:
            aggregate: Any = unit[aggregate_id]
        else:
            try:
                aggregate = self.repository.get(aggregate_id)
            except AggregateNotFoundError:
                aggregate = None
            if unit is not None:
                unit[aggregate_id] = aggregate
        if aggregate is None:
            return None
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def get(self, cls: type[A], aggregate_id: UUID, what: str, field: str) -> A:
        found = self._find(cls, aggregate_id)
        if found is None:
            raise NotFound(f"{what} {aggregate_id} does not exist", field)
        return found

    def today(self) -> date:
        return self.clock()

    # -- batches: billing runs, statement imports, bulk loads ------------------------------------------

    def execute_many(self, batch: Sequence[tuple[object, str]]) -> list[BatchItem]:
        """Run many commands and save everything they change in ONE transaction.

        A refused command is reported in its :class:`BatchItem` and leaves no trace; the others go ahead
        (one bad meter never aborts a billing run). Keys already used replay their original result. On a
        concurrency conflict the whole batch is re-run from fresh state, so the outcome is all-or-nothing.
        """
        if len(batch) > MAX_BATCH_COMMANDS:
            raise InvalidInput(f"a batch may hold at most {MAX_BATCH_COMMANDS} commands")
        refused: dict[int, Exception] = {}
        for attempt in range(MAX_COMMAND_ATTEMPTS):
            items, aggregates, newly_refused = self._run_batch(batch, refused)
            if newly_refused:
                # A refused command may have changed shared aggregates before it failed (a number drawn):
                # discard the whole unit of work and run the batch again without it.
                refused.update(newly_refused)
                continue
            try:
                if aggregates:
                    self.save(*aggregates)
            except IntegrityError:
                time.sleep(0.002 * attempt)
                continue
            return items
        raise Conflict(f"batch lost {MAX_COMMAND_ATTEMPTS} concurrency races; try again later")

    def _run_batch(self, batch: Sequence[tuple[object, str]], refused: dict[int, Exception]
                   ) -> tuple[list[BatchItem], list[Aggregate], dict[int, Exception]]:
        unit: dict[UUID, Aggregate | None] = {}
        self._local.unit = unit
        try:
            rids = [record_id(type(cmd).__name__, key.strip()) for cmd, key in batch]
            self._preload(unit, [*rids, *self._referenced_ids(cmd for cmd, _ in batch)])
            items: list[BatchItem] = []
            new_refusals: dict[int, Exception] = {}
            touched: dict[UUID, Aggregate] = {}
            for i, ((cmd, key), rid) in enumerate(zip(batch, rids, strict=True)):
                if i in refused:
                    items.append(BatchItem(key, error=refused[i]))
                    continue
                try:
                    result, changed = self._execute_in_unit(cmd, key.strip(), rid)
                except (InvalidInput, NotFound, Conflict) as e:
                    new_refusals[i] = e
                    items.append(BatchItem(key, error=e))
                    continue
                items.append(BatchItem(key, result=result))
                for aggregate in changed:
                    unit[aggregate.id] = aggregate
                    touched[aggregate.id] = aggregate
            return items, list(touched.values()), new_refusals
        finally:
            self._local.unit = None

    def _execute_in_unit(self, cmd: object, key: str, rid: UUID) -> tuple[Result, list[Aggregate]]:
        if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(f"idempotency key must be 1..{MAX_KEY_LENGTH} printable characters",
                               "Idempotency-Key")
        existing = self._find(IdempotencyRecord, rid)
        request = fingerprint(cmd)
        if existing is not None:
            if existing.request_fingerprint != request:
                raise Conflict(f"idempotency key {key!r} was already used for a different "
                               f"{type(cmd).__name__}", "Idempotency-Key")
            return dict(existing.result, replayed=True), []
        aggregates, result = self._handle(cmd, rid)
        record = IdempotencyRecord(rid, type(cmd).__name__, key, request, result)
        return dict(result, replayed=False), [*aggregates, record]

    @staticmethod
    def _referenced_ids(commands: Iterable[object]) -> list[UUID]:
        ids = []
        for cmd in commands:
            for name in ("account_id", "partner_id", "contract_id", "suspense_id"):
                value = getattr(cmd, name, None)
                if isinstance(value, UUID):
                    ids.append(value)
            decision = getattr(cmd, "decision", None)
            if decision is not None and decision.account_id is not None:
                ids.append(decision.account_id)
        return ids

    def prefetch(self, ids: list[UUID]) -> None:
        """Inside a handler: load these aggregates into the current unit of work in one round trip."""
        unit = getattr(self._local, "unit", None)
        if unit is not None:
            self._preload(unit, ids)

    def _preload(self, unit: dict[UUID, Aggregate | None], ids: list[UUID]) -> None:
        """Fill the unit of work in one round trip where the store adapter allows it."""
        if self.bulk_loader is None:
            return
        wanted = list(dict.fromkeys(i for i in ids if i not in unit))
        loaded = self.bulk_loader(wanted)
        for aggregate_id in wanted:
            unit[aggregate_id] = loaded.get(aggregate_id)

    # -- handlers: each returns the aggregates to save and the result ---------------------------------

    def _handle_RegisterPartner(self, cmd: pc.RegisterPartner, rid: UUID) -> tuple[list[Aggregate], Result]:
        name = cmd.name.strip()
        if not name:
            raise InvalidInput("a partner needs a name", "name")
        tax_ids = []
        for i, (scheme, value) in enumerate(cmd.tax_ids):
            try:
                tax_ids.append(TaxId(scheme, validate_tax_id(scheme, value)))
            except InvalidIdentifier as e:
                raise InvalidInput(str(e), f"tax_ids[{i}].value") from e
        if cmd.email is not None and "@" not in cmd.email:
            raise InvalidInput("email address has no '@'", "email")
        if len(cmd.language) != 2 or not cmd.language.isalpha():
            raise InvalidInput("language must be an ISO 639-1 code such as 'it'", "language")
        partner = BusinessPartner(child_id(rid, "partner"), name, cmd.kind, tuple(tax_ids), cmd.email,
                                  cmd.language.lower(), cmd.address)
        return [partner], {"partner_id": str(partner.id)}

    def _handle_OpenContractAccount(self, cmd: ac.OpenContractAccount, rid: UUID
                                    ) -> tuple[list[Aggregate], Result]:
        self.get(BusinessPartner, cmd.partner_id, "partner", "partner_id")
        if not 0 <= cmd.payment_terms_days <= MAX_PAYMENT_TERMS_DAYS:
            raise InvalidInput(f"payment terms must be 0..{MAX_PAYMENT_TERMS_DAYS} days",
                               "payment_terms_days")
        account = ContractAccount(child_id(rid, "account"), cmd.partner_id, cmd.name.strip(),
                                  check_currency(cmd.currency), cmd.payment_terms_days, cmd.payment_method)
        return [account], {"account_id": str(account.id)}

    def _handle_SignContract(self, cmd: ac.SignContract, rid: UUID) -> tuple[list[Aggregate], Result]:
        self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        try:
            supply_point_id = validate_supply_point(cmd.supply_point_scheme, cmd.supply_point_id)
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), "supply_point_id") from e
        if not cmd.tariff_code.strip():
            raise InvalidInput("a contract needs a tariff code", "tariff_code")
        if cmd.end_date is not None and cmd.end_date < cmd.start_date:
            raise InvalidInput("end date is before the start date", "end_date")
        contract = Contract(child_id(rid, "contract"), cmd.account_id,
                            SupplyPoint(cmd.supply_point_scheme, supply_point_id, cmd.time_zone),
                            cmd.commodity, TariffAssignment(cmd.tariff_code.strip(), cmd.start_date),
                            cmd.billing_frequency, cmd.start_date, cmd.end_date)
        return [contract], {"contract_id": str(contract.id)}

    def _price_lines(self, lines: tuple[ac.LineInput, ...]) -> tuple[InvoiceLine, ...]:
        if not lines:
            raise InvalidInput("a document needs at least one line", "lines")
        if len(lines) > MAX_INVOICE_LINES:
            raise InvalidInput(f"a document may have at most {MAX_INVOICE_LINES} lines", "lines")
        return tuple(price_line(li.description, li.component, li.quantity, li.unit, li.unit_price,
                                li.vat_rate, i, amount=li.amount, site=li.site, period=li.period,
                                sources=li.sources, note=li.note) for i, li in enumerate(lines))

    def _draw_numbers(self, series: str, year: int, count: int) -> tuple[NumberRange, list[str]]:
        number_range = self._find(NumberRange, NumberRange.id_for(series, year))
        if number_range is None:
            number_range = NumberRange(NumberRange.id_for(series, year), series, year)
        return number_range, number_range.draw(count)

    def _handle_IssueInvoice(self, cmd: ac.IssueInvoice, rid: UUID) -> tuple[list[Aggregate], Result]:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if cmd.contract_id is not None:
            contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
            if contract.account_id != account.id:
                raise InvalidInput("the contract belongs to another account", "contract_id")
        if cmd.period is not None and cmd.period[1] < cmd.period[0]:
            raise InvalidInput("the billing period ends before it starts", "period")
        lines = self._price_lines(cmd.lines)
        totals = compute_totals(lines)
        if totals.gross <= 0:
            raise InvalidInput(f"an invoice must total more than zero, got {totals.gross}", "lines")
        parse_amount(totals.gross, "total")  # within the named limit
        issue_date = cmd.issue_date or self.today()
        due_date = cmd.due_date or issue_date + timedelta(days=account.payment_terms_days)
        if due_date < issue_date:
            raise InvalidInput("due date is before the issue date", "due_date")
        to_save: list[Aggregate] = []
        if cmd.number is None:
            number_range, (number,) = self._draw_numbers(self.config.invoice_series, issue_date.year, 1)
            to_save.append(number_range)
        else:
            number = cmd.number.strip()
            if not number or document_id(number) in self.repository:
                raise Conflict(f"document number {number!r} is empty or already issued", "number")
        reference = payment_reference(self.config.reference_scheme, number)
        invoice = Invoice(document_id(number), number, DocumentKind.INVOICE, account.id, cmd.contract_id,
                          issue_date, cmd.period, due_date, account.currency, lines, totals, reference,
                          None)
        account.post_invoice(invoice.id, number, totals.gross, gl_lines(lines, totals, account.key, number,
                                                                          "C"),
                             issue_date, due_date, reference)
        return [*to_save, invoice, account], {
            "invoice_id": str(invoice.id), "number": number, "gross": str(totals.gross),
            "due_date": due_date.isoformat(), "payment_reference": reference}

    def _handle_IssueCreditNote(self, cmd: ac.IssueCreditNote, rid: UUID
                                ) -> tuple[list[Aggregate], Result]:
        invoice = self.get(Invoice, document_id(cmd.invoice_number.strip()), "invoice", "invoice_number")
        if not cmd.reason.strip():
            raise InvalidInput("a credit note needs a reason", "reason")
        account = self.get(ContractAccount, invoice.account_id, "contract account", "account_id")
        lines = self._price_lines(cmd.lines) if cmd.lines else invoice.lines
        totals = compute_totals(lines)
        if totals.gross <= 0:
            raise InvalidInput("a credit note must total more than zero", "lines")
        issue_date = cmd.issue_date or self.today()
        number_range, (number,) = self._draw_numbers(self.config.credit_note_series, issue_date.year, 1)
        invoice.record_credit(number, totals.gross)
        note = Invoice(document_id(number), number, DocumentKind.CREDIT_NOTE, account.id,
                       invoice.contract_id, issue_date, invoice.period, issue_date, account.currency, lines,
                       totals, None, invoice.number)
        account.post_credit_note(note.id, number, totals.gross,
                                 gl_lines(lines, totals, account.key, number, "D"),
                                 invoice.id.hex, issue_date)
        return [number_range, note, invoice, account], {
            "credit_note_id": str(note.id), "number": number, "gross": str(totals.gross),
            "corrects": invoice.number}

    def _handle_RecordPayment(self, cmd: pmt.RecordPayment, rid: UUID) -> tuple[list[Aggregate], Result]:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        amount = parse_amount(cmd.amount)
        currency = check_currency(cmd.currency)
        named = tuple(account.item_by_number(n.strip()).item_id for n in cmd.invoice_numbers)
        payment_id = rid.hex
        account.receive_payment(payment_id, amount, currency, cmd.received_on,
                                chart.bank(cmd.bank_account or self.config.bank_account), named,
                                rule="named-invoices" if named else "oldest-due-first",
                                evidence=cmd.reference or cmd.note, payer_iban=cmd.payer_iban,
                                tolerance=self.config.payment_tolerance)
        return [account], self._payment_result(account, payment_id)

    @staticmethod
    def _payment_result(account: ContractAccount, payment_id: str) -> Result:
        payment = account.payments[payment_id]
        return {"payment_id": payment_id, "account_id": str(account.id),
                "allocations": [{"invoice": account.items[a.item_id].document_number, "amount": str(a.amount)}
                                for a in payment.allocations],
                "written_off": str(sum((a.amount for a in payment.written_off), Decimal("0.00"))),
                "to_credit": str(payment.to_credit)}

    def _handle_ImportReceipt(self, cmd: pmt.ImportReceipt, rid: UUID) -> tuple[list[Aggregate], Result]:
        receipt, decision = cmd.receipt, cmd.decision
        parse_amount(receipt.amount)
        account = None
        reason = decision.evidence
        if decision.account_id is not None:
            account = self._find(ContractAccount, decision.account_id)
            if account is None or account.currency != receipt.currency:
                reason = f"matched account {decision.account_id} is unknown or not kept in {receipt.currency}"
                account = None
        if account is None:
            item = SuspenseItem.park(child_id(rid, "suspense"), receipt, cmd.bank_account, reason)
            return [item], {"suspense_id": str(item.id), "rule": matching.SUSPENSE, "evidence": reason}
        named = tuple(account.items[document_id(n).hex].item_id for n in decision.invoice_numbers
                      if document_id(n).hex in account.items)
        account.receive_payment(rid.hex, receipt.amount, receipt.currency, receipt.received_on,
                                chart.bank(cmd.bank_account), named, decision.rule, decision.evidence,
                                receipt.payer_iban, self.config.payment_tolerance)
        return [account], dict(self._payment_result(account, rid.hex), rule=decision.rule,
                               evidence=decision.evidence)

    def _handle_AllocateSuspense(self, cmd: pmt.AllocateSuspense, rid: UUID
                                 ) -> tuple[list[Aggregate], Result]:
        item = self.get(SuspenseItem, cmd.suspense_id, "suspended receipt", "suspense_id")
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if account.currency != item.receipt.currency:
            raise InvalidInput(f"account is kept in {account.currency}, the receipt is in "
                               f"{item.receipt.currency}", "account_id")
        payment_id = rid.hex
        item.allocate(account.id, payment_id, self.today(), cmd.note)
        if cmd.on_account_only and cmd.invoice_numbers:
            raise InvalidInput("name invoices or post on account, not both", "invoice_numbers")
        named = tuple(account.item_by_number(n.strip()).item_id for n in cmd.invoice_numbers)
        rule = ("clerk: on account" if cmd.on_account_only
                else "clerk: named invoices" if named else "clerk: oldest due first")
        account.receive_payment(payment_id, item.amount, item.receipt.currency, item.receipt.received_on,
                                chart.SUSPENSE, named, rule, cmd.note or f"from suspense {item.id}",
                                item.receipt.payer_iban, on_account_only=cmd.on_account_only)
        return [item, account], self._payment_result(account, payment_id)

    def _handle_RecordStatementFile(self, cmd: pmt.RecordStatementFile, rid: UUID
                                    ) -> tuple[list[Aggregate], Result]:
        record = StatementFile(StatementFile.id_for(cmd.sha256), cmd.sha256, cmd.file_name, dict(cmd.report))
        return [record], {"statement_file_id": str(record.id)}

    def statement_file(self, sha256: str) -> StatementFile | None:
        return self._find(StatementFile, StatementFile.id_for(sha256))

    def _handle_RefundSuspense(self, cmd: pmt.RefundSuspense, rid: UUID) -> tuple[list[Aggregate], Result]:
        item = self.get(SuspenseItem, cmd.suspense_id, "suspended receipt", "suspense_id")
        if not cmd.reason.strip():
            raise InvalidInput("a refund needs a reason", "reason")
        try:
            to_iban = validate_iban(cmd.to_iban)
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), "to_iban") from e
        if not cmd.to_town.strip() or len(cmd.to_country.strip()) != 2:
            raise InvalidInput("a refund needs the payee's town and 2-letter country", "to_town")
        item.refund(to_iban, cmd.to_name.strip(), cmd.to_town.strip(), cmd.to_country.strip().upper(),
                    self.today(), cmd.reason.strip())
        return [item], {"suspense_id": str(item.id), "refunded": str(item.amount), "to_iban": to_iban}

    def _handle_ReversePayment(self, cmd: pmt.ReversePayment, rid: UUID) -> tuple[list[Aggregate], Result]:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if not cmd.reason.strip():
            raise InvalidInput("a reversal needs a reason", "reason")
        account.reverse_payment(cmd.payment_id, cmd.reversed_on or self.today(), cmd.reason.strip())
        return [account], {"payment_id": cmd.payment_id, "reversed": True}

    def _handle_ResetClearing(self, cmd: pmt.ResetClearing, rid: UUID) -> tuple[list[Aggregate], Result]:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if not cmd.reason.strip():
            raise InvalidInput("a clearing reset needs a reason", "reason")
        account.reset_clearing(cmd.payment_id, cmd.reset_on or self.today(), cmd.reason.strip())
        return [account], {"payment_id": cmd.payment_id, "reset": True}
