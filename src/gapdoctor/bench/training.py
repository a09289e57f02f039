"""Train a scikit-learn MLP epoch by epoch and record its curves, as a training loop would."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier

__all__ = ["TrainedRun", "out_of_fold_probs", "train_by_epoch"]


@dataclass(frozen=True)
class TrainedRun:
    """The recorded curves and final predictions of one run."""

    history: dict[str, list[float]]
    val_probs: NDArray[np.float64]
    train_probs_in_sample: NDArray[np.float64]


def _mlp(hidden: tuple[int, ...], lr: float, alpha: float, seed: int, batch_size: int) -> MLPClassifier:
    return MLPClassifier(
        hidden_layer_sizes=hidden,
        learning_rate_init=lr,
        alpha=alpha,
        batch_size=batch_size,
        random_state=seed,
        solver="adam",
    )


def train_by_epoch(
    X_train: NDArray[np.float64],
    y_train: NDArray[np.int64],
    X_val: NDArray[np.float64],
    y_val: NDArray[np.int64],
    *,
    epochs: int,
    hidden: tuple[int, ...] = (128,),
    lr: float = 1e-3,
    alpha: float = 0.0,
    batch_size: int = 32,
    seed: int = 0,
) -> TrainedRun:
    """Train an MLP one epoch per ``partial_fit`` call and log losses and accuracy.

    Parameters
    ----------
    X_train, y_train, X_val, y_val : ndarray
        Labels are class ids ``0..k-1``.
    epochs : int
    hidden : tuple of int, default=(128,)
    lr : float, default=1e-3
    alpha : float, default=0.0
        L2 penalty.
    batch_size : int, default=32
    seed : int, default=0

    Returns
    -------
    TrainedRun
        ``history`` holds train_loss, val_loss, train_accuracy, val_accuracy and lr.
    """
    classes = np.arange(int(max(y_train.max(), y_val.max())) + 1)
    model = _mlp(hidden, lr, alpha, seed, batch_size)
    history: dict[str, list[float]] = {
        k: [] for k in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr")
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            model.partial_fit(X_train, y_train, classes=classes)
            p_train = model.predict_proba(X_train)
            p_val = model.predict_proba(X_val)
            history["train_loss"].append(float(log_loss(y_train, p_train, labels=classes)))
            history["val_loss"].append(float(log_loss(y_val, p_val, labels=classes)))
            history["train_accuracy"].append(float(np.mean(p_train.argmax(1) == y_train)))
            history["val_accuracy"].append(float(np.mean(p_val.argmax(1) == y_val)))
            history["lr"].append(lr)
    return TrainedRun(history=history, val_probs=p_val, train_probs_in_sample=p_train)


def out_of_fold_probs(
    X: NDArray[np.float64],
    y: NDArray[np.int64],
    *,
    epochs: int,
    hidden: tuple[int, ...] = (128,),
    lr: float = 1e-3,
    alpha: float = 0.0,
    batch_size: int = 32,
    folds: int = 5,
    seed: int = 0,
) -> NDArray[np.float64]:
    """Out-of-fold predicted probabilities of the same MLP, by stratified K-fold."""
    classes = np.arange(int(y.max()) + 1)
    out = np.zeros((len(y), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for fit_rows, held_rows in splitter.split(X, y):
            model = _mlp(hidden, lr, alpha, seed, batch_size)
            for _ in range(epochs):
                model.partial_fit(X[fit_rows], y[fit_rows], classes=classes)
            out[held_rows] = model.predict_proba(X[held_rows])
    return out
