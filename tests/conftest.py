"""Shared fixtures: real training runs on scikit-learn's bundled datasets, recorded epoch by epoch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gapdoctor.bench.training import TrainedRun, train_by_epoch
from tests.recorded import RecordedRun, recorded_run
from tests.seeds import SEEDS

Split = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@pytest.fixture(autouse=True, scope="session")
def _run_store_outside_the_checkout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The integrations write every run into the run store by default: into a temporary one here,
    never ./.gapdoctor/ of the checkout (tests that read the default path set it themselves)."""
    from gapdoctor.io.store import STORE_ENV_VAR

    patch = pytest.MonkeyPatch()
    patch.setenv(STORE_ENV_VAR, str(tmp_path_factory.mktemp("run-store") / "runs.sqlite"))
    yield
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def _scores_are_the_checks_strengths() -> Iterator[None]:
    """Tests read each check's own strength of evidence: the shipped scoring policy
    (gapdoctor/stats/scoring_fit.json) is re-fitted on the corpus whenever the checks change, so a
    test pinning a score would pin one fit. Any valid policy keeps every order and reported set
    (``ScoreMap``'s rules), so headlines are the same either way; tests/stats/test_scoring.py tests
    the shipped policy itself, on the recorded bench."""
    from gapdoctor.stats.scoring import scored_with

    with scored_with(None):  # the variable reaches the CLI's subprocesses too
        yield


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


@pytest.fixture(scope="session")
def overfit_run() -> RecordedRun:
    """Digits with only 150 training rows and a wide unregularised MLP for 150 epochs.

    Recorded once (tests/data/record_overfit_run.py): how clearly it overfits depends on the
    trajectory (scores 0.34-0.66 over seeds 0-5, around the 0.5 reporting line).
    """
    return recorded_run("overfit_run")


@_per_seed
def healthy_run(request: pytest.FixtureRequest) -> TrainedRun:
    """Digits with 1200 training rows, L2-regularised, stopped while validation still improves."""
    seed = request.param
    return train_by_epoch(*scaled_split(load_digits, 1200, seed), epochs=12, hidden=(64,), alpha=1e-2, seed=seed)


def _digits_zero_or_one(return_X_y: bool = True) -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[y < 2], y[y < 2]


@_per_seed
def saturated_run(request: pytest.FixtureRequest) -> TrainedRun:
    """Digits 0 vs 1: an easy task where validation accuracy reaches its ceiling early while the loss
    keeps falling. (Wine, used before, is not separable on every split: 98.3% at best on seeds 1 and 2.)"""
    seed = request.param
    return train_by_epoch(*scaled_split(_digits_zero_or_one, 120, seed), epochs=200, hidden=(64,), lr=1e-2, seed=seed)
