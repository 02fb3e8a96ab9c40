"""Invoices and credit notes (fattura, nota di credito): the billing documents.

The document (lines, VAT, totals, reference) is its own aggregate, keyed by its number, so a number can
never be issued twice; its booking — the open item and the postings — is recorded on the contract account
in the same transaction (see :meth:`ledger.application.Saldo.issue_invoice`).

Rounding, once and explicitly: each line amount is its printed quantity × printed unit price, exact,
rounded half up to cents (:func:`ledger.core.money.line_amount`), for every line of every document, rated
or typed: the customer can recompute each line from the page (issue 9). A line that brings its own amount
(the rating core computes it with the same function) is checked against it and refused if it differs.
VAT is computed per rate on the sum of the rounded line amounts at that rate, rounded half up (the EU VAT
directive art. 226 asks for the VAT per rate; Italy's DPR 633/72 art. 21 computes it on the taxable total
per rate); the gross total is the sum of the rounded nets and VATs, so the document always adds up.

Documents stored before that rule held for rated lines keep their lines as issued (events are never
rewritten); a credit note reverses such a line exactly as a lump sum (:func:`credit_line`).
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import Aggregate, event

# ReferenceScheme is re-exported: it was defined here, and callers (tests, tools) import it from here.
from ledger.accounts.payment_references import MAX_NUMBER_LENGTH as MAX_NUMBER_LENGTH
from ledger.accounts.payment_references import ReferenceScheme as ReferenceScheme
from ledger.core import chart
from ledger.core.errors import InvalidInput
from ledger.core.ids import name_id
from ledger.core.money import ZERO, MoneyError, Posting, line_amount, round_cents

#: Most lines one document may carry: a collective invoice of a large customer stays well below this.
MAX_INVOICE_LINES = 2000
#: VAT rates are percentages between these bounds (0 for exempt supplies, 27 is the EU's highest).
MAX_VAT_RATE = Decimal("30")
#: The unit of a line that is not quantity × price by nature: quantity 1, the amount as unit price.
LUMP_SUM_UNIT = "lump sum"


class DocumentKind(enum.Enum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit-note"


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One priced line: quantity × unit price = amount (net), at a VAT rate, booked to a revenue component."""

    description: str
    component: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    vat_rate: Decimal
    #: Where the line comes from, for the customer and the auditor: the supply point (sections of a
    #: collective invoice), the service period, the reading ids and tariff version that produced it, and
    #: a note (e.g. the cause of a true-up line).
    site: str | None = None
    period: tuple[date, date] | None = None
    sources: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class VatLine:
    rate: Decimal
    taxable: Decimal
    vat: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_lines: tuple[VatLine, ...]


def price_line(description: str, component: str, quantity: Decimal, unit: str, unit_price: Decimal,
               vat_rate: Decimal, index: int = 0, *, amount: Decimal | None = None, site: str | None = None,
               period: tuple[date, date] | None = None, sources: tuple[str, ...] = (),
               note: str = "") -> InvoiceLine:
    """Build a line: its amount is quantity × unit price, rounded half up to cents. ``index`` names the
    line in errors.

    A rated line brings its own ``amount``; it must be exactly what the rule gives (the rating core
    computes it with the same :func:`~ledger.core.money.line_amount`), else the line is refused: no
    document is issued with a line the customer cannot recompute.

    >>> price_line("Energy F1", "energy", Decimal("123.456"), "kWh", Decimal("0.1234"), Decimal("22")).amount
    Decimal('15.23')
    >>> price_line("Energy F1", "energy", Decimal("480.100"), "kWh", Decimal("0.150000"), Decimal("22")).amount
    Decimal('72.02')
    """
    where = f"lines[{index}]"
    if not description.strip():
        raise InvalidInput("a line needs a description", f"{where}.description")
    if not component.strip() or ":" in component:
        raise InvalidInput("component must be a plain name such as 'energy'", f"{where}.component")
    for name, value in (("quantity", quantity), ("unit_price", unit_price), ("vat_rate", vat_rate)):
        if not value.is_finite():
            raise InvalidInput(f"{name} must be a finite decimal", f"{where}.{name}")
    if quantity < 0:
        raise InvalidInput("quantity must not be negative (use a negative unit price for a discount)",
                           f"{where}.quantity")
    if not ZERO <= vat_rate <= MAX_VAT_RATE:
        raise InvalidInput(f"VAT rate must be between 0 and {MAX_VAT_RATE} percent", f"{where}.vat_rate")
    if period is not None and period[1] < period[0]:
        raise InvalidInput("the line's period ends before it starts", f"{where}.period")
    try:
        priced = line_amount(quantity, unit_price)
    except MoneyError as e:
        raise InvalidInput(str(e), f"{where}.amount") from None
    if amount is not None and not (amount.is_finite() and amount == priced):
        raise InvalidInput(f"amount {amount} is not {quantity} × {unit_price} rounded half up to cents "
                           f"({priced})", f"{where}.amount")
    return InvoiceLine(description.strip(), component.strip(), quantity, unit, unit_price, priced, vat_rate,
                       site, period, sources, note)


