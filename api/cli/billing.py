"""``saldo readings import`` and ``saldo billing run|simulate``, with a progress line on standard error."""

from __future__ import annotations

import argparse
import sys
import uuid
from datetime import date
from typing import Any

from api.bootstrap import Services
from api.distributed import SCHEDULER_SETTING, DaskSettingError, partition_mapper
from importers.readings import ReadingsFileError, import_readings_file
from ledger.billing import commands as b
from ledger.billing.ports import PartitionMapper
from ledger.billing.run import RunReport, run_billing

#: Problems printed after a run (all of them are in the run's status: GET /billing/runs/{id}).
MAX_PRINTED_ISSUES = 20


def period(text: str) -> tuple[date, date]:
    """``YYYY-MM-DD:YYYY-MM-DD``, both days included.

    >>> period("2026-01-01:2026-02-28")
    (datetime.date(2026, 1, 1), datetime.date(2026, 2, 28))
    """
    first, sep, last = text.partition(":")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not YYYY-MM-DD:YYYY-MM-DD") from None
    if not sep or end < start:
        raise argparse.ArgumentTypeError(f"{text!r}: the period must end on or after its first day")
    return start, end


def cmd_readings_import(svc: Services, args: argparse.Namespace) -> int:
    failed = 0
    for name in args.files:

        def progress(done: int, total: int, name: str = name) -> None:
            print(f"\r{name}: {done}/{total} recorded", end="", file=sys.stderr, flush=True)

        try:
            report = import_readings_file(svc.app, name, time_zone=args.time_zone, progress=progress)
        except (ReadingsFileError, OSError) as e:
            print(f"\nrejected, nothing recorded: {e}", file=sys.stderr)
            failed += 1
            continue
        print(file=sys.stderr)
        r = report.as_dict()
        print(
            f"{r['file_name']} ({r['kind']}): {r['rows']} rows, {r['supply_points']} supply points, "
            f"{r['recorded']} recorded, {r['unchanged']} already known, {len(r['refused'])} refused"
        )
        for item in r["refused"]:
            print(f"  refused: {item['where']}: {item['reason']}")
        for item in r["held_for_review"]:
            print(f"  held for review: {item['where']}: {item['reason']}")
    return 1 if failed else 0


def _progress(label: str) -> Any:
    def report(done: int, total: int, run: RunReport) -> None:
        print(
            f"\r{label}: {done}/{total} contracts, {run.invoices} invoices, {run.credit_notes} credit notes, "
            f"{run.already_billed} already billed, {run.errors} errors",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return report


def _print_report(report: RunReport, drafts: int) -> None:
    r = report.as_dict(drafts)
    print(
        f"\n{'simulated ' if report.simulate else ''}billing {r['period_start']}..{r['period_end']}: "
        f"{r['contracts_due']} contracts due, {r['invoices']} invoices, {r['credit_notes']} credit notes, "
        f"{r['already_billed']} already billed, {r['nothing_to_bill']} with nothing to bill, "
        f"{r['errors']} errors; net {r['net']}, VAT {r['vat']}, gross {r['gross']}"
        + (f" (run {r['run_id']})" if r["run_id"] else "")
    )
    for issue in r["issues"][:MAX_PRINTED_ISSUES]:
        print(f"  not billed: {issue['supply_point']} {issue['period']}: {issue['code']}: {issue['reason']}")
    if len(r["issues"]) > MAX_PRINTED_ISSUES:
        print(f"  ... and {len(r['issues']) - MAX_PRINTED_ISSUES} more")
    for d in r["drafts"]:
        totals = d["totals"] or {"gross": "-"}
        print(
            f"  draft {d['kind']} {','.join(d['sites'])} {d['period_start']}..{d['period_end']}: "
            f"gross {totals['gross']}" + (" (estimated)" if d["estimated"] else "")
        )


def _run(svc: Services, args: argparse.Namespace, mapper: PartitionMapper | None) -> RunReport:
    start, end = args.period
    label = f"{'simulating' if args.simulate else 'billing'} {start}..{end}"
    if args.simulate:
        return run_billing(
            svc.app, start, end, simulate=True, issue_date=args.issue_date, progress=_progress(label),
            company=args.company, mapper=mapper,
        )
    key = args.run_key or f"cli:{start}:{end}:{uuid.uuid4()}"
    started = b.StartBillingRun(start, end, args.issue_date, company=args.company)
    run_id = uuid.UUID(svc.app.execute(started, key)["run_id"])
    report = run_billing(
        svc.app, start, end, issue_date=args.issue_date, run_id=run_id, progress=_progress(label),
        mapper=mapper,
    )
    svc.projections.catch_up()
    return report


def cmd_billing(svc: Services, args: argparse.Namespace) -> int:
    try:
        with partition_mapper(args.dask) as mapper:  # --dask, else SALDO_DASK_SCHEDULER, else here
            report = _run(svc, args, mapper)
    except DaskSettingError as e:
        print(e, file=sys.stderr)
        return 2
    _print_report(report, args.drafts if args.simulate else 0)
    # A run that could not bill a contract exits 1, so a scheduler or a script notices (issue 14); what
    # it billed stays billed, and the problems are listed above and in the run's status.
    return 1 if report.errors else 0


def add_commands(sub: Any) -> None:
    """``saldo readings import FILE...`` and ``saldo billing run|simulate --period A:B``."""
    readings = sub.add_parser("readings", help="meter readings and load curves").add_subparsers(
        dest="action", required=True
    )
    imp = readings.add_parser(
        "import", help="import readings or load-curve CSV files (see importers.readings)"
    )
    imp.add_argument("files", nargs="+")
    imp.add_argument("--time-zone", default="Europe/Rome", help="of load curves without a time_zone column")
    imp.add_argument("--company", help="where companies have stores of their own (store_url): import into "
                     "this company's store (default: the main one)")
    imp.set_defaults(func=cmd_readings_import)
    billing = sub.add_parser("billing", help="billing runs").add_subparsers(dest="action", required=True)
    for name, simulate, text in (
        ("run", False, "bill every contract due in the period"),
        ("simulate", True, "the same run without writing anything"),
    ):
        p = billing.add_parser(name, help=text)
        p.add_argument(
            "--period", type=period, required=True, help="YYYY-MM-DD:YYYY-MM-DD, both days included"
        )
        p.add_argument("--issue-date", type=date.fromisoformat, default=None, help="default: today")
        p.add_argument("--company", help="only the contracts of this company's accounts (default: all)")
        p.add_argument("--dask", metavar="ADDRESS", default=None,
                       help="rate on a Dask cluster: a scheduler (tcp://host:8786) or local:N worker "
                            f"processes (default: {SCHEDULER_SETTING}, else in this process)")
        if simulate:
            p.add_argument("--drafts", type=int, default=10, help="draft invoices to print")
        else:
            p.add_argument("--run-key", help="resume the run started with this key (default: a new run)")
        p.set_defaults(func=cmd_billing, simulate=simulate, every_store=True)
