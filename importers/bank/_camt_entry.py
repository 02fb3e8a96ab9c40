"""One camt ``Ntry`` element → one or more :class:`~ledger.payments.bank_entries.BankEntry` records.

Version differences are handled by shape, not by version number (architecture §5, "ISO 20022
paths"): ``Sts`` as text (v02–v06) or ``Sts/Cd`` (v08); ``Dbtr/Nm`` or ``Dbtr/Pty/Nm``; a
transaction amount in ``TxDtls/Amt`` (v03+) or ``TxDtls/AmtDtls/TxAmt/Amt`` (v02); ``Dt`` or
``DtTm`` dates (a timestamp counts on the account's local day, see :mod:`importers.bank._zones`).

Choices where the standard leaves room: the creditor reference is the first ``Strd/CdtrRefInf/Ref``;
a ``Strd`` naming exactly one document gives it its ``RfrdDocAmt/RmtdAmt`` (else ``DuePyblAmt``), a
``Strd`` naming several leaves their amounts ``None``; ``EndToEndId`` ``NOTPROVIDED`` (the SEPA
filler) becomes ``None``; the transaction's ``BkTxCd`` wins over the entry's. A batch entry's
``TxDtls`` amounts must add up to the entry amount in the entry currency, otherwise what we book
would not reconcile with the bank's balance and the file is refused. A batch whose ``TxDtls`` carry no
amount at all (the schema allows it) is one record with the entry amount: what its transactions agree
on, all their texts and documents, and their differing creditor references as text lines.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, tzinfo
from decimal import Decimal

from importers.bank._values import normalize_iban
from importers.bank._xml import Element, Locator, View, local_name
from ledger.payments.bank_entries import BankEntry, CreditDebit, ReferredDocument, StatementPeriod


@dataclass(frozen=True, slots=True)
class EntryScope:
    """What every entry of one statement shares: its account's zone turns timestamps into days."""

    file_name: str
    statement_id: str
    account_iban: str | None
    zone: tzinfo | None = None
    period: StatementPeriod | None = None


@dataclass(frozen=True, slots=True)
class _Common:
    amount: Decimal
    currency: str
    credit_debit: CreditDebit
    status: str
    booking_date: date | None
    value_date: date | None
    is_reversal: bool
    account_servicer_reference: str | None
    entry_reference: str | None
    bank_transaction_code: str | None


@dataclass(frozen=True, slots=True)
class _Details:
    tx_account_servicer_reference: str | None = None
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
    return_reason: str | None = None
    bank_transaction_code: str | None = None


@dataclass(frozen=True, slots=True)
class _Part:
    """Where one record comes from and what it moves."""

    locator: Locator
    tx_index: int | None
    amount: Decimal
    currency: str
    credit_debit: CreditDebit
    details: _Details


_TRANSACTIONS = "NtryDtls/TxDtls"


def parse_entry(ntry: Element, scope: EntryScope, loc: Locator,
                entry_index: int) -> list[BankEntry]:
    view = View(ntry, stop=frozenset({_TRANSACTIONS}))
    common = _common(view, loc, scope.zone)
    transactions = _transactions(view, loc)
    if len(transactions) <= 1 or not any(_has_amount(tx) for tx, _ in transactions):
        details = _merged_details(transactions)
        part = _Part(loc, None, common.amount, common.currency, common.credit_debit, details)
        return [_build(scope, entry_index, common, part, batch=False)]
    parts = [_batch_part(tx, tx_loc, index, common)
             for index, (tx, tx_loc) in enumerate(transactions, start=1)]
    _check_batch_total(parts, common, loc)
    return [_build(scope, entry_index, common, part, batch=True) for part in parts]


def _common(ntry: View, loc: Locator, zone: tzinfo | None) -> _Common:
    amount, currency = loc.required_amount(ntry, "Amt")
    return _Common(
        amount=amount,
        currency=currency,
        credit_debit=_required_credit_debit(ntry, loc),
        status=_status(ntry, loc),
        booking_date=loc.date_choice(ntry, "BookgDt", zone),
        value_date=loc.date_choice(ntry, "ValDt", zone),
        is_reversal=_boolean(ntry, "RvslInd", loc),
        account_servicer_reference=ntry.text("AcctSvcrRef"),
        entry_reference=ntry.text("NtryRef"),
        bank_transaction_code=bank_transaction_code(ntry, "BkTxCd"),
    )


