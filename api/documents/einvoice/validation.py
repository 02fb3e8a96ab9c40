"""Checking an e-invoice against its format's official XML schema, offline.

Each format names its schema in :data:`SCHEMAS` (a path under ``api/documents/schemas/``; the README next to
each says where the files come from). To add a format (Finvoice, UBL), add one entry: its
:attr:`~api.documents.einvoice.EInvoiceFile.format` and the main XSD's path relative to the schemas folder;
put every file it imports or includes in the same folder.

Both the schema and the document are parsed with a hardened parser, as the SEPA importer does
(``importers/sepa/_xsd.py``): no network, no DTD, no entity expansion, libxml2's size limits on
(https://lxml.de/FAQ.html#how-do-i-use-lxml-safely-as-a-web-service-endpoint). The official schemas import
the W3C XML-signature schema by its web address (FatturaPA: ``http://www.w3.org/TR/2002/REC-xmldsig-core-
20020212/xmldsig-core-schema.xsd``): a resolver answers every import or include with the file of the same
name in the schema's own folder and refuses anything else, so validation never reaches the network and the
shipped XSDs stay byte for byte as published.
"""

from __future__ import annotations

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
}

#: How many of libxml2's messages an InvalidInput carries.
MAX_REPORTED_ERRORS = 10
#: The largest e-invoice checked (a collective invoice of 2000 lines is well under 5 MB).
MAX_EINVOICE_BYTES = 20_000_000


class _LocalOnly(etree.Resolver):  # type: ignore[misc]  # lxml ships no type information
    """Resolve every schema import to the file of that name in ``folder``; refuse the rest."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def resolve(self, url: str, public_id: str | None, context: Any) -> Any:
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


def validate(file: EInvoiceFile) -> None:
    """Return if ``file`` is valid against its format's official schema, else InvalidInput with the
    schema's messages (line: message), at most :data:`MAX_REPORTED_ERRORS` of them."""
    compiled = schema(file.format)
    document = parse(file.content)
    if not compiled.validate(document):
        errors = [f"line {e.line}: {e.message}" for e in list(compiled.error_log)[:MAX_REPORTED_ERRORS]]
        raise InvalidInput(f"{file.file_name} is not a valid {file.format} file: " + "; ".join(errors),
                           "content")
