"""The namespaces an ISO 20022 message arrives under: ISO's own, and the Swiss (SIX / SPS) variants.

ISO publishes every message version under ``urn:iso:std:iso:20022:tech:xsd:<message>.<version>``.
Swiss banks (Swiss Payment Standards, SIX Interbank Clearing) add their market variant as a suffix,
``.ch.02``, and the older Swiss schemas use a web address as the namespace,
``http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd``. The variant restricts the ISO
message (fewer elements, shorter fields); it never renames one, so the readers, which match on local
names, read it as the ISO version it restricts.

>>> pattern = iso20022_namespace(r"pain\\.002")
>>> pattern.fullmatch("urn:iso:std:iso:20022:tech:xsd:pain.002.001.10").groups()
('pain.002', '001.10', None)
>>> pattern.fullmatch("http://www.six-interbank-clearing.com/de/pain.002.001.03.ch.02.xsd").groups()
('pain.002', '001.03', 'ch.02')
>>> camt = iso20022_namespace(r"camt\\.05[234]")
>>> camt.fullmatch("urn:iso:std:iso:20022:tech:xsd:camt.053.001.04.ch.03").groups()
('camt.053', '001.04', 'ch.03')
>>> pattern.fullmatch("urn:iso:std:iso:20022:tech:xsd:pain.001.001.03") is None
True
"""

from __future__ import annotations

import re

__all__ = ["iso20022_namespace"]

_ISO = r"urn:iso:std:iso:20022:tech:xsd:"
_SIX = r"https?://www\.six-interbank-clearing\.com/[a-z]{2}/"


def iso20022_namespace(message: str) -> re.Pattern[str]:
    """A pattern for the namespaces of ``message`` (a regex such as ``camt\\.05[234]``).

    Groups: the message name, its version (``001.08``) and the Swiss variant (``ch.02``) or ``None``.
    """
    return re.compile(rf"(?:{_ISO}|{_SIX})({message})\.(\d{{3}}\.\d{{2}})(?:\.(ch\.\d{{2}}))?(?:\.xsd)?")
