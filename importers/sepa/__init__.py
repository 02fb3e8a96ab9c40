"""SEPA files: pain.008 collections and pain.001 refunds written with sepaxml, pain.002 read.

Writers check every input before sepaxml sees it and validate the final bytes against the XSD;
the reader is streamed and hardened like :mod:`importers.bank.camt`.
"""

from __future__ import annotations

from importers.sepa.errors import SepaSchemaError
from importers.sepa.pain001 import Pain001File, Transfer, write_pain001
from importers.sepa.pain002 import Pain002Reader, StatusItem, read_pain002
from importers.sepa.pain008 import Batch, Collection, Pain008File, write_pain008
from importers.sepa.parties import Company, PostalAddress

__all__ = [
    "Batch",
    "Collection",
    "Company",
    "Pain001File",
    "Pain002Reader",
    "Pain008File",
    "PostalAddress",
    "SepaSchemaError",
    "StatusItem",
    "Transfer",
    "read_pain002",
    "write_pain001",
    "write_pain008",
]
