"""Whether one split was preprocessed differently from the other: an affine map between them.

Used by ``distribution_shift`` (a rescaled split is not a shift) and ``pipeline_bug``
(a split standardised or min-max scaled on its own): the per-feature affine fits of
:func:`~gapdoctor.stats.splits.compare_features` read as one verdict, and
:func:`compared_splits` gives both checks the same comparison and verdict of an Evidence's splits.

A scaler fitted on one split and never applied to the other changes every feature whose raw
mean and sd are not already 0 and 1; on data whose other features are already near standard
(``make_classification``'s noise features) only a few features differ, and "most features are
affine maps" does not hold. That case is read from three pieces of evidence together
(:func:`partial_standardisation`, confirmed by :func:`own_scale_fix`): one split is standardised
to floating-point precision (a scaler was fitted on it) and the other is not; every feature that
differs is an affine map with the same shape, and most of them rescaled (a real shift that
selects rows moves features, it rarely rescales them); and standardising the other split by its
own statistics improves the fit (log-loss) of a model fitted on the standardised split, linear or
trees (on a real covariate shift it moves the rows away from where their labels were learned, or
changes nothing the models mind: both fits worsen or stay; :data:`~gapdoctor.stats.standardisation.FIX_LOSS_Z`),
and leaves that model predicting the labels beyond their most common one
(:attr:`~gapdoctor.stats.standardisation.OwnScaleFix.confirms_missing_scaler`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from gapdoctor.errors import SkipCheck
from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.shared import RecentResults
from gapdoctor.stats.splits import FeatureComparison, compare_features, splits_of
from gapdoctor.stats.standardisation import (
    BLOCK_ROWS,
    STANDARDISED_TOLERANCE,
    OwnScaleFix,
    own_scale_fix,
    standardisation_error,
)

if TYPE_CHECKING:
    from gapdoctor.inputs.evidence import Evidence

__all__ = [
    "MIN_SPLIT_ROWS",
    "RESCALED_SHARE",
    "ComparedSplits",
    "RescalingVerdict",
    "compared_splits",
    "partial_standardisation",
    "rescaling_verdict",
]


MIN_SPLIT_ROWS = 10
"""Rows each split needs before the distributions of its features are compared."""

MOST_SHIFTED_AFFINE = 0.8
"""Share of the shifted continuous features that must be affine maps (same shape) for "most features"."""

MOST_CONTINUOUS = 0.5
"""... and share of all continuous features they must make up: a whole split rescaled, not a few features."""

RESCALED_SHARE = 0.5
"""Share of the affine (shifted) features whose scale changed: a scaler divides by each feature's
sd, so it rescales; a real shift can move every feature without rescaling it."""

WHOLE_SPLIT_STRENGTH = 3.0
"""Strength of a whole split standardised or min-max scaled on its own (every difference explained)."""


@dataclass(frozen=True)
class RescalingVerdict:
    """Whether one split looks preprocessed differently from the other (an affine map).

    ``features`` are the rescaled feature indices; ``pattern`` names the signature
    (``"standardised"``, ``"min-max"``, ``"common factor"``, ``"per-feature"`` or ``""``);
    ``split`` is the split whose preprocessing differs ("X_val" or "X_train").
    A split standardised while only some features of the other differ (see
    :func:`partial_standardisation`) also gives ``standardisation_error`` (the standardised
    split's largest |mean| or |sd - 1|) and ``fix`` (:func:`own_scale_fix`); None otherwise.
    """

    strength: float
    features: IntArray
    pattern: str
    split: str
    factor: float
    standardisation_error: float | None = None
    fix: OwnScaleFix | None = None

    @property
    def fires(self) -> bool:
        """True when the rescaling is the better explanation of the difference."""
        return self.strength >= 1.0


def _in_unit_interval(X: FeatureArray, columns: IntArray) -> bool:
    """Whether every non-missing value of ``X[:, columns]`` lies in [0, 1], read in row blocks
    (no copy of the split); False when those columns hold no value.

    Examples
    --------
    >>> _in_unit_interval(np.array([[0.5, 9.0], [np.nan, 2.0]]), np.array([0]))
    True
    """
    low, high = np.inf, -np.inf
    for start in range(0, len(X), BLOCK_ROWS):
        block = X[start : start + BLOCK_ROWS][:, columns]
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
    most = (
        affine_share >= MOST_SHIFTED_AFFINE
        and len(affine) >= MOST_CONTINUOUS * len(continuous)
        and len(rescaled) >= RESCALED_SHARE * len(affine)
    )
    if most and std_train != std_val:
        split = "X_val" if std_train else "X_train"
        return RescalingVerdict(WHOLE_SPLIT_STRENGTH, affine, "standardised", split, factor)
    if most and unit[0] != unit[1]:
        return RescalingVerdict(WHOLE_SPLIT_STRENGTH, affine, "min-max", "X_val" if unit[0] else "X_train", factor)
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


def partial_standardisation(
    comparison: FeatureComparison, X_train: FeatureArray, X_val: FeatureArray
) -> RescalingVerdict | None:
    """A candidate "standardised" verdict when only some features differ, or None.

    One split is standardised to floating-point precision (:func:`standardisation_error` within
    :data:`STANDARDISED_TOLERANCE`: a scaler was fitted on it) and the other is not; every shifted
    feature is continuous and an affine map with the same shape; and at least
    :data:`RESCALED_SHARE` of them are rescaled. Its strength is 0 until :func:`own_scale_fix`
    confirms it (see :func:`compared_splits`).
    """
    c = comparison
    shifted = np.flatnonzero(c.shifted)
    if len(shifted) == 0 or not bool(np.all(c.same_shape[shifted])):
        return None
    rescaled = np.flatnonzero(c.rescaled)
    if len(rescaled) < RESCALED_SHARE * len(shifted):
        return None
    errors = standardisation_error(X_train), standardisation_error(X_val)
    exact = [e <= STANDARDISED_TOLERANCE for e in errors]
    if exact[0] == exact[1]:
        return None
    split = "X_val" if exact[0] else "X_train"
    factor = float(np.exp(np.median(np.log(c.slope[rescaled]))))
    error = errors[0] if exact[0] else errors[1]
    return RescalingVerdict(0.0, shifted.astype(np.int64), "standardised", split, factor, error)


@dataclass(frozen=True)
class ComparedSplits:
    """The two feature splits of an Evidence, their per-feature comparison and its rescaling verdict."""

    X_train: FeatureArray
    X_val: FeatureArray
    comparison: FeatureComparison
    rescaling: RescalingVerdict


_last_compared: RecentResults[ComparedSplits] = RecentResults()


def _fix_of(evidence: Evidence, split: str, X_train: FeatureArray, X_val: FeatureArray) -> OwnScaleFix | None:
    """:func:`own_scale_fix` with models of the other split than ``split``; None without both splits' labels."""
    if evidence.y_train is None or evidence.y_val is None:
        return None
    if split == "X_val":
        return own_scale_fix(X_train, evidence.y_train, X_val, evidence.y_val)
    return own_scale_fix(X_val, evidence.y_val, X_train, evidence.y_train)


def _verdict(evidence: Evidence, X_train: FeatureArray, X_val: FeatureArray, c: FeatureComparison) -> RescalingVerdict:
    verdict = rescaling_verdict(c, X_train, X_val)
    if verdict.fires and verdict.pattern == "standardised":
        fix = _fix_of(evidence, verdict.split, X_train, X_val)
        if fix is not None and not fix.confirms_missing_scaler:  # a real shift whose split merely looks standardised
            return RescalingVerdict(0.0, np.zeros(0, dtype=np.int64), "", "", 1.0)
        return verdict
    if verdict.strength >= WHOLE_SPLIT_STRENGTH:  # a whole split min-max scaled on its own
        return verdict
    # a weaker verdict may fire on part of the difference (a per-feature one names only the features
    # rescaled 5x or more); a confirmed missing scaler explains every shifted feature, so it is read then too
    candidate = partial_standardisation(c, X_train, X_val)
    if candidate is None:
        return verdict
    fix = _fix_of(evidence, candidate.split, X_train, X_val)
    if fix is None or not fix.confirms_missing_scaler:
        return verdict
    return replace(candidate, strength=WHOLE_SPLIT_STRENGTH, fix=fix)


def compared_splits(evidence: Evidence) -> ComparedSplits:
    """Compare ``X_train`` with ``X_val`` feature by feature and read the rescaling verdict.

    Raises SkipCheck when either split is missing or has fewer than :data:`MIN_SPLIT_ROWS` rows.
    The comparison is computed once per pair of arrays (see :func:`compare_features`), and the
    verdict once per Evidence arrays. With both splits' labels, a split standardised while only
    some features of the other differ is confirmed by :func:`own_scale_fix` (see the module docstring),
    and a whole split read as "standardised" is withdrawn unless standardising the other split by its
    own statistics improves the fit and leaves a working model (a real shift on a split that merely
    looks standardised).
    """
    X_train, X_val = splits_of(evidence)
    if len(X_train) < MIN_SPLIT_ROWS or len(X_val) < MIN_SPLIT_ROWS:
        raise SkipCheck(f"each split needs at least {MIN_SPLIT_ROWS} rows to compare distributions")
    arrays = (X_train, X_val, evidence.y_train, evidence.y_val)
    cached = _last_compared.get(*arrays)
    if cached is not None:
        return cached
    comparison = compare_features(X_train, X_val)
    return _last_compared.put(
        arrays, ComparedSplits(X_train, X_val, comparison, _verdict(evidence, X_train, X_val, comparison))
    )
