"""One small data set with known faults, given as numpy arrays, for the Dask-vs-memory tests.

make_classification (3 classes, 8 features), probabilities of a model that learned the
true classes, 15% of class 0's training labels flipped (label noise), feature x0 of
the validation split shifted by one unit (covariate shift), 37 training rows copied
into the validation split (leakage), and a subgroup id per validation row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.datasets import make_classification

N_TRAIN, N_VAL, COPIES = 4_000, 2_000, 37


def faulty_data(seed: int = 0) -> dict[str, Any]:
    X, y = make_classification(N_TRAIN + N_VAL, 8, n_informative=5, n_classes=3, random_state=seed)
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(len(y), 3))
    logits[np.arange(len(y)), y] += 2.5
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y_train = y[:N_TRAIN].copy()
    flipped = np.flatnonzero((y_train == 0) & (rng.random(N_TRAIN) < 0.15))
    y_train[flipped] = rng.integers(1, 3, size=len(flipped))
    X_val = X[N_TRAIN:].copy()
    X_val[:, 0] += 1.0
    copied = rng.choice(N_TRAIN, COPIES, replace=False)
    X_val[:COPIES] = X[copied]
    return {
        "X_train": X[:N_TRAIN],
        "y_train": y_train,
        "train_probs": probs[:N_TRAIN],
        "X_val": X_val,
        "y_val": y[N_TRAIN:],
        "val_probs": probs[N_TRAIN:],
        "groups_val": rng.choice(np.array(["a", "b", "c"]), N_VAL),
        "flipped": flipped,
    }


def as_dask_arrays(data: dict[str, Any], rows_per_chunk: int) -> dict[str, Any]:
    import dask.array as da

    return {
        name: da.from_array(value, chunks=(rows_per_chunk, *value.shape[1:]))
        for name, value in data.items()
        if name != "flipped"
    }
