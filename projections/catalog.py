"""The catalog: partners, contracts, documents and payments as rows, and the search index over their keys.

The ledger view (:mod:`projections.ledger_view`) keeps what moves money; the catalog keeps what a clerk
looks things up by. :func:`catalog_ops` turns a batch of events into row operations in event order (a pure
function, no SQL); :mod:`projections.catalog_sql` writes them with its own tracking record, so the catalog
is rebuilt from position 0 like every view and gives the same rows on every rebuild.

Every identifier is indexed in the form python-stdnum's and schwifty's ``compact`` give it (spaces,
dashes, dots, slashes and commas removed, upper case: :func:`search_key`), so ``IT 001 E 1234 5678`` and
``it001e12345678`` find the same supply point; names by each word, case-folded (:func:`name_words`).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import get_topic

from ledger.accounts.account import ContractAccount
from ledger.accounts.contract import Contract
from ledger.accounts.invoice import Invoice
from ledger.accounts.terms import PaymentMethod
from ledger.collections.account_part import DirectDebit
from ledger.collections.mandate import MandateStatus
from ledger.core.topics import stored_topics
from ledger.parties.partner import BusinessPartner
from projections.moves import cents
from projections.reports.lines import classify, quantity_micro

#: The kinds of key the search index holds (what a result says matched).
NAME, TAX_ID, SUPPLY_POINT, IBAN, INVOICE_NUMBER, PAYMENT_REFERENCE, MANDATE_REFERENCE, PAYMENT_ID = (
    "name", "tax_id", "supply_point", "iban", "invoice_number", "payment_reference", "mandate_reference",
    "payment_id")
EMAIL = "email"
#: Longest key indexed (a name word, an identifier): longer text is cut, so a key stays a short index entry.
MAX_KEY_LENGTH = 64
_SEPARATORS = " -./,:\t"

_PARTNER: tuple[type, ...] = (BusinessPartner.Registered, BusinessPartner.DetailsChanged)  # type: ignore[attr-defined]
_ACCOUNT: tuple[type, ...] = (
    ContractAccount.Opened, ContractAccount.PaymentReceived, ContractAccount.PaymentReversed,
    DirectDebit.MandateSet, DirectDebit.PaymentMethodChanged, DirectDebit.CollectionReturned)
_CONTRACT: tuple[type, ...] = (
    Contract.Signed, Contract.TariffChanged, Contract.Ended,  # type: ignore[attr-defined]
    Contract.BillingFrequencyChanged)
_DOCUMENT: tuple[type, ...] = (Invoice.Issued, Invoice.Credited)  # type: ignore[attr-defined]
_CLASSES: tuple[type, ...] = (*_PARTNER, *_ACCOUNT, *_CONTRACT, *_DOCUMENT)
#: Every topic the catalog reads, under every name its events were ever stored with.
CATALOG_TOPICS: tuple[str, ...] = tuple(t for cls in _CLASSES for t in stored_topics(get_topic(cls)))


def search_key(text: str) -> str:
    """``text`` as stdnum's and schwifty's ``compact`` give an identifier: no separators, upper case.

    >>> search_key(" it 001 e-1234.5678 "), search_key("de89 3704 0044 0532 0130 00")
    ('IT001E12345678', 'DE89370400440532013000')
    """
    return "".join(ch for ch in text if ch not in _SEPARATORS).upper()[:MAX_KEY_LENGTH]


def key_variants(text: str) -> list[str]:
    """The compact key, and without a two-letter country prefix (``FI20774740`` is ytunnus ``20774740``).

    >>> key_variants("FI 2077474-0"), key_variants("2077474-0")
    (['FI20774740', '20774740'], ['20774740'])
    """
    key = search_key(text)
    keys = [key] if key else []
    if len(key) > 3 and key[:2].isalpha() and key[:2].isascii() and key[2].isdigit():
        keys.append(key[2:])
    return keys


def name_words(text: str) -> list[str]:
    """The words of a name as searched: NFKC, case-folded, each cut to :data:`MAX_KEY_LENGTH`.

    >>> name_words("Rossi  Mario S.r.l.")
    ['rossi', 'mario', 's.r.l.']
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return [w[:MAX_KEY_LENGTH] for w in folded.split() if w]


@dataclass(frozen=True, slots=True)
class Op:
    """One row operation: a statement name of :mod:`projections.catalog_sql` and its parameters."""

    statement: str
    params: tuple[Any, ...]


def _index(ops: list[Op], kind: str, keys: Iterable[str], entity: str, entity_id: str, label: str) -> None:
    for key in dict.fromkeys(k for k in keys if k):
        ops.append(Op("index", (key, kind, entity, entity_id, label[:200])))


def _partner(ops: list[Op], e: Any, position: int) -> None:
    pid = str(e.originator_id)
    if isinstance(e, BusinessPartner.DetailsChanged):
        # None is "as it was": the row keeps its value (COALESCE in the statement).
        ops.append(Op("partner_details", (e.email, e.language, pid)))
        if e.email is not None:  # the old address no longer finds the partner; the new one does
            ops.append(Op("unindex", (EMAIL, pid)))
            _index(ops, EMAIL, [search_key(e.email)], "partner", pid, e.email)
        return
    tax = " ".join(f"{t.scheme}:{t.value}" for t in e.tax_ids)
    ops.append(Op("partner", (pid, e.name, e.kind.value, tax, e.email, e.language, position)))
    _index(ops, NAME, name_words(e.name), "partner", pid, e.name)
    for t in e.tax_ids:
        _index(ops, TAX_ID, key_variants(t.value), "partner", pid, e.name)
    if e.email:
        _index(ops, EMAIL, [search_key(e.email)], "partner", pid, e.email)


