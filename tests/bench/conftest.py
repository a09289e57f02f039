"""Shared fixtures: one scenario cache per test session, threads pinned."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from gapdoctor.bench.catalogue import select_scenarios
from gapdoctor.bench.runner import BenchResult, run_bench
from gapdoctor.bench.scenario import _key
from tests.data.record_bench_fast import FOLDER, recorded_name


@pytest.fixture(scope="session")
def bench_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench-cache")


@pytest.fixture(scope="session")
def fast_bench(bench_cache: Path) -> BenchResult:
    """The fast subset (one scenario per cause, one healthy run), diagnosed from the scenario data
    recorded once in tests/data/bench_fast/ (built fresh they are training trajectories, which
    differ from one CPU to another; see tests/data/record_bench_fast.py)."""
    for scenario in select_scenarios(fast=True):
        for suffix in (".json", ".npz"):
            recorded = FOLDER / f"{recorded_name(scenario)}{suffix}"
            assert recorded.exists(), f"{recorded} missing: re-record with python -m tests.data.record_bench_fast"
            shutil.copy(recorded, bench_cache / f"{_key(scenario)}{suffix}")
    with threadpool_limits(limits=1):
        result = run_bench(fast=True, cache=bench_cache)
    assert all(r.cached for r in result.results)  # every scenario read back, none rebuilt
    return result
