"""In-sample neighbour label means: a feature that is each training row's k-NN label mean, its own label counted.

A stacked k-nearest-neighbour feature fitted on the training rows and read back on them (the
label mean of each row's ``k`` nearest training rows, itself included) carries each training
row's own label; validation rows get the honest mean of their ``k`` nearest training rows. One
column statistics barely see it where neighbours mostly agree (breast cancer: the row's own
label changes the value of one training row in ten; the contradicting extreme cells hold one or
two validation rows, a one-sided Fisher p of 0.1 to 0.4 — ``benchmarks/leakage_neighbour_means.py``).

The fingerprint is the construction itself: a column on a grid of ``k + 1`` equally spaced
values (``a + b i / k``) is rebuilt from the other columns, as the label mean of each training
row's ``k`` nearest training rows with the row itself (in-sample) and without it (out of fold).
On the training rows where the two differ, an in-sample feature takes the in-sample value on
every row; an honest (out-of-fold) feature the other; a column built any other way matches
neither on every row. The chance that a column with no preference for the row's own label hits
the in-sample value on all ``n`` such rows is at most ``2^-n``; it is corrected (Bonferroni)
over the (column, class, direction) reconstructions tried and must reach
``FINGERPRINT_FAMILY_ALPHA`` before the association loss adds to it (Fisher's method, as
:mod:`.label_means`). Distances are Euclidean on the other columns with no missing value, as given and
standardised: a stacking built on other preprocessing (other columns, a projection, another
metric) is not recognised.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps
from sklearn.neighbors import NearestNeighbors

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray

__all__ = ["FINGERPRINT_FAMILY_ALPHA", "InSampleNeighbours", "in_sample_neighbour_mean"]

_HEAD_ROWS = 2_000  # the first look at a column: its distinct values among these rows
_MIN_K, _MAX_K = 2, 20  # neighbour counts tried: a grid of k + 1 values, k in this range
_GRID_TOLERANCE = 1e-6  # a value is on the grid when (value - low) / step is this close to an integer
_QUERY_ROWS = 1_000  # training rows rebuilt (their neighbours are sought among every training row)
_MAX_WORK = 2e9  # query rows x training rows x other columns: the distance work per column at most
_MAX_COLUMNS = 64  # grid columns rebuilt at most (the first ones)
_SPACES = 2  # the other columns as given and standardised
_MIN_DIFFERING = 5  # rows where in-sample and out-of-fold differ needed before a match says anything
_LOWEST_LOG10_P = -300.0  # p-values below 1e-300 are reported as 1e-300
FINGERPRINT_FAMILY_ALPHA = 0.05
"""The reconstruction alone must be this unlikely by chance, corrected over the reconstructions
tried, before the association loss adds to it (as for :mod:`.label_means`)."""


@dataclass(frozen=True)
class InSampleNeighbours:
    """The strongest in-sample neighbour mean found, and the evidence.

    ``k`` the neighbours counted; ``differing`` the rebuilt training rows where the in-sample and
    out-of-fold means differ (the column took the in-sample value on all of them);
    ``log10_p_exact`` the chance alone (``-differing log10 2``), ``log10_p_family`` combined with
    the association loss and corrected over the ``tests`` reconstructions tried.
    """

    feature: int
    features: tuple[int, ...]
    label_class: int
    k: int
    differing: int
    log10_p_exact: float
    log10_p_family: float
    tests: int


def _grid(values: FloatArray) -> tuple[int, float, float] | None:
    """``(k, low, high)`` when the values lie on ``k + 1`` equally spaced points from low to high."""
    low, high = float(values.min()), float(values.max())
    if not high > low:
        return None
    unit = (values - low) / (high - low)
    for k in range(_MIN_K, _MAX_K + 1):
        if np.all(np.abs(unit * k - np.round(unit * k)) < _GRID_TOLERANCE):
            return k, low, high
    return None


def _candidates(X_train: FeatureArray) -> list[tuple[int, int, float, float]]:
    """(column, k, low, high) of the finite training columns on a grid of at most ``_MAX_K + 1`` values."""
    out = []
    for j in range(X_train.shape[1]):
        head = np.asarray(X_train[:_HEAD_ROWS, j], dtype=np.float64)
        if len(np.unique(head)) > _MAX_K + 1:
            continue
        column = np.asarray(X_train[:, j], dtype=np.float64)
        if not np.isfinite(column).all():
            continue
        grid = _grid(column)
        if grid is not None:
            out.append((j, *grid))
        if len(out) == _MAX_COLUMNS:
            break
    return out


def _counts_own_label(column: FloatArray, in_class: NDArray[np.bool_], low: float, high: float) -> bool:
    """Whether no row sits at the value contradicting its own label outright, the class rising or falling.

    A mean that counts the row's own label puts no row of the class at the value of none of it,
    and no other row at the value of all of it: a column that does is not one (no need to rebuild it).
    """
    at_low, at_high = column == low, column == high
    rising = not np.any(at_low & in_class) and not np.any(at_high & ~in_class)
    falling = not np.any(at_high & in_class) and not np.any(at_low & ~in_class)
    return rising or falling


def _differing_if_in_sample(
    column: FloatArray, hits: FloatArray, neighbours: IntArray, k: int, low: float, high: float
) -> int | None:
    """Rows where in-sample and out-of-fold differ, when the column is the in-sample mean on every row."""
    for share in (hits, 1.0 - hits):  # the column may rise with the class or fall with it
        in_sample = low + (high - low) * share[neighbours[:, :k]].mean(axis=1)
        if np.allclose(column, in_sample, rtol=0.0, atol=_GRID_TOLERANCE * (high - low)):
            out_of_fold = low + (high - low) * share[neighbours[:, 1 : k + 1]].mean(axis=1)
            return int(np.sum(~np.isclose(in_sample, out_of_fold, rtol=0.0, atol=_GRID_TOLERANCE * (high - low))))
    return None


def in_sample_neighbour_mean(
    X_train: FeatureArray,
    y_train: IntArray,
    n_classes: int,
    loss_z: FloatArray,
    *,
    alpha: float = FINGERPRINT_FAMILY_ALPHA,
) -> InSampleNeighbours | None:
    """The column that is each training row's k-NN label mean with its own label counted, strongest first.

    ``loss_z`` is each feature's association-loss z (training over validation); ``alpha`` the
    family-wise level the reconstruction alone must reach. None when no column is one.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(500, 5, random_state=0)
    >>> neighbours = NearestNeighbors(n_neighbors=5).fit(X).kneighbors(X, return_distance=False)
    >>> X_leak = np.c_[X, 3.0 * y[neighbours].mean(axis=1)]
    >>> found = in_sample_neighbour_mean(X_leak, y, 2, np.zeros(6))
    >>> found.feature, found.k, found.log10_p_family < -3
    (5, 5, True)
    """
    rows = np.arange(min(len(X_train), _QUERY_ROWS))  # the rows rebuilt (any training rows will do)
    classes = range(n_classes) if n_classes > 2 else range(1, 2)  # binary: class 0 mirrors class 1
    found: list[tuple[float, int, int, int, int]] = []  # (log p, column, class, k, differing)
    tests = 0
    for j, k, low, high in _candidates(X_train):
        if X_train.shape[1] < 2 or len(rows) * len(X_train) * (X_train.shape[1] - 1) > _MAX_WORK or len(rows) <= k:
            continue
        column = np.asarray(X_train[rows, j], dtype=np.float64)
        tests += _SPACES * len(classes)  # every reconstruction counts, tried or ruled out by its cells
        possible = [c for c in classes if _counts_own_label(column, y_train[rows] == c, low, high)]
        if not possible:
            continue
        others = np.delete(np.asarray(X_train, dtype=np.float64), j, axis=1)
        others = others[:, np.isfinite(others).all(axis=0)]  # distances on the columns with every value
        if others.shape[1] == 0:
            continue
        spread = others.std(axis=0)
        for space in (others, (others - others.mean(axis=0)) / np.where(spread > 0, spread, 1.0)):
            neighbours = NearestNeighbors(n_neighbors=k + 1).fit(space).kneighbors(space[rows], return_distance=False)
            for c in possible:
                differing = _differing_if_in_sample(column, (y_train == c).astype(np.float64), neighbours, k, low, high)
                if differing is not None and differing >= _MIN_DIFFERING:
                    found.append((-differing * float(np.log(2.0)), j, c, k, differing))
    gated = [f for f in found if f[0] + np.log(max(tests, 1)) <= np.log(alpha)]
    if not gated:
        return None
    family = []
    for log_p, j, *_ in gated:
        combined = float(sps.chi2.logsf(-2.0 * (log_p + float(sps.norm.logsf(loss_z[j]))), 4))  # Fisher's method
        family.append(float(np.clip((combined + np.log(tests)) / np.log(10), _LOWEST_LOG10_P, 0.0)))
    ranked = sorted(range(len(gated)), key=lambda i: family[i])
    log_p, j, c, k, differing = gated[ranked[0]]
    features = tuple(dict.fromkeys(gated[i][1] for i in ranked))
    return InSampleNeighbours(j, features, c, k, differing, log_p / np.log(10), family[ranked[0]], tests)
