"""``saldo report NAME``: a list or report of the API taken to a file, by the very route that serves it.

The command does not compute a report itself: it builds the application (:func:`api.http.create_app`) over
the store it opened and calls the route in-process as ASGI (:func:`asgi_get`), authenticated by a token
signed with a secret that lives only in this process (no secret file is read or made). It writes the
response's body as it comes, page by page, so memory stays that of one page however long the list:

- a list paged with a cursor (``/accounts``, ``/payments``, ``/reports/aged-receivables``, ``/journal``)
  is followed to its last page: CSV with one header, JSON as one array of every page's items;
- XLSX is one workbook of one page: the CLI asks for the largest page the route allows and, when more
  would follow, refuses in one line (``format: ...``) rather than writing part of the list;
- a 4xx problem of the route is one line, ``saldo: error: report NAME: <field>: <detail>``, exit 1, and no
  file is left behind (the file is written whole or not at all, :mod:`importers.files`).

The role is ``--as-role`` (default ``auditor``: it reads every report and never writes); a role the
route does not allow (:mod:`api.access`) is the route's own 403, in one line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import sys
from collections.abc import Callable, Coroutine, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, BinaryIO, TypeVar
from urllib.parse import quote, urlencode

import typer
from fastapi import FastAPI

from api.auth.config import AuthConfig
from api.auth.tokens import issue_token
from api.bootstrap import Services
from api.cli.actor import login
from api.cli.errors import say
from api.cli.output import progress
from api.cli.running import choice, global_options, metavar, run
from importers.files import binary_file
from ledger.core.actor import Role
from projections.lists import MAX_PAGE_SIZE

T = TypeVar("T")

#: How the pages of a report follow each other: ``list`` (``after=`` the JSON page's ``next`` or the
#: ``X-Next-Cursor`` header), ``aged`` (the same, the JSON page's ``next_after``), ``journal`` (``since=``
#: the ``X-Next-Cursor`` header, until it no longer moves), ``one`` (a single answer).
Paging = str


@dataclass(frozen=True)
class Report:
    """One named table: its API path (with ``{option}`` for each path parameter the CLI asks for)."""

    path: str
    help: str
    paging: Paging = "list"
    #: the largest page the route allows (asked for, so that as few pages as possible are asked)
    page_limit: int | None = MAX_PAGE_SIZE


REPORTS: dict[str, Report] = {
    "accounts": Report("/accounts", "contract accounts"),
    "partners": Report("/partners", "business partners"),
    "contracts": Report("/contracts", "contracts"),
    "invoices": Report("/invoices", "invoices and credit notes"),
    "payments": Report("/payments", "payments booked"),
    "mandates": Report("/mandates", "SEPA direct-debit mandates"),
    "dunning-history": Report("/dunning/history", "dunning steps taken"),
    "account-invoices": Report("/accounts/{account}/invoices", "one account's invoices (--account)"),
    "account-payments": Report("/accounts/{account}/payments", "one account's payments (--account)"),
    "account-contracts": Report("/accounts/{account}/contracts", "one account's contracts (--account)"),
    "account-dunning-history": Report("/accounts/{account}/dunning/history",
                                      "one account's dunning steps (--account)"),
    "open-items": Report("/accounts/{account}/open-items", "one account's open items (--account)",
                         "one", None),
    "plans": Report("/accounts/{account}/instalment-plans", "one account's instalment plans (--account)",
                    "one", None),
    "worklist": Report("/worklist", "receipts waiting in suspense", "one", None),
    "dunning-proposal": Report("/dunning/runs/{run}", "a dunning run's proposal (--run)", "one", None),
    "collection-proposal": Report("/collection-runs/{run}", "a collection run's proposal (--run)", "one",
                                  None),
    "journal": Report("/journal", "postings in store order (json: JSON lines, as the route gives them)",
                      "journal", 10_000),
    "trial-balance": Report("/trial-balance", "debits and credits per ledger account", "one", None),
    "aged-receivables": Report("/reports/aged-receivables", "open items by days past due", "aged", 1000),
    "consumption-revenue": Report("/reports/consumption-revenue", "consumption and revenue by band", "one",
                                  None),
    "portfolio": Report("/reports/portfolio", "the portfolio of contracts", "one", None),
    "collection-success": Report("/reports/collection-success", "how direct debits fared", "one", None),
}

FORMATS = ("json", "csv", "xlsx")
LANGUAGES = ("it", "es", "ca", "fi", "sv", "en")
#: The query parameters the command sets itself: a ``--param`` may not name them.
RESERVED = frozenset({"format", "after", "since"})
_PARAM = re.compile(r"([a-z][a-z0-9_]{0,39})=(.{0,1000})", re.DOTALL)
#: Most pages one report may take (a cursor that never ends is a bug, not a long list): 10 million rows.
MAX_PAGES = 20_000
#: The role a report is read in when ``--as-role`` names none: it may read every report, and write nothing.
DEFAULT_ROLE = Role.AUDITOR
#: How long the in-process token lives: the command's run.
TOKEN_LIFETIME = timedelta(hours=8)
#: The media type each format answers with (a route that has no such format answers JSON: refused).
MEDIA = {"json": ("application/json",), "csv": ("text/csv",),
         "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)}


class ReportRefused(Exception):
    """The route refused (a 4xx problem), or answered what cannot be written as asked: one line, exit 1."""


@dataclass
class Answer:
    """A response's status and headers (lower-case names), once its start has come."""

    status: int = 0
    headers: dict[str, str] | None = None


