"""Identifier-like columns: dense, (almost) unique integers such as row ids, timestamps or counters.

Such a column that predicts the label betrays data sorted by label before the ids were given
(:func:`~gapdoctor.causes.preprocessing_leakage.check.train_only_signal` reports it).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.stats.array_types import FeatureArray
from gapdoctor.stats.budget import IDENTIFIER_ROWS, sample_rows

__all__ = ["identifier_like"]

_ID_PREFILTER_ROWS = 2_000  # a column repeating values within this many rows is no identifier


def identifier_like(X_train: FeatureArray, X_val: FeatureArray) -> list[int]:
    """Columns of dense, (almost) unique integers: row ids, timestamps, counters.

    Judged on at most ``IDENTIFIER_ROWS`` rows per split; the density test scales the
    sample's distinct count by the sampling fraction.
    """
    rows_t = sample_rows(len(X_train), IDENTIFIER_ROWS, what="X_train rows for identifier-like columns")
    rows_v = sample_rows(len(X_val), IDENTIFIER_ROWS, what="X_val rows for identifier-like columns", seed=1)
    fraction = (len(rows_t) + len(rows_v)) / (len(X_train) + len(X_val))
    out = []
    for j in range(X_train.shape[1]):
        head = np.asarray(X_train[rows_t[:_ID_PREFILTER_ROWS], j], dtype=np.float64)
        head = head[np.isfinite(head)]
        if len(head) >= 20 and len(np.unique(head)) < 0.95 * len(head):
            continue  # repeats within a few thousand rows: not an identifier (a cheap first look)
        col = np.concatenate([X_train[rows_t, j], X_val[rows_v, j]]).astype(np.float64, copy=False)
        col = col[np.isfinite(col)]
        if len(col) < 20 or not np.all(col == np.round(col)):
            continue
        n_unique = len(np.unique(col))
        if n_unique >= 0.95 * len(col) and (col.max() - col.min() + 1) * fraction <= 2.0 * n_unique:
            out.append(j)
    return out
