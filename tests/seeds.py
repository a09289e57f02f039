"""Seeds for the tests built on a training trajectory.

A training run's trajectory differs bit by bit between CPUs (vector widths, BLAS kernels,
thread counts), and a chaotic run amplifies the difference. A test that relies on a
trajectory therefore asserts only what holds for every seed here: what survives a seed
change survives a CPU change. Run them on other seeds with, e.g.,
``GAPDOCTOR_TEST_SEEDS=3,4,5 make pytest`` (see CONTRIBUTING.md).
"""

from __future__ import annotations

import os

import pytest

DEFAULT_SEEDS = (0, 1, 2)


def _parse(raw: str | None) -> tuple[int, ...]:
    if raw is None or not raw.strip():
        return DEFAULT_SEEDS
    try:
        seeds = tuple(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise pytest.UsageError(f"GAPDOCTOR_TEST_SEEDS={raw!r}: give comma-separated integers, e.g. 0,1,2") from None
    if not seeds:
        raise pytest.UsageError(f"GAPDOCTOR_TEST_SEEDS={raw!r}: give at least one seed, e.g. 0,1,2")
    return seeds


SEEDS: tuple[int, ...] = _parse(os.environ.get("GAPDOCTOR_TEST_SEEDS"))
"""The seeds every trajectory test runs on (``GAPDOCTOR_TEST_SEEDS``, default 0,1,2)."""

each_seed = pytest.mark.parametrize("seed", SEEDS, ids=[f"seed{s}" for s in SEEDS])
"""Decorator: run the test once per seed in :data:`SEEDS` (argument ``seed``)."""
