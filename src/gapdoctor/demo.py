"""The demo: a real run with a real injected problem, diagnosed.

Digits (scikit-learn's bundled 8x8 images), a small training set in which 30% of the
labels were flipped to another class, and an unregularised MLP trained epoch by epoch:
the training loss keeps falling while validation accuracy stalls.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gapdoctor.bench.training import flip_labels, out_of_fold_probs, train_by_epoch
from gapdoctor.engine import diagnose
from gapdoctor.findings import Diagnosis

__all__ = ["DemoRun", "flip_labels", "run_demo"]


@dataclass(frozen=True)
class DemoRun:
    """The demo's outcome: the diagnosis, the truly flipped rows and the time taken; the
    training labels and out-of-fold probabilities it diagnosed (for ``rows_table``)."""

    diagnosis: Diagnosis
    flipped_rows: np.ndarray
    seconds: float
    y_train: np.ndarray | None = None
    train_probs: np.ndarray | None = None


def run_demo(*, seed: int = 0, noise: float = 0.3, epochs: int = 60) -> DemoRun:
    """Train, record, diagnose.

    Parameters
    ----------
    seed : int, default=0
    noise : float, default=0.3
        Fraction of training labels flipped.
    epochs : int, default=60

    Returns
    -------
    DemoRun
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=600, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    y_noisy, flipped = flip_labels(y_train, noise, 10, rng)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_noisy, X_val, y_val, epochs=epochs, hidden=(256,), seed=seed)
        train_probs = out_of_fold_probs(X_train, y_noisy, epochs=10, hidden=(256,), seed=seed)
        diagnosis = diagnose(
            history=run.history,
            X_train=X_train,
            y_train=y_noisy,
            X_val=X_val,
            y_val=y_val,
            train_probs=train_probs,
            val_probs=run.val_probs,
            metric="accuracy",
        )
    return DemoRun(
        diagnosis=diagnosis,
        flipped_rows=flipped,
        seconds=time.perf_counter() - started,
        y_train=y_noisy,
        train_probs=train_probs,
    )
