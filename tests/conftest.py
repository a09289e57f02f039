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


@pytest.fixture(scope="session")
def overfit_run() -> TrainedRun:
    """Digits with only 150 training rows and a wide unregularised MLP for 150 epochs."""
    return train_by_epoch(*scaled_split(load_digits, 150), epochs=150, hidden=(256,))


@pytest.fixture(scope="session")
def healthy_run() -> TrainedRun:
    """Digits with 1200 training rows, L2-regularised, stopped while validation still improves."""
    return train_by_epoch(*scaled_split(load_digits, 1200), epochs=12, hidden=(64,), alpha=1e-2)


@pytest.fixture(scope="session")
def saturated_run() -> TrainedRun:
    """Wine: an easy task where validation accuracy reaches 100% early while the loss keeps falling."""
    return train_by_epoch(*scaled_split(load_wine, 120), epochs=200, hidden=(64,), lr=1e-2)
