"""The domain imports nothing outside itself: no web framework, database driver or file format in ledger/."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LEDGER = Path(__file__).resolve().parent.parent / "ledger"
FORBIDDEN = ("fastapi", "starlette", "pydantic", "psycopg", "sqlite3", "lxml", "sepaxml", "uvicorn",
             "api", "projections", "importers", "pandas", "csv", "xml")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("module", sorted(LEDGER.rglob("*.py")), ids=lambda p: str(p.relative_to(LEDGER)))
def test_ledger_module_imports_only_the_domain_and_its_libraries(module: Path) -> None:
    bad = _imports(module) & set(FORBIDDEN)
    assert not bad, f"{module.name} imports {sorted(bad)}"