def _account(ops: list[Op], e: Any, position: int) -> None:
    aid = str(e.originator_id)
    if isinstance(e, ContractAccount.Opened):
        ops.append(Op("account", (aid, str(e.partner_id), e.payment_method.value, e.payment_terms_days)))
        _index(ops, NAME, name_words(e.name), "account", aid, e.name)
    elif isinstance(e, ContractAccount.PaymentReceived):
        allocations = json.dumps([[a.item_id, str(a.amount)] for a in e.allocations], separators=(",", ":"))
        ops.append(Op("payment", (e.payment_id, aid, cents(e.amount), e.received_on.isoformat(),
                                  e.source_account, e.payer_iban, e.rule, e.evidence, allocations,
                                  cents(e.to_credit), position)))
        _index(ops, PAYMENT_ID, [search_key(e.payment_id)], "payment", f"{aid}/{e.payment_id}", e.payment_id)
        if e.payer_iban:
            _index(ops, IBAN, [search_key(e.payer_iban)], "account", aid, e.payer_iban)
    elif isinstance(e, ContractAccount.PaymentReversed):
        ops.append(Op("payment_reversed", (e.reversed_on.isoformat(), aid, e.payment_id)))
    elif isinstance(e, DirectDebit.MandateSet):
        m = e.mandate
        _index(ops, MANDATE_REFERENCE, [search_key(m.reference)], "mandate", aid, m.reference)
        _index(ops, IBAN, [search_key(m.debtor_iban)], "account", aid, m.debtor_iban)
        # As the account does (DirectDebit._mandate_set): an active mandate collects, any other does not.
        active = m.status is MandateStatus.ACTIVE
        method = PaymentMethod.DIRECT_DEBIT if active else PaymentMethod.BANK_TRANSFER
        ops.append(Op("account_payment_method", (method.value, aid)))
    elif isinstance(e, DirectDebit.PaymentMethodChanged):
        ops.append(Op("account_payment_method", (e.payment_method.value, aid)))
    elif isinstance(e, DirectDebit.CollectionReturned) and e.stops_direct_debit:
        ops.append(Op("account_payment_method", (PaymentMethod.BANK_TRANSFER.value, aid)))


def _contract(ops: list[Op], e: Any, position: int) -> None:
    cid = str(e.originator_id)
    if isinstance(e, Contract.Signed):  # type: ignore[attr-defined]
        sp = e.supply_point
        ops.append(Op("contract", (cid, str(e.account_id), sp.scheme, sp.id, e.commodity.value,
                                   e.tariff.tariff_code, e.billing_frequency.value, e.start_date.isoformat(),
                                   e.end_date.isoformat() if e.end_date else None, position)))
        _index(ops, SUPPLY_POINT, [search_key(sp.id)], "contract", cid, f"{sp.scheme} {sp.id}")
    elif isinstance(e, Contract.TariffChanged):  # type: ignore[attr-defined]
        ops.append(Op("contract_tariff", (e.tariff.tariff_code, cid)))
    elif isinstance(e, Contract.BillingFrequencyChanged):
        ops.append(Op("contract_frequency", (e.frequency.billing_frequency.value, cid)))
    else:
        ops.append(Op("contract_end", (e.end_date.isoformat(), cid)))


def _document(ops: list[Op], e: Any, position: int) -> None:
    if isinstance(e, Invoice.Credited):  # type: ignore[attr-defined]
        ops.append(Op("document_credited", (cents(e.gross), str(e.originator_id))))
        return
    did = str(e.originator_id)
    ops.append(Op("document", (did, e.number, e.kind.value, str(e.account_id),
                               str(e.contract_id) if e.contract_id else None, e.issue_date.isoformat(),
                               e.due_date.isoformat(), e.currency, cents(e.totals.net), cents(e.totals.vat),
                               cents(e.totals.gross), e.payment_reference, e.corrects, position)))
    _index(ops, INVOICE_NUMBER, [search_key(e.number)], "document", did, e.number)
    contract = str(e.contract_id) if e.contract_id else None
    for n, line in enumerate(e.lines):
        kind = classify(line.component, line.description, line.sources, line.unit)
        # The line's commodity is its contract's: the document's, or on a collective invoice the account's
        # contract at the line's supply point (catalog_sql resolves it from the contracts signed before).
        ops.append(Op("document_line", (did, n, line.component, kind.kind, kind.band, kind.tariff_code,
                                        line.unit, quantity_micro(line.quantity), cents(line.amount),
                                        str(line.vat_rate), line.site, contract, str(e.account_id),
                                        line.site)))
    if e.payment_reference:
        _index(ops, PAYMENT_REFERENCE, [search_key(e.payment_reference)], "document", did, e.number)


def catalog_ops(events: Iterable[tuple[DomainEventProtocol[Any], int]]) -> list[Op]:
    """The row operations of ``(event, notification id)`` pairs, in store order."""
    ops: list[Op] = []
    for event, position in events:
        if isinstance(event, _PARTNER):
            _partner(ops, event, position)
        elif isinstance(event, _ACCOUNT):
            _account(ops, event, position)
        elif isinstance(event, _CONTRACT):
            _contract(ops, event, position)
        elif isinstance(event, _DOCUMENT):
            _document(ops, event, position)
    return ops
