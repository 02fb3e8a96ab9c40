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


ROOT = LEDGER.parent
PACKAGES = ("ledger", "projections", "api", "importers")
#: Size discipline (TigerBeetle's style guide; issue 8): a module a newcomer can read, a function that fits
#: on a screen.
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 70


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_the_import_contracts_hold() -> None:
    """The layers and capability boundaries written down, with their reasons, in ``.importlinter``."""
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / ".importlinter"), no_cache=True, no_logo=True) == 0


def test_no_module_is_over_the_size_limit() -> None:
    long = [f"{p.relative_to(ROOT)}: {n} lines" for p in _sources()
            if (n := p.read_text(encoding="utf-8").count("\n")) > MAX_MODULE_LINES]
    assert not long, "\n".join(long)


def test_no_function_is_over_the_size_limit() -> None:
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {lines} lines")
    assert not long, "\n".join(long)


def test_no_import_cycle() -> None:
    """Between files, type-checking imports included (grimp's graph, as import-linter builds it)."""
    import grimp

    graph = grimp.build_graph(*PACKAGES)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.startswith(module + ".") or module.startswith(imported + "."):
                continue  # a package and its own modules
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain is not None:
                cycles.append(" -> ".join((module, *chain)))
    assert not cycles, "\n".join(sorted(set(cycles))[:20])


def test_ledger_top_level_holds_only_packages_and_the_application() -> None:
    loose = sorted(p.name for p in LEDGER.glob("*.py") if p.name not in ("__init__.py", "application.py"))
    assert not loose, f"ledger/ has loose modules: {loose}"
