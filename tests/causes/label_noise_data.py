"""Shared by the label-noise tests: bundled data, injected noise, out-of-fold probabilities, per-row losses."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

LOADERS = {"digits": load_digits, "wine": load_wine, "breast_cancer": load_breast_cancer}


@cache
def dataset(name: str) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    X, y = LOADERS[name](return_X_y=True)
    return StandardScaler().fit_transform(X), np.asarray(y, dtype=np.int64)


def flip_labels(y: NDArray[np.int64], rate: float, kind: str, seed: int = 0) -> NDArray[np.int64]:
    """``rate`` of the rows get another label: "symmetric" (uniform other class) or
    "class_conditional" (class k -> k+1, a fixed confusion)."""
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    rows = rng.choice(len(y), round(rate * len(y)), replace=False)
    noisy = y.copy()
    shift = rng.integers(1, k, len(rows)) if kind == "symmetric" else 1
    noisy[rows] = (y[rows] + shift) % k
    return noisy


@cache
def _oof(name: str, rate: float, kind: str, seed: int) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    X, y = dataset(name)
    noisy = y if rate == 0 else flip_labels(y, rate, kind, seed)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    with threadpool_limits(1):
        probs = cross_val_predict(model, X, noisy, cv=5, method="predict_proba")
    return noisy, probs


def noisy_split(
    name: str, rate: float = 0.0, kind: str = "symmetric", seed: int = 0
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """(clean labels, given labels, out-of-fold probabilities of a logistic regression)."""
    noisy, probs = _oof(name, rate, kind, seed)
    return dataset(name)[1], noisy.copy(), probs.copy()


def per_row_losses(
    X: NDArray[np.float64], y: NDArray[np.int64], *, epochs: int = 30, seed: int = 0
) -> tuple[dict[str, list[float]], NDArray[np.float64]]:
    """Train an MLP epoch by epoch; return its curves and each row's log loss after every epoch."""
    classes = np.arange(int(y.max()) + 1)
    model = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=1e-3, batch_size=32, random_state=seed)
    losses = np.empty((epochs, len(y)))
    history: dict[str, list[float]] = {"train_loss": []}
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for epoch in range(epochs):
            model.partial_fit(X, y, classes=classes)
            probs = model.predict_proba(X)
            losses[epoch] = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, 1.0))
            history["train_loss"].append(float(losses[epoch].mean()))
    return history, losses