async def asgi_get(app: FastAPI, path: str, query: str, headers: dict[str, str],
                   start: Callable[[Answer], Callable[[bytes], None]]) -> Answer:
    """GET ``path?query`` of ``app`` in-process: ``start(answer)`` when the status and headers come gives
    where the body's chunks go, each as it is sent (nothing is held but the chunk)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode("ascii"),
             "query_string": query.encode("ascii"), "root_path": "",
             "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
             "client": ("127.0.0.1", 0), "server": ("saldo-cli", 80)}
    answer = Answer()
    sink: list[Callable[[bytes], None]] = []
    asked, answered = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if asked:  # a streamed answer listens for the client leaving: it leaves once the answer is whole
            await answered.wait()
            return {"type": "http.disconnect"}
        asked = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            answered.set()
        if message["type"] == "http.response.start":
            answer.status = message["status"]
            answer.headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                              for k, v in message.get("headers", [])}
            sink.append(start(answer))
        elif message["type"] == "http.response.body" and message.get("body"):
            sink[0](message["body"])

    await app(scope, receive, send)
    return answer


def _problem_line(body: bytes, status: int) -> str:
    """``<field>: <detail>`` of a problem document (its first error's field), else its detail."""
    try:
        problem = json.loads(body)
        errors = problem.get("errors") or []
        field = errors[0].get("field") if errors else None
        reason = errors[0].get("reason") if errors and len(errors) == 1 else problem.get("detail")
        detail = str(reason or problem.get("title") or status)
    except (ValueError, AttributeError, IndexError):
        return f"HTTP {status}"
    return f"{field}: {detail}" if field and not detail.startswith(f"{field}:") else detail


def _discard(chunk: bytes) -> None:
    """Where the body of a page that is not written goes."""


class Writer:
    """Where the pages go: the output, one CSV header, one JSON array of every page's items."""

    def __init__(self, out: BinaryIO, fmt: str, paging: Paging, limit: int | None) -> None:
        self.out, self.fmt, self.paging, self.limit = out, fmt, paging, limit
        self.pages = self.rows = 0
        self.cursor: str | None = None
        self.kept = bytearray()  # a JSON page of a paged list, read whole for its items and cursor
        #: why the page cannot be written (said once the route is done: raising inside it would be its error)
        self.refusal: str | None = None

    def page(self, answer: Answer) -> Callable[[bytes], None]:
        """The start of a page: where its body goes (a refusal is kept to be said)."""
        headers = answer.headers or {}
        self.kept.clear()
        self._skip_header = self.fmt == "csv" and self.pages > 0
        if answer.status >= 300:
            return self.kept.extend
        media = headers.get("content-type", "").split(";")[0].strip()
        wanted = MEDIA["json"] + ("application/x-ndjson",) if self.fmt == "json" else MEDIA[self.fmt]
        self.cursor = headers.get("x-next-cursor")
        if media not in wanted:
            self.refusal = f"format: this report has no {self.fmt} (the API answers {media})"
        elif self.fmt == "xlsx" and self.cursor and self.paging != "journal":
            self.refusal = (f"format: an xlsx workbook holds one page of at most {self.limit} rows and this "
                            "report has more: take csv or json, or narrow it with --param")
        if self.refusal is not None:
            return _discard
        if self.fmt == "json" and self.paging in ("list", "aged"):
            return self.kept.extend
        if self._skip_header:
            return self._csv_chunk
        return self._write

    def _write(self, chunk: bytes) -> None:
        self.out.write(chunk)

    def _csv_chunk(self, chunk: bytes) -> None:
        """A later CSV page's chunk: its header line dropped (the first page's is the file's header)."""
        if self._skip_header:
            end = chunk.find(b"\n")
            if end < 0:
                return
            self._skip_header = False
            chunk = chunk[end + 1:]
        self.out.write(chunk)

    def json_page(self) -> None:
        """A JSON page read: its items appended to the array, its cursor kept."""
        document = json.loads(bytes(self.kept))
        items = document["items"] if self.paging == "list" else document["accounts"]
        nxt = document.get("next") if self.paging == "list" else document.get("next_after")
        self.cursor = None if nxt is None else str(nxt)
        for item in items:
            self.out.write(b"[" if self.rows == 0 else b",")
            self.out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            self.rows += 1

    def finish(self) -> None:
        if self.fmt == "json" and self.paging in ("list", "aged"):
            self.out.write(b"[]\n" if self.rows == 0 else b"]\n")


def parameters(given: list[str]) -> dict[str, str]:
    """``--param key=value`` as query parameters, or a usage error (exit 2) naming the bad one."""
    query: dict[str, str] = {}
    for text in given:
        found = _PARAM.fullmatch(text)
        if found is None:
            raise typer.BadParameter(f"{text!r}: give key=value, the key in lower case (a query parameter "
                                     "of the report's route)", param_hint="--param")
        if found[1] in RESERVED:
            raise typer.BadParameter(f"{found[1]}: the command sets it (--format; it follows every page "
                                     "itself)", param_hint="--param")
        query[found[1]] = found[2]
    return query


def in_process_app(svc: Services, args: argparse.Namespace) -> tuple[FastAPI, str]:
    """The application over ``svc`` with a secret of this process only, and a token it accepts: the
    CLI's login in its ``--as-role`` (default :data:`DEFAULT_ROLE`). Why not the installation's secret:
    reading it would make a secret file on a fresh installation, and a provider-only one
    (``SALDO_LOCAL_TOKENS=off``) accepts no token the CLI could sign."""
    from api.http import create_app  # the whole API, only for this command: not for every saldo command

    config = AuthConfig(secret=secrets.token_bytes(48))
    role = Role(args.as_role) if args.as_role else DEFAULT_ROLE
    token = issue_token(config, role, login(), lifetime=TOKEN_LIFETIME)
    return create_app(svc, auth=config, stores=getattr(args, "stores", None)), token


def cmd_report(svc: Services, args: argparse.Namespace) -> int:
    """The report to ``--output`` whole or not at all, or to standard output."""
    report = REPORTS[args.name]
    app, token = in_process_app(svc, args)
    headers = {"authorization": f"Bearer {token}", "accept-language": args.lang or "en",
               "host": "saldo-cli"}
    path = report.path.format(**{k: quote(str(v), safe="") for k, v in args.path_values.items()})
    try:
        with binary_file(args.output) if args.output else nullcontext(sys.stdout.buffer) as out:
            writer = _pages(app, path, headers, report, args, out)
    except ReportRefused as e:
        say(f"report {args.name}: {e}")
        return 1
    if args.output:
        print(f"report {args.name}: {writer.pages} pages to {args.output}", file=sys.stderr)
    return 0


def _pages(app: FastAPI, path: str, headers: dict[str, str], report: Report, args: argparse.Namespace,
           out: BinaryIO) -> Writer:
    """Every page of ``report`` to ``out``, the next asked with the cursor the page before gave."""
    fmt = "jsonl" if report.paging == "journal" and args.format == "json" else args.format
    query = {**args.query, "format": fmt}
    if report.page_limit is not None:
        query.setdefault("limit", str(report.page_limit))
    limit = int(query["limit"]) if query.get("limit", "").isdigit() else report.page_limit
    writer = Writer(out, args.format, report.paging, limit)
    # The journal pages on from a position (0: its start); the others from no cursor.
    cursor: str | None = query.pop("since", "0") if report.paging == "journal" else None
    with progress(f"report {args.name}", "pages") as bar:
        while True:
            asked = dict(query)
            if cursor is not None:
                asked["since" if report.paging == "journal" else "after"] = cursor
            answer = _run(asgi_get(app, path, urlencode(asked), headers, writer.page))
            if answer.status >= 300:
                raise ReportRefused(_problem_line(bytes(writer.kept), answer.status))
            if writer.refusal is not None:
                raise ReportRefused(writer.refusal)
            if args.format == "json" and report.paging in ("list", "aged"):
                writer.json_page()
            writer.pages += 1
            bar.update(writer.pages)
            following = writer.cursor
            if report.paging == "one" or following is None or following == cursor:
                break
            if report.paging == "journal" and args.format == "xlsx":
                _refuse_more_journal(app, path, headers, query, following, writer)
                break
            if writer.pages >= MAX_PAGES:
                raise ReportRefused(f"after: more than {MAX_PAGES} pages; narrow it with --param")
            cursor = following
        writer.finish()
    return writer


def _run(call: Coroutine[Any, Any, T]) -> T:
    """The in-process request to its end; where this thread's loop runs (Playwright's sync API, a caller in
    asyncio) ``asyncio.run`` is refused: https://docs.python.org/3/library/asyncio-runner.html#asyncio.run"""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(call)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="saldo-report") as pool:
        return pool.submit(asyncio.run, call).result()


