"""Shared fixtures of the corpus tests: one cache per session, cheap seeds, threads pinned."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

from gapdoctor.bench.corpus.draws import draw_params
from gapdoctor.bench.corpus.generate import ATTEMPT_STRIDE, KINDS, causes_for_seed

CHEAP_DATASETS = ("wine", "iris")
CHEAP_MODELS = ("sklearn_mlp", "logistic")


def cheap_seed(kind: str) -> int:
    """The first corpus seed of ``kind`` whose first draw trains on a small bundled set (a quick build)."""
    for seed in range(KINDS.index(kind), 5000, len(KINDS)):
        params = draw_params(causes_for_seed(seed), seed * ATTEMPT_STRIDE, CHEAP_MODELS)
        small = params["dataset"] in CHEAP_DATASETS and params["train"]["epochs"] <= 80
        if small and (params["model"] == "logistic" or "overfitting" in params["causes"]):
            return seed
    raise AssertionError(f"no cheap seed for {kind}")


@pytest.fixture(scope="session")
def corpus_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("corpus-cache")


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield
