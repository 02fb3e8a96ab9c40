"""Post-processing of sepaxml's output with lxml: fields sepaxml cannot write, placed per the XSD."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from lxml import etree

import importers.sepa._xsd as _xsd
from importers.sepa.errors import SepaSchemaError
from ledger.collections.mandate import MandateAmendment

Element = Any


class Tree:
    """A parsed pain document with helpers to find and add elements in its namespace."""

    def __init__(self, content: bytes) -> None:
        self.root = _xsd.parse(content)
        self.ns = etree.QName(self.root).namespace

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def find(self, element: Element, path: str) -> Element | None:
        return element.find("/".join(self.tag(part) for part in path.split("/")))

    def get(self, element: Element, path: str) -> Element:
        """Like :meth:`find`, but the element must exist (sepaxml always writes it)."""
        found = self.find(element, path)
        if found is None:
            raise SepaSchemaError(self.ns.rpartition(":")[2], (f"sepaxml output lacks {path}",))
        return found

    def findall(self, element: Element, path: str) -> list[Element]:
        return list(element.iterfind("/".join(self.tag(part) for part in path.split("/"))))

    def child(self, parent: Element, name: str, text: str | None = None) -> Element:
        node = etree.SubElement(parent, self.tag(name))
        if text is not None:
            node.text = text
        return node

    def chain(self, parent: Element, path: str, text: str) -> Element:
        """Append nested elements ``A/B/C`` under ``parent``; the last gets ``text``."""
        node = parent
        for part in path.split("/"):
            node = self.child(node, part)
        node.text = text
        return node

    def set_header(self, message_id: str, created_at: datetime) -> None:
        header = self.root[0].find(self.tag("GrpHdr"))
        self.get(header, "MsgId").text = message_id
        self.get(header, "CreDtTm").text = created_at.isoformat(timespec="seconds")

    def bytes(self) -> bytes:
        # The declaration is written by hand: lxml would quote it with apostrophes, which some
        # bank portals' parsers reject.
        body: bytes = etree.tostring(self.root, encoding="UTF-8", xml_declaration=False)
        return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def set_remittance(tree: Tree, transaction: Element, text: str | None,
                   creditor_reference: str | None) -> None:
    """Unstructured text, or a structured ISO 11649 reference (``Strd/CdtrRefInf``), or nothing.

    The EPC rulebooks allow either ``Ustrd`` or ``Strd`` in a SEPA transaction, not both.
    """
    old = tree.find(transaction, "RmtInf")
    if old is not None:
        transaction.remove(old)
    if creditor_reference is None and not text:
        return
    remittance = etree.Element(tree.tag("RmtInf"))
    if creditor_reference is not None:
        info = tree.child(tree.child(remittance, "Strd"), "CdtrRefInf")
        kind = tree.child(info, "Tp")
        tree.chain(kind, "CdOrPrtry/Cd", "SCOR")
        tree.child(kind, "Issr", "ISO")
        tree.child(info, "Ref", creditor_reference)
    else:
        tree.child(remittance, "Ustrd", text)
    # RmtInf comes after every element sepaxml writes and before SplmtryData, which it never writes.
    transaction.append(remittance)


def set_amendment(tree: Tree, transaction: Element, amendment: MandateAmendment) -> None:
    """``AmdmntInd`` and ``AmdmntInfDtls`` right after ``DtOfSgntr``, children in XSD order."""
    signed = tree.get(transaction, "DrctDbtTx/MndtRltdInf/DtOfSgntr")
    indicator = etree.Element(tree.tag("AmdmntInd"))
    indicator.text = "true"
    details = etree.Element(tree.tag("AmdmntInfDtls"))
    if amendment.original_reference:
        tree.child(details, "OrgnlMndtId", amendment.original_reference)
    if amendment.original_creditor_id:
        scheme_id = tree.child(tree.child(details, "OrgnlCdtrSchmeId"), "Id")
        other = tree.child(tree.child(scheme_id, "PrvtId"), "Othr")
        tree.child(other, "Id", amendment.original_creditor_id)
        tree.chain(other, "SchmeNm/Prtry", "SEPA")
    if amendment.original_iban:
        tree.chain(tree.child(details, "OrgnlDbtrAcct"), "Id/IBAN", amendment.original_iban)
    if amendment.other_bank:
        # "Same Mandate New Debtor Agent": the debtor moved to another bank (EPC SDD IG, AT-24).
        tree.chain(tree.child(details, "OrgnlDbtrAgt"), "FinInstnId/Othr/Id", "SMNDA")
    signed.addnext(indicator)
    indicator.addnext(details)


def renumber_payment_information(tree: Tree, root_name: str, ids: Iterable[str]) -> None:
    """Replace sepaxml's random ``PmtInfId`` s (in document order) with ours."""
    blocks = tree.findall(tree.root, f"{root_name}/PmtInf")
    for block, new_id in zip(blocks, ids, strict=True):
        tree.get(block, "PmtInfId").text = new_id
