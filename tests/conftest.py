"""Shared fixtures: real training runs on scikit-learn's bundled datasets, recorded epoch by epoch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gapdoctor.bench.training import TrainedRun, train_by_epoch
from tests.seeds import SEEDS

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@pytest.fixture(autouse=True, scope="session")
def _one_thread() -> Iterator[None]:
    """Model fits run single-threaded: two cores oversubscribe easily."""
    with threadpool_limits(limits=1):
        yield


def scaled_split(loader: object, train_size: int, seed: int = 0) -> Split:
    X, y = loader(return_X_y=True)  # type: ignore[operator]
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=train_size, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), y_train, scaler.transform(X_val), y_val


# The runs below are training trajectories: each is built once per seed in tests/seeds.py
# (GAPDOCTOR_TEST_SEEDS), the seed choosing both the split and the model's initialisation.
_per_seed = pytest.fixture(scope="session", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])


@_per_seed
def overfit_run(request: pytest.FixtureRequest) -> TrainedRun:
    """Digits with only 150 training rows and a wide unregularised MLP for 150 epochs."""
    seed = request.param
    return train_by_epoch(*scaled_split(load_digits, 150, seed), epochs=150, hidden=(256,), seed=seed)


@_per_seed
def healthy_run(request: pytest.FixtureRequest) -> TrainedRun:
    """Digits with 1200 training rows, L2-regularised, stopped while validation still improves."""
    seed = request.param
    return train_by_epoch(*scaled_split(load_digits, 1200, seed), epochs=12, hidden=(64,), alpha=1e-2, seed=seed)


@_per_seed
def saturated_run(request: pytest.FixtureRequest) -> TrainedRun:
    """Wine: an easy task where validation accuracy reaches 100% early while the loss keeps falling."""
    seed = request.param
    return train_by_epoch(*scaled_split(load_wine, 120, seed), epochs=200, hidden=(64,), lr=1e-2, seed=seed)
