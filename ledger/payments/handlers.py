"""Command handlers of payments: receipts recorded or imported, suspense placed or refunded, reversals."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from ledger.accounts.account import ContractAccount
from ledger.core import chart
from ledger.core.actor import Role
from ledger.core.archive import named
from ledger.core.errors import InvalidInput, NotPermitted
from ledger.core.handling import Capability, Handled, Result, handles
from ledger.core.idempotency import IdempotencyRecord
from ledger.core.ids import child_id
from ledger.core.money import check_currency, parse_amount
from ledger.parties.company import CompanyConfig, companies_of, company_of
from ledger.parties.identifiers import InvalidIdentifier, known_iban, validate_iban
from ledger.payments import commands as pmt
from ledger.payments import duplicates as dup
from ledger.payments import matching
from ledger.payments.duplicates import ContentClaim, ReceiptContent, Sighting
from ledger.payments.receipts import RefundRequest, StatementFile, SuspenseItem


def payer_iban(value: str | None) -> str | None:
    """A payer IBAN a clerk typed: stored in electronic form (spaces go), refused if it is not an IBAN."""
    if value is None or not value.strip():
        return None
    try:
        return validate_iban(value)
    except InvalidIdentifier as e:
        raise InvalidInput(f"payer_iban is not a valid IBAN: {e.reason}", "payer_iban") from e


def named_items(account: ContractAccount, numbers: tuple[str, ...]) -> tuple[str, ...]:
    """The open items a payer or clerk named, by document number, each once (a repeated name counts once).

    Every number must be on the account (else :class:`InvalidInput` naming ``invoice_numbers``).
    """
    return tuple(dict.fromkeys(account.item_by_number(n.strip()).item_id for n in numbers))


def payment_result(account: ContractAccount, payment_id: str) -> Result:
    payment = account.payments[payment_id]
    return {"payment_id": payment_id, "account_id": str(account.id),
            "allocations": [{"invoice": account.items[a.item_id].document_number, "amount": str(a.amount)}
                            for a in payment.allocations],
            "written_off": str(sum((a.amount for a in payment.written_off), Decimal("0.00"))),
            "to_credit": str(payment.to_credit)}


def _note(text: str, field: str, *, required: bool) -> str:
    """A person's note or reason on a refund decision, within its limit."""
    note = text.strip()
    if required and not note:
        raise InvalidInput(f"a {field} is required", field)
    if len(note) > pmt.MAX_REFUND_NOTE_CHARS:
        raise InvalidInput(f"the {field} is longer than {pmt.MAX_REFUND_NOTE_CHARS} characters", field)
    return note


