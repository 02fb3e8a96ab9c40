"""Files Saldo writes are whole or absent: a writer that fails, or is killed with SIGKILL mid-write, leaves
the old file (or none), never part of a new one (:mod:`importers.files`).

The killed writers are real ``saldo`` commands in a child process (:mod:`tests.crash_driver`
``--kill-after-bytes``): the journal export to ``--output``, the pain.008 of ``saldo dd run``, and the
demo's bank statement; each is then run again and gives the complete file.
"""

from __future__ import annotations

import ast
import os
import signal
import stat
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import Services
from importers import files
from importers.files import binary_file, text_file, write_atomically
from importers.sepa import service as dd
from importers.sepa._xsd import validate as validate_xsd
from tests.clerk import Clerk
from tests.test_direct_debit import dd_customer

ROOT = Path(__file__).resolve().parents[1]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_file_is_replaced_whole_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "journal.csv"
    write_atomically(target, b"old\n")
    umask = os.umask(0o022)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)
    with text_file(target, newline="") as out:
        out.write("cursor,entry\r\n1,10\r\n")
    assert target.read_bytes() == b"cursor,entry\r\n1,10\r\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert _leftovers(tmp_path) == []


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "pain.008.xml"
    write_atomically(target, b"<Document>good</Document>")
    with pytest.raises(RuntimeError, match="the database went away"), binary_file(target) as out:
        out.write(b"<Document>half")
        raise RuntimeError("the database went away")
    assert target.read_bytes() == b"<Document>good</Document>"
    assert _leftovers(tmp_path) == []


