"""Decision metrics from confusion counts, for one matrix or a stack of them.

Accuracy, error, balanced accuracy, F1 (binary, macro, micro, weighted), precision,
recall, MCC and Cohen's kappa depend on a confusion matrix only through its diagonal and margins:
:func:`metric_from_class_counts` scores any stack of those counts, so the metric of one
set of predictions (:func:`gapdoctor.stats.metrics.compute_metric`) and of hundreds of
bootstrap resamples at once (:mod:`gapdoctor.stats.resampling`) are the same arithmetic.
The convention for undefined values (``labels=range(n_classes)``, ``zero_division=0``,
NaN for no row) is stated in :mod:`gapdoctor.stats.metrics`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FloatArray, IntArray

__all__ = [
    "CONFUSION_METRICS",
    "confusion_matrix",
    "metric_from_class_counts",
    "metric_from_confusion",
    "metric_from_confusions",
    "per_class_rates",
]


CONFUSION_METRICS = (
    "accuracy",
    "error",
    "balanced_accuracy",
    "f1",
    "precision",
    "recall",
    "f1_micro",
    "f1_weighted",
    "mcc",
    "kappa",
)
"""Metrics of hard decisions (the argmax or a tuned rule), computed from a confusion matrix."""


def confusion_matrix(y_true: IntArray, y_pred: IntArray, n_classes: int) -> IntArray:
    """Confusion matrix, true class x predicted class, of encoded class ids.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3).tolist()
    [[1, 1, 0], [0, 2, 0], [0, 0, 0]]
    """
    flat = np.asarray(y_true, dtype=np.int64) * n_classes + np.asarray(y_pred, dtype=np.int64)
    counts = np.bincount(flat, minlength=n_classes * n_classes)
    return np.asarray(counts.reshape(n_classes, n_classes), dtype=np.int64)


def _ratio(num: FloatArray, den: FloatArray, zero_division: float) -> FloatArray:
    out = np.full(np.broadcast(num, den).shape, zero_division, dtype=np.float64)
    return np.asarray(np.divide(num, den, out=out, where=den != 0), dtype=np.float64)


def per_class_rates(
    correct: FloatArray, support: FloatArray, predicted: FloatArray, zero_division: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Precision, recall and F1 of each class (last axis), ``zero_division`` where undefined.

    Examples
    --------
    >>> [r.tolist() for r in per_class_rates(np.array([1, 0]), np.array([2, 0]), np.array([1, 1]), 0.0)]
    [[1.0, 0.0], [0.5, 0.0], [0.6666666666666666, 0.0]]
    """
    precision = _ratio(correct, predicted, zero_division)
    recall = _ratio(correct, support, zero_division)
    f1 = _ratio(2 * correct, support + predicted, zero_division)  # = 2PR / (P + R), scikit-learn's form
    return precision, recall, f1


def _mcc(correct: FloatArray, support: FloatArray, predicted: FloatArray) -> FloatArray:
    """Matthews correlation (scikit-learn's multiclass formula, 0 when undefined)."""
    total = support.sum(axis=-1)
    cov_true_pred = correct.sum(axis=-1) * total - np.sum(support * predicted, axis=-1)
    cov_pred = total**2 - np.sum(predicted**2, axis=-1)
    cov_true = total**2 - np.sum(support**2, axis=-1)
    return _ratio(cov_true_pred, np.sqrt(cov_true * cov_pred), 0.0)


def _kappa(correct: FloatArray, support: FloatArray, predicted: FloatArray) -> FloatArray:
    """Cohen's kappa, unweighted (scikit-learn's ``cohen_kappa_score``; 0 when undefined: agreement by chance is 1)."""
    total = support.sum(axis=-1)
    observed = _ratio(correct.sum(axis=-1), total, 0.0)
    by_chance = _ratio(np.sum(support * predicted, axis=-1), total**2, 0.0)
    return _ratio(observed - by_chance, 1.0 - by_chance, 0.0)


