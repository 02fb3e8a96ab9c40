"""What an importer needs from the wiring, as a port: importers never import the entrypoints.

The application (commands), the ledger view (queries) and its catch-up are built in one place,
:func:`api.bootstrap.build`; whatever it returns satisfies :class:`Services`, and so may a test's own.
"""

from __future__ import annotations

from typing import Protocol

from ledger.application import Saldo
from projections.runner import CatchUp
from projections.sql import LedgerViewSQL


class Services(Protocol):
    @property
    def app(self) -> Saldo: ...

    @property
    def view(self) -> LedgerViewSQL: ...

    @property
    def projections(self) -> CatchUp: ...
