"""The renderings record of a document (issue 13): what it accepts and refuses, without a store."""

from __future__ import annotations

import pytest

from ledger.core.errors import Conflict, InvalidInput
from ledger.documents.renderings import MAX_RENDERER_LENGTH, DocumentRenderings

HASH = "ab" * 32


def _record() -> DocumentRenderings:
    return DocumentRenderings(DocumentRenderings.id_for("INV-2026-000001"), "INV-2026-000001")


def test_one_hash_per_renderer_version_and_a_new_version_adds_one() -> None:
    record = _record()
    assert record.record(HASH, 1234, "r/1") is True
    assert record.record(HASH, 1234, "r/1") is False  # the same rendering again: nothing to add
    assert record.record("cd" * 32, 1300, "r/2") is True
    assert [(r.sha256, r.renderer) for r in record.renderings] == [(HASH, "r/1"), ("cd" * 32, "r/2")]
    assert record.of("r/2") is not None and record.of("r/3") is None
    with pytest.raises(Conflict, match="was recorded as"):
        record.record("ef" * 32, 1234, "r/1")
    with pytest.raises(Conflict):
        record.record(HASH, 1235, "r/1")


@pytest.mark.parametrize(("sha", "length", "renderer", "field"), [
    ("AB" * 32, 10, "r/1", "sha256"),  # upper case: not how hashlib writes it
    ("ab" * 31, 10, "r/1", "sha256"),
    (HASH, 0, "r/1", "byte_length"),
    (HASH, 10, " ", "renderer"),
    (HASH, 10, "r" * (MAX_RENDERER_LENGTH + 1), "renderer"),
    (HASH, 10, "r/1\n", "renderer"),
])
def test_a_malformed_rendering_is_refused_naming_its_field(sha: str, length: int, renderer: str,
                                                           field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        _record().record(sha, length, renderer)
    assert refused.value.field == field
