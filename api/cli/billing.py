"""``saldo readings import`` and ``saldo billing run|simulate``, with their progress on standard error."""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer

from api.bootstrap import Services
from api.cli.errors import describe, say
from api.cli.output import Progress, progress
from api.cli.running import run
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
        raise ValueError(f"{text!r} is not YYYY-MM-DD:YYYY-MM-DD") from None
    if not sep or end < start:
        raise ValueError(f"{text!r}: the period must end on or after its first day")
    return start, end


def cmd_readings_import(svc: Services, args: argparse.Namespace) -> int:
    """Each file checked whole, then recorded; exit 1 if a file was rejected or a reading of one refused."""
    failed = 0
    for name in args.files:
        try:
            with progress(name, "recorded") as bar:
                report = import_readings_file(svc.app, name, time_zone=args.time_zone, progress=bar.update)
        except (ReadingsFileError, OSError) as e:
            say(f"rejected, nothing recorded: {describe(e)}")
            failed += 1
            continue
        r = report.as_dict()
        print(
            f"{r['file_name']} ({r['kind']}): {r['rows']} rows, {r['supply_points']} supply points, "
            f"{r['recorded']} recorded, {r['unchanged']} already known, {len(r['refused'])} refused"
        )
        for item in r["refused"]:
            print(f"  refused: {item['where']}: {item['reason']}")
        for item in r["held_for_review"]:
            print(f"  held for review: {item['where']}: {item['reason']}")
        failed += 1 if r["refused"] else 0
    return 1 if failed else 0


def _progress(bar: Progress) -> Callable[[int, int, RunReport], None]:
    def report(done: int, total: int, run: RunReport) -> None:
        bar.update(done, total, f"{run.invoices} invoices, {run.credit_notes} credit notes, "
                                f"{run.already_billed} already billed, {run.errors} errors")

    return report


def _print_report(report: RunReport, drafts: int) -> None:
    r = report.as_dict(drafts)
    print(
        f"{'simulated ' if report.simulate else ''}billing {r['period_start']}..{r['period_end']}: "
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


def _run(svc: Services, args: argparse.Namespace, mapper: PartitionMapper | None, bar: Progress) -> RunReport:
    start, end = args.period
    if args.simulate:
        return run_billing(
            svc.app, start, end, simulate=True, issue_date=args.issue_date, progress=_progress(bar),
            company=args.company, mapper=mapper,
        )
    key = args.run_key or f"cli:{start}:{end}:{uuid.uuid4()}"
    started = b.StartBillingRun(start, end, args.issue_date, company=args.company)
    run_id = uuid.UUID(svc.app.execute(started, key)["run_id"])
    report = run_billing(
        svc.app, start, end, issue_date=args.issue_date, run_id=run_id, progress=_progress(bar),
        mapper=mapper,
    )
    svc.projections.catch_up()
    return report


def cmd_billing(svc: Services, args: argparse.Namespace) -> int:
    start, end = args.period
    try:
        with (partition_mapper(args.dask) as mapper,  # --dask, else SALDO_DASK_SCHEDULER, else here
              progress(f"{'simulating' if args.simulate else 'billing'} {start}..{end}", "contracts") as bar):
            report = _run(svc, args, mapper, bar)
    except DaskSettingError as e:
        say(str(e))
        return 2
    _print_report(report, args.drafts if args.simulate else 0)
    # A run that could not bill a contract exits 1, so a scheduler or a script notices (issue 14); what
    # it billed stays billed, and the problems are listed above and in the run's status.
    return 1 if report.errors else 0


DAY = Annotated[date | None, typer.Option(parser=date.fromisoformat, metavar="YYYY-MM-DD",
                                          help="default: today")]
COMPANY_STORE = ("where companies have stores of their own (store_url): import into this company's store "
                 "(default: the main one)")


def register(root: typer.Typer) -> None:
    """``saldo readings import FILE...`` and ``saldo billing run|simulate --period A:B``."""
    readings = typer.Typer(help="meter readings and load curves", no_args_is_help=True)
    root.add_typer(readings, name="readings", help="meter readings and load curves")

    @readings.command("import", help="import readings or load-curve CSV files (see importers.readings)")
    def _import(
        ctx: typer.Context,
        files: Annotated[list[str], typer.Argument(help="CSV files")],
        time_zone: Annotated[str, typer.Option(help="of load curves without a time_zone column")
                             ] = "Europe/Rome",
        company: Annotated[str | None, typer.Option(help=COMPANY_STORE)] = None,
    ) -> int:
        return run(ctx, cmd_readings_import, files=files, time_zone=time_zone, company=company)

    billing = typer.Typer(help="billing runs", no_args_is_help=True)
    root.add_typer(billing, name="billing", help="billing runs")
    _billing_commands(billing)


PERIOD = Annotated[Any, typer.Option(parser=period, metavar="YYYY-MM-DD:YYYY-MM-DD",
                                                   help="YYYY-MM-DD:YYYY-MM-DD, both days included")]
RUN_COMPANY = Annotated[str | None, typer.Option(help="only the contracts of this company's accounts "
                                                      "(default: all)")]
DASK = Annotated[str | None, typer.Option(
    metavar="ADDRESS", help="rate on a Dask cluster: a scheduler (tcp://host:8786) or local:N worker "
                            f"processes (default: {SCHEDULER_SETTING}, else in this process)")]


def _billing_commands(billing: typer.Typer) -> None:
    @billing.command("run", help="bill every contract due in the period")
    def _run_command(ctx: typer.Context, period: PERIOD, issue_date: DAY = None, company: RUN_COMPANY = None,
                     dask: DASK = None,
                     run_key: Annotated[str | None, typer.Option(
                         help="resume the run started with this key (default: a new run)")] = None) -> int:
        return run(ctx, cmd_billing, every_store=True, simulate=False, period=period, issue_date=issue_date,
                   company=company, dask=dask, run_key=run_key)

    @billing.command("simulate", help="the same run without writing anything")
    def _simulate(ctx: typer.Context, period: PERIOD, issue_date: DAY = None, company: RUN_COMPANY = None,
                  dask: DASK = None,
                  drafts: Annotated[int, typer.Option(help="draft invoices to print")] = 10) -> int:
        return run(ctx, cmd_billing, every_store=True, simulate=True, period=period, issue_date=issue_date,
                   company=company, dask=dask, drafts=drafts)
