"""Checking an e-invoice against its format's official XML schema, offline.

Each kind of document names its schema in :data:`SCHEMAS` (a path under ``api/documents/schemas/``; the
README next to each says where the files come from): one per format, but UBL has one per root element
(Invoice, CreditNote; :func:`kind_of`). To add a format, add one entry: its
:attr:`~api.documents.einvoice.EInvoiceFile.format` and the main XSD's path relative to the schemas folder.

Both the schema and the document are parsed with a hardened parser, as the SEPA importer does
(``importers/sepa/_xsd.py``): no network, no DTD, no entity expansion, libxml2's size limits on
(https://lxml.de/FAQ.html#how-do-i-use-lxml-safely-as-a-web-service-endpoint). The official schemas import
the W3C XML-signature schema by its web address (FatturaPA: ``http://www.w3.org/TR/2002/REC-xmldsig-core-
20020212/xmldsig-core-schema.xsd``): a resolver answers every import or include with the file of the same
name in the schema's own folder, or a relative import (UBL's ``../common/``) with its file under the schemas
folder, and refuses anything else, so validation never reaches the network or the rest of the disk and the
shipped XSDs stay byte for byte as published. Each schema is compiled once per process (UBL's common
components are 2.4 MB).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from api.documents.einvoice import EInvoiceFile
from ledger.core.errors import InvalidInput

SCHEMA_ROOT = Path(__file__).resolve().parent.parent / "schemas"

#: The official schema of each format, relative to :data:`SCHEMA_ROOT`.
SCHEMAS: dict[str, str] = {
    "fatturapa": "fatturapa/Schema_del_file_xml_FatturaPA_v1.2.2.xsd",
    "facturae": "facturae/Facturaev3_2_2.xsd",
    "finvoice": "finvoice/Finvoice3.0.xsd",
    "ubl-invoice": "ubl/maindoc/UBL-Invoice-2.1.xsd",
    "ubl-credit-note": "ubl/maindoc/UBL-CreditNote-2.1.xsd",
}
#: A UBL document's schema by its root element.
UBL_ROOTS = {"{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice": "ubl-invoice",
             "{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote": "ubl-credit-note"}

#: How many of libxml2's messages an InvalidInput carries.
MAX_REPORTED_ERRORS = 10
#: The largest e-invoice checked (a collective invoice of 2000 lines is well under 5 MB).
MAX_EINVOICE_BYTES = 20_000_000


@dataclass(frozen=True, slots=True)
class SchemaProblem:
    """One schema violation: the line of the document and libxml2's message."""

    line: int
    message: str


class _LocalOnly(etree.Resolver):  # type: ignore[misc]  # lxml ships no type information
    """Resolve a schema import to a shipped file under the schemas folder, or to the file of that name in
    ``folder`` (an import by web address); refuse the rest."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, url: str, public_id: str | None, context: Any) -> Any:
        if "://" not in url or url.startswith("file://"):
            path = Path(url.removeprefix("file://")).resolve()
            if path.is_relative_to(SCHEMA_ROOT) and path.is_file():
                return self.resolve_filename(str(path), context)
        local = self.folder / url.rsplit("/", 1)[-1]
        if not local.is_file():
            raise InvalidInput(f"schema import {url!r} is not shipped in {self.folder.name}", "schema")
        return self.resolve_filename(str(local), context)


def hardened_parser(folder: Path | None = None) -> Any:
    """An lxml parser that loads nothing from outside (``folder``: where schema imports are found)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    if folder is not None:
        parser.resolvers.add(_LocalOnly(folder))
    return parser


@cache
def schema(format_name: str) -> Any:
    """The compiled official schema of ``format_name`` (InvalidInput if there is none)."""
    relative = SCHEMAS.get(format_name)
    if relative is None:
        raise InvalidInput(f"no schema for format {format_name!r} (known: {', '.join(sorted(SCHEMAS))})",
                           "format")
    path = SCHEMA_ROOT / relative
    return etree.XMLSchema(etree.parse(str(path), hardened_parser(path.parent)))


def parse(content: bytes) -> Any:
    """The XML document ``content`` (InvalidInput naming the line if it is not well-formed)."""
    if len(content) > MAX_EINVOICE_BYTES:
        raise InvalidInput(f"an e-invoice has at most {MAX_EINVOICE_BYTES} bytes", "content")
    try:
        document = etree.fromstring(content, hardened_parser())
    except etree.XMLSyntaxError as error:
        raise InvalidInput(f"line {error.lineno}: malformed XML: {error.msg}", "content") from None
    if document.getroottree().docinfo.doctype:
        raise InvalidInput("line 1: a DOCTYPE is not allowed in an e-invoice", "content")
    return document


def kind_of(root: Any, format_name: str) -> str:
    """The schema kind of a parsed ``format_name`` document (``ubl``: by its root element)."""
    if format_name != "ubl":
        return format_name
    kind = UBL_ROOTS.get(root.tag)
    if kind is None:
        raise InvalidInput(f"{root.tag} is neither a UBL Invoice nor a CreditNote", "content")
    return kind


def xsd_problems(content: bytes, format_name: str) -> tuple[SchemaProblem, ...]:
    """Every violation (at most :data:`MAX_REPORTED_ERRORS`) of the official schema of ``format_name`` by
    ``content``; empty if it is valid. Malformed XML or a DOCTYPE is InvalidInput."""
    document = parse(content)
    compiled = schema(kind_of(document, format_name))
    if compiled.validate(document):
        return ()
    return tuple(SchemaProblem(e.line, e.message) for e in list(compiled.error_log)[:MAX_REPORTED_ERRORS])


def validate(file: EInvoiceFile) -> None:
    """Return if ``file`` is valid against its format's official schema, else InvalidInput with the
    schema's messages (line: message), at most :data:`MAX_REPORTED_ERRORS` of them."""
    problems = xsd_problems(file.content, file.format)
    if problems:
        errors = [f"line {p.line}: {p.message}" for p in problems]
        raise InvalidInput(f"{file.file_name} is not a valid {file.format} file: " + "; ".join(errors),
                           "content")