def test_a_failing_rename_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "pain.008.xml"
    write_atomically(target, b"good")

    def no_space(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", no_space)
    with pytest.raises(OSError, match="No space left"):
        write_atomically(target, b"new and longer")
    assert target.read_bytes() == b"good"
    assert _leftovers(tmp_path) == []


def _writes_in_place(tree: ast.AST) -> list[int]:
    """Lines that open a file to write (``open``/``.open`` with a w, a, x or + mode) or ``.write_*`` it."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("write_text", "write_bytes"):
            lines.append(node.lineno)
        elif name in ("open", "fdopen"):
            position = 1 if isinstance(func, ast.Name) or name == "fdopen" else 0
            modes = [k.value for k in node.keywords if k.arg == "mode"]
            modes += node.args[position:position + 1]
            if any(isinstance(m, ast.Constant) and isinstance(m.value, str) and set(m.value) & set("wax+")
                   for m in modes):
                lines.append(node.lineno)
    return lines


def test_every_file_saldo_writes_goes_through_the_atomic_writer() -> None:
    """No ``open(..., "w")`` or ``Path.write_bytes`` in api/, importers/ or bench/ but importers/files.py."""
    offenders = []
    for folder in ("api", "importers", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "importers" / "files.py":
                continue
            for number in _writes_in_place(ast.parse(path.read_text(encoding="utf-8"))):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
    example = 'open(p, "w")\nPath(p).open(mode="ab")\nq.write_bytes(b"")\nopen(p)\nPath(p).open("rb")'
    assert _writes_in_place(ast.parse(example)) == [1, 2, 3]  # the check sees what it looks for


def _saldo(store_url: str, *args: str, kill_after_bytes: int | None = None
           ) -> subprocess.CompletedProcess[str]:
    """``saldo <args>``; driver options (``--kill-...``) may come first."""
    driver = [] if kill_after_bytes is None else ["--kill-after-bytes", str(kill_after_bytes)]
    while args and args[0].startswith("--kill"):
        driver += args[:2]
        args = args[2:]
    return subprocess.run(
        [sys.executable, "-m", "tests.crash_driver", *driver, "--", "--database-url", store_url, *args],
        cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)), capture_output=True, text=True, timeout=300,
        check=False,
    )


def _killed(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == -signal.SIGKILL, f"exited {run.returncode}\n{run.stdout}\n{run.stderr}"


def _ok(run: subprocess.CompletedProcess[str]) -> str:
    assert run.returncode == 0, f"exited {run.returncode}\n{run.stdout}\n{run.stderr}"
    return run.stdout


def _customers(clerk: Clerk, n: int) -> None:
    for i in range(n):
        account = dd_customer(clerk, f"Cliente {i}", f"UMR-CRASH-{i:04d}")
        clerk.bill(account, f"{10 + i}.20", vat="0")


def test_a_journal_export_killed_mid_write_leaves_the_previous_export(
        clerk: Clerk, store_url: str, tmp_path: Path) -> None:
    _customers(clerk, 4)
    out = tmp_path / "journal.csv"
    _ok(_saldo(store_url, "export", "journal", "--output", str(out)))
    before = out.read_bytes()
    _customers(clerk, 30)
    _killed(_saldo(store_url, "export", "journal", "--output", str(out), kill_after_bytes=len(before) + 500))
    assert out.read_bytes() == before  # not the first 500 bytes of the new one
    _ok(_saldo(store_url, "export", "journal", "--output", str(out)))
    rows = out.read_text(encoding="utf-8").splitlines()
    assert len(rows) - 1 == len(clerk.services.view.journal(0, 100_000))
    assert out.read_bytes().startswith(before)  # the journal only grows, in cursor order


def test_a_collection_run_killed_while_writing_its_pain008_is_resumed_to_the_whole_file(
        clerk: Clerk, store_url: str, tmp_path: Path) -> None:
    """The run is booked in one transaction with its record; the file is re-created from the events. Killed
    mid-file, the target is absent (never a truncated pain.008 a bank upload could pick up); the same
    command again reports the same run and writes the whole, schema-valid file."""
    _customers(clerk, 40)
    out = tmp_path / "out" / "collections.xml"
    command = ("dd", "run", "--due-by", "2026-12-31", "--collection-date", "2027-01-05", "--execute",
               "--output", str(out))
    _killed(_saldo(store_url, "--kill-after-commits", "2", *command))  # proposed, booked, no file yet
    assert not out.exists()
    _killed(_saldo(store_url, *command, kill_after_bytes=3000))
    assert not out.exists()
    report = _ok(_saldo(store_url, *command))
    total = sum(Decimal(f"{10 + i}.20") for i in range(40))
    assert f"executed: 40 booked, 0 skipped, {total} EUR" in report, report
    run_id = UUID(report.split()[1].rstrip(":"))
    content = out.read_bytes()
    assert content == dd.run_file(clerk.services, run_id).content
    validate_xsd(content, "pain.008.001.08")
    clerk.services.projections.catch_up()
    in_transit = sum(r[9] - r[10] for r in clerk.services.view.journal(0, 100_000) if r[8] == "dd-clearing")
    assert in_transit == total * 100  # the report is what the ledger holds
    assert _leftovers(out.parent) != []  # the killed writer's temporary file, beside (not as) the target


def test_the_demo_killed_while_writing_its_statement_loads_whole_when_run_again(
        services: Services, store_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    _killed(_saldo(store_url, "demo", "--demo-folder", str(folder), kill_after_bytes=2000))
    assert not (folder / "demo-statement.camt053.xml").exists()
    out = _ok(_saldo(store_url, "demo", "--demo-folder", str(folder)))
    assert "demo-statement.camt053.xml" in out and "booked" in out
    assert (folder / "demo-statement.camt053.xml").read_bytes().endswith(b"</Document>\n")


def test_a_file_created_once_is_never_replaced_and_a_private_one_stays_private(tmp_path: Path) -> None:
    secret = tmp_path / "saldo-jwt.secret"
    assert files.create_once(secret, b"first\n") is True
    assert files.create_once(secret, b"second\n") is False  # another process was first: its file stays
    assert secret.read_bytes() == b"first\n" and stat.S_IMODE(secret.stat().st_mode) == 0o600
    tokens = tmp_path / "demo-tokens.env"
    write_atomically(tokens, b"export A=1\n", mode=0o600)
    assert stat.S_IMODE(tokens.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo-tokens.env", "saldo-jwt.secret"]
