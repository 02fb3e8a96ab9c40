"""The `saldo` command line: demo twice adds nothing, rebuild reproduces the views, export by cursor."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from api.bootstrap import build
from api.cli import main


def test_demo_rebuild_and_export(store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(tmp_path / "demo")
    assert main(["--database-url", store_url, "demo", "--demo-folder", folder, "--documents"]) == 0
    first = re.search(r"documents: (\d+) issued, (\d+) rendered now", capsys.readouterr().out)
    assert first is not None and int(first[1]) > 300 and first[2] == first[1]  # every one rendered, recorded
    assert len(list((tmp_path / "demo" / "outbox" / "print").glob("print-*.zip"))) == 1
    svc = build(store_url)
    try:
        position = svc.app.recorder.max_notification_id()
        live = svc.view.dump()
        assert len(live["accounts"]) == 50
        assert main(["--database-url", store_url, "demo", "--demo-folder", folder, "--documents"]) == 0
        again = re.search(r"documents: (\d+) issued, (\d+) rendered now", capsys.readouterr().out)
        assert again is not None and (again[1], again[2]) == (first[1], "0")
        assert svc.app.recorder.max_notification_id() == position  # the second load added nothing
        assert main(["--database-url", store_url, "audit", "verify"]) == 0  # issue 10: the demo's history
        assert main(["--database-url", store_url, "projections", "rebuild"]) == 0
        assert svc.view.dump() == live
        capsys.readouterr()
        assert main(["--database-url", store_url, "export", "journal", "--since", "0"]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert len(rows) == len(live["journal"])
        last = int(rows[-10]["cursor"])
        assert main(["--database-url", store_url, "export", "journal", "--since", str(last),
                     "--format", "jsonl"]) == 0
        tail = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [t["cursor"] for t in tail] == [int(r["cursor"]) for r in rows[-9:]]
    finally:
        svc.close()


def test_bank_import_command_reports_and_rejects(store_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>")
    assert main(["--database-url", store_url, "bank", "import", str(bad)]) == 1
    assert "rejected, nothing booked" in capsys.readouterr().err
