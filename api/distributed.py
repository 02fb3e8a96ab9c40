"""Billing runs rated on a Dask cluster: the :class:`~ledger.billing.ports.PartitionMapper` over
``dask.distributed``.

Which cluster, by one setting (``SALDO_DASK_SCHEDULER``, or ``--dask`` of ``saldo billing run|simulate``):

* unset or empty: no cluster, the run rates in its own process (the default);
* ``tcp://host:8786`` (any scheduler address ``distributed.Client`` takes): that cluster's workers rate;
* ``local:N``: a ``LocalCluster`` of N worker processes on this machine, started for the run.

The workers need the same Saldo code (the ``ledger`` package, same version) importable, and nothing else:
no store, no settings. They get pure partitions (:mod:`ledger.billing.partitions`) and send drafts back;
the run's own process issues every document, so invoices are numbered and stored exactly as by a local run.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from ledger.billing.ports import PartitionMapper, Pending

SCHEDULER_SETTING = "SALDO_DASK_SCHEDULER"

P = TypeVar("P")
R = TypeVar("R")


class DaskSettingError(ValueError):
    """The scheduler setting is malformed; the message names it."""


@dataclass(frozen=True)
class Gathered(Pending[R]):
    """Futures of one chunk's partitions; :meth:`result` gathers them in partition order."""

    client: Any  # a distributed.Client, whose methods are untyped
    futures: list[Any]

    def result(self) -> list[R]:
        # gather keeps the order of the futures given, whatever order they finished in
        # (https://distributed.dask.org/en/stable/api.html#distributed.Client.gather).
        return list(self.client.gather(self.futures))


@dataclass(frozen=True)
class DaskMapper:
    """Each partition a task on the cluster of ``client``."""

    client: Any  # a distributed.Client

    def map(self, fn: Callable[[P], R], partitions: Sequence[P]) -> Pending[R]:
        if not partitions:
            return Gathered(self.client, [])
        # pure=False: the partitions are not hashed for a key (tokenizing the aggregates costs more than
        # sending them: measured, a scatter with hashing took 1.3 ms a contract, more than rating it).
        # They go with their tasks (a few hundred kB each), not scattered first: one round trip less.
        return Gathered(self.client, self.client.map(fn, list(partitions), pure=False))


def local_workers(address: str) -> int | None:
    """The N of ``local:N`` (None for a scheduler address).

    >>> local_workers("local:2"), local_workers("tcp://10.0.0.5:8786")
    (2, None)
    """
    if not address.startswith("local:"):
        return None
    text = address.removeprefix("local:")
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise DaskSettingError(f"{SCHEDULER_SETTING} {address!r}: local:N needs N workers, 1 to 64")
    return int(text)


@contextmanager
def partition_mapper(address: str | None = None) -> Iterator[PartitionMapper | None]:
    """The mapper of ``address`` (default: the setting), connected for the block; None when unset."""
    address = (os.environ.get(SCHEDULER_SETTING, "") if address is None else address).strip()
    if not address:
        yield None
        return
    from distributed import Client, LocalCluster  # only runs that use a cluster pay for the import

    # The scheduler's and nannies' start and stop notes are not the run's output (a CLI prints its own).
    logging.getLogger("distributed").setLevel(logging.WARNING)

    workers = local_workers(address)
    if workers is None:
        if "://" not in address:
            raise DaskSettingError(
                f"{SCHEDULER_SETTING} {address!r} is neither a scheduler address (tcp://host:8786) "
                "nor local:N")
        with Client(address) as client:  # type: ignore[no-untyped-call]
            yield DaskMapper(client)
        return
    # No dashboard, and the scheduler's HTTP endpoints on a free port: several runs (or test sessions) on
    # one machine must not fight over 8787.
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
        scheduler_kwargs={"dashboard_address": ":0"},
    )
    with cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield DaskMapper(client)
