"""Real runs on scikit-learn's bundled data with one metric-side problem injected each.

Each scenario returns the keyword arguments of :func:`gapdoctor.diagnose`; runs are
cached so the per-check tests and the whole-diagnosis test share them. Fits are
single-threaded.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gapdoctor.bench.training import train_by_epoch

Scenario = dict[str, Any]


def scaled_splits(X: np.ndarray, y: np.ndarray, *, train_size: int | float, seed: int = 0) -> tuple[np.ndarray, ...]:
    """A stratified split, both sides standardised with the training side's scaler."""
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=train_size, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), y_train, scaler.transform(X_val), y_val


def epoch_run(X_train: np.ndarray, y_train: np.ndarray, X_val: np.ndarray, y_val: np.ndarray, **kw: Any) -> Scenario:
    """:func:`~gapdoctor.bench.training.train_by_epoch` on one thread: history, labels, validation probabilities."""
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, **kw)
    return {"history": run.history, "y_train": y_train, "y_val": y_val, "val_probs": run.val_probs}


@cache
def imbalanced_f1(seed: int = 1) -> Scenario:
    """7% positives, an unweighted logistic regression, F1 at the default 0.5 threshold."""
    X, y = make_classification(
        n_samples=6000,
        n_features=20,
        n_informative=5,
        weights=[0.93, 0.07],
        class_sep=0.6,
        flip_y=0.02,
        random_state=seed,
    )
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.5, stratify=y, random_state=seed)
    with threadpool_limits(limits=1):
        model = LogisticRegression(max_iter=1000).fit(X_train, y_train)
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_val": X_val,
        "y_val": y_val,
        "val_probs": model.predict_proba(X_val),
        "metric": "f1",
    }


@cache
def balanced_f1(seed: int = 0) -> Scenario:
    """Breast cancer, scaled logistic regression, F1: the default threshold is fine."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.5, stratify=y, random_state=seed)
    with threadpool_limits(limits=1):
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X_train, y_train)
    return {"y_train": y_train, "y_val": y_val, "val_probs": model.predict_proba(X_val), "metric": "f1"}


@cache
def tiny_validation(seed: int = 0) -> Scenario:
    """Digits validated on 30 rows (accuracy moves in 3.3-point steps) while the model still improves.

    An L2-regularised MLP in its slow phase: over the second half of the run its validation
    loss still falls and 1000 held-out rows (see :func:`tiny_validation_run`) still gain, while
    the 30 rows stay flat — the run is stuck by the bench's definition, and the set is why.
    """
    return tiny_validation_run(seed)[0]


TINY_VALIDATION_EPOCHS = 60


@cache
def tiny_validation_run(seed: int = 0) -> tuple[Scenario, list[float]]:
    """:func:`tiny_validation` and the model's accuracy per epoch on 1000 held-out digits rows."""
    X, y = load_digits(return_X_y=True)
    X_rest, X_hold, y_rest, y_hold = train_test_split(X, y, test_size=1000, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=30, stratify=y_rest, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    with threadpool_limits(limits=1):
        run = train_by_epoch(
            scaler.transform(X_train),
            y_train,
            scaler.transform(X_val),
            y_val,
            epochs=TINY_VALIDATION_EPOCHS,
            hidden=(32,),
            lr=3e-3,
            alpha=1e-2,
            seed=seed,
            holdout=(scaler.transform(X_hold), y_hold),
        )
    assert run.holdout_metric is not None
    scenario = {"history": run.history, "y_train": y_train, "y_val": y_val, "val_probs": run.val_probs}
    return scenario, run.holdout_metric


@cache
def digits_healthy(seed: int = 0) -> Scenario:
    """Digits, 900 training rows, about 900 validation rows, regularised MLP."""
    X, y = load_digits(return_X_y=True)
    return epoch_run(*scaled_splits(X, y, train_size=900, seed=seed), epochs=30, hidden=(64,), alpha=1e-3, seed=seed)


@cache
def hard_class(seed: int = 0) -> Scenario:
    """Digits with all but 4 training rows of class 8 removed: 8 is never learned."""
    X, y = load_digits(return_X_y=True)
    X_train, y_train, X_val, y_val = scaled_splits(X, y, train_size=900, seed=seed)
    rng = np.random.default_rng(seed)
    eights = np.flatnonzero(y_train == 8)
    keep = np.setdiff1d(np.arange(len(y_train)), rng.choice(eights, size=len(eights) - 4, replace=False))
    return epoch_run(X_train[keep], y_train[keep], X_val, y_val, epochs=30, hidden=(64,), alpha=1e-3, seed=seed)


def _easy_split(seed: int) -> tuple[np.ndarray, ...]:
    X, y = make_classification(
        n_samples=3000, n_features=20, n_informative=10, n_redundant=0, n_classes=3, class_sep=2.5, random_state=seed
    )
    return scaled_splits(X, y, train_size=1500, seed=seed)


@cache
def easy_task(seed: int = 0) -> Scenario:
    """Three well-separated classes: validation accuracy reaches 99% and stays there."""
    return epoch_run(*_easy_split(seed), epochs=60, hidden=(64,), seed=seed)


@cache
def easy_task_noisy_validation(seed: int = 0) -> Scenario:
    """The easy task with 6% of the validation labels flipped: the ceiling is about 94%."""
    X_train, y_train, X_val, y_val = _easy_split(seed)
    rng = np.random.default_rng(seed)
    flipped = rng.choice(len(y_val), size=90, replace=False)
    y_noisy = y_val.copy()
    y_noisy[flipped] = (y_noisy[flipped] + rng.integers(1, 3, size=len(flipped))) % 3
    return epoch_run(X_train, y_train, X_val, y_noisy, epochs=60, hidden=(64,), seed=seed)
