"""XSD validation of generated SEPA files with lxml, using the schemas shipped in sepaxml.

Both the schema and the document are parsed with a hardened parser: no network, no DTD, no entity
expansion, libxml2's size limits on (https://lxml.de/FAQ.html#how-do-i-use-lxml-safely-as-a-web-service-endpoint).
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from lxml import etree

from importers.sepa.errors import SepaSchemaError

#: How many libxml2 messages a :class:`SepaSchemaError` carries.
MAX_REPORTED_ERRORS = 10


def hardened_parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_comments=True, remove_pis=True)


@cache
def schema(name: str) -> Any:
    """The compiled XSD ``name`` (``pain.008.001.08``) from sepaxml's package data."""
    source = files("sepaxml").joinpath("schemas", f"{name}.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source, hardened_parser()))


def parse(content: bytes) -> Any:
    return etree.fromstring(content, hardened_parser())


def validate(content: bytes, name: str) -> None:
    """Raise :class:`SepaSchemaError` unless ``content`` is valid against XSD ``name``."""
    try:
        document = parse(content)
    except etree.XMLSyntaxError as error:
        raise SepaSchemaError(name, (f"line {error.lineno}: malformed XML: {error.msg}",)) from None
    if document.getroottree().docinfo.doctype:
        raise SepaSchemaError(name, ("line 1: a DOCTYPE is not allowed in a SEPA file",))
    compiled = schema(name)
    try:
        valid = compiled.validate(document)
    except etree.XMLSchemaValidateError as error:
        raise SepaSchemaError(name, (f"validation failed: {error}",)) from None
    if not valid:
        errors = tuple(f"line {entry.line}: {entry.message}"
                       for entry in list(compiled.error_log)[:MAX_REPORTED_ERRORS])
        raise SepaSchemaError(name, errors)
