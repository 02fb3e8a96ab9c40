"""Command handlers for readings, tariffs and billing runs, mixed into :class:`ledger.application.Saldo`.

Each handler is a ``_handle_<CommandName>(self, command, rid)`` method returning the aggregates to save
and the result, like the handlers in ``ledger/application.py``.
"""

from __future__ import annotations


class BillingHandlers:
    pass
