"""Issue 13 item 5: every text the code marks for translation is translated, in every language, and no
catalogue keeps a text the code no longer has.

Babel's extractor (``babel.messages.extract``, the one ``pybabel extract`` runs) finds every ``N_("...")``
of every module of Saldo's packages; the module's ``CATALOG = "<domain>"`` says which catalogue it belongs
to (a module that marks texts without naming its catalogue fails). For each domain found — in the code or
as a ``.po`` file, never a hard-coded list — and each language but English (the msgid is the English
text), the ``.po`` must parse and hold every msgid with a translation that is neither empty nor fuzzy
(missing), no msgid the code does not have (stale), and the same ``{placeholders}`` as its msgid (a
translation that drops or renames one would print a hole or fail when filled). The doctests of
``api.i18n`` and of the document wording run here too: pytest collects doctests only under its
``testpaths`` (``tests``, ``ledger``).
"""

from __future__ import annotations

import ast
import doctest
import string
from collections import defaultdict
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import api.documents.wording
import api.i18n
import api.languages
import api.problem_texts
from api.i18n import FALLBACK, LANGUAGES, LOCALE_DIR

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ledger", "projections", "importers", "api")
TRANSLATED = tuple(language for language in LANGUAGES if language != FALLBACK)


def catalog_of(path: Path) -> str | None:
    """The module's ``CATALOG = "<domain>"``, if it names one."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name) and node.targets[0].id == "CATALOG"
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
            return node.value.value
    return None


def marked_in_ast(path: Path) -> list[str]:
    """Every ``N_("...")`` Python itself sees in the module, f-strings included."""
    return [node.args[0].value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "N_"
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)]


@cache
def marked() -> dict[str, dict[str, list[str]]]:
    """domain → msgid → the modules (path:line) marking it, for every ``N_("...")`` of the packages."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            messages = [(line, text) for line, text, _, _ in
                        extract_from_file("python", str(path), keywords={"N_": None})
                        if isinstance(text, str)]
            if not messages:
                continue
            where = f"{path.relative_to(ROOT)}"
            # Babel does not look inside an f-string's braces: a text marked there would go untranslated.
            assert sorted(text for _, text in messages) == sorted(marked_in_ast(path)), where
            domain = catalog_of(path)
            assert domain is not None, f"{where} marks texts with N_ but names no CATALOG"
            for line, text in messages:
                found[domain][text].append(f"{where}:{line}")
    return {domain: dict(ids) for domain, ids in found.items()}


def po_domains() -> set[str]:
    return {po.stem for po in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_code_marks_texts_in_named_catalogues() -> None:
    domains = marked()
    assert {"documents", "api"} <= set(domains)  # at least the two this check was written with
    assert all(ids for ids in domains.values())


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_catalogue_has_every_text_translated_and_nothing_stale(language: str) -> None:
    code = marked()
    problems = []
    for domain in sorted(set(code) | po_domains()):
        path = LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)}: missing (the code marks {len(code[domain])} texts)")
            continue
        with path.open("rb") as file:
            po = read_po(file, locale=language, abort_invalid=True)
        entries = {str(m.id): m for m in po if m.id}
        wanted = code.get(domain, {})
        for msgid, where in sorted(wanted.items()):
            entry = entries.get(msgid)
            if entry is None or not entry.string or entry.fuzzy:
                state = "missing" if entry is None else "fuzzy" if entry.fuzzy else "untranslated"
                problems.append(f"{domain}.po [{language}] {state}: {msgid!r} ({where[0]})")
            elif placeholders(str(entry.string)) != placeholders(msgid):
                problems.append(f"{domain}.po [{language}] placeholders differ: {msgid!r} → {entry.string!r}")
        problems += [f"{domain}.po [{language}] stale: {msgid!r} (no N_ in the code has it)"
                     for msgid in sorted(set(entries) - set(wanted))]
    assert problems == []


def test_every_po_file_parses_and_is_for_a_saldo_language() -> None:
    paths = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    assert paths
    for path in paths:
        language = path.parent.parent.name
        assert language in TRANSLATED, f"{path}: not a language Saldo writes in (or English, the msgids)"
        with path.open("rb") as file:
            po = read_po(file, locale=language, abort_invalid=True)
        assert str(po.locale) == language


def test_a_catalogue_with_a_stale_and_a_missing_entry_is_caught(tmp_path: Path) -> None:
    """The check itself: a .po that lacks a text and keeps an old one is reported both ways."""
    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Old label"\nmsgstr "Vecchia etichetta"\n\n'
                  'msgid "Due {date}"\nmsgstr "Scadenza {giorno}"\n', encoding="utf-8")
    with po.open("rb") as file:
        entries = {str(m.id): str(m.string) for m in read_po(file, locale="it") if m.id}
    wanted = {"Due {date}", "New label"}
    assert set(entries) - wanted == {"Old label"} and wanted - set(entries) == {"New label"}
    assert placeholders(entries["Due {date}"]) != placeholders("Due {date}")


@pytest.mark.parametrize("module", [api.i18n, api.documents.wording, api.problem_texts, api.languages],
                         ids=lambda m: m.__name__)
def test_the_doctests_of_the_language_modules(module: ModuleType) -> None:
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
