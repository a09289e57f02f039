"""Where the partition passes run: the user's Dask scheduler, or a local cluster made for the run.

Order of preference: a ``dask.distributed`` client already running in the process (its
cluster, whatever its size); else a scheduler the user set with
``dask.config.set(scheduler=...)`` (e.g. ``"synchronous"``, ``"threads"``); else a
:class:`distributed.LocalCluster` of :data:`LOCAL_WORKERS` single-threaded worker
processes, started for this diagnosis and closed after it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.dask_inputs import DASK_EXTRA

__all__ = ["LOCAL_WORKERS", "LOCAL_WORKER_MEMORY", "dask_scheduler"]

LOCAL_WORKERS = 2
"""Worker processes of the default LocalCluster: two partitions read at a time, one per core of a
small machine, each worker holding one partition's blocks and its small statistics."""

LOCAL_WORKER_MEMORY = "4GB"
"""Memory limit of each default worker (Dask spills, then pauses, near it): one partition of a
few million rows x tens of columns fits many times over; a user with bigger partitions starts
their own cluster."""


def _distributed() -> Any:
    """``dask.distributed`` (untyped: held as Any), or None when not installed."""
    try:
        return importlib.import_module("distributed")
    except ImportError:
        return None


def _running_client() -> Any:
    distributed = _distributed()
    if distributed is None:
        return None
    try:
        return distributed.default_client()
    except ValueError:  # no client in this process
        return None


@contextmanager
def dask_scheduler() -> Iterator[str]:
    """Run the block on the chosen scheduler; yields a description of it for the report."""
    import dask

    client = _running_client()
    if client is not None:
        yield f"the running Dask client ({len(client.scheduler_info().get('workers', {}))} workers)"
        return
    configured = dask.config.get("scheduler", None)
    if configured is not None:
        yield f"the Dask scheduler {configured!r}"
        return
    distributed = _distributed()
    if distributed is None:
        raise GapdoctorInputError("X_train", "is a Dask collection but dask.distributed is not installed", DASK_EXTRA)
    with (
        distributed.LocalCluster(
            n_workers=LOCAL_WORKERS,
            threads_per_worker=1,
            memory_limit=LOCAL_WORKER_MEMORY,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        yield f"a LocalCluster of {LOCAL_WORKERS} workers ({LOCAL_WORKER_MEMORY} each)"
