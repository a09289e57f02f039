"""Whether one split was preprocessed differently from the other: an affine map between them.

Used by ``distribution_shift`` (a rescaled split is not a shift) and ``pipeline_bug``
(a split standardised or min-max scaled on its own): the per-feature affine fits of
:func:`~gapdoctor.stats.splits.compare_features` read as one verdict, and
:func:`compared_splits` gives both checks the same comparison and verdict of an Evidence's splits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gapdoctor.errors import SkipCheck
from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.splits import FeatureComparison, compare_features, splits_of

if TYPE_CHECKING:
    from gapdoctor.inputs.evidence import Evidence

__all__ = ["MIN_SPLIT_ROWS", "ComparedSplits", "RescalingVerdict", "compared_splits", "rescaling_verdict"]


MIN_SPLIT_ROWS = 10
"""Rows each split needs before the distributions of its features are compared."""


@dataclass(frozen=True)
class RescalingVerdict:
    """Whether one split looks preprocessed differently from the other (an affine map).

    ``features`` are the rescaled feature indices; ``pattern`` names the signature
    (``"standardised"``, ``"min-max"``, ``"common factor"``, ``"per-feature"`` or ``""``);
    ``split`` is the split whose preprocessing differs ("X_val" or "X_train").
    """

    strength: float
    features: IntArray
    pattern: str
    split: str
    factor: float

    @property
    def fires(self) -> bool:
        """True when the rescaling is the better explanation of the difference."""
        return self.strength >= 1.0


_BLOCK_ROWS = 65_536
"""Rows read at a time by :func:`_in_unit_interval` (a few MB, whatever the split's size)."""


def _in_unit_interval(X: FeatureArray, columns: IntArray) -> bool:
    """Whether every non-missing value of ``X[:, columns]`` lies in [0, 1], read in row blocks
    (no copy of the split); False when those columns hold no value.

    Examples
    --------
    >>> _in_unit_interval(np.array([[0.5, 9.0], [np.nan, 2.0]]), np.array([0]))
    True
    """
    low, high = np.inf, -np.inf
    for start in range(0, len(X), _BLOCK_ROWS):
        block = X[start : start + _BLOCK_ROWS][:, columns]
        present = block[~np.isnan(block)]
        if present.size:
            low, high = min(low, float(present.min())), max(high, float(present.max()))
    return bool(low <= high and low >= 0 and high <= 1)


def _looks_standardised(mean: FloatArray, sd: FloatArray, n: int) -> bool:
    tol = max(0.05, 4.0 / math.sqrt(max(n, 1)))
    return bool(np.all(np.abs(mean) < tol) and np.all(np.abs(sd - 1.0) < tol))


def rescaling_verdict(
    comparison: FeatureComparison, X_train: FeatureArray | None = None, X_val: FeatureArray | None = None
) -> RescalingVerdict:
    """Tell a split preprocessed differently (every feature an affine map) from a real shift.

    A real covariate shift changes some features, and changes their shape; a split that
    was scaled differently (standardised / min-max scaled on one side only, other
    units) changes *every* continuous feature by an affine map with a scale change and
    leaves each feature's shape intact.
    """
    c = comparison
    continuous = np.flatnonzero(~c.discrete & (c.sd_train > 0) & (c.sd_val > 0))
    n_shifted = int(c.shifted[continuous].sum())
    empty = RescalingVerdict(0.0, np.zeros(0, dtype=np.int64), "", "", 1.0)
    if len(continuous) == 0 or n_shifted == 0:
        return empty
    affine = np.flatnonzero(c.shifted & c.same_shape)
    rescaled = np.flatnonzero(c.rescaled)
    affine_share = len(affine) / n_shifted
    log_ratio = np.log(c.slope[rescaled]) if len(rescaled) else np.zeros(1)
    factor = float(np.exp(np.median(log_ratio)))
    std_train = _looks_standardised(c.mean_train[continuous], c.sd_train[continuous], c.n_train)
    std_val = _looks_standardised(c.mean_val[continuous], c.sd_val[continuous], c.n_val)
    unit = [False, False]
    if X_train is not None and X_val is not None:
        unit = [_in_unit_interval(X, continuous) for X in (X_train, X_val)]
    # most features, not a few; and rescaled, not only moved (a real shift can move every feature)
    most = affine_share >= 0.8 and len(affine) >= 0.5 * len(continuous) and len(rescaled) >= 0.5 * len(affine)
    if most and std_train != std_val:
        return RescalingVerdict(3.0, affine, "standardised", "X_val" if std_train else "X_train", factor)
    if most and unit[0] != unit[1]:
        return RescalingVerdict(3.0, affine, "min-max", "X_val" if unit[0] else "X_train", factor)
    if len(rescaled) == 0:
        return empty
    share_of_shifted = len(rescaled) / n_shifted
    pattern, strength = "", 0.0
    if len(rescaled) >= 2 and float(np.std(log_ratio)) < 0.1 and share_of_shifted >= 0.8:
        pattern, strength = "common factor", 2.0
    elif len(rescaled) / len(continuous) >= 0.8 and share_of_shifted >= 0.8:
        pattern, strength = "per-feature", 1.5
    elif np.any(np.abs(log_ratio) >= math.log(5.0)):
        pattern, strength = "per-feature", 1.2
        rescaled = rescaled[np.abs(log_ratio) >= math.log(5.0)]
    if not pattern:
        return empty
    if share_of_shifted < 0.5:
        strength *= share_of_shifted  # most of the difference is not a rescaling
    split = "X_val"
    return RescalingVerdict(strength, rescaled.astype(np.int64), pattern, split, factor)


@dataclass(frozen=True)
class ComparedSplits:
    """The two feature splits of an Evidence, their per-feature comparison and its rescaling verdict."""

    X_train: FeatureArray
    X_val: FeatureArray
    comparison: FeatureComparison
    rescaling: RescalingVerdict


def compared_splits(evidence: Evidence) -> ComparedSplits:
    """Compare ``X_train`` with ``X_val`` feature by feature and read the rescaling verdict.

    Raises SkipCheck when either split is missing or has fewer than :data:`MIN_SPLIT_ROWS` rows.
    The comparison is computed once per pair of arrays (see :func:`compare_features`).
    """
    X_train, X_val = splits_of(evidence)
    if len(X_train) < MIN_SPLIT_ROWS or len(X_val) < MIN_SPLIT_ROWS:
        raise SkipCheck(f"each split needs at least {MIN_SPLIT_ROWS} rows to compare distributions")
    comparison = compare_features(X_train, X_val)
    return ComparedSplits(X_train, X_val, comparison, rescaling_verdict(comparison, X_train, X_val))
