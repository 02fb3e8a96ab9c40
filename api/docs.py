"""``/docs`` (Swagger UI) and ``/redoc``, with their scripts and styles served by Saldo itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN, so they are blank on a network without one
(a utility's back office often is) and they run whatever the CDN serves that day. The assets here come
from the installed ``fastapi-offline`` package (https://pypi.org/project/fastapi-offline/, which
vendors swagger-ui-dist and ReDoc's standalone bundle) and are served under :data:`ASSETS_URL`; the pages
refer to nothing else. Each page carries its own Content-Security-Policy: scripts from Saldo only, and
the page's one inline script allowed by its hash
(https://www.w3.org/TR/CSP3/#grammardef-hash-source), so no other inline script can run.
"""

from __future__ import annotations

import base64
import hashlib
import re
from importlib.resources import files
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

#: Where the Swagger UI and ReDoc files are served.
ASSETS_URL = "/docs/assets"
#: The folder of the installed package that holds them.
ASSETS_DIRECTORY = str(files("fastapi_offline") / "static")
#: How long a browser may keep an asset before asking again (it changes only with the package).
ASSETS_MAX_AGE_S = 3600

#: What the documentation pages may load: scripts and styles from here (ReDoc adds ``<style>`` elements at
#: run time, hence 'unsafe-inline' for styles only), Swagger UI's data: icons, the OpenAPI document and
#: "Try it out" requests to this origin, ReDoc's search worker (a blob:), and nothing else.
DOCS_POLICY = ("default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
               "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


class _Assets(StaticFiles):
    """The package's files, cacheable for :data:`ASSETS_MAX_AGE_S` (the API's answers are not)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = f"public, max-age={ASSETS_MAX_AGE_S}"
        return response


def with_policy(page: HTMLResponse) -> HTMLResponse:
    """``page`` with :data:`DOCS_POLICY`, allowing exactly its inline scripts by their SHA-256."""
    body = bytes(page.body).decode("utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
        for script in _INLINE_SCRIPT.findall(body))
    page.headers["Content-Security-Policy"] = DOCS_POLICY.format(hashes=hashes).replace("  ", " ")
    return page


def install_docs(app: FastAPI) -> None:
    """Serve the assets and the three pages (none of them is in the OpenAPI document)."""
    app.mount(ASSETS_URL, _Assets(directory=ASSETS_DIRECTORY), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return with_policy(get_swagger_ui_html(
            openapi_url=root + openapi_url, title=f"{app.title} – Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            oauth2_redirect_url=root + redirect_url, init_oauth=app.swagger_ui_init_oauth,
            # validatorUrl null: Swagger UI would otherwise send the document to validator.swagger.io
            swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None}))

    @app.get(redirect_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return with_policy(get_swagger_ui_oauth2_redirect_html())

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return with_policy(get_redoc_html(
            openapi_url=root + openapi_url, title=f"{app.title} – ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png", with_google_fonts=False))
