"""Every error of a ``saldo`` command as one line on standard error, never a traceback.

``saldo: error: statement.xml: line 42, Stmt[1]/Ntry[3]: missing Amt``: the file, the line and the field
where the input says them (the importers' errors do: :class:`importers.bank.errors.BankFileError`,
:class:`importers.meter_csv.ReadingsFileError`), the field of a refused command
(:class:`ledger.core.errors.DomainError`), the file that cannot be opened. A usage error (an unknown option,
a bad value) exits 2, anything that failed 1. An unexpected exception is one line too, plus where to find
its traceback: ``SALDO_DEBUG=1`` prints it.
"""

from __future__ import annotations

import os
import sys
import traceback

from importers.bank.errors import BankFileError
from importers.meter_csv import ReadingsFileError
from ledger.core.errors import DomainError

#: Exit codes: the command failed (or a run had errors), and the command line was wrong.
FAILED = 1
USAGE = 2
#: Set to 1 to see the traceback of an unexpected error after its line.
DEBUG_VARIABLE = "SALDO_DEBUG"
#: How much of a message one line carries at most (a file name or a value may be long).
MAX_LINE_CHARS = 2000


def say(message: str) -> None:
    """``saldo: error: <message>`` on standard error, as one line."""
    text = " ".join(message.split())  # a message with newlines in it is still one line
    if len(text) > MAX_LINE_CHARS:
        text = text[:MAX_LINE_CHARS - 1] + "…"
    print(f"saldo: error: {text}", file=sys.stderr, flush=True)


def describe(error: BaseException) -> str:
    """What the user is told of an error they can fix: its file, line and field where it has them."""
    if isinstance(error, BankFileError | ReadingsFileError):
        return str(error)  # "<file>: line 7, column amount: why"
    if isinstance(error, DomainError):
        field = getattr(error, "field", None)
        return f"{field}: {error}" if field and not str(error).startswith(f"{field}:") else str(error)
    if isinstance(error, OSError) and error.filename is not None:
        return f"{error.filename}: {error.strerror or error}"
    if isinstance(error, UnicodeDecodeError):
        return f"not UTF-8 text (byte {error.start}): {error.reason}"
    return str(error)


def usage_message(text: str) -> str:
    """A usage error's message, without what the option parser adds in front of a value's own reason."""
    return text.replace("Value error, ", "")


#: What a user can cause and fix: said in one line, exit 1.
USER_ERRORS = (DomainError, BankFileError, OSError, UnicodeDecodeError)


def failed(error: BaseException) -> int:
    """Say ``error`` in one line; the exit code."""
    if isinstance(error, USER_ERRORS):
        say(describe(error))
    else:
        say(f"unexpected {type(error).__name__}: {error} (run with {DEBUG_VARIABLE}=1 for the traceback)")
    if os.environ.get(DEBUG_VARIABLE, "") not in ("", "0"):
        traceback.print_exception(error, file=sys.stderr)
    return FAILED
