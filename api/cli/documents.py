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
from typing import Any
from uuid import UUID

from api.bootstrap import Services
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
            print(f"{rendered.number}: re-rendered {rendered.sha256}, recorded "
                  f"{rendered.recorded_sha256 or 'nothing'}", file=sys.stderr)
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
    for number in args.numbers:
        try:
            ok = _render_one(svc, number, args) and ok
        except DomainError as e:  # an unknown number, a hash that contradicts the recorded one
            print(f"saldo documents render: {e}", file=sys.stderr)
            ok = False
    return 0 if ok else 1


def cmd_letter(svc: Services, args: argparse.Namespace) -> int:
    try:
        account = UUID(args.account)
    except ValueError:
        print(f"saldo documents letter: --account {args.account[:40]!r} is not a contract account id",
              file=sys.stderr)
        return 1
    try:
        rendered = service.render_letter(svc.app, account, args.kind, args.source_id)
    except DomainError as e:  # an unknown account, kind or source
        print(f"saldo documents letter: {e}", file=sys.stderr)
        return 1
    try:
        with binary_file(Path(args.out)) as out:
            out.write(rendered.pdf)
    except OSError as e:  # a directory that does not exist or cannot be written: nothing half-written
        print(f"saldo documents letter: cannot write {args.out}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"{args.out}: {rendered.filename}, {len(rendered.pdf)} bytes, language {rendered.language}, "
          f"sha256 {rendered.sha256}")
    return 0


def cmd_e_invoice(svc: Services, args: argparse.Namespace) -> int:
    try:
        written = dispatch.write(svc.app, args.number, args.format)
    except DomainError as e:  # an unknown number or format, a fact the format needs
        print(f"saldo documents e-invoice: {e.field + ': ' if e.field else ''}{e}", file=sys.stderr)
        return 1
    if args.out is None:
        sys.stdout.buffer.write(written.content)
        return 0
    path = Path(args.out) / written.file_name
    try:
        with binary_file(path) as out:
            out.write(written.content)
    except OSError as e:  # a directory that does not exist or cannot be written: nothing half-written
        print(f"saldo documents e-invoice: cannot write {path}: {e.strerror}", file=sys.stderr)
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
        print(f"{e['number']}: not queued: {e['reason']}", file=sys.stderr)
    return 1 if report["errors"] else 0


def cmd_send(svc: Services, args: argparse.Namespace) -> int:
    channels = [Channel(c) for c in args.channel] if args.channel else list(Channel)
    key = args.key or f"cli:documents:send:{runs.utc_now().isoformat()}"
    result = runs.send_run(svc.app, svc.transports, channels, key)
    svc.projections.catch_up()
    print(f"sent {result['sent']}, failed {result['failed']} (retried by a later run), skipped "
          f"{result['skipped']}{' (replayed)' if result['replayed'] else ''}")
    for problem in result.get("problems", []):
        print(f"  {problem}", file=sys.stderr)
    return 1 if result["failed"] else 0


def add_commands(sub: Any) -> None:
    documents = sub.add_parser("documents", help="invoice, credit-note and letter PDFs, e-invoices")
    documents = documents.add_subparsers(dest="what", required=True)
    render = documents.add_parser("render", help="render documents to PDF and record their hashes")
    render.add_argument("numbers", nargs="+", help="invoice or credit-note numbers")
    render.add_argument("--output-dir", help="write <number>.pdf files here")
    render.add_argument("--no-record", action="store_true", help="do not record the rendering's hash")
    render.add_argument("--verify", action="store_true",
                        help="re-render and compare with the recorded hash (exit 1 on any difference)")
    render.set_defaults(func=cmd_render)
    letter = documents.add_parser("letter", help="render a letter or notice an account's event caused")
    letter.add_argument("kind", choices=tuple(SOURCES), help="the kind of letter")
    letter.add_argument("source_id", help="the causing event's id (step id, plan number, run id, "
                                          "end-to-end id, contract id)")
    letter.add_argument("--account", required=True, help="the contract account's id")
    letter.add_argument("--out", required=True, help="write the PDF to this file")
    letter.set_defaults(func=cmd_letter)
    einvoice = documents.add_parser("e-invoice", help="write a document's e-invoice (XML)")
    einvoice.add_argument("number", help="invoice or credit-note number")
    einvoice.add_argument("--format", choices=dispatch.FORMATS, help="default: the company's format")
    einvoice.add_argument("--out", help="write the file into this directory (default: standard output)")
    einvoice.set_defaults(func=cmd_e_invoice)
    channels = [c.value for c in Channel]
    queue = documents.add_parser("queue", help="put documents into a channel's outbox (recording the PDF)")
    queue.add_argument("numbers", nargs="+", help="invoice or credit-note numbers")
    queue.add_argument("--channel", choices=channels, default=Channel.EMAIL.value)
    queue.set_defaults(func=cmd_queue)
    send = documents.add_parser("send", help="send every due delivery (SALDO_SMTP_URL, SALDO_OUTBOX_DIR)")
    send.add_argument("--channel", action="append", choices=channels, help="only this channel (repeatable)")
    send.add_argument("--key", help="the run's idempotency key (default: one per invocation)")
    send.set_defaults(func=cmd_send)
