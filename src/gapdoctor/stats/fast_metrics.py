"""Thresholded metrics from a confusion matrix: the same numbers as :mod:`gapdoctor.stats.metrics`, fast.

Bootstraps and threshold searches score hundreds of resamples; scikit-learn's metric
functions validate their inputs on every call (milliseconds each). A confusion matrix
built with one ``bincount`` gives accuracy, error, balanced accuracy, F1, precision and
recall exactly as :data:`gapdoctor.stats.metrics.METRICS` defines them (binary: positive
class 1; more classes: macro average, zero division counted as 0).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["FAST_METRICS", "confusion", "from_confusion"]

FAST_METRICS = frozenset({"accuracy", "error", "balanced_accuracy", "f1", "precision", "recall"})


def confusion(y: NDArray[np.int64], pred: NDArray[np.int64], n_classes: int) -> NDArray[np.float64]:
    """Confusion matrix (true x predicted) as floats."""
    flat = np.bincount(y * n_classes + pred, minlength=n_classes * n_classes)
    return np.asarray(flat.reshape(n_classes, n_classes), dtype=np.float64)


def _ratio(num: NDArray[np.float64], den: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.divide(num, den, out=np.zeros_like(num), where=den > 0)


def from_confusion(name: str, matrix: NDArray[np.float64]) -> float:
    """The metric ``name`` (one of :data:`FAST_METRICS`) from a confusion matrix.

    Examples
    --------
    >>> import numpy as np
    >>> m = confusion(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2)
    >>> round(from_confusion("f1", m), 4), from_confusion("accuracy", m)
    (0.8, 0.75)
    """
    total = matrix.sum()
    tp = np.diag(matrix)
    actual, predicted = matrix.sum(axis=1), matrix.sum(axis=0)
    if name == "accuracy":
        return float(tp.sum() / total) if total else 0.0
    if name == "error":
        return float(1.0 - tp.sum() / total) if total else 1.0
    if name == "balanced_accuracy":
        present = actual > 0
        return float(np.mean(tp[present] / actual[present])) if present.any() else 0.0
    precision, recall = _ratio(tp, predicted), _ratio(tp, actual)
    if matrix.shape[0] == 2:  # binary: the positive class is 1
        values = {"precision": precision[1], "recall": recall[1], "f1": _ratio(2 * tp, actual + predicted)[1]}
        return float(values[name])
    if name == "f1":  # macro over every class
        return float(np.mean(_ratio(2 * tp, actual + predicted)))
    seen = (actual > 0) | (predicted > 0)  # macro over the labels present, as scikit-learn
    return float(np.mean((precision if name == "precision" else recall)[seen]))
