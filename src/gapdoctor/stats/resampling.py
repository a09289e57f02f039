"""Metrics from hard decisions, and their sampling noise by bootstrap.

Shared by the metric checks (mismatch, small validation set, subgroups). Metrics are
computed from a confusion matrix, so a bootstrap replicate costs one ``bincount``.
Binary F1 / precision / recall are those of class 1; multiclass ones are macro
averages over every class (as :mod:`gapdoctor.stats.metrics` computes them).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.budget import BOOTSTRAP_ROWS
from gapdoctor.stats.metrics import METRICS

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

DECISION_METRICS = ("accuracy", "error", "balanced_accuracy", "f1", "precision", "recall")
"""Metrics computed from hard decisions (the argmax or a tuned threshold)."""

N_BOOTSTRAP = 300
MAX_ROWS_RESAMPLED = BOOTSTRAP_ROWS
Z95 = 1.959964
"""Two-sided 95% normal quantile."""


def confusion(y: IntArray, pred: IntArray, n_classes: int) -> IntArray:
    """Confusion matrix, true x predicted."""
    flat = y * n_classes + pred
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes).astype(np.int64)


MAX_ROWS_QUOTED = 1e15
"""A validation size past this is no advice (and no longer an exact integer in float64)."""


def rows_needed(n: int, detectable: float, change: float) -> int | None:
    """Validation rows that detect ``change`` when ``n`` rows detect ``detectable`` (sd ~ 1/sqrt(n)).

    None when ``change`` is not positive or the answer passes :data:`MAX_ROWS_QUOTED`.

    Examples
    --------
    >>> rows_needed(100, 0.1, 0.05), rows_needed(100, 0.1, 1e-300)
    (400, None)
    """
    ratio = detectable / change if change > 0 else math.inf
    if not ratio <= math.sqrt(MAX_ROWS_QUOTED / n):  # NaN too; squaring a larger ratio overflows
        return None
    return math.ceil(n * ratio**2)


def _safe_ratio(num: FloatArray, den: FloatArray) -> FloatArray:
    return np.divide(num, den, out=np.zeros_like(num, dtype=np.float64), where=den > 0)


def metric_from_confusion(metric: str, matrix: IntArray) -> float:
    """A decision metric (see :data:`DECISION_METRICS`) from a confusion matrix.

    Examples
    --------
    >>> m = np.array([[8, 2], [1, 9]])
    >>> metric_from_confusion("accuracy", m), round(metric_from_confusion("f1", m), 4)
    (0.85, 0.8571)
    """
    total = matrix.sum()
    if total == 0:
        return float("nan")
    diag = np.diag(matrix).astype(np.float64)
    if metric == "accuracy":
        return float(diag.sum() / total)
    if metric == "error":
        return float(1.0 - diag.sum() / total)
    support = matrix.sum(axis=1).astype(np.float64)
    predicted = matrix.sum(axis=0).astype(np.float64)
    recall = _safe_ratio(diag, support)
    precision = _safe_ratio(diag, predicted)
    if metric == "balanced_accuracy":
        return float(recall[support > 0].mean())
    f1 = _safe_ratio(2 * precision * recall, precision + recall)
    per_class = {"f1": f1, "precision": precision, "recall": recall}[metric]
    return float(per_class[1] if len(matrix) == 2 else per_class.mean())


def decision_metric(metric: str, y: IntArray, pred: IntArray, n_classes: int) -> float:
    """A decision metric of hard predictions."""
    return metric_from_confusion(metric, confusion(y, pred, n_classes))


def bootstrap(
    statistic: Callable[[IntArray], float], n_rows: int, *, n_boot: int = N_BOOTSTRAP, seed: int = 0
) -> FloatArray:
    """``statistic(rows)`` on ``n_boot`` resamples (with replacement) of ``range(n_rows)``."""
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    for b in range(n_boot):
        out[b] = statistic(rng.integers(0, n_rows, size=n_rows))
    return out[np.isfinite(out)]


def paired_decision_replicates(
    metric: str, y: IntArray, pred_a: IntArray, pred_b: IntArray, n_classes: int, *, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Bootstrap replicates of a decision metric for two decision rules on the same rows.

    A row-resampling bootstrap of a confusion-matrix statistic depends only on how many
    rows fall in each (true, decision a, decision b) cell, so each replicate is one
    multinomial draw over the cells present: the cost does not grow with the rows.

    Returns
    -------
    (replicates_a, replicates_b) : tuple of ndarray
    """
    k = n_classes
    cells, counts = np.unique((y * k + pred_a) * k + pred_b, return_counts=True)
    true, rest = np.divmod(cells, k * k)
    a, b = np.divmod(rest, k)
    flat_a, flat_b = true * k + a, true * k + b
    rng = np.random.default_rng(seed)
    n = int(counts.sum())
    out_a, out_b = np.empty(N_BOOTSTRAP), np.empty(N_BOOTSTRAP)
    for i in range(N_BOOTSTRAP):
        draw = rng.multinomial(n, counts / n).astype(np.float64)
        matrix_a = np.bincount(flat_a, weights=draw, minlength=k * k).reshape(k, k).astype(np.int64)
        matrix_b = np.bincount(flat_b, weights=draw, minlength=k * k).reshape(k, k).astype(np.int64)
        out_a[i] = metric_from_confusion(metric, matrix_a)
        out_b[i] = metric_from_confusion(metric, matrix_b)
    return out_a, out_b


def decision_replicates(metric: str, y: IntArray, pred: IntArray, n_classes: int, *, seed: int = 0) -> FloatArray:
    """Bootstrap replicates of a decision metric (see :func:`paired_decision_replicates`)."""
    return paired_decision_replicates(metric, y, pred, pred, n_classes, seed=seed)[0]


def percentile_interval(values: FloatArray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates."""
    if len(values) == 0:
        return float("nan"), float("nan")
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def metric_replicates(metric: str, y: IntArray, probs: FloatArray, *, seed: int = 0) -> FloatArray:
    """Bootstrap replicates of ``metric`` computed from labels and probabilities.

    Decision metrics resample confusion-matrix cells (exact, any size). Ranking and
    probabilistic metrics resample rows; above :data:`MAX_ROWS_RESAMPLED` rows they
    resample a random subset of that size and shrink the spread by ``sqrt(m / n)``.
    """
    k = probs.shape[1]
    if metric in DECISION_METRICS:
        pred = np.asarray(np.argmax(probs, axis=1), dtype=np.int64)
        return decision_replicates(metric, y, pred, k, seed=seed)
    scorer = METRICS[metric].scorer
    if scorer is None:
        return np.empty(0)
    shrink = 1.0
    if len(y) > MAX_ROWS_RESAMPLED:
        subset = np.random.default_rng(seed).choice(len(y), size=MAX_ROWS_RESAMPLED, replace=False)
        shrink = math.sqrt(MAX_ROWS_RESAMPLED / len(y))
        y, probs = y[subset], probs[subset]

    def score(rows: IntArray) -> float:
        if len(np.unique(y[rows])) < 2:
            return float("nan")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return scorer(y[rows], probs[rows])
        except ValueError:  # a class missing from the resample, for multiclass AUC
            return float("nan")

    replicates = bootstrap(score, len(y), n_boot=200, seed=seed)
    centre = float(np.mean(replicates)) if len(replicates) else 0.0
    return np.asarray(centre + (replicates - centre) * shrink, dtype=np.float64)
