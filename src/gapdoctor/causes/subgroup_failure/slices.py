"""The atypical rows: a sub-population found in the validation features when no group is given.

A population the model was not built for (another site, a faulty sensor, corrupted inputs)
usually sits away from the bulk of the data. The search ranks the validation rows by how
atypical they are, the root mean square of their robust z-scores (median and interquartile
range per column, so the atypical rows do not hide themselves by inflating the scale), and
compares the error rate of the most atypical :data:`ATYPICAL_SHARES` of them with the rest's:
three slices, so the error-ratio intervals are Bonferroni-widened by three.

Why not clusters: k-means cells of the validation features (k = 8) were tried on the
calibration corpus and rejected. Their error rates differ by nature (cells that straddle a
class boundary are harder), so runs with no sub-population had cells whose error ratio's
lower bound reached 3 to 8, as high as injected sub-populations' (13 of 30 healthy runs
would have reported one). The atypical rows separate better: over the corpus's
calibration runs without a sub-population their lower bound stays under 2.7 (see
``score.py``). Cost: one median and quartiles per column over at most ``FEATURE_TEST_ROWS``
sampled rows and :data:`SLICE_CELLS` cells (wide inputs: fewer rows, at least
:data:`MIN_SLICE_ROWS`, and a seeded sample of the columns when even those would exceed it).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.budget import FEATURE_TEST_ROWS, sample_rows

__all__ = ["ATYPICAL_SHARES", "AtypicalSlice", "atypical_slices"]

ATYPICAL_SHARES = (0.1, 0.2, 0.3)
"""The most atypical tenth, fifth and 30% of the rows: a sub-population of about that share (a
second site, a faulty scanner) is caught by one of them, and three comparisons cost a
Bonferroni factor of only three."""
SLICE_CELLS = 10_000_000
"""Row x column cells read (80 MB as float64): 20k rows of 500 features, or fewer rows of more."""
MIN_SLICE_ROWS = 1_000
"""Rows read at least: the 10% slice then has 100 rows, enough for its error rate's interval."""
_NORMAL_IQR = 1.349  # the interquartile range of a standard normal: IQR / 1.349 estimates the sd
_TOP_FEATURES = 3


class AtypicalSlice(NamedTuple):
    """One slice: its label, its rows (a mask over ``rows``) and the features it is most atypical in."""

    label: str
    share: float
    mask: NDArray[np.bool_]
    features: str


def _robust_z(X: FeatureArray) -> FloatArray:
    """Per-column robust z-scores (median, IQR / 1.349; the sd where the IQR is 0); constant columns dropped."""
    values = np.asarray(X, dtype=np.float64)
    centre = np.nanmedian(values, axis=0)
    q75, q25 = np.nanpercentile(values, [75, 25], axis=0)
    scale = (q75 - q25) / _NORMAL_IQR
    scale = np.where(scale > 0, scale, np.nanstd(values, axis=0))
    usable = np.isfinite(scale) & (scale > 0)
    z = (values[:, usable] - centre[usable]) / scale[usable]
    out = np.zeros_like(values)
    out[:, usable] = np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0)
    return out


def atypical_slices(X: FeatureArray, feature_names: tuple[str, ...]) -> tuple[IntArray, list[AtypicalSlice]]:
    """The rows read (indices into ``X``) and the atypical slices among them.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(1000, 5))
    >>> X[:100] += rng.normal(0, 4, size=(100, 5))  # a tenth from a noisy sensor
    >>> rows, slices = atypical_slices(X, ())
    >>> [s.label for s in slices]
    ['the 10% most atypical rows', 'the 20% most atypical rows', 'the 30% most atypical rows']
    >>> float(np.mean(rows[slices[0].mask] < 100)) > 0.8  # the noisy rows
    True
    """
    n_features = X.shape[1]
    cap = min(FEATURE_TEST_ROWS, max(MIN_SLICE_ROWS, SLICE_CELLS // max(n_features, 1)))
    rows = sample_rows(len(X), cap, what="validation rows for the atypical-rows search")
    columns = sample_rows(n_features, max(SLICE_CELLS // len(rows), 1), what="features for the atypical-rows search")
    z = _robust_z(X[np.ix_(rows, columns)] if len(columns) < n_features else X[rows])
    distance = np.sqrt(np.mean(z**2, axis=1))
    order = np.argsort(-distance, kind="stable")
    slices: list[AtypicalSlice] = []
    for share in ATYPICAL_SHARES:
        mask = np.zeros(len(rows), dtype=bool)
        mask[order[: round(share * len(rows))]] = True
        typical_gap = np.mean(np.abs(z[mask]), axis=0) - np.mean(np.abs(z[~mask]), axis=0)
        top = np.argsort(-typical_gap, kind="stable")[:_TOP_FEATURES]
        names = [feature_names[j] if j < len(feature_names) else f"feature {j}" for j in columns[top]]
        slices.append(AtypicalSlice(f"the {share:.0%} most atypical rows", share, mask, ", ".join(names)))
    return rows, slices
