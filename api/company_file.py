"""The installation's companies from a versioned TOML file (``SALDO_CONFIG``), checked field by field.

:func:`check_file` returns every problem, each naming its field as a path (``companies[1].bank_accounts.
collections``) and why; :func:`load_companies` raises :class:`ConfigFileError` with all of them, or returns
the :class:`~ledger.parties.company.Companies`. ``saldo config check FILE`` prints them (api/cli/config.py).
The file format is ``config/companies.demo.toml``; ``version`` says which format a file is written in, so a
later format can be told apart rather than misread.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from stdnum.ch import vat as ch_vat
from stdnum.eu import vat

from api.store_urls import MAX_STORE_URL, store_url_problem
from ledger.accounts.payment_references import ReferenceScheme
from ledger.collections.mandate import validate_bic, validate_creditor_id, validate_iban
from ledger.core.errors import InvalidInput
from ledger.core.money import MoneyError, parse_amount
from ledger.documents.messages import DEFAULT_MESSAGE_RULES, MessageRule, rules_from_config
from ledger.documents.swiss_qr_bill import is_qr_iban
from ledger.parties.company import (
    CONFIG_VERSION,
    DEFAULT_PAYMENT_TERMS_DAYS,
    FEE_KINDS,
    MAX_COMPANY_CODE_LENGTH,
    Companies,
    CompanyAddress,
    CompanyConfig,
    check_gl_key,
)

T = TypeVar("T")

#: A configuration file larger than this is refused unread (it is a few kB for a dozen companies).
MAX_CONFIG_BYTES = 1_000_000
#: At most this many companies on one installation.
MAX_COMPANIES = 100
#: Text fields (names, codes, series) are at most this long; SEPA names at most 70.
MAX_TEXT = 140
MAX_SEPA_NAME = 70
#: The longest payment terms a company may configure, in days.
MAX_TERMS_DAYS = 365

_CODE = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{MAX_COMPANY_CODE_LENGTH - 1}}}")
_SERIES = re.compile(r"[A-Z0-9]{1,10}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_COMPANY_KEYS = frozenset({"code", "legal_name", "vat_id", "reference_scheme", "reference_prefix",
                           "payment_terms_days",
                           "dunning_pack", "interest_table", "address", "bank_accounts", "sepa", "series",
                           "fees", "gl_accounts", "store_url", "read_url", "einvoice_format",
                           "messages"})


class ConfigFileError(ValueError):
    """A configuration file with problems; ``problems`` names every wrong field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class _Reader:
    """Reads typed fields out of parsed TOML, collecting a problem per wrong field instead of stopping."""

    problems: list[str]

    def fail(self, path: str, why: str) -> None:
        self.problems.append(f"{path}: {why}")

    def table(self, data: dict[str, Any], key: str, path: str, allowed: frozenset[str] | None = None,
              required: bool = True) -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{path}.{key}", "is required (a table)")
            return {}
        if not isinstance(value, dict):
            self.fail(f"{path}.{key}", f"must be a table, got {type(value).__name__}")
            return {}
        self.unknown(value, f"{path}.{key}", allowed)
        return value

    def unknown(self, data: dict[str, Any], path: str, allowed: frozenset[str] | None) -> None:
        if allowed is None:
            return
        for name in sorted(set(data) - allowed):
            self.fail(f"{path}.{name}", f"is not a known field (known: {', '.join(sorted(allowed))})")

    def text(self, data: dict[str, Any], key: str, path: str, *, required: bool = False,
             limit: int = MAX_TEXT, pattern: re.Pattern[str] | None = None) -> str | None:
        value = data.get(key)
        where = f"{path}.{key}"
        if value is None:
            if required:
                self.fail(where, "is required")
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            self.fail(where, f"must be a non-empty string of at most {limit} characters")
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(where, f"{value!r} does not match {pattern.pattern}")
            return None
        return value.strip()

    def checked(self, value: str | None, where: str, check: Callable[[str, str], T]) -> T | None:
        if value is None:
            return None
        try:
            return check(value, where)
        except (InvalidInput, MoneyError) as error:
            self.fail(where, str(error).removeprefix(f"{where}: ").removeprefix(f"{where} "))
            return None