def credit_line(line: InvoiceLine) -> InvoiceLine:
    """The line a credit note prints to reverse ``line`` of an issued document, to the cent.

    A line that adds up is credited as it is. A line that does not — rated before issue 9's rule, when
    the amount was rounded from the kernel's float product (17.700 m3 × 0.950000 printed 16.81, not
    16.82) — must still be credited by exactly what it charged, or the open item would not clear; so it
    is credited as a lump sum, quantity 1 and its amount as unit price, the old figures in the description,
    and the credit note's own lines add up too.

    >>> d = Decimal
    >>> old = InvoiceLine("energy: block 1", "energy", d("17.700"), "m3", d("0.950000"), d("16.81"), d("10"))
    >>> new = credit_line(old)
    >>> new.description, new.quantity, new.unit, new.unit_price, new.amount
    ('energy: block 1 (as invoiced: 17.700 m3 x 0.950000)', Decimal('1'), 'lump sum', Decimal('16.81'), Decimal('16.81'))
    """
    if line.amount == line_amount(line.quantity, line.unit_price):
        return line
    return dataclasses.replace(
        line, description=f"{line.description} (as invoiced: {line.quantity} {line.unit} x {line.unit_price})",
        quantity=Decimal(1), unit=LUMP_SUM_UNIT, unit_price=line.amount)


def compute_totals(lines: Sequence[InvoiceLine]) -> Totals:
    """Net, VAT per rate and gross of a document (see the module docstring for the rounding).

    >>> ls = [price_line("a", "energy", Decimal("1"), "kWh", Decimal("10.05"), Decimal("22")),
    ...       price_line("b", "energy", Decimal("1"), "kWh", Decimal("10.05"), Decimal("22"))]
    >>> compute_totals(ls)  # 20.10 x 22 % = 4.422 -> 4.42 (per rate, not per line: 2 x 2.21)
    Totals(net=Decimal('20.10'), vat=Decimal('4.42'), gross=Decimal('24.52'), vat_lines=(VatLine(rate=Decimal('22'), taxable=Decimal('20.10'), vat=Decimal('4.42')),))
    """
    taxable: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        taxable[line.vat_rate] += line.amount
    # Sorted by rate so the document and its postings come out in the same order on every run.
    vat_lines = tuple(VatLine(rate, base, round_cents(base * rate / 100))
                      for rate, base in sorted(taxable.items()))
    net = sum((v.taxable for v in vat_lines), ZERO)
    vat = sum((v.vat for v in vat_lines), ZERO)
    return Totals(net, vat, net + vat, vat_lines)


