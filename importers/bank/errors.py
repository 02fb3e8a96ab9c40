"""The one error every bank-file reader raises: which file, where in it, and what is wrong."""

from __future__ import annotations


class BankFileError(ValueError):
    """A bank file cannot be read as a whole; nothing from it may be booked.

    ``location`` is ``line 42, Stmt[1]/Ntry[3]`` for XML, ``line 7, column amount`` for CSV, or
    empty when the problem concerns the whole file (too big, unknown format).

    >>> str(BankFileError("statement.xml", "line 42, Stmt[1]/Ntry[3]", "missing Amt"))
    'statement.xml: line 42, Stmt[1]/Ntry[3]: missing Amt'
    >>> str(BankFileError("huge.xml", "", "file is too big"))
    'huge.xml: file is too big'
    """

    def __init__(self, file_name: str, location: str, reason: str) -> None:
        self.file_name = file_name
        self.location = location
        self.reason = reason
        where = f"{file_name}: {location}" if location else file_name
        super().__init__(f"{where}: {reason}")

    def __reduce__(self) -> tuple[type[BankFileError], tuple[str, str, str]]:
        return (type(self), (self.file_name, self.location, self.reason))


class UnbalancedStatement(BankFileError):
    """A statement's booked balances do not add up: opening + booked entries ≠ closing.

    Refused like any bad file; a clerk may import it anyway with a reason (an override), which is recorded.
    """
