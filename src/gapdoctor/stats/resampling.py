"""The sampling noise of a validation metric, by bootstrap.

Shared by the metric checks (mismatch, small validation set). A decision metric
depends on the rows only through the confusion counts, so its replicates are drawn
as counts, all at once, and scored by :func:`gapdoctor.stats.metrics.metric_from_confusions`
on the whole stack: the same arithmetic as the metric of the full sample.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.budget import BOOTSTRAP_ROWS
from gapdoctor.stats.metrics import (
    CONFUSION_METRICS,
    METRICS,
    confusion_matrix,
    metric_from_confusion,
    metric_from_confusions,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

N_BOOTSTRAP = 300
MAX_ROWS_RESAMPLED = BOOTSTRAP_ROWS
REPLICATE_CELLS = 1 << 22
"""Confusion cells scored at once (32 MiB of float64): 300 replicates of up to 100 classes in one
stack, fewer at a time beyond, so memory stays flat for a thousand classes."""
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
    """A decision metric (one of :data:`~gapdoctor.stats.metrics.CONFUSION_METRICS`) of hard predictions.

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


def confusion_replicates(flat_cells: IntArray, draws: NDArray[np.int64], n_classes: int) -> FloatArray:
    """The confusion matrices of resamples given as counts per cell.

    Parameters
    ----------
    flat_cells : ndarray of shape (n_cells,)
        Each cell's flat index ``true * n_classes + predicted``.
    draws : ndarray of shape (n_replicates, n_cells)
        How many rows of each cell every resample holds.
    n_classes : int

    Returns
    -------
    ndarray of shape (n_replicates, n_classes, n_classes)

    Examples
    --------
    >>> confusion_replicates(np.array([0, 3]), np.array([[2, 1], [0, 3]]), 2).tolist()
    [[[2.0, 0.0], [0.0, 1.0]], [[0.0, 0.0], [0.0, 3.0]]]
    """
    size = n_classes * n_classes
    replicate = np.arange(len(draws))[:, np.newaxis]
    flat = (replicate * size + flat_cells[np.newaxis, :]).ravel()
    counts = np.bincount(flat, weights=draws.ravel().astype(np.float64), minlength=len(draws) * size)
    return np.asarray(counts.reshape(len(draws), n_classes, n_classes), dtype=np.float64)


def paired_decision_replicates(
    metric: str, y: IntArray, pred_a: IntArray, pred_b: IntArray, n_classes: int, *, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Bootstrap replicates of a decision metric for two decision rules on the same rows.

    A row-resampling bootstrap of a confusion-matrix statistic depends only on how many
    rows fall in each (true, decision a, decision b) cell, so each replicate is one
    multinomial draw over the cells present: the cost does not grow with the rows. The
    replicates are scored :data:`REPLICATE_CELLS` confusion cells at a time.

    Returns
    -------
    (replicates_a, replicates_b) : tuple of ndarray
    """
    k = n_classes
    cells, counts = np.unique((y * k + pred_a) * k + pred_b, return_counts=True)
    true, rest = np.divmod(cells, k * k)
    a, b = np.divmod(rest, k)
    flat_a, flat_b = true * k + a, true * k + b
    n = int(counts.sum())
    draws = np.random.default_rng(seed).multinomial(n, counts / n, size=N_BOOTSTRAP)
    out_a, out_b = np.empty(N_BOOTSTRAP), np.empty(N_BOOTSTRAP)
    step = max(1, REPLICATE_CELLS // (k * k))
    for start in range(0, N_BOOTSTRAP, step):
        chunk = draws[start : start + step]
        out_a[start : start + step] = metric_from_confusions(metric, confusion_replicates(flat_a, chunk, k))
        out_b[start : start + step] = metric_from_confusions(metric, confusion_replicates(flat_b, chunk, k))
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
