"""Letters over HTTP and the CLI (issue 13 item 3): the letters route
(``/accounts/{account_id}/letters/{kind}/{source_id}.pdf``) gives finance and the auditor any account's
letter and the portal its own account's only (another's is the same 404 as one that does not exist); an id
no event of the account names is a 404 problem naming the field; ``saldo documents letter`` writes the same
bytes. And the ``letters`` catalogue: every message id of a ``CATALOG = "letters"`` module is translated
in every language, with the same fields, and no translation is left over."""

from __future__ import annotations

import ast
import os
import string
import subprocess
import sys
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest
from babel.messages.pofile import read_po

from api.cli import main
from api.documents import service
from api.documents.invoice_pdf import sha256
from api.i18n import FALLBACK, LANGUAGES, LOCALE_DIR
from ledger.core.actor import Role
from tests.auth import api_client
from tests.clerk import Clerk
from tests.documents_scenario import text_of
from tests.letters_scenario import flat, speaker, step_on

ROOT = Path(__file__).resolve().parent.parent


def _reminded(clerk: Clerk, name: str, language: str) -> tuple[UUID, UUID, str]:
    partner, account = speaker(clerk, name, language)
    clerk.clock.today = date(2026, 3, 1)
    clerk.bill(account, "100.00", vat="0")
    return partner, account, step_on(clerk, account, date(2026, 3, 18)).step_id


def test_the_portal_reads_its_own_accounts_letters_and_no_one_elses(clerk: Clerk) -> None:
    partner, own, own_step = _reminded(clerk, "Mario Rossi", "it")
    _, other, other_step = _reminded(clerk, "Aino Virtanen", "fi")
    with api_client(clerk.services, Role.PORTAL, partner=partner) as portal:
        answer = portal.get(f"/accounts/{own}/letters/dunning-step/{own_step}.pdf")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.headers["content-language"] == "it"
        assert answer.headers["x-content-sha256"] == sha256(answer.content)
        assert "Sollecito di pagamento" in flat(text_of(answer.content))
        theirs = portal.get(f"/accounts/{other}/letters/dunning-step/{other_step}.pdf")
        unknown = portal.get(f"/accounts/{UUID(int=5)}/letters/dunning-step/{other_step}.pdf")
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json()["detail"] == unknown.json()["detail"].replace(str(UUID(int=5)), str(other))
        # Another account's step id asked under the portal's own account is not found on it either.
        crossed = portal.get(f"/accounts/{own}/letters/dunning-step/{other_step}.pdf")
        assert crossed.status_code == 404 and crossed.json()["errors"][0]["field"] == "source_id"
    with api_client(clerk.services, Role.AUDITOR) as auditor:
        finnish = auditor.get(f"/accounts/{other}/letters/dunning-step/{other_step}.pdf")
        assert finnish.status_code == 200 and finnish.headers["content-language"] == "fi"
        assert "Maksumuistutus" in flat(text_of(finnish.content))
    with api_client(clerk.services, Role.ACCOUNTING) as accounting:
        assert accounting.get(f"/accounts/{own}/letters/dunning-step/{own_step}.pdf").status_code == 403


@pytest.mark.parametrize(("kind", "source", "field"), [("dunning-step", "nope", "source_id"),
                                                       ("instalment-plan", "P-0", "source_id"),
                                                       ("pre-notification", "nope", "source_id")])
def test_a_letter_that_does_not_exist_is_a_404_problem_naming_the_field(clerk: Clerk, kind: str, source: str,
                                                                       field: str) -> None:
    _, account = speaker(clerk, "Mario Rossi", "it")
    with api_client(clerk.services, Role.FINANCE) as finance:
        answer = finance.get(f"/accounts/{account}/letters/{kind}/{source}.pdf")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["errors"][0]["field"] == field


def test_a_kind_of_letter_there_is_not_is_refused_by_name(clerk: Clerk) -> None:
    _, account = speaker(clerk, "Mario Rossi", "it")
    with api_client(clerk.services, Role.FINANCE) as finance:
        answer = finance.get(f"/accounts/{account}/letters/reminders/x.pdf")
    assert answer.status_code == 422 and "dunning-step" in answer.text


def test_the_cli_writes_the_letter_the_route_serves(clerk: Clerk, store_url: str, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    _, account, step = _reminded(clerk, "Mario Rossi", "it")
    out = tmp_path / "reminder.pdf"
    cli = ["--database-url", store_url, "documents", "letter"]
    assert main([*cli, "dunning-step", step, "--account", str(account), "--out", str(out)]) == 0
    rendered = service.render_letter(clerk.services.app, account, "dunning-step", step)
    assert out.read_bytes() == rendered.pdf and f"sha256 {rendered.sha256}" in capsys.readouterr().out
    assert main([*cli, "dunning-step", "nope", "--account", str(account), "--out", str(out)]) == 1
    assert "dunning step nope does not exist" in capsys.readouterr().err
    assert main([*cli, "dunning-step", step, "--account", "not-an-id", "--out", str(out)]) == 1
    assert "is not a contract account id" in capsys.readouterr().err


def _marked(catalog: str) -> dict[str, str]:
    """Every ``N_("...")`` message id of the modules that declare ``CATALOG = catalog``, by file."""
    found: dict[str, str] = {}
    for path in sorted([*ROOT.glob("ledger/**/*.py"), *ROOT.glob("api/**/*.py")]):
        source = path.read_text(encoding="utf-8")
        if f'CATALOG = "{catalog}"' not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "N_" and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                found[node.args[0].value] = str(path.relative_to(ROOT))
    return found


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != FALLBACK])
def test_every_letter_text_is_translated_with_its_fields_and_none_is_stale(language: str) -> None:
    marked = _marked("letters")
    assert len(marked) > 50  # the wording module was found
    with (LOCALE_DIR / language / "LC_MESSAGES" / "letters.po").open("rb") as file:
        po = {str(m.id): str(m.string) for m in read_po(file, locale=language) if m.id}
    assert sorted(set(marked) - set(po)) == []  # untranslated
    assert sorted(set(po) - set(marked)) == []  # stale
    for msgid, msgstr in po.items():
        assert msgstr.strip(), msgid
        assert _fields(msgstr) == _fields(msgid), (language, msgid)


def test_another_process_with_another_hash_seed_writes_the_same_letter(clerk: Clerk, store_url: str,
                                                                      tmp_path: Path) -> None:
    """No per-process state (string hashing's seed, the font cache, the clock) reaches a letter's bytes."""
    _, account, step = _reminded(clerk, "Mario Rossi", "it")
    expected = service.render_letter(clerk.services.app, account, "dunning-step", step).pdf
    for seed in ("4242",):  # this process's own seed is random: one other seed already differs from it
        out = tmp_path / f"letter-{seed}.pdf"
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        run = subprocess.run([sys.executable, "-m", "api.cli", "--database-url", store_url, "documents",
                              "letter", "dunning-step", step, "--account", str(account), "--out", str(out)],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert run.returncode == 0, run.stdout + run.stderr
        assert out.read_bytes() == expected
