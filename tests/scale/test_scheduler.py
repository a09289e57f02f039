"""Where the partition passes run (gapdoctor.scale.scheduler): the one test on a real 2-worker cluster."""

from __future__ import annotations

import pytest

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

import gapdoctor  # noqa: E402
from gapdoctor.scale.scheduler import LOCAL_WORKERS, dask_scheduler  # noqa: E402
from tests.scale.faulty_data import as_dask_arrays, faulty_data  # noqa: E402


def test_a_configured_scheduler_is_used_as_it_is() -> None:
    with dask.config.set(scheduler="threads"), dask_scheduler() as where:
        assert where == "the Dask scheduler 'threads'"


@pytest.mark.filterwarnings("ignore::ResourceWarning")  # distributed's sockets at teardown, not ours
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # distributed's own deprecations under Python 3.11
def test_without_a_scheduler_a_local_cluster_of_two_worker_processes_runs_and_is_closed() -> None:
    data = faulty_data()
    with dask.config.set(scheduler="synchronous"):
        synchronous = gapdoctor.diagnose(**as_dask_arrays(data, 1_000))
    assert dask.config.get("scheduler", None) is None
    diagnosis = gapdoctor.diagnose(**as_dask_arrays(data, 1_000))
    assert diagnosis.inputs["dask"]["scheduler"] == f"a LocalCluster of {LOCAL_WORKERS} workers (4GB each)"
    assert diagnosis.inputs["dask"]["exact"] == synchronous.inputs["dask"]["exact"]
    assert [(f.cause, f.score) for f in diagnosis.findings] == [(f.cause, f.score) for f in synchronous.findings]
    with pytest.raises(ValueError):
        distributed.default_client()  # the cluster made for the diagnosis is gone with it
