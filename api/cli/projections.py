"""``saldo projections rebuild``: drop the read models (ledger view, audit trail) and replay every event."""

from __future__ import annotations

import argparse
from typing import Any

from api.bootstrap import Services
from api.cli.output import progress


def cmd_rebuild(svc: Services, args: argparse.Namespace) -> int:
    report = svc.projections.rebuild(progress("events replayed"))
    print(f"\nrebuilt the ledger view from position 0: {report.events} events, now at {report.position}")
    print(f"rebuilt the audit trail from position 0: {svc.trail.rebuild()} command records")
    print(f"rebuilt the catalog (lists and search) from position 0: {svc.catalog.rebuild()} events")
    print(f"rebuilt the dunning history from position 0: {svc.dunning_history.rebuild()} events")
    return 0


def add_commands(sub: Any) -> None:
    proj = sub.add_parser("projections", help="manage read models").add_subparsers(dest="action",
                                                                                   required=True)
    proj.add_parser("rebuild", help="drop and rebuild the views from position 0").set_defaults(
        func=cmd_rebuild)
