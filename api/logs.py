"""Structured logs: one JSON object per line, for every HTTP request and every run and import.

A line carries ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message`` and the fields the caller
gave (:func:`fields`): an HTTP request's ``request_id``, ``method``, ``route`` (the template,
``/accounts/{account_id}/balance``), ``path``, ``status``, ``duration_ms``, ``actor`` (subject and role,
never a credential) and ``client`` (:mod:`api.request_log`); a run's or an import's kind, id and counts
(:mod:`api.operations`). The standard library's logging with a formatter of our own: ``saldo serve`` gives
uvicorn :func:`log_config`, so its own lines are JSON too and its access log (a second, unstructured line
per request) is off.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

#: The attribute of a log record that holds its structured fields (``extra={FIELDS: {...}}``).
FIELDS = "saldo_fields"
#: The loggers a server configures: ours, and uvicorn's.
OUR_LOGGERS = ("saldo", "api", "ledger", "projections", "importers", "uvicorn", "uvicorn.error")


def fields(**values: Any) -> dict[str, Any]:
    """The ``extra`` of a structured log call: ``log.info("...", **fields(run_id=...))``."""
    return {"extra": {FIELDS: values}}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: the standard keys, then the record's fields; a traceback as text."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        extra = getattr(record, FIELDS, None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False, separators=(",", ":"))


def log_config(level: str = "info") -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` (uvicorn's ``log_config``): every line to standard error as JSON.
    Loggers that exist already are left enabled (``disable_existing_loggers`` would silence ours)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"json": handler},
        "loggers": {name: {"handlers": ["json"], "level": level.upper(), "propagate": False}
                    for name in OUR_LOGGERS},
    }
