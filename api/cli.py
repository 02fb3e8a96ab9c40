"""The ``saldo`` command line: serve, demo, projections rebuild, export journal."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TextIO

from api.bootstrap import Services, build

#: Journal lines fetched per query while exporting; the export streams page by page.
EXPORT_PAGE = 5000


def _progress(label: str) -> Callable[[int, int | None], None]:
    def report(done: int, position: int | None = None) -> None:
        if done % 100 and position is None:
            return
        at = f" (store position {position})" if position is not None else ""
        print(f"\r{label}: {done}{at}", end="", file=sys.stderr, flush=True)
    return report


def cmd_serve(svc: Services, args: argparse.Namespace) -> int:
    import uvicorn

    from api.http import create_app

    svc.projections.catch_up()
    stop = threading.Event()
    worker = threading.Thread(target=svc.projections.run_forever, args=(stop,), daemon=True,
                              name="projection-catch-up")
    worker.start()
    print(f"Saldo is serving on {svc.database_url}")
    print(f"API docs: http://{args.host}:{args.port}/docs", flush=True)
    try:
        uvicorn.run(create_app(svc), host=args.host, port=args.port, log_level="info")
    finally:
        stop.set()
    return 0


def cmd_demo(svc: Services, args: argparse.Namespace) -> int:
    from pathlib import Path

    from api.demo import load_demo, load_demo_statement

    total, new = load_demo(svc.app, _progress("demo commands"))
    report = svc.projections.catch_up()
    print(f"\ndemo portfolio: {total} commands, {new} new; projection applied {report.events} events")
    folder = Path(args.demo_folder)
    folder.mkdir(parents=True, exist_ok=True)
    _print_import(load_demo_statement(svc, folder).as_dict())
    from api.demo import load_dd_demo

    dd = load_dd_demo(svc, folder)
    print(f"direct debit: {dd['collections']} collections ({dd['amount']} EUR) in {dd['file']}.xml, "
          f"{dd['returns']} returned")
    from api.billing_demo import load_billing_demo

    billing = load_billing_demo(svc)
    print(f"billing run {billing['run_id']} ({billing['status']}): {billing['invoices']} invoices, "
          f"gross {billing['gross']}, {billing['errors']} errors")
    from api.demo import load_dunning_demo

    dunning = load_dunning_demo(svc)
    print(f"dunning run {dunning['day']}: {dunning['steps']} steps, fees {dunning['fees']}")
    return 0


def _print_import(report: dict[str, object]) -> None:
    print(f"{report['file_name']}: {report['entries']} entries, {report['booked']} booked "
          f"{report['matched_by_rule']}, {report['to_suspense']} to the worklist, "
          f"{report['duplicates']} duplicates"
          + (" (file already imported)" if report["file_already_imported"] else ""))
    for line in report["not_allocated"]:  # type: ignore[attr-defined]
        print(f"  not allocated: {line['where']}: {line['amount']} — {line['reason']}")
    for line in report["refused"]:  # type: ignore[attr-defined]
        print(f"  refused: {line['where']}: {line['reason']}")


def cmd_bank_import(svc: Services, args: argparse.Namespace) -> int:
    from importers.bank.errors import BankFileError
    from importers.bank.service import import_file

    failed = 0
    for name in args.files:
        def progress(done: int, total: int, name: str = name) -> None:
            print(f"\r{name}: {done}/{total} entries", end="", file=sys.stderr, flush=True)

        try:
            report = import_file(svc, name, progress)
        except BankFileError as e:
            print(f"\nrejected, nothing booked: {e}", file=sys.stderr)
            failed += 1
            continue
        print(file=sys.stderr)
        _print_import(report.as_dict())
    return 1 if failed else 0


def cmd_rebuild(svc: Services, args: argparse.Namespace) -> int:
    report = svc.projections.rebuild(_progress("events replayed"))
    print(f"\nrebuilt the ledger view from position 0: {report.events} events, now at {report.position}")
    return 0


def cmd_export_journal(svc: Services, args: argparse.Namespace) -> int:
    from api.journal import JOURNAL_COLUMNS, journal_record

    out: TextIO = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout  # noqa: SIM115
    try:
        since, lines = args.since, 0
        writer = csv.writer(out, lineterminator="\n") if args.format == "csv" else None
        if writer is not None:
            writer.writerow(JOURNAL_COLUMNS)
        while rows := svc.view.journal(since, EXPORT_PAGE):
            for r in rows:
                record = journal_record(r)
                if writer is not None:
                    writer.writerow(record)
                else:
                    out.write(json.dumps(dict(zip(JOURNAL_COLUMNS, record, strict=True)),
                                         ensure_ascii=False) + "\n")
            lines += len(rows)
            since = rows[-1][0]
        print(f"exported {lines} journal lines; next cursor {since}", file=sys.stderr)
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="saldo", description="Saldo receivables ledger")
    p.add_argument("--database-url", help="overrides SALDO_DATABASE_URL (default sqlite:///var/saldo.sqlite)")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="load the demo portfolio and its bank statement (idempotent)")
    demo.add_argument("--demo-folder", default="var", help="where the demo statement file is written")
    demo.set_defaults(func=cmd_demo)
    bank = sub.add_parser("bank", help="bank statements").add_subparsers(dest="action", required=True)
    bank_import = bank.add_parser("import", help="import camt.053/054 or CSV statements")
    bank_import.add_argument("files", nargs="+")
    bank_import.set_defaults(func=cmd_bank_import)
    from api.dd_cli import add_dd_commands

    add_dd_commands(sub)
    from api.dunning_cli import add_dunning_commands

    add_dunning_commands(sub)
    from api.billing_cli import add_billing_commands

    add_billing_commands(sub)
    proj = sub.add_parser("projections", help="manage read models").add_subparsers(dest="action",
                                                                                   required=True)
    proj.add_parser("rebuild", help="drop and rebuild the views from position 0").set_defaults(
        func=cmd_rebuild)
    export = sub.add_parser("export", help="exports for the accounting system").add_subparsers(
        dest="what", required=True)
    journal = export.add_parser("journal", help="postings in store order, from a cursor")
    journal.add_argument("--since", type=int, default=0, help="last cursor already received")
    journal.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    journal.add_argument("--output", help="file to write (default: standard output)")
    journal.set_defaults(func=cmd_export_journal)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    svc = build(args.database_url)
    try:
        code: int = args.func(svc, args)
        return code
    finally:
        svc.close()


if __name__ == "__main__":
    raise SystemExit(main())
