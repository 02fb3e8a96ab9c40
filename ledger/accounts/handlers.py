"""Command handlers of contract accounts: open accounts, sign contracts, issue invoices and credit notes."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from eventsourcing.domain import Aggregate

from ledger.accounts import commands as ac
from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract, SupplyPoint, TariffAssignment
from ledger.accounts.invoice import (
    MAX_INVOICE_LINES,
    DocumentKind,
    Invoice,
    InvoiceLine,
    NumberRange,
    check_number,
    compute_totals,
    credit_line,
    document_id,
    gl_lines,
    price_line,
)
from ledger.accounts.payment_references import (
    REFERENCE_SERIES,
    ReferenceScheme,
    derived_reference,
    sequence_reference,
)
from ledger.core.errors import Conflict, InvalidInput
from ledger.core.handling import Capability, Handled, Workspace, handles
from ledger.core.ids import child_id
from ledger.core.money import check_currency, parse_amount
from ledger.parties.company import CompanyConfig, company_named, company_of
from ledger.parties.identifiers import InvalidIdentifier, validate_supply_point
from ledger.parties.partner import BusinessPartner

#: Longest payment terms a contract account may have.
MAX_PAYMENT_TERMS_DAYS = 365


def draw_numbers(ws: Workspace[object], series: str, year: int, count: int) -> tuple[NumberRange, list[str]]:
    """Draw ``count`` document numbers of ``series`` for ``year``; save the range with the documents."""
    number_range = ws.find(NumberRange, NumberRange.id_for(series, year))
    if number_range is None:
        number_range = NumberRange(NumberRange.id_for(series, year), series, year)
    return number_range, number_range.draw(count)


def issue_reference(ws: Workspace[object], scheme: ReferenceScheme, number: str, *,
                    drawn: bool, prefix: str | None = None) -> tuple[list[Aggregate], str]:
    """The payment reference of a new invoice, never one the company issued before; and what to save.

    A number the company drew carries its own reference (unique per series: year and serial). A number
    the caller chose may be anything, so it never shapes the reference (``X-2026-000001`` would get the
    digits of ``INV-2026-000001``, ``INV2026000001`` its RF): its invoice gets the next reference of the
    company's sequence, in a space no drawn number reaches (:data:`REFERENCE_SERIES`). So does a drawn
    number too long for the scheme (OGM takes ten digits: a millionth invoice in a year). The company's
    reference ``prefix`` leads both (:mod:`ledger.accounts.payment_references`).
    """
    reference = derived_reference(scheme, number, prefix or "") if drawn else None
    if reference is not None:
        return [], reference
    references, (sequenced,) = sequence_references(ws, scheme, 1, prefix)
    return [references], sequenced


def sequence_references(ws: Workspace[object], scheme: ReferenceScheme, count: int,
                        prefix: str | None = None) -> tuple[NumberRange, list[str]]:
    """The next ``count`` references of the company's own sequence (:data:`REFERENCE_SERIES`), in one draw.

    One draw, so a command that needs several (a plan's instalments) saves one range with them.
    """
    references, _ = draw_numbers(ws, REFERENCE_SERIES, 0, count)
    first = references.last - count + 1
    return references, [sequence_reference(scheme, serial, prefix or "")
                        for serial in range(first, references.last + 1)]


def price_lines(lines: tuple[ac.LineInput, ...],
                config: CompanyConfig | None = None) -> tuple[InvoiceLine, ...]:
    """The priced lines of a new document; with the company's ``config``, each must book to one of its
    revenue components (the handlers always give it; rating checks leave it out)."""
    if not lines:
        raise InvalidInput("a document needs at least one line", "lines")
    if len(lines) > MAX_INVOICE_LINES:
        raise InvalidInput(f"a document may have at most {MAX_INVOICE_LINES} lines", "lines")
    if config is not None:
        for i, li in enumerate(lines):
            config.revenue_component(li.component, f"lines[{i}].component")
    return tuple(price_line(li.description, li.component, li.quantity, li.unit, li.unit_price,
                            li.vat_rate, i, amount=li.amount, site=li.site, period=li.period,
                            sources=li.sources, note=li.note) for i, li in enumerate(lines))


class AccountHandlers(Capability[CompanyConfig]):
    @handles(ac.OpenContractAccount)
    def open_contract_account(self, cmd: ac.OpenContractAccount, rid: UUID) -> Handled:
        self.get(BusinessPartner, cmd.partner_id, "partner", "partner_id")
        if not 0 <= cmd.payment_terms_days <= MAX_PAYMENT_TERMS_DAYS:
            raise InvalidInput(f"payment terms must be 0..{MAX_PAYMENT_TERMS_DAYS} days",
                               "payment_terms_days")
        company = None if cmd.company is None else company_named(self.ws, cmd.company).code
        account = ContractAccount(child_id(rid, "account"), cmd.partner_id, cmd.name.strip(),
                                  check_currency(cmd.currency), cmd.payment_terms_days, cmd.payment_method,
                                  company)
        return [account], {"account_id": str(account.id)}

    @handles(ac.SignContract)
    def sign_contract(self, cmd: ac.SignContract, rid: UUID) -> Handled:
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

    @handles(ac.IssueInvoice)
    def issue_invoice(self, cmd: ac.IssueInvoice, rid: UUID) -> Handled:
        account = self.get(ContractAccount, cmd.account_id, "contract account", "account_id")
        if cmd.contract_id is not None:
            contract = self.get(Contract, cmd.contract_id, "contract", "contract_id")
            if contract.account_id != account.id:
                raise InvalidInput("the contract belongs to another account", "contract_id")
        if cmd.period is not None and cmd.period[1] < cmd.period[0]:
            raise InvalidInput("the billing period ends before it starts", "period")
        company = company_of(self.ws, account)
        lines = price_lines(cmd.lines, company)
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
            number_range, (number,) = draw_numbers(self.ws, company.invoice_series, issue_date.year, 1)
            to_save.append(number_range)
        else:
            number = check_number(cmd.number, (company.invoice_series, company.credit_note_series))
            if self.ws.exists(document_id(number)):
                raise Conflict(f"document number {number!r} is already issued", "number")
        reference_range, reference = issue_reference(self.ws, company.reference_scheme, number,
                                                     drawn=cmd.number is None,
                                                     prefix=company.reference_prefix)
        to_save += reference_range
        invoice = Invoice(document_id(number), number, DocumentKind.INVOICE, account.id, cmd.contract_id,
                          issue_date, cmd.period, due_date, account.currency, lines, totals, reference,
                          None)
        account.post_invoice(invoice.id, number, totals.gross, gl_lines(lines, totals, account.key, number,
                                                                          "C"),
                             issue_date, due_date, reference)
        return [*to_save, invoice, account], {
            "invoice_id": str(invoice.id), "number": number, "gross": str(totals.gross),
            "due_date": due_date.isoformat(), "payment_reference": reference}

    @handles(ac.IssueCreditNote)
    def issue_credit_note(self, cmd: ac.IssueCreditNote, rid: UUID) -> Handled:
        invoice = self.get(Invoice, document_id(cmd.invoice_number.strip()), "invoice", "invoice_number")
        if not cmd.reason.strip():
            raise InvalidInput("a credit note needs a reason", "reason")
        account = self.get(ContractAccount, invoice.account_id, "contract account", "account_id")
        # In full: the invoice's lines as they were issued; one that does not add up (issued before
        # issue 9's rule) is credited as a lump sum of exactly its amount, see credit_line.
        company = company_of(self.ws, account)
        lines = (price_lines(cmd.lines, company) if cmd.lines
                 else tuple(credit_line(li) for li in invoice.lines))
        totals = compute_totals(lines)
        if totals.gross <= 0:
            raise InvalidInput("a credit note must total more than zero", "lines")
        issue_date = cmd.issue_date or self.today()
        number_range, (number,) = draw_numbers(self.ws, company.credit_note_series, issue_date.year, 1)
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