class PaymentHandlers(Capability[CompanyConfig]):
    def statement_file(self, sha256: str) -> StatementFile | None:
        """The record of an imported bank file, by the file's SHA-256 (see :attr:`StatementFile.in_full`)."""
        return self.find(StatementFile, StatementFile.id_for(sha256))

    @handles(pmt.RecordPayment)
    def record_payment(self, cmd: pmt.RecordPayment, rid: UUID) -> Handled:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        amount = parse_amount(cmd.amount)
        currency = check_currency(cmd.currency)
        named = named_items(account, cmd.invoice_numbers)
        payment_id = rid.hex
        bank_account = company_of(self.ws, account).bank_account_named(cmd.bank_account, "bank_account")
        account.receive_payment(payment_id, amount, currency, cmd.received_on, chart.bank(bank_account),
                                named, rule="named-invoices" if named else "oldest-due-first",
                                evidence=cmd.reference or cmd.note, payer_iban=payer_iban(cmd.payer_iban),
                                tolerance=company_of(self.ws, account).payment_tolerance)
        return [account], payment_result(account, payment_id)

    @handles(pmt.ImportReceipt)
    def import_receipt(self, cmd: pmt.ImportReceipt, rid: UUID) -> Handled:
        receipt, decision = cmd.receipt, cmd.decision
        parse_amount(receipt.amount)
        owner, bank_account = companies_of(self.ws, self.config).bank_account_named(cmd.bank_account,
                                                                                    "bank_account")
        content, duplicate_of, earlier = self._check_content(cmd.content)
        if duplicate_of is not None:
            return [], {"rule": dup.DUPLICATE, "duplicate_of": duplicate_of}
        account = None
        reason = decision.evidence
        if decision.account_id is not None:
            account = self.find(ContractAccount, decision.account_id)
            if account is None or account.currency != receipt.currency:
                reason = f"matched account {decision.account_id} is unknown or not kept in {receipt.currency}"
                account = None
            elif company_of(self.ws, account).code != owner.code:  # issue 11: X's bank pays only X's items
                reason = (f"matched account {decision.account_id} belongs to company "
                          f"{company_of(self.ws, account).code}, the receipt to {owner.code}'s account")
                account = None
        if earlier is not None and cmd.content is not None:  # booked, but a person confirms it first
            reason = dup.possible_duplicate_reason(cmd.content, earlier, f"{decision.rule}: {reason}")
            account = None
        if account is None:
            item = SuspenseItem.park(child_id(rid, "suspense"), receipt, bank_account, reason)
            result = {"suspense_id": str(item.id), "rule": matching.SUSPENSE, "evidence": reason}
            if earlier is not None:
                result["possible_duplicate_of"] = earlier.where
            return [item, *content], result
        # The decision names items by document number: invoices, instalments, and also fees or the
        # shortfall of a reversal (whose ids are not document ids). One no longer on the account is skipped.
        by_number = {item.document_number: item.item_id  # no walk over items archived without these numbers
                     for item in named(account.items, *decision.invoice_numbers)}
        named_ids = tuple(dict.fromkeys(by_number[n] for n in decision.invoice_numbers if n in by_number))
        account.receive_payment(rid.hex, receipt.amount, receipt.currency, receipt.received_on,
                                chart.bank(bank_account), named_ids, decision.rule, decision.evidence,
                                known_iban(receipt.payer_iban),
                                company_of(self.ws, account).payment_tolerance)
        return [account, *content], dict(payment_result(account, rid.hex), rule=decision.rule,
                                         evidence=decision.evidence)

    def _check_content(self, claim: ContentClaim | None
                       ) -> tuple[list[ReceiptContent], str | None, Sighting | None]:
        """For a receipt known by its content: (what to save, the booking it duplicates, a look-alike).

        A duplicate (same content, overlapping statement period, or booked before periods were kept)
        books nothing. Otherwise the period is remembered, and a booking of the same content in another
        period is returned as the look-alike the person compares with.
        """
        if claim is None:
            return [], None, None
        if self.find(IdempotencyRecord, claim.legacy_record_id) is not None:
            return [], "a receipt imported before statement periods were kept", None
        seen = self.find(ReceiptContent, claim.aggregate_id)
        if seen is None:
            return [ReceiptContent.first(claim)], None, None
        overlapping = seen.overlapping(claim.period)
        if overlapping is not None:
            return [], overlapping.where, None
        earlier = seen.sightings[-1]
        seen.book_again(claim)
        return [seen], None, earlier

    @handles(pmt.AllocateSuspense)
    def allocate_suspense(self, cmd: pmt.AllocateSuspense, rid: UUID) -> Handled:
        item = self.get(SuspenseItem, cmd.suspense_id, "suspended receipt", "suspense_id")
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if account.currency != item.receipt.currency:
            raise InvalidInput(f"account is kept in {account.currency}, the receipt is in "
                               f"{item.receipt.currency}", "account_id")
        payment_id = rid.hex
        item.allocate(account.id, payment_id, self.today(), cmd.note)
        if cmd.on_account_only and cmd.invoice_numbers:
            raise InvalidInput("name invoices or post on account, not both", "invoice_numbers")
        named = named_items(account, cmd.invoice_numbers)
        rule = ("clerk: on account" if cmd.on_account_only
                else "clerk: named invoices" if named else "clerk: oldest due first")
        account.receive_payment(payment_id, item.amount, item.receipt.currency, item.receipt.received_on,
                                chart.SUSPENSE, named, rule, cmd.note or f"from suspense {item.id}",
                                known_iban(item.receipt.payer_iban),
                                company_of(self.ws, account).payment_tolerance,
                                on_account_only=cmd.on_account_only)
        return [item, account], payment_result(account, payment_id)

    @handles(pmt.RecordStatementFile)
    def record_statement_file(self, cmd: pmt.RecordStatementFile, rid: UUID) -> Handled:
        record_id = StatementFile.id_for(cmd.sha256)
        record = self.find(StatementFile, record_id)
        if record is None:
            record = StatementFile(record_id, cmd.sha256, cmd.file_name, dict(cmd.report))
        else:
            record.confirm_in_full(dict(cmd.report))
        return [record], {"statement_file_id": str(record.id)}

    @handles(pmt.AcceptUnbalancedStatement)
    def accept_unbalanced_statement(self, cmd: pmt.AcceptUnbalancedStatement, rid: UUID) -> Handled:
        reason, accepted_by = cmd.reason.strip(), cmd.accepted_by.strip()
        if not reason:
            raise InvalidInput("accepting a statement whose balances do not add up needs a reason",
                               "override_reason")
        if len(reason) > pmt.MAX_OVERRIDE_REASON_CHARS:
            raise InvalidInput(f"the reason is longer than {pmt.MAX_OVERRIDE_REASON_CHARS} characters",
                               "override_reason")
        if not accepted_by:
            raise InvalidInput("accepting a statement whose balances do not add up names who accepts it",
                               "accepted_by")
        if not cmd.mismatches:
            raise InvalidInput("nothing to accept: the statement's balances add up", "override_reason")
        record_id = StatementFile.id_for(cmd.sha256)
        record = self.find(StatementFile, record_id)
        if record is None:
            record = StatementFile(record_id, cmd.sha256, cmd.file_name, {})
        record.accept_unbalanced(cmd.mismatches, reason, accepted_by, cmd.channel, self.today())
        return [record], {"statement_file_id": str(record.id), **(record.unbalanced_accepted or {})}

    @handles(pmt.RefundSuspense)
    def refund_suspense(self, cmd: pmt.RefundSuspense, rid: UUID) -> Handled:
        """To the IBAN the money came from: refunded now. To any other: requested, for a second person."""
        item = self.get(SuspenseItem, cmd.suspense_id, "suspended receipt", "suspense_id")
        if not cmd.reason.strip():
            raise InvalidInput("a refund needs a reason", "reason")
        try:
            to_iban = validate_iban(cmd.to_iban)
        except InvalidIdentifier as e:
            raise InvalidInput(str(e), "to_iban") from e
        if not cmd.to_town.strip() or len(cmd.to_country.strip()) != 2:
            raise InvalidInput("a refund needs the payee's town and 2-letter country", "to_town")
        payee = (to_iban, cmd.to_name.strip(), cmd.to_town.strip(), cmd.to_country.strip().upper())
        if to_iban == item.paid_from:
            item.refund(*payee, self.today(), cmd.reason.strip())
            return [item], {"suspense_id": str(item.id), "status": item.status, "refunded": str(item.amount),
                            "to_iban": to_iban}
        actor = self.actor()
        item.request_refund(RefundRequest(*payee, cmd.reason.strip(), self.today(), actor.subject,
                                          None if actor.role is None else actor.role.value))
        return [item], {"suspense_id": str(item.id), "status": item.status, "amount": str(item.amount),
                        "to_iban": to_iban, "requested_by": actor.subject}

    @handles(pmt.ApproveRefund)
    def approve_refund(self, cmd: pmt.ApproveRefund, rid: UUID) -> Handled:
        """Four-eyes: a finance user, not the one who asked (nor Saldo itself), approves the refund."""
        item = self.get(SuspenseItem, cmd.suspense_id, "suspended receipt", "suspense_id")
        request = item.awaiting_refund()
        actor = self.actor()
        if actor.role is not Role.FINANCE or actor.subject.casefold() == request.requested_by.casefold():
            who = f"{actor.subject} ({actor.role.value if actor.role else 'no role'})"
            raise NotPermitted(f"the refund of receipt {item.id} to {request.to_iban} was requested by "
                               f"{request.requested_by}: a second finance user must approve it, not {who}")
        note = _note(cmd.note, "note", required=False)
        item.approve_refund(actor.subject, self.today(), note)
        return [item], {"suspense_id": str(item.id), "status": item.status, "refunded": str(item.amount),
                        "to_iban": request.to_iban, "requested_by": request.requested_by,
                        "approved_by": actor.subject}

    @handles(pmt.RejectRefund)
    def reject_refund(self, cmd: pmt.RejectRefund, rid: UUID) -> Handled:
        item = self.get(SuspenseItem, cmd.suspense_id, "suspended receipt", "suspense_id")
        reason = _note(cmd.reason, "reason", required=True)
        item.reject_refund(self.actor().subject, self.today(), reason)
        return [item], {"suspense_id": str(item.id), "status": item.status}

    @handles(pmt.ReversePayment)
    def reverse_payment(self, cmd: pmt.ReversePayment, rid: UUID) -> Handled:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if not cmd.reason.strip():
            raise InvalidInput("a reversal needs a reason", "reason")
        account.reverse_payment(cmd.payment_id, cmd.reversed_on or self.today(), cmd.reason.strip())
        return [account], {"payment_id": cmd.payment_id, "reversed": True}

    @handles(pmt.ResetClearing)
    def reset_clearing(self, cmd: pmt.ResetClearing, rid: UUID) -> Handled:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if not cmd.reason.strip():
            raise InvalidInput("a clearing reset needs a reason", "reason")
        account.reset_clearing(cmd.payment_id, cmd.reset_on or self.today(), cmd.reason.strip())
        return [account], {"payment_id": cmd.payment_id, "reset": True}