def _refuse_more_journal(app: FastAPI, path: str, headers: dict[str, str], query: dict[str, str],
                         since: str, writer: Writer) -> None:
    """An XLSX journal is one page: refused when a line follows it (asked for as one line of CSV)."""
    asked = {**query, "format": "csv", "limit": "1", "since": since}

    answer = _run(asgi_get(app, path, urlencode(asked), headers, lambda answer: _discard))
    if answer.status < 300 and (answer.headers or {}).get("x-next-cursor", since) != since:
        raise ReportRefused(f"format: an xlsx workbook holds one page of at most {writer.limit} journal "
                            "lines and the journal has more: take csv or json, or page it with "
                            "--param since=CURSOR")


def cmd_list(svc: None, args: argparse.Namespace) -> int:
    """The report names, one line each: the name, what it holds, its API path."""
    width = max(len(name) for name in REPORTS)
    for name, report in REPORTS.items():
        path = report.path.replace("{account}", "{account_id}").replace("{run}", "{run_id}")
        print(f"{name:<{width}}  {report.help}  (GET {path})")
    return 0


NAMES = ("list", *REPORTS)


def _path_values(name: str, account: str | None, run_id: str | None) -> dict[str, str]:
    """The path parameters ``name`` needs, or a usage error naming the missing option."""
    report = REPORTS[name]
    values: dict[str, str] = {}
    for key, given in (("account", account), ("run", run_id)):
        if "{" + key + "}" in report.path:
            if not given:
                raise typer.BadParameter(f"report {name} needs --{key} ID", param_hint=f"--{key}")
            values[key] = given
    return values