def _vat_id(value: str, where: str) -> str:
    """An EU VAT id, or a Swiss one (``CHE-123.456.789 MWST``: UID + MWST/TVA/IVA, stdnum.ch.vat)."""
    if value.strip().upper().startswith("CHE") and ch_vat.is_valid(value):
        return str(ch_vat.compact(value))
    if not vat.is_valid(value):
        raise InvalidInput(f"{value!r} is not a valid EU or Swiss VAT id (with its country prefix)", where)
    return str(vat.compact(value))


def _address(r: _Reader, data: dict[str, Any], path: str) -> CompanyAddress:
    allowed = frozenset({"town", "country", "street_name", "building_number", "postcode"})
    table = r.table(data, "address", path, allowed)
    at = f"{path}.address"
    town = r.text(table, "town", at, required=bool(table), limit=35) or "?"
    country = r.text(table, "country", at, required=bool(table), limit=2 * MAX_TEXT)
    if country is not None and not _COUNTRY.fullmatch(country):
        r.fail(f"{at}.country", f"must be an ISO 3166 alpha-2 code such as IT or FI, got {country!r}")
    return CompanyAddress(town, country or "?", r.text(table, "street_name", at, limit=70),
                          r.text(table, "building_number", at, limit=16),
                          r.text(table, "postcode", at, limit=16))


def _accounts(r: _Reader, data: dict[str, Any], path: str,
              owners: dict[str, str]) -> tuple[str | None, tuple[str, ...], str | None, str | None]:
    """(collections, receipts, refunds, BIC); an IBAN of two companies is a problem (where would it book?)."""
    table = r.table(data, "bank_accounts", path, frozenset({"collections", "receipts", "refunds", "bic"}))
    at = f"{path}.bank_accounts"

    def iban(value: object, where: str) -> str | None:
        text = value if isinstance(value, str) else None
        if value is not None and text is None:
            r.fail(where, "must be a string (an IBAN)")
        compact = r.checked(text, where, validate_iban)
        if compact is not None and owners.setdefault(compact, path) != path:
            r.fail(where, f"{compact} is already a bank account of {owners[compact]}: an IBAN belongs to "
                          "one company")
            return None
        return compact

    collections = iban(r.text(table, "collections", at, required=bool(table) or "bank_accounts" not in data),
                       f"{at}.collections")
    listed = table.get("receipts", [])
    if not isinstance(listed, list):
        r.fail(f"{at}.receipts", "must be a list of IBANs")
        listed = []
    receipts = tuple(x for k, v in enumerate(listed) if (x := iban(v, f"{at}.receipts[{k}]")) is not None)
    refunds = iban(table.get("refunds"), f"{at}.refunds")
    bic = r.checked(r.text(table, "bic", at, limit=11), f"{at}.bic", validate_bic)
    return collections, receipts, refunds, bic


def _scheme(r: _Reader, data: dict[str, Any], path: str) -> ReferenceScheme:
    text = r.text(data, "reference_scheme", path) or ReferenceScheme.RF.value
    try:
        return ReferenceScheme(text.lower())
    except ValueError:
        choices = ", ".join(s.value for s in ReferenceScheme)
        r.fail(f"{path}.reference_scheme", f"must be one of {choices}, got {text!r}")
        return ReferenceScheme.RF


def _terms(r: _Reader, data: dict[str, Any], path: str) -> int:
    value = data.get("payment_terms_days", DEFAULT_PAYMENT_TERMS_DAYS)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TERMS_DAYS:
        r.fail(f"{path}.payment_terms_days", f"must be a whole number of days from 0 to {MAX_TERMS_DAYS}, "
                                             f"got {value!r}")
        return DEFAULT_PAYMENT_TERMS_DAYS
    return value


def _fees(r: _Reader, data: dict[str, Any], path: str) -> tuple[tuple[str, Decimal], ...]:
    table = r.table(data, "fees", path, frozenset(FEE_KINDS), required=False)
    fees = []
    for name, value in sorted(table.items()):
        where = f"{path}.fees.{name}"
        text = value if isinstance(value, str) else None
        if text is None:
            r.fail(where, 'must be an amount in EUR written as a string, e.g. "5.00"')
        amount = r.checked(text, where, parse_amount)
        if amount is not None:
            fees.append((name, amount))
    return tuple(fees)