def _transactions(ntry: View, loc: Locator) -> list[tuple[View, Locator]]:
    blocks = ntry.findall("NtryDtls")
    found: list[tuple[View, Locator]] = []
    for block_index, block in enumerate(blocks, start=1):
        prefix = "NtryDtls" if len(blocks) == 1 else f"NtryDtls[{block_index}]"
        children = (child for child in block if isinstance(child.tag, str))
        transactions = [child for child in children if local_name(child) == "TxDtls"]
        for tx_index, tx in enumerate(transactions, start=1):
            found.append((View(tx), loc.at(tx, f"{prefix}/TxDtls[{tx_index}]")))
    return found


def _details(tx: View, loc: Locator) -> _Details:
    reference, reference_type = _creditor_reference(tx)
    end_to_end = tx.text("Refs/EndToEndId")
    return _Details(
        tx_account_servicer_reference=tx.text("Refs/AcctSvcrRef"),
        end_to_end_id=None if end_to_end == "NOTPROVIDED" else end_to_end,
        mandate_id=tx.text("Refs/MndtId"),
        debtor_name=tx.text("RltdPties/Dbtr/Nm") or tx.text("RltdPties/Dbtr/Pty/Nm"),
        debtor_iban=normalize_iban(tx.text("RltdPties/DbtrAcct/Id/IBAN")),
        creditor_name=tx.text("RltdPties/Cdtr/Nm") or tx.text("RltdPties/Cdtr/Pty/Nm"),
        creditor_iban=normalize_iban(tx.text("RltdPties/CdtrAcct/Id/IBAN")),
        creditor_reference=reference,
        creditor_reference_type=reference_type,
        unstructured=tx.texts("RmtInf/Ustrd"),
        referred_documents=_referred_documents(tx, loc),
        return_reason=tx.text("RtrInf/Rsn/Cd") or tx.text("RtrInf/Rsn/Prtry"),
        bank_transaction_code=bank_transaction_code(tx, "BkTxCd"),
    )


def _batch_part(tx: View, loc: Locator, index: int, common: _Common) -> _Part:
    found = loc.amount(tx, "Amt") or loc.amount(tx, "AmtDtls/TxAmt/Amt")
    if found is None:
        raise loc.error("missing Amt (or AmtDtls/TxAmt/Amt) in a transaction of a batch entry")
    direction = loc.credit_debit(tx)
    credit_debit = common.credit_debit if direction is None else _as_credit_debit(direction)
    return _Part(loc, index, found[0], found[1], credit_debit, _details(tx, loc))


def _check_batch_total(parts: list[_Part], common: _Common, loc: Locator) -> None:
    total = sum((part.amount if part.credit_debit == "CRDT" else -part.amount for part in parts),
                Decimal(0))
    expected = common.amount if common.credit_debit == "CRDT" else -common.amount
    currencies = {part.currency for part in parts}
    if currencies != {common.currency} or total != expected:
        found = f"{total} {'/'.join(sorted(currencies))}"
        raise loc.error(f"the {len(parts)} TxDtls amounts add up to {found}, "
                        f"but the entry is {expected} {common.currency}")


def _build(scope: EntryScope, entry_index: int, common: _Common, part: _Part, *,
           batch: bool) -> BankEntry:
    details = part.details
    return BankEntry(
        file_name=scope.file_name,
        statement_id=scope.statement_id,
        account_iban=scope.account_iban,
        entry_index=entry_index,
        tx_index=part.tx_index,
        element_path=part.locator.path,
        line=part.locator.line,
        amount=part.amount,
        credit_debit=part.credit_debit,
        currency=part.currency,
        status=common.status,
        booking_date=common.booking_date,
        value_date=common.value_date,
        account_servicer_reference=common.account_servicer_reference,
        tx_account_servicer_reference=details.tx_account_servicer_reference,
        entry_reference=common.entry_reference,
        end_to_end_id=details.end_to_end_id,
        mandate_id=details.mandate_id,
        debtor_name=details.debtor_name,
        debtor_iban=details.debtor_iban,
        creditor_name=details.creditor_name,
        creditor_iban=details.creditor_iban,
        creditor_reference=details.creditor_reference,
        creditor_reference_type=details.creditor_reference_type,
        unstructured=details.unstructured,
        referred_documents=details.referred_documents,
        is_reversal=common.is_reversal,
        bank_transaction_code=details.bank_transaction_code or common.bank_transaction_code,
        return_reason=details.return_reason,
        batch=batch,
        statement_period=scope.period,
    )


