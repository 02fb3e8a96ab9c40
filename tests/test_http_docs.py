"""/docs and /redoc work offline: the pages refer only to this server, which serves every asset from the
installed package, and each page's policy allows exactly its own inline script."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.bootstrap import build
from api.docs import ASSETS_DIRECTORY, ASSETS_URL
from tests.auth import api_client

PAGES = ("/docs", "/redoc", "/docs/oauth2-redirect")
_REFERENCES = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'|spec-url="([^"]+)\"""")
_INLINE = re.compile(r"<script>(.*?)</script>", re.DOTALL)


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    """The pages read no store: one SQLite file is enough."""
    svc = build(f"sqlite:///{tmp_path}/saldo.sqlite")
    try:
        with api_client(svc, "finance") as client:
            yield client
    finally:
        svc.close()


def _references(html: str) -> list[str]:
    return [next(g for g in match.groups() if g) for match in _REFERENCES.finditer(html)]


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_refer_to_nothing_but_this_server(http: TestClient, page: str) -> None:
    response = http.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert "://" not in html.replace("window.location.origin", ""), "no absolute URL, no CDN"
    for url in _references(html):
        assert url.startswith("/"), url


def test_every_asset_the_pages_load_is_served_from_the_installed_package(http: TestClient) -> None:
    assets = {url for page in ("/docs", "/redoc") for url in _references(http.get(page).text)
              if url.startswith(ASSETS_URL)}
    assert {a.rsplit("/", 1)[-1] for a in assets} == {
        "swagger-ui-bundle.js", "swagger-ui.css", "favicon.png", "redoc.standalone.js"}
    for url in assets:
        response = http.get(url)
        assert response.status_code == 200, url
        assert response.content == (Path(ASSETS_DIRECTORY) / url.rsplit("/", 1)[-1]).read_bytes()
        assert response.headers["x-content-type-options"] == "nosniff"
    kinds = {url.rsplit(".", 1)[-1]: http.get(url).headers["content-type"] for url in assets}
    assert kinds["js"].split(";")[0] in ("text/javascript", "application/javascript")
    assert kinds["css"].startswith("text/css")
    assert http.get(f"{ASSETS_URL}/../../../../etc/passwd").status_code == 404


def test_the_openapi_document_the_pages_load_is_served(http: TestClient) -> None:
    assert "/openapi.json" in _references(http.get("/docs").text)
    assert "/openapi.json" in _references(http.get("/redoc").text)
    assert http.get("/openapi.json").json()["info"]["title"] == "Saldo"
    assert not any(p.startswith(("/docs", "/redoc")) for p in http.get("/openapi.json").json()["paths"])


@pytest.mark.parametrize("page", PAGES)
def test_each_page_allows_its_own_inline_script_and_no_other(http: TestClient, page: str) -> None:
    response = http.get(page)
    policy = dict(d.strip().split(" ", 1) for d in response.headers["content-security-policy"].split(";"))
    scripts = policy["script-src"].split()
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    inline = _INLINE.findall(response.text)
    hashes = {f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in inline}
    assert set(scripts) == {"'self'"} | hashes
    assert policy["frame-ancestors"] == "'none'" and policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