def _gl_accounts(r: _Reader, data: dict[str, Any], path: str) -> tuple[tuple[str, str], ...]:
    table = r.table(data, "gl_accounts", path, required=False)
    mapping = []
    for name in sorted(table):
        if r.checked(name, f"{path}.gl_accounts.{name}", lambda key, _: check_gl_key(key)) is None:
            continue
        number = r.text(table, name, f"{path}.gl_accounts", limit=32)
        if number is not None:
            mapping.append((name, number))
    return tuple(mapping)


def _company(r: _Reader, data: object, path: str, owners: dict[str, str],
             codes: set[str]) -> CompanyConfig | None:
    if not isinstance(data, dict):
        r.fail(path, "must be a table ([[companies]])")
        return None
    before = len(r.problems)
    r.unknown(data, path, _COMPANY_KEYS)
    code = r.text(data, "code", path, required=True, limit=MAX_COMPANY_CODE_LENGTH, pattern=_CODE)
    if code is not None and code in codes:
        r.fail(f"{path}.code", f"{code!r} is the code of an earlier company")
    codes.add(code or "")
    legal_name = r.text(data, "legal_name", path, required=True)
    vat_id = r.checked(r.text(data, "vat_id", path, limit=20), f"{path}.vat_id", _vat_id)
    address = _address(r, data, path)
    collections, receipts, refunds, bic = _accounts(r, data, path, owners)
    sepa = r.table(data, "sepa", path, frozenset({"creditor_id", "creditor_name"}), required=False)
    creditor_id = r.checked(r.text(sepa, "creditor_id", f"{path}.sepa", limit=35), f"{path}.sepa.creditor_id",
                            validate_creditor_id)
    creditor_name = r.text(sepa, "creditor_name", f"{path}.sepa", limit=MAX_SEPA_NAME)
    series = r.table(data, "series", path, frozenset({"invoice", "credit_note"}), required=False)
    invoice = r.text(series, "invoice", f"{path}.series", pattern=_SERIES) or "INV"
    credit_note = r.text(series, "credit_note", f"{path}.series", pattern=_SERIES) or "CN"
    fields = dict(
        reference_scheme=_scheme(r, data, path), reference_prefix=_prefix(r, data, path),
        payment_terms_days=_terms(r, data, path),
        fees=_fees(r, data, path), gl_accounts=_gl_accounts(r, data, path),
        dunning_pack=r.text(data, "dunning_pack", path, limit=64),
        interest_table=r.text(data, "interest_table", path, limit=64),
        einvoice_format=r.text(data, "einvoice_format", path, limit=16),
        messages=_messages(r, data, path, code))
    _store_urls(r, data, path)
    _swiss_pairing(r, collections, fields["reference_scheme"], path)  # type: ignore[arg-type]
    if len(r.problems) > before or code is None or legal_name is None or collections is None:
        return None
    try:
        return CompanyConfig(
            bank_account=collections, bank_accounts=receipts, refund_account=refunds, bic=bic, code=code,
            legal_name=legal_name, vat_id=vat_id, address=address, creditor_id=creditor_id or "",
            creditor_name=creditor_name or legal_name[:MAX_SEPA_NAME], invoice_series=invoice,
            credit_note_series=credit_note, **fields)  # type: ignore[arg-type]
    except InvalidInput as error:
        where = path if error.field is None else f"{path}.{error.field}"
        r.fail(where, str(error).removeprefix(f"{error.field}: "))
        return None


def _swiss_pairing(r: _Reader, iban: str | None, scheme: ReferenceScheme, path: str) -> None:
    """A Swiss QR-bill pays a QR reference only to a QR-IBAN, and a QR-IBAN only with a QR reference (Swiss
    Implementation Guidelines for the QR-bill v2.3, §3.3): a company whose pairing breaks it could print no
    QR-bill."""
    if iban is None or iban[:2] not in ("CH", "LI"):
        return
    if is_qr_iban(iban) != (scheme is ReferenceScheme.CH_QRR):
        why = ("a QR-IBAN (institution id 30000-31999) is paid with QR references: reference_scheme "
               "ch_qrr" if is_qr_iban(iban) else "QR references (ch_qrr) are paid to a QR-IBAN (institution "
               f"id 30000-31999), and {iban} is an ordinary IBAN: use rf, or the company's QR-IBAN")
        r.fail(f"{path}.reference_scheme", why)


