"""Parties of SEPA files — our company, debtors and payees — and the checks run before writing.

Since 15 November 2026 SEPA party addresses must be structured or hybrid: town and country at
least, plus street fields or at most two free address lines (EPC, "Use of structured and hybrid
addresses", https://www.europeanpaymentscouncil.eu/news-insights/insight/structured-address-requirements).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from ledger.collections.mandate import validate_bic, validate_iban
from ledger.collections.text import check_identifier, check_text
from ledger.core.errors import InvalidInput
from ledger.core.money import MoneyError, parse_amount
from ledger.parties.company import CompanyConfig

T = TypeVar("T")

_COUNTRY = re.compile(r"[A-Z]{2}")
#: At most two free lines next to town and country in a hybrid address.
MAX_ADDRESS_LINES = 2


@dataclass(frozen=True, slots=True)
class PostalAddress:
    """A structured (street fields) or hybrid (address lines) postal address."""

    town: str
    country: str
    street_name: str | None = None
    building_number: str | None = None
    postcode: str | None = None
    address_lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Company:
    """Our side of a file: creditor of a collection (needs ``creditor_id``) or payer of a refund."""

    name: str
    iban: str
    bic: str | None = None
    address: PostalAddress | None = None
    creditor_id: str | None = None


def our_company(config: CompanyConfig, iban: str | None = None) -> Company:
    """Our side of a file as the company is configured: its SEPA name, ``iban`` (default the collection
    account), BIC, creditor id and registered address (issue 11: no demo constants on a file)."""
    a = config.address
    account = iban or config.bank_account
    bic = config.bic if account == config.bank_account else None  # the BIC configured is the collection bank
    return Company(config.creditor_name, account, bic=bic,
                   address=PostalAddress(a.town, a.country, street_name=a.street_name,
                                         building_number=a.building_number, postcode=a.postcode),
                   creditor_id=config.creditor_id or None)


def check_address(address: PostalAddress | None, field: str) -> dict[str, Any]:
    """sepaxml's address dict for a structured or hybrid address; refuse anything less."""
    if address is None:
        raise InvalidInput(
            f"{field} is required: town and country at least (structured or hybrid "
            "addresses are mandatory from 15 Nov 2026)",
            field,
        )
    country = (address.country or "").strip().upper()
    if not _COUNTRY.fullmatch(country):
        raise InvalidInput(
            f"{field}.country must be an ISO 3166 alpha-2 code, got {address.country!r}", f"{field}.country"
        )
    result: dict[str, Any] = {"town": check_text(address.town, f"{field}.town", 35), "country": country}
    for key, name, limit in (
        ("street_name", "street_name", 70),
        ("building_number", "building_number", 16),
        ("postcode", "postcode", 16),
    ):
        value = getattr(address, name)
        if value not in (None, ""):
            result[key] = check_text(value, f"{field}.{name}", limit)
    if len(address.address_lines) > MAX_ADDRESS_LINES:
        raise InvalidInput(
            f"{field}.address_lines: at most {MAX_ADDRESS_LINES} lines in a hybrid address",
            f"{field}.address_lines",
        )
    lines = [
        check_text(line, f"{field}.address_lines[{k}]", 70) for k, line in enumerate(address.address_lines)
    ]
    if lines:
        result["lines"] = lines
    return result


def amount_cents(value: Decimal, field: str) -> int:
    """``value`` as integer cents for sepaxml, refusing zero, negatives, floats and sub-cents.

    sepaxml itself accepts any integer, including 0 and negatives, and would write them.
    """
    if not isinstance(value, Decimal):
        raise InvalidInput(f"{field} must be a Decimal, got {type(value).__name__}", field)
    try:
        amount = parse_amount(value, field)
    except MoneyError as error:
        raise InvalidInput(str(error), field) from None
    return int(amount.scaleb(2))


def check_currency(value: str, field: str) -> str:
    if value != "EUR":
        raise InvalidInput(f"{field}: SEPA files carry EUR only, got {value!r}", field)
    return value


def check_message_id(value: str, created_at: datetime) -> str:
    check_identifier(value, "message_id")
    if not isinstance(created_at, datetime):
        raise InvalidInput("created_at must be a datetime", "created_at")
    return value


def check_not_before(day: date, earliest: date, field: str) -> date:
    if not isinstance(day, date):
        raise InvalidInput(f"{field} must be a date", field)
    if day < earliest:
        raise InvalidInput(f"{field} {day} is before the file's creation date {earliest}", field)
    return day


def company_config(company: Company, role: str) -> dict[str, Any]:
    """sepaxml's config for our side of a file (``role`` is ``creditor`` or ``debtor``), checked."""
    config: dict[str, Any] = {
        "name": check_text(company.name, f"{role}.name", 70),
        "IBAN": validate_iban(company.iban, f"{role}.iban"),
        "batch": True,
        "currency": "EUR",
    }
    if company.bic:
        config["BIC"] = validate_bic(company.bic, f"{role}.bic")
    if company.address is not None:
        config["address"] = check_address(company.address, f"{role}.address")
    return config


def check_items(
    items: Sequence[T], what: str, check: Callable[[T, str], dict[str, Any]]
) -> list[tuple[T, dict[str, Any]]]:
    """Check every item (naming it ``what[i]`` in errors) and refuse an end-to-end id used twice: it is
    the key the bank's answers come back on."""
    checked = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        payment = check(item, f"{what}[{index}]")
        e2e: str = getattr(item, "end_to_end_id")  # noqa: B009 - both item types carry it
        if e2e in seen:
            raise InvalidInput(
                f"end-to-end id {e2e!r} is used twice in this file", f"{what}[{index}].end_to_end_id"
            )
        seen.add(e2e)
        checked.append((item, payment))
    return checked
