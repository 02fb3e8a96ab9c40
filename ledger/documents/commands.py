"""Commands of documents. Immutable value records, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordRendering:
    """Record that document ``number`` was rendered by ``renderer`` into bytes of this SHA-256 and length."""

    number: str
    sha256: str
    byte_length: int
    renderer: str
