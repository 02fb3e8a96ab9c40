"""What ``saldo`` prints (issue 14 item 3): progress as whole lines off a terminal, every error one line
naming its file, line and field, never a traceback, and an exit code that says whether it worked."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from api.cli import config, main
from api.cli.output import PLAIN_EVERY_SECONDS, PLAIN_STEPS, Progress
from importers.bank.synth import SynthEntry, write_camt053
from ledger.application import DEFAULT_BANK_ACCOUNT


class Ticking:
    """A clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _counts(text: str) -> list[int]:
    """The count of each plain line ``label: 1,234/5,000 unit, ...``."""
    return [int(line.split(": ", 1)[1].split("/")[0].split(" ")[0].replace(",", ""))
            for line in text.splitlines()]


def test_off_a_terminal_progress_is_whole_lines_each_further_than_the_last_and_a_final_one() -> None:
    out = io.StringIO()
    with Progress("import rows.csv", "rows", 5000, stream=out, clock=Ticking(0.0001)) as bar:
        for done in range(1, 5001):
            bar.update(done, detail=f"{done // 2} recorded")
    text = out.getvalue()
    assert "\r" not in text and text.endswith("\n")
    counts = _counts(text)
    assert counts == sorted(set(counts)) and counts[-1] == 5000  # increasing, none twice, the total last
    assert len(counts) <= PLAIN_STEPS + 1  # a tenth of the total at a time, not a line per row
    last = text.splitlines()[-1]
    assert last.startswith("import rows.csv: 5,000/5,000 rows, 2500 recorded (") and last.endswith("/s)")
    assert "left" in text.splitlines()[0]  # while it runs, the time still to go


def test_without_a_total_a_slow_piece_of_work_still_says_how_far_it_is_every_few_seconds() -> None:
    out = io.StringIO()
    with Progress("demo portfolio", "commands", stream=out, clock=Ticking(1.0)) as bar:
        for done in range(1, 31):
            bar.update(done)
    counts = _counts(out.getvalue())
    assert counts[-1] == 30 and counts == sorted(set(counts))
    assert len(counts) >= 30 // PLAIN_EVERY_SECONDS  # one at least every PLAIN_EVERY_SECONDS
    assert "/" not in out.getvalue().splitlines()[0].split(": ")[1].split(" ")[0]  # no total to show


def test_work_that_fails_leaves_no_final_line_saying_it_finished() -> None:
    out = io.StringIO()
    with (pytest.raises(ValueError),
          Progress("bad.xml", "entries", 10, stream=out, clock=Ticking(0.001)) as bar):
        bar.update(3)
        raise ValueError("line 7: broken")
    assert _counts(out.getvalue()) == [3]


def test_on_a_terminal_progress_is_a_bar_with_its_count() -> None:
    out = Terminal()
    with Progress("billing", "contracts", 40, stream=out) as bar:
        for done in range(1, 41):
            bar.update(done, detail="0 errors")
    assert "billing" in out.getvalue() and "40/40" in out.getvalue()


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("saldo: error: ")
    return lines[0]


def test_a_malformed_readings_file_is_one_line_naming_file_line_and_field_and_exit_1(
        store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "letture.csv"
    bad.write_text("supply_point,read_on,index\nIT001E10000006,2026-02-30,100\n")
    assert main(["--database-url", store_url, "readings", "import", str(bad)]) == 1
    out, err = capsys.readouterr()
    line = _one_error_line(err)
    assert "letture.csv: line 2, column read_on" in line and "2026-02-30" in line
    assert out == ""


def test_a_good_file_reports_its_progress_on_stderr_and_its_result_on_stdout(
        store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "letture.csv"
    good.write_text("supply_point,read_on,index\nIT001E10000006,2026-01-31,100\nIT001E10000006,2026-02-28,160\n")
    assert main(["--database-url", store_url, "readings", "import", str(good)]) == 0
    out, err = capsys.readouterr()
    assert "\r" not in err and err.splitlines()[-1].startswith(f"{good}: 2/2 recorded")
    assert out.startswith("letture.csv (readings): 2 rows, 1 supply points, 2 recorded")


def test_a_statement_with_a_refused_entry_exits_1_and_a_missing_file_is_one_line(
        store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "odd.xml"
    write_camt053(odd, [
        SynthEntry(Decimal("10.00"), unstructured=("ok",), account_servicer_reference="O1"),
        SynthEntry(Decimal("12.345"), unstructured=("sub-cent",), account_servicer_reference="O2"),
    ], account_iban=DEFAULT_BANK_ACCOUNT)
    assert main(["--database-url", store_url, "bank", "import", str(odd)]) == 1
    out = capsys.readouterr().out
    assert "refused: odd.xml line" in out and "not imported in full" in out
    assert main(["--database-url", store_url, "bank", "import", str(tmp_path / "nowhere.xml")]) == 1
    assert "nowhere.xml: No such file or directory" in _one_error_line(capsys.readouterr().err)


def test_a_wrong_command_line_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["billing", "run", "--period", "2026-02-30:2026-03-31"])
    assert exit_.value.code == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--period" in line and "2026-02-30:2026-03-31" in line and "saldo billing run --help" in line
    with pytest.raises(SystemExit) as exit_:
        main(["bank", "import", "a.xml", "--no-such-option"])
    assert exit_.value.code == 2 and "--no-such-option" in _one_error_line(capsys.readouterr().err)


def test_an_unexpected_error_is_one_line_and_its_traceback_only_when_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken(path: str) -> list[str]:
        raise RuntimeError("the disk said no")

    monkeypatch.setattr(config, "check_file", broken)
    monkeypatch.delenv("SALDO_DEBUG", raising=False)
    assert main(["config", "check", str(tmp_path / "c.toml")]) == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "RuntimeError: the disk said no" in line and "SALDO_DEBUG=1" in line
    monkeypatch.setenv("SALDO_DEBUG", "1")
    assert main(["config", "check", str(tmp_path / "c.toml")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("saldo: error: unexpected RuntimeError") and "Traceback" in err


def test_help_lists_every_command_with_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("serve", "demo", "config", "bank", "dd", "dunning", "readings", "billing", "documents",
                    "projections", "export", "tokens", "keys", "audit"):
        assert f"\n  {command} " in out, command
