"""Per-split label association of each feature (shared by leakage and misalignment checks).

A feature's association with the label is measured inside each split separately, on
ranks (Kruskal-Wallis epsilon²), so it is comparable across splits whatever the
feature's scale and whatever the class numbering. Leakage shows as a few features
whose association exists in training only; misaligned rows as every feature losing it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import ASSOCIATION_ROWS, state_sampling
from gapdoctor.stats.shared import SHARED_RESULTS
from gapdoctor.stats.splits import subsample

# weak references: the cache never keeps a user's arrays alive; emptied when a diagnosis starts
_recent: list[tuple[weakref.ref[FloatArray], weakref.ref[IntArray], FloatArray]] = []
SHARED_RESULTS.append(_recent)  # type: ignore[arg-type]

MISALIGNED_RETENTION = 0.5
"""Median share of the label association kept in the other split below which the features and
labels of a split look misaligned (label noise keeps more: 20% flipped binary labels about a third)."""


def association_rows(n_rows: int) -> int:
    """How many rows of a split :func:`label_association` actually uses."""
    return min(n_rows, ASSOCIATION_ROWS)


def label_association(X: FloatArray, y: IntArray, n_classes: int) -> FloatArray:
    """Per feature, the share of rank variance explained by the class (Kruskal-Wallis epsilon²).

    0 when a feature says nothing about the label, 1 when it separates the classes;
    invariant to how the classes are numbered. Missing values rank lowest.

    Examples
    --------
    >>> x = np.array([[1.0, 5.0], [2.0, 1.0], [3.0, 4.0], [4.0, 2.0]])
    >>> label_association(x, np.array([0, 0, 1, 1]), 2).round(2).tolist()
    [0.8, 0.0]
    """
    state_sampling(len(X), ASSOCIATION_ROWS, "rows of a split for the label association")
    for cached_X, cached_y, cached in _recent:  # the same Evidence arrays as a recent call
        if cached_X() is X and cached_y() is y:
            return cached
    rows = subsample(len(X), ASSOCIATION_ROWS)
    Xs, ys = X[rows], y[rows]
    ranks = sps.rankdata(np.where(np.isfinite(Xs), Xs, -np.inf), axis=0)
    centred = ranks - ranks.mean(axis=0)
    total = (centred**2).sum(axis=0)
    counts = np.bincount(ys, minlength=n_classes).astype(np.float64)
    class_sums = np.zeros((n_classes, Xs.shape[1]))
    np.add.at(class_sums, ys, centred)
    between = (class_sums[counts > 0] ** 2 / counts[counts > 0, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = np.where(total > 0, between / total, 0.0)
    _recent[:] = [*_recent[-1:], (weakref.ref(X), weakref.ref(y), result)]  # both splits of one diagnosis
    return result


def association_noise_level(n_rows: int, n_classes: int) -> float:
    """Epsilon² a feature unrelated to the label reaches by chance (about the 99.9th percentile)."""
    df = max(n_classes - 1, 1)
    return float(sps.chi2.ppf(0.999, df)) / max(n_rows - 1, 1)


def association_retained(assoc_from: FloatArray, assoc_to: FloatArray, noise_from: float) -> tuple[float, IntArray]:
    """Median share of each informative feature's label association kept in the other split.

    Near 1 when both splits relate features and labels alike; near 0 when every feature
    that predicts the label in one split says nothing in the other (misaligned rows).
    Returns (retention, informative feature indices); retention is 1.0 with fewer than
    three informative features (too few to tell).
    """
    informative = np.flatnonzero(assoc_from > max(3 * noise_from, 0.02)).astype(np.int64)
    if len(informative) < 3:
        return 1.0, informative
    kept = np.minimum(assoc_to[informative] / assoc_from[informative], 1.0)
    return float(np.median(kept)), informative


@dataclass(frozen=True)
class SplitAssociation:
    """Each feature's label association in each split, the rows it was measured on and its chance level."""

    train: FloatArray
    val: FloatArray
    rows_train: int
    rows_val: int
    noise_train: float
    noise_val: float


def split_association(
    X_train: FloatArray, y_train: IntArray, X_val: FloatArray, y_val: IntArray, n_classes: int
) -> SplitAssociation:
    """:func:`label_association` of both splits, with the rows used and the chance level of each.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(200, 2)), rng.integers(0, 2, 200)
    >>> X[:, 0] += 3 * y
    >>> a = split_association(X[:100], y[:100], X[100:], y[100:], 2)
    >>> bool(a.train[0] > a.noise_train > a.train[1]), a.rows_val
    (True, 100)
    """
    rows_train, rows_val = association_rows(len(y_train)), association_rows(len(y_val))
    return SplitAssociation(
        train=label_association(X_train, y_train, n_classes),
        val=label_association(X_val, y_val, n_classes),
        rows_train=rows_train,
        rows_val=rows_val,
        noise_train=association_noise_level(rows_train, n_classes),
        noise_val=association_noise_level(rows_val, n_classes),
    )
