"""The ``:86:`` field of an MT940 statement line: who paid, their references and their remittance text.

Banks fill ``:86:`` (6 lines of 65 characters) in one of three ways, told apart by its start:

* **German structured** (Die Deutsche Kreditwirtschaft, DFÜ-Abkommen Anlage 3, "MT940 Deutschland"):
  a 3-digit business transaction code (GVC), then ``?NN`` subfields: ``?00`` posting text, ``?10``
  primanota, ``?20``–``?29`` purpose, ``?30`` BIC, ``?31`` IBAN, ``?32``/``?33`` name, ``?34`` return
  key, ``?60``–``?63`` more purpose. Within the purpose, SEPA keywords: ``EREF+`` end-to-end id,
  ``KREF+`` customer reference, ``MREF+`` mandate, ``CRED+`` creditor id, ``SVWZ+`` remittance text,
  ``ABWA+`` ultimate debtor. Read with the ``mt-940`` package's own processor
  (:func:`mt940.processors.transaction_details_post_processor`).
* **Keyword structured** (the ``/CODE/value`` layout of Dutch banks, e.g. ING and Rabobank, and of the
  corporate MT940 of Italian banks): ``/EREF/`` end-to-end id, ``/ROC/`` the ordering customer's
  reference, ``/REMI/`` remittance (``USTD//text`` unstructured, ``STRD/CUR/ref`` a creditor reference),
  ``/CNTP/`` counterparty ``IBAN/BIC/name/town``, ``/IBAN/`` ``/NAME/`` ``/BIC/`` (ABN AMRO),
  ``/ORDP/``, ``/MARF/`` mandate. Unknown keywords are skipped.
* **Free text**: lines of remittance text. SWIFT wraps at 65 characters, so a full line continues on the
  next without a space; a shorter line ends a phrase.

>>> details("166?00GUTSCHRIFT?20EREF+E2E-1?21SVWZ+RF18 5390 0754?22 7034?31DE89370400440532013000"
...         "?32Anna Muster").unstructured
('RF18 5390 0754 7034',)
>>> parsed = details("/EREF/E-7//CNTP/NL91ABNA0417164300/ABNANL2A/J. Jansen/Utrecht//REMI/USTD//INV 77/")
>>> parsed.end_to_end_id, parsed.counterparty_iban, parsed.counterparty_name, parsed.unstructured
('E-7', 'NL91ABNA0417164300', 'J. Jansen', ('INV 77',))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import mt940
from mt940 import processors, tags

from importers.bank._values import normalize_iban

__all__ = ["MT940_OPTIONS", "Details", "details"]

#: The ``mt-940`` package's fixes we rely on: ``?31`` as the IBAN, ``:86:`` of any length, a BOM dropped.
MT940_OPTIONS = mt940.Options(applicant_iban=True, unbounded_details=True, strip_bom=True,
                              merge_keeps_values=True, gvc_leading_text=True)

#: SWIFT's line length for ``:86:`` (6 lines of 65x): a full line was wrapped, not ended.
LINE_CHARS = 65

_GERMAN_RE = re.compile(r"^\d{3}\?\d{2}")
_PURPOSE_RE = re.compile(r"\?2\d([^?]*)")
_KEYWORDS = frozenset({"EREF", "ROC", "REMI", "CNTP", "ORDP", "BENM", "NAME", "ADDR", "IBAN", "BIC", "MARF",
                       "CSID", "PURP", "TRCD", "TRTP", "RTRN", "ISDT", "ULTC", "ULTD", "SVCL", "BUSP", "ID",
                       "PREF", "IREF", "CREF", "OCMT", "CHGS", "EXCH", "ACCW"})
_KEYWORD_RE = re.compile(r"/([A-Z]{2,4})/")
_RF_RE = re.compile(r"RF\d{2}[A-Z0-9]{1,21}", re.ASCII)
_NO_REFERENCE = frozenset({"NONREF", "NOTPROVIDED", "NONE", ""})


@dataclass(frozen=True, slots=True)
class Details:
    """What one ``:86:`` says of a statement line (every field optional)."""

    end_to_end_id: str | None = None
    mandate_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    creditor_reference: str | None = None
    creditor_reference_type: str | None = None
    unstructured: tuple[str, ...] = ()
    transaction_code: str | None = None


def details(text: str) -> Details:
    """Read one ``:86:`` value (its lines joined by ``\\n``), whatever its layout (see the module doc)."""
    flat = "".join(line.strip("\r") for line in text.splitlines())
    if _GERMAN_RE.match(flat):
        return _german(text, flat)
    if _keywords(flat):
        return _keyword_structured(flat)
    return Details(unstructured=_free_text(text))


def _reference(value: str | None) -> str | None:
    value = (value or "").strip()
    return None if value.upper() in _NO_REFERENCE else value


def _iban(value: str | None) -> str | None:
    """An account that looks like an IBAN (a German ``?31`` may be an old account number)."""
    compact = normalize_iban(value)
    return compact if compact and re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", compact) else None


def _german(text: str, flat: str) -> Details:
    transactions = mt940.models.Transactions(options=MT940_OPTIONS)
    tag = tags.Tags.TRANSACTION_DETAILS.value
    parsed = tag.parse(transactions, text)
    found: dict[str, Any] = processors.transaction_details_post_processor(
        transactions, tag, parsed, dict(tag(transactions, parsed)))
    svwz = "SVWZ+" in flat
    purpose = found.get("purpose") if svwz else "".join(_PURPOSE_RE.findall(flat))
    lines = [part.strip() for part in (purpose, found.get("additional_purpose")) if part and part.strip()]
    return Details(
        end_to_end_id=_reference(found.get("end_to_end_reference")),
        mandate_id=_reference(found.get("additional_position_reference")),
        counterparty_name=(found.get("applicant_name") or "").strip() or None,
        counterparty_iban=_iban(found.get("applicant_iban")) or _iban(found.get("gvc_applicant_iban")),
        unstructured=tuple(lines),
        transaction_code=found.get("transaction_code"),
    )


def _keywords(flat: str) -> dict[str, str]:
    """``/CODE/value`` pairs, if the field starts with a known keyword; a repeated code keeps the first."""
    matches = [m for m in _KEYWORD_RE.finditer(flat) if m.group(1) in _KEYWORDS]
    if not matches or matches[0].start() != 0:
        return {}
    found: dict[str, str] = {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = len(flat) if following is None else following.start()
        found.setdefault(match.group(1), flat[match.end():end])
    return found


def _keyword_structured(flat: str) -> Details:
    fields = _keywords(flat)
    counterparty = fields.get("CNTP", "").split("/")
    name = (counterparty[2] if len(counterparty) > 2 else "") or fields.get("NAME", "").strip("/")
    iban = _iban(counterparty[0]) or _iban(fields.get("IBAN", "").strip("/"))
    reference, kind, remittance = _remittance(fields.get("REMI", ""))
    texts = [remittance, fields.get("ROC", "").strip("/")]
    return Details(
        end_to_end_id=_reference(fields.get("EREF", "").strip("/")),
        mandate_id=_reference(fields.get("MARF", "").strip("/")),
        counterparty_name=name.strip() or None,
        counterparty_iban=iban,
        creditor_reference=reference,
        creditor_reference_type=kind,
        unstructured=tuple(text.strip() for text in texts if text and text.strip()),
        transaction_code=fields.get("TRCD", "").strip("/") or None,
    )


def _remittance(value: str) -> tuple[str | None, str | None, str]:
    """``USTD//text/`` → text; ``STRD/CUR/RF18…/`` → a creditor reference; anything else is text."""
    if value.startswith("USTD/"):
        return None, None, value.removeprefix("USTD/").strip("/")
    if value.startswith("STRD/"):
        parts = [part for part in value.split("/") if part]
        reference = parts[-1] if len(parts) > 1 else None
        kind = "SCOR" if reference and _RF_RE.fullmatch(reference) else None
        return reference, kind, ""
    return None, None, value.strip("/")


def _free_text(text: str) -> tuple[str, ...]:
    """Lines of free text as one remittance text: a 65-character line runs on into the next one."""
    joined = ""
    for line in text.splitlines():
        piece = line.rstrip()
        joined += piece if len(line) >= LINE_CHARS else piece + " "
    return (joined.strip(),) if joined.strip() else ()
