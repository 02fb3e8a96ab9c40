"""Issue 11: the demo on the demo's three companies (what ``make run`` loads) bills and pays the Finnish
customer of two companies, and loading it twice adds nothing."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from api.bootstrap import build
from api.cli import main

DEMO = Path(__file__).resolve().parent.parent / "config" / "companies.demo.toml"


def test_the_demo_runs_on_three_companies(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SALDO_CONFIG", str(DEMO))
    folder = str(tmp_path / "demo")
    assert main(["--database-url", store_url, "demo", "--demo-folder", folder]) == 0
    out = capsys.readouterr().out
    assert "companies it-power, fi-network, fi-heat" in out
    assert "{'fi-network': 1, 'fi-heat': 1}" in out
    svc = build(store_url)
    try:
        position = svc.app.recorder.max_notification_id()
        assert main(["--database-url", store_url, "demo", "--demo-folder", folder]) == 0
        assert svc.app.recorder.max_notification_id() == position
        companies = {svc.app.company_of(svc.app.repository.get(a)).code
                     for a in map(UUID, svc.view.account_ids(100))}
        assert companies == {"it-power", "fi-network", "fi-heat"}
    finally:
        svc.close()
