"""Every ``saldo`` command of README.md's shell blocks runs as written (issue 14 item 3).

On a fresh SQLite store with the demo loaded (``saldo demo`` first, ``SALDO_CONFIG`` the demo's companies as
``make demo`` sets it), in a folder holding the README's sample files (``examples/``) and configuration, each
line is split as the shell would (``shlex``; ``NAME=value`` in front sets the environment; ``$NAME`` is
expanded after ``. var/demo-tokens.env``) and given to ``main``: it must exit as the README says (0 unless
listed below) and print no traceback.

What the test cannot be, it stands in for, and says so:
- the day: the README's dates are the demo's, so the store's clock is a day after its collection date;
- ``saldo serve`` starts no server (uvicorn's ``run`` returns at once), and ``saldo projections run`` (the
  worker) is told SIGTERM at its first wait, as its supervisor would;
- ``SALDO_SMTP_URL=smtp://localhost:25``: the SMTP server is a local aiosmtpd on a free port in its place.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import signal
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiosmtpd.controller import Controller

from api import bootstrap
from api.cli import main, running
from tests.delivery_scenario import Inbox, free_port

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
#: A day after the demo's collection date (api.demo.DEMO_DD_COLLECTION): ``dd settle --on 2026-12-05`` is due.
TODAY = date(2026, 12, 7)
#: Commands the README says fail, by their line: none today (each one's comment says when it would).
EXPECTED_EXIT: dict[str, int] = {}
#: What some commands must say they did with the sample files (by the start of their arguments).
EXPECTED_OUTPUT = {
    "readings import examples/readings.csv": ("12 rows, 6 supply points, 12 recorded",
                                              "48 rows, 1 supply points"),
    "bank import examples/statement.xml": ("4 entries, 3 booked", "'reference-in-text': 1",
                                           "1 to the worklist"),
    "bank import --override-reason": ("2 entries, 1 booked", "accepted by cli user"),
    "dd import-returns examples/status.pain002.xml": ("1 returns, 1 applied {'retry': 1}",),
}


def shell_lines(text: str) -> Iterator[str]:
    """The command lines of the README's ``sh`` blocks: continuations joined, comment-only lines left out."""
    for block in re.findall(r"^ *```sh\n(.*?)^ *```", text, flags=re.M | re.S):
        pending = ""
        for raw in block.splitlines():
            line = pending + raw.strip()
            if line.endswith("\\"):
                pending = line[:-1].rstrip() + " "
                continue
            pending = ""
            if line and not line.startswith("#"):
                yield line


def saldo_commands(text: str) -> list[tuple[str, dict[str, str], list[str]]]:
    """(line, environment it sets, arguments after ``saldo``) of each ``saldo`` line, in README order."""
    found = []
    for line in shell_lines(text):
        words = shlex.split(line, comments=True)
        env = {}
        while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
            name, _, value = words.pop(0).partition("=")
            env[name] = value
        if words[-1:] == ["&"]:  # started in the background: the same command
            words.pop()
        if words[:1] == ["saldo"]:
            found.append((line, env, words[1:]))
    return found


def test_the_readme_is_read_as_a_shell_would() -> None:
    text = ("```sh\nsaldo a --b 'c d'   # why\n   # more why\nX=1 saldo e \\\n  --f $G &\nmake x\n```\n"
            "  ```sh\n  saldo h\n  ```\n")
    assert saldo_commands(text) == [
        ("saldo a --b 'c d'   # why", {}, ["a", "--b", "c d"]),
        ("X=1 saldo e --f $G &", {"X": "1"}, ["e", "--f", "$G"]),
        ("saldo h", {}, ["h"]),
    ]


@pytest.fixture
def demo_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder like a checkout's (examples/, config/), the current one, with the store's defaults in it."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "config", tmp_path / "config")
    monkeypatch.chdir(tmp_path)
    for name in ("SALDO_DATABASE_URL", "SALDO_JWT_SECRET", "SALDO_JWT_SECRET_FILE", "SALDO_OUTBOX_DIR",
                 "SALDO_SMTP_URL", "SALDO_DASK_SCHEDULER", "SALDO_BANK_ACCOUNT", "SALDO_BANK_ACCOUNTS"):
        monkeypatch.delenv(name, raising=False)
    # saldo serve --workers N sets these for its worker processes: put back after the test
    monkeypatch.setenv("SALDO_DATABASE_URL", "sqlite:///var/saldo.sqlite")  # the default, relative to here
    monkeypatch.setenv("SALDO_PROJECTIONS", "in-process")
    monkeypatch.setenv("SALDO_CONFIG", str(tmp_path / "config" / "companies.demo.toml"))
    monkeypatch.setattr(running, "build", functools.partial(bootstrap.build, clock=lambda: TODAY))
    import uvicorn

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    monkeypatch.setattr(signal, "sigtimedwait",
                        lambda signals, timeout: SimpleNamespace(si_signo=signal.SIGTERM))
    return tmp_path


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def _saldo(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(args)
    except SystemExit as e:  # a wrong command line
        code = int(e.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def _demo_environment(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``. var/demo-tokens.env``, as the README says after ``saldo demo``."""
    for line in (folder / "var" / "demo-tokens.env").read_text().splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        monkeypatch.setenv(name, value)


def test_every_saldo_command_of_the_readme_runs_as_written(
        demo_folder: Path, smtp: tuple[Inbox, int], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    commands = saldo_commands(README.read_text(encoding="utf-8"))
    assert len(commands) > 30 and any(args[:1] == ["demo"] for _, _, args in commands)
    code, out, err = _saldo(["demo"], capsys)
    assert code == 0 and "Traceback" not in err, err
    _demo_environment(demo_folder, monkeypatch)
    inbox, port = smtp
    failures = []
    for line, env, args in commands:
        with monkeypatch.context() as scope:
            for name, value in env.items():
                if name == "SALDO_SMTP_URL":  # the local server in its place (see the module docstring)
                    value = re.sub(r":\d+$", f":{port}", value.replace("localhost", "127.0.0.1"))
                scope.setenv(name, value)
            code, out, err = _saldo([os.path.expandvars(a) for a in args], capsys)
        said = next((said for start, said in EXPECTED_OUTPUT.items() if " ".join(args).startswith(start)), ())
        if (code != EXPECTED_EXIT.get(line, 0) or "Traceback" in err + out
                or not all(fragment in out for fragment in said)):
            failures.append(f"{line}\n  exit {code}\n  {out.strip()[-500:]}\n  {err.strip()[-1500:]}")
    assert not failures, "\n".join(failures)
    assert inbox.received  # the e-mail the README sends went out
    assert (demo_folder / "journal.csv").stat().st_size > 0 and (demo_folder / "letter.pdf").exists()


def test_every_sample_file_the_readme_names_is_shipped() -> None:
    named = {a for _, _, args in saldo_commands(README.read_text(encoding="utf-8"))
             for a in args if a.startswith("examples/")}
    assert named and all((ROOT / name).is_file() for name in named), named
