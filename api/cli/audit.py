"""``saldo audit verify|checkpoint|backfill``: the tamper-evident history (:mod:`projections.chain`).

``verify`` recomputes the hash chain over every stored event and names the first position where an event
was changed, removed, inserted or reordered (exit 1); with ``--checkpoint FILE`` (repeatable) it also
checks that the store still holds each checkpoint the auditor kept. ``checkpoint`` verifies, then writes
the head's ``{"position", "hash", "time"}`` as JSON for the auditor to keep elsewhere. ``backfill`` links
the events of a store written before the chain existed (otherwise its first write does it).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from api.bootstrap import Services
from api.cli.errors import say
from api.cli.running import run
from importers.files import text_file
from projections.chain import ChainReport, Checkpoint
from projections.chain_sql import backfill_chain, chained, take_checkpoint, verify_chain

#: Largest checkpoint file read (one small JSON object; anything bigger is not one).
MAX_CHECKPOINT_BYTES = 4096


def _now() -> datetime:
    return datetime.now(UTC)


#: The clock checkpoints are stamped with (replaced in tests).
clock: Callable[[], datetime] = _now


def _read_checkpoint(path: str) -> Checkpoint:
    file = Path(path)
    try:
        with file.open("rb") as f:
            data = f.read(MAX_CHECKPOINT_BYTES + 1)
    except OSError as e:
        raise ValueError(f"{path}: cannot read the checkpoint: {e.strerror}") from None
    if len(data) > MAX_CHECKPOINT_BYTES:
        raise ValueError(f"{path}: more than {MAX_CHECKPOINT_BYTES} bytes: not a checkpoint")
    try:
        return Checkpoint.from_dict(json.loads(data))
    except (ValueError, AttributeError) as e:
        raise ValueError(f"{path}: {e}") from None


def _print_report(report: ChainReport) -> int:
    if report.problem is None:
        head = "empty store" if report.head is None else (
            f"head at position {report.head[0]}, hash {report.head[1].hex()}")
        print(f"chain intact: {report.events} events; {head}")
        return 0
    p = report.problem
    say(f"chain broken at position {p.position} ({p.kind}): {p.detail}; the {report.events} events before it "
        "verify")
    return 1


def cmd_verify(svc: Services, args: argparse.Namespace) -> int:
    try:
        checkpoints = [_read_checkpoint(path) for path in args.checkpoint]
    except ValueError as e:
        say(str(e))
        return 2
    return _print_report(verify_chain(chained(svc.app.recorder), checkpoints))


def cmd_checkpoint(svc: Services, args: argparse.Namespace) -> int:
    report, checkpoint = take_checkpoint(chained(svc.app.recorder), clock())
    if checkpoint is None:
        if report.intact:
            say("checkpoint not taken: the store holds no event yet")
            return 1
        say("checkpoint not taken: the chain does not verify")
        return _print_report(report)
    text = json.dumps(checkpoint.as_dict()) + "\n"
    if args.output:
        with text_file(args.output) as out:
            out.write(text)
        print(f"checkpoint at position {checkpoint.position} written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_backfill(svc: Services, args: argparse.Namespace) -> int:
    linked = backfill_chain(chained(svc.app.recorder))
    print(f"linked {linked} events" if linked else "nothing to link: the chain already covers the store")
    return 0


#: Where companies have stores of their own (``store_url``, :mod:`api.stores`): each store has its own chain.
STORE_HELP = ("where companies have stores of their own (store_url): this company's store (default: the "
              "main one)")


COMPANY = Annotated[str | None, typer.Option(help=STORE_HELP)]


def register(root: typer.Typer) -> None:
    group = typer.Typer(help="the tamper-evident history", no_args_is_help=True)
    root.add_typer(group, name="audit", help="the tamper-evident history")

    @group.command("verify", help="recompute the hash chain; name the first position that differs")
    def _verify(
        ctx: typer.Context,
        checkpoint: Annotated[list[str] | None, typer.Option(
            metavar="FILE", help="a checkpoint written by `saldo audit checkpoint` the store must still hold "
                                 "(repeatable)")] = None,
        company: COMPANY = None,
    ) -> int:
        return run(ctx, cmd_verify, checkpoint=checkpoint or [], company=company)

    @group.command("checkpoint", help="verify, then export (position, hash, time) as JSON")
    def _checkpoint(ctx: typer.Context, output: Annotated[str | None, typer.Option(
            help="file to write (default: standard output)")] = None, company: COMPANY = None) -> int:
        return run(ctx, cmd_checkpoint, output=output, company=company)

    @group.command("backfill", help="link the events of a store written before the chain existed")
    def _backfill(ctx: typer.Context) -> int:
        return run(ctx, cmd_backfill)
