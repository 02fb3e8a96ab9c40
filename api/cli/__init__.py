"""The ``saldo`` command line (Typer): one module per capability, each registering its commands.

``serve`` and ``demo``; ``config check``; ``bank import``; ``dd run|settle|import-returns``; ``dunning run``;
``readings import`` and ``billing run|simulate``; ``documents render|letter|e-invoice|queue|send``;
``projections rebuild|run``; ``export journal``; ``report NAME|list``; ``tokens issue``;
``keys create|revoke``; ``audit verify|checkpoint|backfill``.

Every command it runs is recorded with the operating-system user and host (:func:`api.cli.actor.cli_actor`),
in the role given with ``--as-role`` if any. Progress goes to standard error (:mod:`api.cli.output`), results
to standard output, and every error is one line on standard error (:mod:`api.cli.errors`): exit 1 when a
command failed or a run had errors, 2 for a wrong command line.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Annotated

import typer

from api.cli import (
    audit,
    bank,
    billing,
    collections,
    config,
    demo,
    documents,
    dunning,
    exports,
    keys,
    projections,
    reports,
    serve,
    tokens,
)
from api.cli.errors import USAGE, failed, say, usage_message
from api.cli.running import GlobalOptions, choice, metavar
from ledger.core.actor import Role

try:  # Typer 0.2x carries its own copy of Click; earlier ones use Click itself
    from typer._click.exceptions import ClickException, UsageError
except ImportError:  # pragma: no cover - the other Typer
    from click.exceptions import ClickException, UsageError  # type: ignore[assignment]

#: In the order ``saldo --help`` lists them.
COMMANDS = (serve, demo, config, bank, collections, dunning, billing, documents, projections, exports,
            reports, tokens, keys, audit)
ROLES = tuple(r.value for r in Role)

app = typer.Typer(name="saldo", help="Saldo receivables ledger", add_completion=False, no_args_is_help=True,
                  rich_markup_mode=None, pretty_exceptions_enable=False)


@app.callback()
def _global_options(
    ctx: typer.Context,
    database_url: Annotated[str | None, typer.Option(
        help="overrides SALDO_DATABASE_URL (default sqlite:///var/saldo.sqlite)")] = None,
    as_role: Annotated[str | None, typer.Option(
        parser=choice(*ROLES), metavar=metavar(ROLES),
        help="the role you act in, recorded with the commands (with your login and host)")] = None,
) -> None:
    ctx.obj = GlobalOptions(database_url, as_role)


for _module in COMMANDS:
    _module.register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``saldo`` with ``argv`` (default: the process's arguments); the exit code.

    A wrong command line is said in one line and raises ``SystemExit(2)``, as the argument parser always
    did (a script and ``python -m api.cli`` exit 2); any other error is one line and exit code 1."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        code = command.main(args, prog_name="saldo", standalone_mode=False)
    except UsageError as e:
        if e.ctx is not None and _asked_for_help(e):
            print(e.ctx.get_help(), file=sys.stderr)
        else:
            hint = f" (see `{e.ctx.command_path} --help`)" if e.ctx is not None else ""
            say(usage_message(e.format_message()) + hint)
        raise SystemExit(USAGE) from None
    except ClickException as e:
        say(e.format_message())
        return e.exit_code
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except Exception as e:
        return failed(e)
    return code if isinstance(code, int) else 0


def _asked_for_help(error: UsageError) -> bool:
    """A group named without a command (``saldo bank``): its help is the answer, not an error line."""
    return type(error).__name__ == "NoArgsIsHelpError"
