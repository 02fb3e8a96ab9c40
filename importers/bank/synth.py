"""Synthetic camt.053 statements for tests and benchmarks, written as a stream.

The balances come before the entries in a camt.053, so the entries are first written to a temporary
file while their total is summed, then the head (with the opening and closing balances) is written
and the entries are copied after it: any number of entries, constant memory.

>>> import os, tempfile
>>> from decimal import Decimal
>>> from importers.bank.camt import read_camt
>>> folder = tempfile.mkdtemp()
>>> path = os.path.join(folder, "synth.xml")
>>> write_camt053(path, [SynthEntry(Decimal("10.00"), reference="RF18539007547034"),
...                      SynthEntry(Decimal("2.50"), debtor_iban="DE89370400440532013000")])
Decimal('12.50')
>>> [(e.amount, e.creditor_reference) for e in read_camt(path)]
[(Decimal('10.00'), 'RF18539007547034'), (Decimal('2.50'), None)]
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from importers.files import text_file
from ledger.payments.bank_entries import CreditDebit

__all__ = ["SYNTH_VERSIONS", "SynthEntry", "write_camt053"]

SYNTH_VERSIONS = ("001.02", "001.04", "001.08")
_SCOR_OR_QRR = 27  # a 27-digit reference is a Swiss QR reference (proprietary type QRR)


@dataclass(frozen=True, slots=True)
class SynthEntry:
    """One booked entry with a single transaction; credits by default."""

    amount: Decimal
    reference: str | None = None
    debtor_iban: str | None = None
    debtor_name: str | None = None
    unstructured: tuple[str, ...] = ()
    account_servicer_reference: str | None = None
    credit_debit: CreditDebit = "CRDT"


@dataclass(frozen=True, slots=True)
class _Statement:
    version: str
    account_iban: str
    currency: str
    statement_id: str
    booking_date: date


def write_camt053(path: str | os.PathLike[str], entries_spec: Iterable[SynthEntry],
                  version: str = "001.08", *, account_iban: str = "FI2112345600000785",
                  currency: str = "EUR", opening_balance: Decimal = Decimal("0.00"),
                  statement_id: str = "SYNTH-0001",
                  booking_date: date = date(2024, 1, 31)) -> Decimal:
    """Write a valid camt.053 with one statement; return its closing balance."""
    if version not in SYNTH_VERSIONS:
        raise ValueError(f"version must be one of {', '.join(SYNTH_VERSIONS)}, got {version!r}")
    statement = _Statement(version, account_iban, currency, statement_id, booking_date)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as body:
        total = Decimal(0)
        for number, entry in enumerate(entries_spec, start=1):
            body.write(_entry_xml(entry, number, statement))
            total += entry.amount if entry.credit_debit == "CRDT" else -entry.amount
        closing = opening_balance + total
        body.seek(0)
        with text_file(path) as out:
            out.write(_head_xml(statement, opening_balance, closing))
            shutil.copyfileobj(body, out)
            out.write("</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
    return closing


def _head_xml(statement: _Statement, opening: Decimal, closing: Decimal) -> str:
    stamp = f"{statement.booking_date.isoformat()}T23:00:00+00:00"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.{statement.version}">\n'
        "<BkToCstmrStmt>\n"
        f"<GrpHdr><MsgId>{_x(statement.statement_id)}-MSG</MsgId><CreDtTm>{stamp}</CreDtTm></GrpHdr>\n"
        f"<Stmt><Id>{_x(statement.statement_id)}</Id><CreDtTm>{stamp}</CreDtTm>\n"
        f"<Acct><Id><IBAN>{_x(statement.account_iban)}</IBAN></Id><Ccy>{statement.currency}</Ccy></Acct>\n"
        + _balance_xml("OPBD", opening, statement)
        + _balance_xml("CLBD", closing, statement)
    )


def _balance_xml(code: str, amount: Decimal, statement: _Statement) -> str:
    direction = "CRDT" if amount >= 0 else "DBIT"
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f"{_amount_xml(abs(amount), statement.currency)}<CdtDbtInd>{direction}</CdtDbtInd>"
            f"<Dt><Dt>{statement.booking_date.isoformat()}</Dt></Dt></Bal>\n")


def _entry_xml(entry: SynthEntry, number: int, statement: _Statement) -> str:
    if not entry.amount.is_finite() or entry.amount < 0:
        raise ValueError(f"entry {number}: amount must be a non-negative Decimal, "
                         f"got {entry.amount}")
    day = statement.booking_date.isoformat()
    status = "<Sts>BOOK</Sts>" if statement.version != "001.08" else "<Sts><Cd>BOOK</Cd></Sts>"
    reference = entry.account_servicer_reference or f"{statement.statement_id}-{number:07d}"
    family = "RCDT" if entry.credit_debit == "CRDT" else "ICDT"
    return (
        f"<Ntry>{_amount_xml(entry.amount, statement.currency)}"
        f"<CdtDbtInd>{entry.credit_debit}</CdtDbtInd>{status}"
        f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt>"
        f"<AcctSvcrRef>{_x(reference)}</AcctSvcrRef>"
        f"<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>{family}</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>"
        f"</BkTxCd><NtryDtls><TxDtls>{_transaction_xml(entry, statement)}</TxDtls></NtryDtls>"
        "</Ntry>\n"
    )


def _transaction_xml(entry: SynthEntry, statement: _Statement) -> str:
    refs = "<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>"
    if statement.version == "001.02":
        transaction_amount = _amount_xml(entry.amount, statement.currency)
        amount = f"<AmtDtls><TxAmt>{transaction_amount}</TxAmt></AmtDtls>"
    else:
        amount = (f"{_amount_xml(entry.amount, statement.currency)}"
                  f"<CdtDbtInd>{entry.credit_debit}</CdtDbtInd>")
    return refs + amount + _parties_xml(entry, statement) + _remittance_xml(entry)


def _parties_xml(entry: SynthEntry, statement: _Statement) -> str:
    if entry.debtor_name is None and entry.debtor_iban is None:
        return ""
    role = "Dbtr" if entry.credit_debit == "CRDT" else "Cdtr"
    party = ""
    if entry.debtor_name is not None:
        name = f"<Nm>{_x(entry.debtor_name)}</Nm>"
        party = f"<{role}>" + (f"<Pty>{name}</Pty>" if statement.version == "001.08" else name)
        party += f"</{role}>"
    if entry.debtor_iban is not None:
        party += f"<{role}Acct><Id><IBAN>{_x(entry.debtor_iban)}</IBAN></Id></{role}Acct>"
    return f"<RltdPties>{party}</RltdPties>"


def _remittance_xml(entry: SynthEntry) -> str:
    lines = "".join(f"<Ustrd>{_x(line)}</Ustrd>" for line in entry.unstructured)
    structured = ""
    if entry.reference is not None:
        is_qrr = entry.reference.isdigit() and len(entry.reference) == _SCOR_OR_QRR
        kind = "<Prtry>QRR</Prtry>" if is_qrr else "<Cd>SCOR</Cd>"
        structured = (f"<Strd><CdtrRefInf><Tp><CdOrPrtry>{kind}</CdOrPrtry></Tp>"
                      f"<Ref>{_x(entry.reference)}</Ref></CdtrRefInf></Strd>")
    return f"<RmtInf>{lines}{structured}</RmtInf>" if lines or structured else ""


def _amount_xml(amount: Decimal, currency: str) -> str:
    return f"<Amt Ccy={quoteattr(currency)}>{format(amount, 'f')}</Amt>"


def _x(value: str) -> str:
    return escape(value)