def register(root: typer.Typer) -> None:
    @root.command("report", help="a list or report of the API to a file (json, csv or xlsx); "
                                 "`saldo report list` names them")
    def _report(
        ctx: typer.Context,
        name: Annotated[str, typer.Argument(parser=choice(*NAMES), metavar="NAME",
                                            help="the report (`list`: every name)")],
        format: Annotated[str, typer.Option(parser=choice(*FORMATS), metavar=metavar(FORMATS),
                                            help="json, csv or xlsx")] = "csv",
        output: Annotated[str | None, typer.Option(help="file to write (default: standard output)")] = None,
        param: Annotated[list[str] | None, typer.Option(
            help="a query parameter of the report's route, key=value (again for more)")] = None,
        lang: Annotated[str | None, typer.Option(parser=choice(*LANGUAGES), metavar=metavar(LANGUAGES),
                                                 help="the language of number and date formats (xlsx) "
                                                      "and of the errors")] = None,
        account: Annotated[str | None, typer.Option(help="the contract account (an account's report)")
                           ] = None,
        run_id: Annotated[str | None, typer.Option("--run", help="the run (a run's proposal)")] = None,
    ) -> int:
        if name == "list":
            return run(ctx, cmd_list, needs_store=False)
        if global_options(ctx).as_role == Role.PORTAL.value:
            raise typer.BadParameter("a report is read by staff: take a role other than portal",
                                     param_hint="--as-role")
        return run(ctx, cmd_report, name=name, format=format, output=output, query=parameters(param or []),
                   lang=lang, path_values=_path_values(name, account, run_id))

