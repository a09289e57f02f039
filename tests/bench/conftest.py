"""Shared fixtures: one scenario cache per test session, threads pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from gapdoctor.bench.runner import BenchResult, run_bench


@pytest.fixture(scope="session")
def bench_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bench-cache")


@pytest.fixture(scope="session")
def fast_bench(bench_cache: Path) -> BenchResult:
    """The fast subset (one scenario per cause, one healthy run), built into the session cache."""
    with threadpool_limits(limits=1):
        return run_bench(fast=True, cache=bench_cache)