def gl_lines(lines: Sequence[InvoiceLine], totals: Totals, account_key: str, number: str,
             side_for_positive: str) -> tuple[Posting, ...]:
    """The revenue and VAT side of a document's journal entry, one line per component and per rate.

    ``side_for_positive`` is "C" for an invoice (revenue is credited) and "D" for a credit note.
    A component whose net is negative (a discount larger than the charge) lands on the other side.
    """
    by_component: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        by_component[line.component] += line.amount
    amounts = [(chart.revenue(c), a) for c, a in sorted(by_component.items())]
    amounts += [(chart.vat_output(v.rate), v.vat) for v in totals.vat_lines]
    postings = []
    for account, amount in amounts:
        if amount == 0:
            continue
        positive_side_credit = side_for_positive == "C"
        is_credit = (amount > 0) == positive_side_credit
        make = Posting.credit if is_credit else Posting.debit
        postings.append(make(account, abs(amount), None, number))
    return tuple(postings)


def check_number(number: str, reserved_series: tuple[str, ...]) -> str:
    """A document number a caller chose, stripped; or :class:`InvalidInput` naming ``number``.

    1 to 35 printable characters, and not of the shape of the company's own series (``INV-2026-000007``):
    the series draws those, and would later draw one a caller had taken.
    """
    number = number.strip()
    if not number:
        raise InvalidInput("an invoice number must not be empty (leave it out to draw one)", "number")
    if len(number) > MAX_NUMBER_LENGTH:
        raise InvalidInput(f"an invoice number has at most {MAX_NUMBER_LENGTH} characters", "number")
    if not number.isprintable():
        raise InvalidInput("an invoice number must be printable characters (no line breaks or tabs)",
                           "number")
    for series in reserved_series:
        if re.fullmatch(rf"{re.escape(series)}-[0-9]{{4}}-[0-9]+", number, re.IGNORECASE):
            raise InvalidInput(f"{number} is of the company's own series {series}: leave the number out to "
                               "draw one", "number")
    return number


def document_id(number: str) -> UUID:
    return name_id("document", number)


class Invoice(Aggregate):
    """An issued invoice or credit note. Immutable once issued: corrections are credit notes."""

    @event("Issued")
    def __init__(
        self,
        id: UUID,
        number: str,
        kind: DocumentKind,
        account_id: UUID,
        contract_id: UUID | None,
        issue_date: date,
        period: tuple[date, date] | None,
        due_date: date,
        currency: str,
        lines: tuple[InvoiceLine, ...],
        totals: Totals,
        payment_reference: str | None,
        corrects: str | None,
    ) -> None:
        self.number = number
        self.kind = kind
        self.account_id = account_id
        self.contract_id = contract_id
        self.issue_date = issue_date
        self.period = period
        self.due_date = due_date
        self.currency = currency
        self.lines = lines
        self.totals = totals
        self.payment_reference = payment_reference
        self.corrects = corrects
        self.credited = ZERO

    def record_credit(self, credit_note_number: str, gross: Decimal) -> None:
        """Note a credit note against this invoice; refuses to credit more than was invoiced."""
        if self.kind is not DocumentKind.INVOICE:
            raise InvalidInput(f"{self.number} is a credit note and cannot be credited", "corrects")
        if self.credited + gross > self.totals.gross:
            raise InvalidInput(
                f"credit notes would exceed invoice {self.number}: {self.credited} already credited "
                f"of {self.totals.gross}", "lines")
        self._credited(credit_note_number, gross)

    @event("Credited")
    def _credited(self, credit_note_number: str, gross: Decimal) -> None:
        self.credited += gross


class NumberRange(Aggregate):
    """A gapless document number series per year (numerazione progressiva, required for invoices in IT/ES).

    Drawing numbers and issuing the documents are saved in one transaction; the aggregate's version makes
    concurrent issuers conflict and retry, so no number is lost or used twice.
    """

    @event("Opened")
    def __init__(self, id: UUID, series: str, year: int) -> None:
        self.series = series
        self.year = year
        self.last = 0

    @staticmethod
    def id_for(series: str, year: int) -> UUID:
        return name_id("number-range", series, str(year))

    def draw(self, count: int) -> list[str]:
        if count < 1:
            raise InvalidInput("draw at least one number")
        first = self.last + 1
        self._drawn(first, count)
        return [f"{self.series}-{self.year}-{n:06d}" for n in range(first, first + count)]

    @event("Drawn")
    def _drawn(self, first: int, count: int) -> None:
        self.last = first + count - 1
