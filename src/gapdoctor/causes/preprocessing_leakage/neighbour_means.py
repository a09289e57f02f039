"""In-sample neighbour label means: a feature that counts each training row's own label.

A stacked k-nearest-neighbour feature fitted on the training rows and read back on them
(``KNeighborsClassifier(k).fit(X, y).predict_proba(X)``, or the label mean of each row's ``k``
nearest training rows, itself included) is the label mean of ``k`` rows of which the row
itself is one. So on the training split no row can sit at the value that contradicts its own
label outright: a row of the class that goes with high values is never at the column's lowest
value (all ``k`` neighbours of the other class), a row of the other classes never at the
highest. Validation rows, whose labels were not counted, do sit there: those whose ``k``
nearest training rows are all of the other class. An honest discrete feature (a pixel, a
count) has as many contradicting rows per row in both splits.

How strong the fingerprint is: given how many rows of both splits sit in the contradicting
cells, the number in training is hypergeometric when the splits are alike (the one-sided
Fisher exact test that training has too few). The p-values are corrected (Bonferroni) over
every (column, class) pair tested; a feature whose association with the label is lost in
validation is one more piece of evidence of the same leak (the one-sided p-value of the
association-loss z), combined by Fisher's method once the fingerprint alone is significant
(``FINGERPRINT_FAMILY_ALPHA``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray

__all__ = ["InSampleNeighbours", "in_sample_neighbour_mean"]

_HEAD_ROWS = 2_000  # the first look at a column: its distinct values among these rows
_MIN_LEVELS = 3  # a neighbour mean of k >= 2 rows has k + 1 >= 3 values
_MAX_LEVELS = 51  # a neighbour mean of at most 50 rows (k + 1 values); more values read as continuous
_LOWEST_LOG10_P = -300.0  # p-values below 1e-300 are reported as 1e-300
FINGERPRINT_FAMILY_ALPHA = 0.05
"""The fingerprint alone must be this unlikely by chance, corrected over the (column, class) pairs
tested, before the association loss adds to it (as for :mod:`.label_means`)."""


@dataclass(frozen=True)
class InSampleNeighbours:
    """The strongest in-sample neighbour mean found, and the evidence.

    ``train_contradicting`` / ``val_contradicting`` are the rows of each split in the
    contradicting cells, of ``train_rows`` / ``val_rows``; ``log10_p_exact`` the fingerprint's
    one-sided Fisher exact p alone, ``log10_p_family`` combined with the association loss and
    corrected over the ``tests`` (column, class) pairs; ``strongest_log10_p`` the smallest
    fingerprint p of every pair, gated or not.
    """

    feature: int
    features: tuple[int, ...]
    label_class: int
    levels: int
    train_contradicting: int
    train_rows: int
    val_contradicting: int
    val_rows: int
    log10_p_exact: float
    log10_p_family: float
    tests: int
    strongest_log10_p: float


def _contradicting(values: FloatArray, hit: IntArray, low: float, high: float, rising: bool) -> int:
    """Rows at the value that contradicts their label outright: the class at the far end from its side."""
    in_class = hit.astype(bool)
    at_low, at_high = values == low, values == high
    if rising:
        return int(np.sum(at_low & in_class) + np.sum(at_high & ~in_class))
    return int(np.sum(at_high & in_class) + np.sum(at_low & ~in_class))


def _candidates(X_train: FeatureArray) -> list[int]:
    """Columns with few distinct values in their first rows."""
    out = []
    for j in range(X_train.shape[1]):
        head = np.asarray(X_train[:_HEAD_ROWS, j], dtype=np.float64)
        head = head[np.isfinite(head)]
        if _MIN_LEVELS <= len(np.unique(head)) <= _MAX_LEVELS:
            out.append(j)
    return out


def in_sample_neighbour_mean(
    X_train: FeatureArray,
    y_train: IntArray,
    X_val: FeatureArray,
    y_val: IntArray,
    n_classes: int,
    loss_z: FloatArray,
    *,
    alpha: float = FINGERPRINT_FAMILY_ALPHA,
) -> InSampleNeighbours | None:
    """The column whose training rows avoid the value contradicting their own label, strongest evidence first.

    ``loss_z`` is each feature's association-loss z (training over validation); ``alpha`` the
    family-wise level the fingerprint alone must reach (infinite to see every pair, as the
    corpus probe ``benchmarks/leakage_neighbour_means.py`` does). None when no pair passes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X_t, X_v = rng.normal(size=(400, 3)), rng.normal(size=(200, 3))
    >>> y_t, y_v = (X_t[:, 0] + rng.normal(size=400) > 0).astype(int), (X_v[:, 0] + rng.normal(size=200) > 0).astype(int)
    >>> d_t = ((X_t[:, None, :] - X_t[None]) ** 2).sum(-1)
    >>> d_v = ((X_v[:, None, :] - X_t[None]) ** 2).sum(-1)
    >>> knn_t = y_t[np.argsort(d_t, axis=1)[:, :5]].mean(1)
    >>> knn_v = y_t[np.argsort(d_v, axis=1)[:, :5]].mean(1)
    >>> found = in_sample_neighbour_mean(np.c_[X_t, knn_t], y_t, np.c_[X_v, knn_v], y_v, 2, np.zeros(4))
    >>> found.feature, found.train_contradicting, found.val_contradicting > 5
    (3, 0, True)
    """
    classes = range(n_classes) if n_classes > 2 else range(1, 2)  # binary: class 0 mirrors class 1
    found: list[tuple[float, int, int, int, int, int]] = []  # (log p, feature, class, levels, train, val)
    tests = 0
    for j in _candidates(X_train):
        column = np.asarray(X_train[:, j], dtype=np.float64)
        val = np.asarray(X_val[:, j], dtype=np.float64)
        ok_t, ok_v = np.isfinite(column), np.isfinite(val)
        column, val = column[ok_t], val[ok_v]
        levels = np.unique(np.r_[column, val])
        if not _MIN_LEVELS <= len(levels) <= _MAX_LEVELS or len(val) == 0:
            continue
        low, high = float(levels[0]), float(levels[-1])
        for c in classes:
            hit_t, hit_v = (y_train[ok_t] == c).astype(np.int64), (y_val[ok_v] == c).astype(np.int64)
            if hit_v.all() or not hit_v.any():
                continue
            rising = bool(val[hit_v == 1].mean() > val[hit_v == 0].mean())
            tests += 1
            a = _contradicting(column, hit_t, low, high, rising)
            b = _contradicting(val, hit_v, low, high, rising)
            log_p = float(sps.hypergeom.logcdf(a, len(column) + len(val), a + b, len(column)))
            found.append((log_p, j, c, len(levels), a, b))
    if not found:
        return None
    strongest = min(f[0] for f in found) / np.log(10)
    gated = [f for f in found if f[0] + np.log(tests) <= np.log(alpha)]
    if not gated:
        return None
    family = []
    for log_p, j, *_ in gated:
        combined = float(sps.chi2.logsf(-2.0 * (log_p + float(sps.norm.logsf(loss_z[j]))), 4))  # Fisher's method
        family.append(float(np.clip((combined + np.log(tests)) / np.log(10), _LOWEST_LOG10_P, 0.0)))
    ranked = sorted(range(len(gated)), key=lambda i: family[i])
    log_p, j, c, n_levels, a, b = gated[ranked[0]]
    features = tuple(dict.fromkeys(gated[i][1] for i in ranked))
    return InSampleNeighbours(
        j, features, c, n_levels, a, int(np.sum(np.isfinite(X_train[:, j]))), b,
        int(np.sum(np.isfinite(X_val[:, j]))), log_p / np.log(10), family[ranked[0]], tests, strongest,
    )
