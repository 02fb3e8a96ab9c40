"""``saldo report``: the API's lists and reports to a file, through the very routes that serve them.

On the demo's store (both stores): the CSV the command writes is the API's CSV pages, one header and the
same bytes per row; JSON is one array of every page's items; the XLSX has the CSV's rows; a refused
parameter is one line naming its field, exit 1, and no file (nor a changed one) is left; a wrong command
line exits 2.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.auth.config import AuthConfig
from api.auth.tokens import issue_token
from api.bootstrap import build
from api.cli import main
from api.cli.reports import REPORTS
from api.http import create_app
from ledger.core.actor import Role
from tests.xlsx_reader import read_xlsx

PAGE = 7  # rows per page: the demo's 50 accounts are 8 pages


def _api_pages(store_url: str, path: str, fmt: str, query: dict[str, Any]) -> list[bytes | dict[str, Any]]:
    """Every page of ``path`` as the API gives it over HTTP, following its cursor."""
    config = AuthConfig(secret=b"t" * 48)
    svc = build(store_url)
    try:
        client = TestClient(create_app(svc, auth=config))
        headers = {"Authorization": f"Bearer {issue_token(config, Role.AUDITOR, 'test')}"}
        pages: list[bytes | dict[str, Any]] = []
        after: str | None = None
        while True:
            asked = {**query, "format": fmt} | ({"after": after} if after else {})
            answer = client.get(path, params=asked, headers=headers)
            assert answer.status_code == 200, answer.text
            if fmt == "json":
                pages.append(answer.json())
                after = answer.json()["next"]
            else:
                pages.append(answer.content)
                after = answer.headers.get("x-next-cursor")
            if after is None:
                return pages
    finally:
        svc.close()


def _csv_concatenated(pages: list[bytes | dict[str, Any]]) -> bytes:
    """The pages as one CSV: the first page's header, then every page's rows as they are."""
    first = pages[0]
    assert isinstance(first, bytes)
    return first + b"".join(p.split(b"\r\n", 1)[1] for p in pages[1:] if isinstance(p, bytes))


def _cell(value: Any) -> Any:
    """An XLSX cell as its CSV text says it: numbers as Decimals, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return Decimal(str(value)).normalize()
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _csv_cell(text: str) -> Any:
    try:
        return Decimal(text).normalize()
    except ArithmeticError:
        return text


def test_lists_to_files_as_the_api_pages_them(store_url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    folder = str(tmp_path / "demo")
    assert main(["--database-url", store_url, "demo", "--demo-folder", folder]) == 0
    saldo = ["--database-url", store_url, "report"]
    pages = _api_pages(store_url, "/accounts", "csv", {"limit": PAGE})
    assert len(pages) > 2
    expected = _csv_concatenated(pages)
    capsys.readouterr()
    out = tmp_path / "accounts.csv"
    assert main([*saldo, "accounts", "--param", f"limit={PAGE}", "--output", str(out)]) == 0
    assert out.read_bytes() == expected
    assert f"report accounts: {len(pages)} pages" in capsys.readouterr().err  # progress per page
    whole = tmp_path / "whole.csv"  # the CLI's own page size: the same bytes
    assert main([*saldo, "accounts", "--output", str(whole)]) == 0
    assert whole.read_bytes() == expected
    rows = [line.split(",") for line in expected.decode().split("\r\n")[:-1]]

    json_pages = _api_pages(store_url, "/accounts", "json", {"limit": PAGE})
    items = tmp_path / "accounts.json"
    assert main([*saldo, "accounts", "--format", "json", "--param", f"limit={PAGE}", "--output",
                 str(items)]) == 0
    every = [i for p in json_pages if isinstance(p, dict) for i in p["items"]]
    assert json.loads(items.read_bytes()) == every and len(every) == 50

    book = tmp_path / "accounts.xlsx"
    assert main([*saldo, "accounts", "--format", "xlsx", "--output", str(book), "--lang", "it"]) == 0
    sheet = read_xlsx(book.read_bytes()).rows
    assert sheet[0] == rows[0] and len(sheet) == len(rows) == 51
    assert [[_cell(c) for c in r] for r in sheet[1:]] == [[_csv_cell(c) for c in r] for r in rows[1:]]

    tb = tmp_path / "tb.xlsx"
    assert main([*saldo, "trial-balance", "--format", "xlsx", "--output", str(tb)]) == 0
    assert len(read_xlsx(tb.read_bytes()).rows) > 2

    # Refused: a bad month names its field, exit 1, nothing written; a file already there stays as it was.
    capsys.readouterr()
    bad = tmp_path / "revenue.csv"
    assert main([*saldo, "consumption-revenue", "--param", "month=2026-13", "--output", str(bad)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("saldo: error: report consumption-revenue: query.month: ") and not bad.exists()
    assert "Traceback" not in "\n".join(err)
    book.write_bytes(b"the workbook of yesterday")
    assert main([*saldo, "accounts", "--format", "xlsx", "--param", "limit=10", "--output", str(book)]) == 1
    said = "report accounts: format: an xlsx workbook holds one page of at most 10 rows"
    assert said in capsys.readouterr().err
    assert book.read_bytes() == b"the workbook of yesterday"
    assert main(["--database-url", store_url, "--as-role", "admin", "report", "accounts"]) == 1
    assert "admin token may not use GET /accounts" in capsys.readouterr().err


def test_a_wrong_command_line_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path}/never.sqlite"
    for args in (["report", "no-such-report"], ["report", "accounts", "--param", "limit"],
                 ["report", "accounts", "--param", "after=x"], ["report", "open-items"]):
        with pytest.raises(SystemExit) as exit_:
            main(["--database-url", url, *args])
        assert exit_.value.code == 2
        assert capsys.readouterr().err.count("\n") == 1
    assert not (tmp_path / "never.sqlite").exists()  # refused before a store is opened


def test_report_list_names_every_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(REPORTS)
    assert all("(GET /" in line for line in lines)


def test_a_report_runs_where_this_threads_event_loop_is_running(tmp_path: Path) -> None:
    """Playwright's sync API (the browser tests) keeps a loop running in the thread, and a caller inside
    asyncio does too: the command must still answer, not die on ``asyncio.run``."""
    url = f"sqlite:///{tmp_path}/saldo.sqlite"
    assert main(["--database-url", url, "report", "portfolio", "--output", str(tmp_path / "plain.csv")]) == 0

    async def inside_a_loop() -> int:
        return main(["--database-url", url, "report", "portfolio", "--output", str(tmp_path / "inside.csv")])

    assert asyncio.run(inside_a_loop()) == 0
    assert (tmp_path / "inside.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
