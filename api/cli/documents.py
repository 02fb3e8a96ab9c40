"""``saldo documents render NUMBER... --output-dir DIR``: the PDFs of issued invoices and credit notes;
``saldo documents e-invoice NUMBER [--format F] [--out DIR]``: one's e-invoice (to ``DIR/<file name>``, or to
standard output without ``--out``), in the company's format unless ``--format`` names another.
``saldo documents queue NUMBER... --channel email`` and ``saldo documents send [--channel ...]``: their
delivery (:mod:`api.delivery.runs`).

Each document is rendered from its events into ``DIR/<number>.pdf`` (whole or not at all,
:mod:`importers.files`) and, unless ``--no-record``, its SHA-256 is recorded as an event
(:class:`~ledger.documents.renderings.DocumentRenderings`); ``--verify`` instead checks a re-render
against the recorded hash and fails naming each document that differs.

``saldo documents letter KIND SOURCE_ID --account ACCOUNT --out FILE``: the PDF of a letter or notice the
account's event ``SOURCE_ID`` caused (kinds: :data:`ledger.documents.letter_loading.SOURCES`), in the
customer's language, written whole or not at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from api.bootstrap import Services
from api.cli.errors import describe, say
from api.cli.running import choice, metavar, run
from api.delivery import runs
from api.documents import service
from api.documents.einvoice import dispatch
from api.documents.invoice_pdf import RENDERER
from importers.files import binary_file
from ledger.core.errors import DomainError
from ledger.delivery.transport import Channel
from ledger.documents.letter_loading import SOURCES


def _render_one(svc: Services, number: str, args: argparse.Namespace) -> bool:
    if args.verify:
        rendered = service.render(svc.app, number)
        if rendered.recorded_sha256 != rendered.sha256:
            say(f"{rendered.number}: re-rendered {rendered.sha256}, recorded "
                f"{rendered.recorded_sha256 or 'nothing'}")
            return False
        print(f"{rendered.number}: {rendered.sha256} as recorded")
        return True
    if args.no_record:
        rendered = service.render(svc.app, number)
    else:
        rendered, _ = service.issue(svc.app, number, f"cli:documents:render:{number}:{RENDERER}")
    if args.output_dir:
        with binary_file(Path(args.output_dir) / f"{rendered.number}.pdf") as out:
            out.write(rendered.pdf)
    print(f"{rendered.number}: {len(rendered.pdf)} bytes, sha256 {rendered.sha256}")
    return True


def cmd_render(svc: Services, args: argparse.Namespace) -> int:
    ok = True
    if args.output_dir:
        Path(args.output_dir).mkdir(parents=True, exist_ok=True)  # as a user expects of an output folder
    for number in args.numbers:
        try:
            ok = _render_one(svc, number, args) and ok
        except DomainError as e:  # an unknown number, a hash that contradicts the recorded one
            say(describe(e))
            ok = False
    return 0 if ok else 1


def cmd_letter(svc: Services, args: argparse.Namespace) -> int:
    try:
        account = UUID(args.account)
    except ValueError:
        say(f"--account: {args.account[:40]!r} is not a contract account id")
        return 1
    try:
        rendered = service.render_letter(svc.app, account, args.kind, args.source_id)
    except DomainError as e:  # an unknown account, kind or source
        say(describe(e))
        return 1
    try:
        with binary_file(Path(args.out)) as out:
            out.write(rendered.pdf)
    except OSError as e:  # a directory that does not exist or cannot be written: nothing half-written
        say(f"cannot write {args.out}: {e.strerror}")
        return 1
    print(f"{args.out}: {rendered.filename}, {len(rendered.pdf)} bytes, language {rendered.language}, "
          f"sha256 {rendered.sha256}")
    return 0


def cmd_e_invoice(svc: Services, args: argparse.Namespace) -> int:
    try:
        written = dispatch.write(svc.app, args.number, args.format)
    except DomainError as e:  # an unknown number or format, a fact the format needs
        say(describe(e))
        return 1
    if args.out is None:
        sys.stdout.buffer.write(written.content)
        return 0
    path = Path(args.out) / written.file_name
    try:
        with binary_file(path) as out:
            out.write(written.content)
    except OSError as e:  # a directory that does not exist or cannot be written: nothing half-written
        say(f"cannot write {path}: {e.strerror}")
        return 1
    print(f"{path}: {written.format}, {len(written.content)} bytes")
    return 0


def cmd_queue(svc: Services, args: argparse.Namespace) -> int:
    channel = Channel(args.channel)
    report = runs.queue(svc.app, args.numbers, channel, f"cli:documents:queue:{channel.value}")
    svc.projections.catch_up()
    for d in report["deliveries"]:
        print(f"{d['number']}: {'queued' if d['queued'] else 'already queued'} for {channel.value} to "
              f"{d['recipient']}, sha256 {d['sha256']}")
    for e in report["errors"]:
        say(f"{e['number']}: not queued: {e['reason']}")
    return 1 if report["errors"] else 0


def cmd_send(svc: Services, args: argparse.Namespace) -> int:
    channels = [Channel(c) for c in args.channel] if args.channel else list(Channel)
    key = args.key or f"cli:documents:send:{runs.utc_now().isoformat()}"
    result = runs.send_run(svc.app, svc.transports, channels, key)
    svc.projections.catch_up()
    print(f"sent {result['sent']}, failed {result['failed']} (retried by a later run), skipped "
          f"{result['skipped']}{' (replayed)' if result['replayed'] else ''}")
    for problem in result.get("problems", []):
        say(str(problem))
    return 1 if result["failed"] else 0


NUMBERS = Annotated[list[str], typer.Argument(help="invoice or credit-note numbers")]
CHANNELS = tuple(c.value for c in Channel)


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="invoice, credit-note and letter PDFs, e-invoices", no_args_is_help=True)
    root.add_typer(group, name="documents", help="invoice, credit-note and letter PDFs, e-invoices")

    @group.command("render", help="render documents to PDF and record their hashes")
    def _render(
        ctx: typer.Context, numbers: NUMBERS,
        output_dir: Annotated[str | None, typer.Option(help="write <number>.pdf files here")] = None,
        no_record: Annotated[bool, typer.Option("--no-record", help="do not record the rendering's hash")
                             ] = False,
        verify: Annotated[bool, typer.Option(
            "--verify", help="re-render and compare with the recorded hash (exit 1 on any difference)")
        ] = False,
    ) -> int:
        return run(ctx, cmd_render, numbers=numbers, output_dir=output_dir, no_record=no_record,
                   verify=verify)

    @group.command("letter", help="render a letter or notice an account's event caused")
    def _letter(
        ctx: typer.Context,
        kind: Annotated[str, typer.Argument(parser=choice(*SOURCES), metavar=metavar(list(SOURCES)),
                                            help="the kind of letter")],
        source_id: Annotated[str, typer.Argument(
            help="the causing event's id (step id, plan number, run id, end-to-end id, contract id)")],
        account: Annotated[str, typer.Option(help="the contract account's id")],
        out: Annotated[str, typer.Option(help="write the PDF to this file")],
    ) -> int:
        return run(ctx, cmd_letter, kind=kind, source_id=source_id, account=account, out=out)

    @group.command("e-invoice", help="write a document's e-invoice (XML)")
    def _e_invoice(
        ctx: typer.Context,
        number: Annotated[str, typer.Argument(help="invoice or credit-note number")],
        format: Annotated[str | None, typer.Option(
            parser=choice(*dispatch.FORMATS), metavar=metavar(dispatch.FORMATS),
            help="default: the company's format")] = None,
        out: Annotated[str | None, typer.Option(
            help="write the file into this directory (default: standard output)")] = None,
    ) -> int:
        return run(ctx, cmd_e_invoice, number=number, format=format, out=out)

    _delivery_commands(group)


def _delivery_commands(group: typer.Typer) -> None:
    @group.command("queue", help="put documents into a channel's outbox (recording the PDF)")
    def _queue(ctx: typer.Context, numbers: NUMBERS,
               channel: Annotated[str, typer.Option(parser=choice(*CHANNELS), metavar=metavar(CHANNELS))
                                  ] = Channel.EMAIL.value) -> int:
        return run(ctx, cmd_queue, numbers=numbers, channel=channel)

    @group.command("send", help="send every due delivery (SALDO_SMTP_URL, SALDO_OUTBOX_DIR)")
    def _send(
        ctx: typer.Context,
        channel: Annotated[list[str] | None, typer.Option(
            parser=choice(*CHANNELS), metavar=metavar(CHANNELS), help="only this channel (repeatable)")
        ] = None,
        key: Annotated[str | None, typer.Option(
            help="the run's idempotency key (default: one per invocation)")] = None,
    ) -> int:
        return run(ctx, cmd_send, channel=channel, key=key)
