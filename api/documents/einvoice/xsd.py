"""XSD validation of the Finvoice and UBL e-invoices against the official schemas shipped in
``api/documents/schemas/`` (their sources are in the README there).

Hardened like ``importers/sepa/_xsd.py``: the schemas and the documents are parsed with no network, no DTD
loading, no entity expansion and libxml2's size limits on
(https://lxml.de/FAQ.html#how-do-i-use-lxml-safely-as-a-web-service-endpoint); a document with a DOCTYPE
is refused outright, and a schema may import only files under the schemas folder (a resolver refuses any
other address, so a tampered ``schemaLocation`` cannot reach the network or the rest of the disk).
Each schema is compiled once per process (the UBL common components are 2.4 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from ledger.core.errors import InvalidInput

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
#: The schema of each kind of document (``ubl`` has one per root element), relative to :data:`SCHEMAS`.
SCHEMA_FILES = {
    "finvoice": "finvoice/Finvoice3.0.xsd",
    "ubl-invoice": "ubl/maindoc/UBL-Invoice-2.1.xsd",
    "ubl-credit-note": "ubl/maindoc/UBL-CreditNote-2.1.xsd",
}
UBL_ROOTS = {"{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "ubl-invoice",
             "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "ubl-credit-note"}
#: How many libxml2 messages a validation reports.
MAX_REPORTED_ERRORS = 20


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One schema violation: the line of the document and libxml2's message."""

    line: int
    message: str


class _SchemasOnly(etree.Resolver):  # type: ignore[misc]
    """Resolves a schema import only to a file under :data:`SCHEMAS`; anything else is refused."""

    def resolve(self, url: str, pubid: str | None, context: Any) -> Any:
        path = Path(url.removeprefix("file://")).resolve()
        if path.is_relative_to(SCHEMAS) and path.is_file():
            return self.resolve_filename(str(path), context)
        raise InvalidInput(f"schema import {url} is outside the shipped schemas", "schema")


def hardened_parser(*, schemas: bool = False) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    if schemas:
        parser.resolvers.add(_SchemasOnly())
    return parser


@cache
def schema(kind: str) -> Any:
    """The compiled XSD of ``kind`` (a key of :data:`SCHEMA_FILES`), once per process."""
    path = SCHEMAS / SCHEMA_FILES[kind]
    tree = etree.parse(str(path), hardened_parser(schemas=True))
    return etree.XMLSchema(tree)


def parse(content: bytes) -> Any:
    """The document's root element; InvalidInput for malformed XML or a DOCTYPE."""
    try:
        root = etree.fromstring(content, hardened_parser())
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"line {error.lineno}: malformed XML: {error.msg}", "content") from None
    if root.getroottree().docinfo.doctype:
        raise InvalidInput("line 1: a DOCTYPE is not allowed in an e-invoice", "content")
    return root


def kind_of(root: Any, format: str) -> str:
    """The schema kind of a parsed ``format`` document (``ubl``: by its root element)."""
    if format != "ubl":
        return format
    kind = UBL_ROOTS.get(root.tag)
    if kind is None:
        raise InvalidInput(f"{root.tag} is neither a UBL Invoice nor a CreditNote", "content")
    return kind


def xsd_problems(content: bytes, format: str) -> tuple[SchemaProblem, ...]:
    """Every violation of the official schema of ``format`` (``finvoice``, ``ubl``) by ``content``; empty
    if it is valid. Malformed XML is InvalidInput."""
    root = parse(content)
    compiled = schema(kind_of(root, format))
    if compiled.validate(root):
        return ()
    return tuple(SchemaProblem(entry.line, entry.message)
                 for entry in list(compiled.error_log)[:MAX_REPORTED_ERRORS])
