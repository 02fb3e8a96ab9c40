"""The official business rules of an e-invoice, run as schematron with Saxon (saxonche, XSLT 3.0).

Two rule sets check a UBL invoice (their sources are in the READMEs of ``api/documents/schemas/ubl/`` and
``api/documents/schemas/peppol/``):

- ``en16931``: CEN/TC 434's EN 16931 rules bound to UBL (``BR-*``, ``BR-CO-*``, ``UBL-CR-*``...), as the
  XSLT CEN publishes (ConnectingEurope/eInvoicing-EN16931, ``ubl/xslt/EN16931-UBL-validation.xslt``);
- ``peppol``: OpenPEPPOL's Peppol BIS Billing 3.0 rules (``PEPPOL-EN16931-R*``, ``PEPPOL-COMMON-R*``), of
  which only the ``.sch`` is published: it is compiled to XSLT here with SchXslt 1.10 (vendored under
  ``schemas/schxslt``, MIT), the first time it is needed in a process (about half a second).

Each stylesheet is compiled once per process and kept (the CEN one takes about two seconds); a run on one
invoice then takes tens of milliseconds. The result is data: every failed assertion with its rule id, its
flag (``fatal`` or ``warning``), where it failed and its text, so a test (or a later pre-send check) can
name the rule an invoice breaks. A document is first parsed with the hardened parser of :mod:`.xsd` (no
DOCTYPE, no entities), so Saxon only ever sees a plain document.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from api.documents.einvoice.validation import SCHEMA_ROOT, hardened_parser, parse

#: The rule sets: a stylesheet to run as it is, or a schematron to compile first, relative to SCHEMA_ROOT.
RULE_SETS = {"en16931": ("xslt", "ubl/en16931/EN16931-UBL-validation.xslt"),
             "peppol": ("sch", "peppol/PEPPOL-EN16931-UBL.sch")}
SVRL = "{http://purl.oclc.org/dsdl/svrl}"
#: The flags of a failed assertion that do not make a document invalid.
NON_FATAL_FLAGS = frozenset({"warning", "information", "info"})
#: Saxon's processor is not documented as thread-safe; the HTTP layer runs sync routes on a thread pool.
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class FailedAssert:
    rule_id: str
    flag: str
    location: str
    test: str
    text: str

    @property
    def fatal(self) -> bool:
        return self.flag not in NON_FATAL_FLAGS


@dataclass(frozen=True, slots=True)
class SchematronReport:
    """What one rule set said about one document: the rules that fired and every failed assertion."""

    rule_set: str
    fired_rules: int
    failed: tuple[FailedAssert, ...]

    @property
    def fatal(self) -> tuple[FailedAssert, ...]:
        return tuple(f for f in self.failed if f.fatal)


@cache
def _processor() -> Any:
    from saxonche import PySaxonProcessor  # imported when first needed: the API serves without it

    return PySaxonProcessor(license=False)


def compile_schematron(sch: Path) -> str:
    """The XSLT of schematron ``sch``, by SchXslt's SVRL pipeline (include, expand, compile)."""
    xslt = _processor().new_xslt30_processor()
    pipeline = xslt.compile_stylesheet(stylesheet_file=str(SCHEMA_ROOT / "schxslt" / "pipeline-for-svrl.xsl"))
    return str(pipeline.transform_to_string(source_file=str(sch)))


@cache
def _executable(rule_set: str) -> Any:
    kind, path = RULE_SETS[rule_set]
    xslt = _processor().new_xslt30_processor()
    if kind == "xslt":
        return xslt.compile_stylesheet(stylesheet_file=str(SCHEMA_ROOT / path))
    return xslt.compile_stylesheet(stylesheet_text=compile_schematron(SCHEMA_ROOT / path))


def _failed(svrl: Any) -> tuple[FailedAssert, ...]:
    return tuple(FailedAssert(e.get("id", ""), e.get("flag", ""), e.get("location", ""), e.get("test", ""),
                              " ".join("".join(e.itertext()).split()))
                 for e in svrl.iter(f"{SVRL}failed-assert"))


def run(rule_set: str, content: bytes) -> SchematronReport:
    """Run rule set ``rule_set`` (a key of :data:`RULE_SETS`) on the XML ``content``."""
    parse(content)  # refuses malformed XML and a DOCTYPE before Saxon sees the document
    with _LOCK:
        executable = _executable(rule_set)
        node = _processor().parse_xml(xml_text=content.decode("utf-8"))
        output = executable.transform_to_string(xdm_node=node)
    svrl = etree.fromstring(output.encode("utf-8"), hardened_parser())
    fired = sum(1 for _ in svrl.iter(f"{SVRL}fired-rule"))
    return SchematronReport(rule_set, fired, _failed(svrl))


def ubl_reports(content: bytes) -> tuple[SchematronReport, ...]:
    """Both rule sets of a UBL e-invoice, CEN's first (Peppol BIS assumes EN 16931 holds)."""
    return tuple(run(name, content) for name in RULE_SETS)
