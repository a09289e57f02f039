"""Building blocks of the scenarios: bundled data sets, splits, and one recorded MLP run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine, make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from gapdoctor.bench.scenario import ScenarioData
from gapdoctor.bench.training import SKLEARN_MLP, Order, Trainer

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

MAX_TRACKED_ROWS = 1000
"""Per-row losses are recorded for at most this many training rows (a random subset)."""


@dataclass(frozen=True)
class Split:
    """Features and class ids of a training and a validation split."""

    X_train: FloatArray
    y_train: IntArray
    X_val: FloatArray
    y_val: IntArray


def load(name: str) -> tuple[FloatArray, IntArray]:
    """A bundled scikit-learn data set: ``digits``, ``breast_cancer``, ``wine`` or ``iris``."""
    loaders: dict[str, Callable[..., Any]] = {
        "digits": load_digits,
        "breast_cancer": load_breast_cancer,
        "wine": load_wine,
        "iris": load_iris,
    }
    X, y = loaders[name](return_X_y=True)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def synthetic(seed: int, **options: Any) -> tuple[FloatArray, IntArray]:
    """``make_classification`` with the given options, deterministic from ``seed``."""
    X, y = make_classification(random_state=seed, **options)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def split(
    X: FloatArray,
    y: IntArray,
    *,
    train_size: int | float,
    val_size: int | float | None = None,
    seed: int,
    scale: bool = True,
) -> Split:
    """Stratified random train/validation split; features standardised on the training rows."""
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, train_size=train_size, test_size=val_size, stratify=y, random_state=seed
    )
    if scale:
        scaler = StandardScaler().fit(X_train)
        X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    return Split(
        np.asarray(X_train, dtype=np.float64),
        np.asarray(y_train, dtype=np.int64),
        np.asarray(X_val, dtype=np.float64),
        np.asarray(y_val, dtype=np.int64),
    )


def scaled(data: Split) -> Split:
    """The split with features standardised on its training rows."""
    scaler = StandardScaler().fit(data.X_train)
    return replace(data, X_train=scaler.transform(data.X_train), X_val=scaler.transform(data.X_val))


def mlp_run(
    data: Split,
    *,
    seed: int,
    epochs: int,
    hidden: tuple[int, ...] = (128,),
    lr: float = 1e-3,
    alpha: float = 1e-4,
    batch_size: int = 32,
    metric: str = "accuracy",
    solver: str = "adam",
    order: Order = "epoch",
    lr_schedule: Callable[[int], float] | None = None,
    holdout: tuple[FloatArray, IntArray] | None = None,
    extra: dict[str, np.ndarray[Any, Any]] | None = None,
    facts: dict[str, Any] | None = None,
    trainer: Trainer = SKLEARN_MLP,
) -> ScenarioData:
    """Train a model epoch by epoch as a training loop with a recorder would, and collect every input.

    The recorder's view: the curves, per-row losses of (up to 1000) training rows, the
    label order of the last epoch, the final validation probabilities, and out-of-fold
    probabilities of the training rows from the same configuration (5-fold). ``trainer``
    picks the model family (:data:`~gapdoctor.bench.training.SKLEARN_MLP` by default).

    Returns
    -------
    ScenarioData
    """
    rng = np.random.default_rng(seed + 7919)
    n_train = len(data.y_train)
    tracked = np.arange(n_train)
    if n_train > MAX_TRACKED_ROWS:
        tracked = np.sort(rng.choice(n_train, size=MAX_TRACKED_ROWS, replace=False))
    options: dict[str, Any] = {
        "epochs": epochs,
        "hidden": hidden,
        "lr": lr,
        "alpha": alpha,
        "batch_size": batch_size,
        "seed": seed,
        "solver": solver,
        "order": order,
        "lr_schedule": lr_schedule,
    }
    run = trainer.train(
        data.X_train,
        data.y_train,
        data.X_val,
        data.y_val,
        metric=metric,
        track_rows=tracked,
        holdout=holdout,
        **options,
    )
    train_probs = trainer.out_of_fold(data.X_train, data.y_train, **options)
    arrays: dict[str, np.ndarray[Any, Any]] = {
        "X_train": data.X_train,
        "y_train": data.y_train,
        "X_val": data.X_val,
        "y_val": data.y_val,
        "train_probs": train_probs,
        "val_probs": run.val_probs,
    }
    if run.sample_losses is not None:
        arrays["sample_losses"] = run.sample_losses
        arrays["sample_loss_rows"] = tracked.astype(np.int64)
    if run.label_order is not None:
        arrays["train_label_order"] = run.label_order
    arrays.update(extra or {})
    all_facts: dict[str, Any] = {"n_train": n_train, "n_val": len(data.y_val), "epochs": epochs, **(facts or {})}
    if run.holdout_metric is not None:
        all_facts["holdout_metric"] = [round(v, 4) for v in run.holdout_metric]
    return ScenarioData(history=run.history, arrays=arrays, metric=metric, facts=all_facts)