def bank_transaction_code(view: View, path: str) -> str | None:
    """``Domn/Cd``, ``Fmly/Cd``, ``SubFmlyCd`` as ``PMNT/RCDT/ESCT``; else the proprietary code."""
    parts = (view.text(f"{path}/Domn/Cd"), view.text(f"{path}/Domn/Fmly/Cd"),
             view.text(f"{path}/Domn/Fmly/SubFmlyCd"))
    if all(parts):
        return "/".join(part for part in parts if part)
    return view.text(f"{path}/Prtry/Cd")


def _status(ntry: View, loc: Locator) -> str:
    node = ntry.find("Sts")
    if node is None:
        raise loc.error("missing Sts")
    code = ntry.text("Sts/Cd") or ntry.text("Sts/Prtry") or ntry.text("Sts")
    if code is None:
        raise loc.error("empty Sts", node, "Sts")
    return code


def _required_credit_debit(view: View, loc: Locator) -> CreditDebit:
    value = loc.credit_debit(view)
    if value is None:
        raise loc.error("missing CdtDbtInd")
    return _as_credit_debit(value)


def _as_credit_debit(value: str) -> CreditDebit:
    return "CRDT" if value == "CRDT" else "DBIT"


def _boolean(view: View, path: str, loc: Locator) -> bool:
    value = view.text(path)
    if value in (None, "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise loc.error(f"{path} must be true or false, got {value!r}", view.find(path), path)


def _creditor_reference(tx: View) -> tuple[str | None, str | None]:
    if tx.find("RmtInf/Strd/CdtrRefInf/Ref") is None:
        return None, None
    for block in map(View, tx.findall("RmtInf/Strd")):
        reference = block.text("CdtrRefInf/Ref")
        if reference is not None:
            kind = (block.text("CdtrRefInf/Tp/CdOrPrtry/Cd")
                    or block.text("CdtrRefInf/Tp/CdOrPrtry/Prtry"))
            return reference, kind
    return None, None


def _referred_documents(tx: View, loc: Locator) -> tuple[ReferredDocument, ...]:
    if tx.find("RmtInf/Strd/RfrdDocInf/Nb") is None:
        return ()
    documents: list[ReferredDocument] = []
    for index, element in enumerate(tx.findall("RmtInf/Strd"), start=1):
        block = View(element)
        numbers = block.texts("RfrdDocInf/Nb")
        if not numbers:
            continue
        block_loc = loc.at(element, f"RmtInf/Strd[{index}]")
        found = block_loc.amount(block, "RfrdDocAmt/RmtdAmt") or block_loc.amount(
            block, "RfrdDocAmt/DuePyblAmt")
        amount = found[0] if found is not None and len(numbers) == 1 else None
        documents.extend(ReferredDocument(number, amount) for number in numbers)
    return tuple(documents)


def _has_amount(tx: View) -> bool:
    return tx.find("Amt") is not None or tx.find("AmtDtls/TxAmt/Amt") is not None


def _merged_details(transactions: list[tuple[View, Locator]]) -> _Details:
    """The details of an entry read as one record: its only ``TxDtls``, or several that carry no amounts."""
    parts = [_details(tx, tx_loc) for tx, tx_loc in transactions]
    if len(parts) <= 1:
        return parts[0] if parts else _Details()
    merged: dict[str, object] = {}
    for name in (f.name for f in fields(_Details)):
        values = list(dict.fromkeys(getattr(part, name) for part in parts))
        merged[name] = values[0] if len(values) == 1 else None
    texts = [line for part in parts for line in part.unstructured]
    if merged["creditor_reference"] is None:  # differing references stay readable, as text lines
        merged["creditor_reference_type"] = None
        texts += dict.fromkeys(p.creditor_reference for p in parts if p.creditor_reference)
    merged["unstructured"] = tuple(texts)
    merged["referred_documents"] = tuple(doc for part in parts for doc in part.referred_documents)
    return _Details(**merged)  # type: ignore[arg-type]