def _messages(r: _Reader, data: dict[str, Any], path: str, code: str | None) -> tuple[MessageRule, ...]:
    """The company's invoice message rules (the default set if it lists none); a wrong rule is a problem
    naming the rule's index, its field and the company."""
    if "messages" not in data:
        return DEFAULT_MESSAGE_RULES
    try:
        return rules_from_config(data["messages"])
    except InvalidInput as error:
        r.fail(f"{path}.messages{error.field or ''}", f"(company {code}) {error}")
        return ()


def _store_urls(r: _Reader, data: dict[str, Any], path: str) -> None:
    """The company's own event store and its read-only view, if it names them (:mod:`api.store_urls`)."""
    for key in ("store_url", "read_url"):
        url = r.text(data, key, path, limit=MAX_STORE_URL)
        problem = None if url is None else store_url_problem(key, url)
        if problem is not None:
            r.fail(f"{path}.{key}", problem)
        elif url is not None and path == "companies[0]":
            r.fail(f"{path}.{key}", "the first company is the default one and lives in the main store "
                                    "(SALDO_DATABASE_URL, SALDO_READ_DATABASE_URL)")
        elif url is not None and key == "read_url" and "store_url" not in data:
            r.fail(f"{path}.read_url", "is the read-only view of the company's store_url: give store_url too")


def _prefix(r: _Reader, data: dict[str, Any], path: str) -> str | None:
    """The company's reference prefix: a TOML string of digits, so the digits are exactly those written (a
    TOML integer is a number, not digits); whether it fits the scheme is CompanyConfig's check."""
    value = data.get("reference_prefix")
    if value is not None and not isinstance(value, str):
        r.fail(f"{path}.reference_prefix", f'must be a string of digits such as "2", got {value!r}')
        return None
    return value


def _distinct_prefixes(r: _Reader, companies: list[CompanyConfig | None]) -> None:
    """No company's reference prefix is another's or begins another's: ``1`` + ``2026...`` could then be
    ``12`` + ``026...``, and two companies would issue one reference."""
    seen: list[tuple[int, str]] = []
    for k, company in enumerate(companies):
        prefix = None if company is None else company.reference_prefix
        if prefix is None:
            continue
        for j, other in seen:
            if prefix.startswith(other) or other.startswith(prefix):
                r.fail(f"companies[{k}].reference_prefix", f"{prefix!r} and the prefix {other!r} of "
                       f"companies[{j}] begin alike: every company needs a prefix no other begins with")
        seen.append((k, prefix))


def _read(path: Path, r: _Reader) -> dict[str, Any] | None:
    try:
        raw = path.read_bytes()
    except OSError as error:
        r.fail(str(path), f"cannot be read ({error.strerror or error})")
        return None
    if len(raw) > MAX_CONFIG_BYTES:
        r.fail(str(path), f"is larger than {MAX_CONFIG_BYTES} bytes")
        return None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        r.fail(str(path), f"is not UTF-8 ({error})")
    except tomllib.TOMLDecodeError as error:
        r.fail(str(path), f"is not valid TOML: {error}")
    return None


def _parse(path: Path) -> tuple[list[str], Companies | None]:
    r = _Reader([])
    data = _read(path, r)
    if data is None:
        return r.problems, None
    r.unknown(data, "", frozenset({"version", "companies"}))
    r.problems[:] = [p.removeprefix(".") for p in r.problems]
    if data.get("version") != CONFIG_VERSION:
        r.fail("version", f"must be {CONFIG_VERSION} (the format this Saldo reads), "
                          f"got {data.get('version')!r}")
    listed = data.get("companies")
    if not isinstance(listed, list) or not listed or len(listed) > MAX_COMPANIES:
        r.fail("companies", f"must list 1 to {MAX_COMPANIES} companies ([[companies]] tables)")
        return r.problems, None
    owners: dict[str, str] = {}
    codes: set[str] = set()
    companies = [_company(r, c, f"companies[{k}]", owners, codes) for k, c in enumerate(listed)]
    _distinct_prefixes(r, companies)
    if r.problems:
        return r.problems, None
    return [], Companies(tuple(c for c in companies if c is not None), version=CONFIG_VERSION)


def check_file(path: str | Path) -> list[str]:
    """Every problem of the configuration file at ``path`` (empty if it is right)."""
    return _parse(Path(path))[0]


def load_companies(path: str | Path) -> Companies:
    """The companies the file at ``path`` configures, or :class:`ConfigFileError` naming every wrong field."""
    problems, companies = _parse(Path(path))
    if companies is None:
        raise ConfigFileError(problems)
    return companies