def metric_from_class_counts(
    metric: str, correct: NDArray[Any], support: NDArray[Any], predicted: NDArray[Any]
) -> FloatArray:
    """A decision metric from the per-class counts of a confusion matrix, for a stack of them.

    Every metric of :data:`CONFUSION_METRICS` depends on the confusion matrix only through
    its diagonal and its two margins, so a stack of resamples needs ``3 x n_classes``
    counts each, not ``n_classes**2``.

    Parameters
    ----------
    metric : str
        One of :data:`CONFUSION_METRICS`.
    correct, support, predicted : ndarray of shape (..., n_classes)
        Rows of each class predicted as it (the diagonal), rows of each class (row sums),
        rows predicted as each class (column sums).

    Returns
    -------
    ndarray of shape (...)
        NaN where there is no row.

    Examples
    --------
    >>> metric_from_class_counts("recall", np.array([[1, 2, 0]]), np.array([[2, 2, 0]]), np.array([[1, 3, 0]]))
    array([0.5])
    """
    if metric not in CONFUSION_METRICS:
        raise KeyError(metric)
    tp, sup, pred = (np.asarray(a, dtype=np.float64) for a in (correct, support, predicted))
    total = sup.sum(axis=-1)
    if metric in ("accuracy", "f1_micro"):  # micro F1 over every class is the accuracy
        value = _ratio(tp.sum(axis=-1), total, np.nan)
    elif metric == "error":
        value = 1.0 - _ratio(tp.sum(axis=-1), total, np.nan)
    elif metric == "mcc":
        value = _mcc(tp, sup, pred)
    elif metric == "kappa":
        value = _kappa(tp, sup, pred)
    elif metric == "balanced_accuracy":  # over the classes present in y_true
        present = (sup > 0).sum(axis=-1).astype(np.float64)
        value = _ratio(_ratio(tp, sup, 0.0).sum(axis=-1), present, np.nan)
    else:
        precision, recall, f1 = per_class_rates(tp, sup, pred, 0.0)
        per_class = {"precision": precision, "recall": recall, "f1": f1, "f1_weighted": f1}[metric]
        if metric == "f1_weighted":
            value = _ratio(np.sum(per_class * sup, axis=-1), total, 0.0)
        elif tp.shape[-1] == 2:
            value = per_class[..., 1]
        else:
            value = per_class.mean(axis=-1)
    return np.asarray(np.where(total > 0, value, np.nan), dtype=np.float64)


def metric_from_confusions(metric: str, matrices: NDArray[Any]) -> FloatArray:
    """A decision metric of every confusion matrix of a stack (shape ``(..., k, k)``).

    Parameters
    ----------
    metric : str
        One of :data:`CONFUSION_METRICS`.
    matrices : ndarray of shape (..., n_classes, n_classes)
        Counts, true class x predicted class (integers, or whole-number floats).

    Returns
    -------
    ndarray of shape (...)
        NaN where a matrix holds no row.

    Examples
    --------
    >>> m = np.array([[[8, 2], [1, 9]], [[0, 0], [0, 0]]])
    >>> metric_from_confusions("accuracy", m).tolist()
    [0.85, nan]
    """
    m = np.asarray(matrices, dtype=np.float64)
    return metric_from_class_counts(metric, np.diagonal(m, axis1=-2, axis2=-1), m.sum(axis=-1), m.sum(axis=-2))


def metric_from_confusion(metric: str, matrix: NDArray[Any]) -> float:
    """A decision metric of one confusion matrix (see :func:`metric_from_confusions`).

    Examples
    --------
    >>> m = confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3)
    >>> round(metric_from_confusion("precision", m), 4), metric_from_confusion("recall", m)
    (0.5556, 0.5)
    """
    return float(metric_from_confusions(metric, np.asarray(matrix)[np.newaxis])[0])
