"""Paths and small utilities shared by the bank-file reader tests."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def line_of(name: str, needle: str, occurrence: int = 1) -> int:
    """1-based number of the n-th line of fixture ``name`` that contains ``needle``."""
    found = 0
    for number, line in enumerate((FIXTURES / name).read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            found += 1
            if found == occurrence:
                return number
    raise AssertionError(f"{needle!r} #{occurrence} not in {name}")
