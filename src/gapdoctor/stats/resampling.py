"""The sampling noise of a validation metric, by bootstrap.

Shared by the metric checks (mismatch, small validation set). A decision metric
depends on the rows only through the confusion counts, so its replicates are drawn
as counts, all at once, and scored by :func:`gapdoctor.stats.confusion.metric_from_class_counts`
on the whole stack: the same arithmetic as the metric of the full sample.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import BOOTSTRAP_ROWS
from gapdoctor.stats.confusion import (
    CONFUSION_METRICS,
    confusion_matrix,
    metric_from_class_counts,
    metric_from_confusion,
)
from gapdoctor.stats.metrics import METRICS

N_BOOTSTRAP = 300
MAX_ROWS_RESAMPLED = BOOTSTRAP_ROWS
Z95 = 1.959964
"""Two-sided 95% normal quantile."""


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


def decision_metric(metric: str, y: IntArray, pred: IntArray, n_classes: int) -> float:
    """A decision metric (one of :data:`~gapdoctor.stats.confusion.CONFUSION_METRICS`) of hard predictions.

    Examples
    --------
    >>> round(decision_metric("f1", np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 2), 4)
    0.8
    """
    return metric_from_confusion(metric, confusion_matrix(y, pred, n_classes))


def bootstrap(
    statistic: Callable[[IntArray], float], n_rows: int, *, n_boot: int = N_BOOTSTRAP, seed: int = 0
) -> FloatArray:
    """``statistic(rows)`` on ``n_boot`` resamples (with replacement) of ``range(n_rows)``."""
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    for b in range(n_boot):
        out[b] = statistic(rng.integers(0, n_rows, size=n_rows))
    return out[np.isfinite(out)]


def class_count_replicates(
    true: IntArray, predicted: IntArray, draws: NDArray[np.int64], n_classes: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per-class counts (correct, support, predicted) of resamples given as counts per cell.

    Parameters
    ----------
    true, predicted : ndarray of shape (n_cells,)
        Each cell's true and predicted class.
    draws : ndarray of shape (n_replicates, n_cells)
        How many rows of each cell every resample holds.
    n_classes : int

    Returns
    -------
    (correct, support, predicted) : tuple of ndarray of shape (n_replicates, n_classes)
        What :func:`gapdoctor.stats.confusion.metric_from_class_counts` scores.

    Examples
    --------
    >>> counts = class_count_replicates(np.array([0, 1]), np.array([0, 0]), np.array([[2, 1], [0, 3]]), 2)
    >>> [c.tolist() for c in counts]
    [[[2.0, 0.0], [0.0, 0.0]], [[2.0, 1.0], [0.0, 3.0]], [[3.0, 0.0], [3.0, 0.0]]]
    """
    hit = true == predicted
    return (
        _sum_by_class(draws[:, hit], true[hit], n_classes),
        _sum_by_class(draws, true, n_classes),
        _sum_by_class(draws, predicted, n_classes),
    )


def _sum_by_class(draws: NDArray[np.int64], classes: IntArray, n_classes: int) -> FloatArray:
    """Column sums of ``draws`` grouped by each column's class: shape (n_replicates, n_classes)."""
    out = np.zeros((len(draws), n_classes))
    if len(classes) == 0:
        return out
    order = np.argsort(classes, kind="stable")
    ordered = classes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    out[:, ordered[starts]] = np.add.reduceat(draws[:, order], starts, axis=1)
    return out


def paired_decision_replicates(
    metric: str, y: IntArray, pred_a: IntArray, pred_b: IntArray, n_classes: int, *, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Bootstrap replicates of a decision metric for two decision rules on the same rows.

    A row-resampling bootstrap of a confusion-matrix statistic depends only on how many
    rows fall in each (true, decision a, decision b) cell, so each replicate is one
    multinomial draw over the cells present: the cost does not grow with the rows. All the
    replicates are scored at once, from their per-class counts.

    Returns
    -------
    (replicates_a, replicates_b) : tuple of ndarray
        Empty when there is no row (a metric of no row has no value).
    """
    if len(y) == 0:
        return np.empty(0), np.empty(0)
    k = n_classes
    cells, counts = np.unique((y * k + pred_a) * k + pred_b, return_counts=True)
    true, rest = np.divmod(cells, k * k)
    a, b = np.divmod(rest, k)
    n = int(counts.sum())
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=N_BOOTSTRAP)
    out_a = metric_from_class_counts(metric, *class_count_replicates(true, a, draws, k))
    out_b = metric_from_class_counts(metric, *class_count_replicates(true, b, draws, k))
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
    if metric in CONFUSION_METRICS:
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


def sd_from_interval(low: float, high: float) -> float:
    """The standard deviation a 95% interval implies: its width over 2 x 1.96."""
    return (high - low) / (2 * Z95)


SHARE_OF_ROWS_METRICS = ("accuracy", "error")
"""Metrics that are the share of validation rows right (or wrong): their sampling noise is binomial on the rows."""


def metric_own_sd(metric: str, y: IntArray, probs: FloatArray) -> float | None:
    """Sampling sd of a metric that is not a share of rows, where it comes cheaply; None elsewhere.

    F1 on 20 positives of 1,000 rows moves by a twentieth per positive, not a thousandth per row.
    A decision metric (F1, balanced accuracy, precision...): its bootstrap over the confusion-matrix
    cells (:func:`decision_replicates`, exact, about a millisecond), read as the 95% percentile
    interval over 2 x 1.96. Two-class ROC AUC: Hanley and McNeil's (1982) standard error from the
    AUC and the two class counts. Other metrics (average precision, multiclass AUC) would need a row
    bootstrap of 200 scorer calls, about a second, which ``small_validation_set`` already spends:
    None, and the caller's binomial figure stands in.

    Examples
    --------
    >>> y = np.array([0] * 950 + [1] * 50)
    >>> probs = np.column_stack([1.0 - y, y]).astype(float)
    >>> probs[:25] = probs[:25, ::-1]  # 25 false positives: F1 0.8 on 50 positives
    >>> sd = metric_own_sd("f1", y, probs)
    >>> 0.03 < sd < 0.07  # a binomial sd on 1,000 rows at 0.8 would be 0.013
    True
    >>> scores = 1 / (1 + np.exp(-(2.0 * y + np.random.default_rng(0).normal(size=1000))))  # AUC 0.89
    >>> round(metric_own_sd("roc_auc", y, np.column_stack([1 - scores, scores])), 3)  # binomial: 0.0095
    0.03
    """
    if metric in CONFUSION_METRICS:
        replicates = metric_replicates(metric, y, probs)  # the confusion-cell bootstrap for these
        finite = replicates[np.isfinite(replicates)]
        if len(finite) < 2:
            return None
        sd = sd_from_interval(*percentile_interval(finite))
        return sd if math.isfinite(sd) else None
    if metric == "roc_auc" and probs.shape[1] == 2:
        positives, negatives = int(np.sum(y == 1)), int(np.sum(y == 0))
        if positives == 0 or negatives == 0:
            return None
        auc = float(METRICS["roc_auc"].scorer(y, probs))  # type: ignore[misc]
        q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
        variance = auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)
        return math.sqrt(max(variance, 0.0) / (positives * negatives))
    return None
