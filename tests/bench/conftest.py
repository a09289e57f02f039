"""Shared fixtures: one scenario cache per test session, threads pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from gapdoctor.bench.catalogue import select_scenarios
from gapdoctor.bench.runner import BenchResult, run_bench
from tests.data.record_bench import copy_into


@pytest.fixture(scope="session")
def bench_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench-cache")


@pytest.fixture(scope="session")
def fast_bench(bench_cache: Path) -> BenchResult:
    """The fast subset (one scenario per cause, one healthy run), diagnosed from the scenario data
    recorded once in tests/data/bench/ (built fresh they are training trajectories, which
    differ from one CPU to another; see tests/data/record_bench.py)."""
    copy_into(bench_cache, select_scenarios(fast=True))
    with threadpool_limits(limits=1):
        result = run_bench(fast=True, cache=bench_cache)
    assert all(r.cached for r in result.results)  # every scenario read back, none rebuilt
    return result
