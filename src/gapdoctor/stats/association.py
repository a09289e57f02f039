"""Per-split label association of each feature (shared by leakage and misalignment checks).

A feature's association with the label is measured inside each split separately, on
ranks (Kruskal-Wallis epsilon²), so it is comparable across splits whatever the
feature's scale and whatever the class numbering. Leakage shows as a few features
whose association exists in training only; misaligned rows as every feature losing it.
:func:`association_loss` measures that loss per feature with its interval: the
leakage check scores it, and the distribution-shift check leaves those features out
(their distribution differs *because* they carry the training labels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.budget import ASSOCIATION_ROWS, state_sampling
from gapdoctor.stats.shared import RecentResults
from gapdoctor.stats.splits import subsample

_recent: RecentResults[FloatArray] = RecentResults(keep=2)  # both splits of one diagnosis

MISALIGNED_RETENTION = 0.5
"""Median share of the label association kept in the other split below which the features and
labels of a split look misaligned (label noise keeps more: 20% flipped binary labels about a third)."""


def association_rows(n_rows: int) -> int:
    """How many rows of a split :func:`label_association` actually uses."""
    return min(n_rows, ASSOCIATION_ROWS)


def label_association(X: FeatureArray, y: IntArray, n_classes: int) -> FloatArray:
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
    cached = _recent.get(X, y)  # the same Evidence arrays as a recent call
    if cached is not None:
        return cached
    rows = subsample(len(X), ASSOCIATION_ROWS)
    result = epsilon_squared(np.asarray(X[rows], dtype=np.float64), y[rows], n_classes)  # only the sample in float64
    return _recent.put((X, y), result)


def epsilon_squared(values: FloatArray, labels: IntArray, n_classes: int) -> FloatArray:
    """Kruskal-Wallis epsilon² of each column of ``values`` (rows: observations with ``labels``).

    The computation behind :func:`label_association` (which samples, caches and states its
    sampling), for callers that rank columns of their own, e.g. re-splits of one feature.
    """
    ranks = sps.rankdata(np.where(np.isfinite(values), values, -np.inf), axis=0)
    centred = ranks - ranks.mean(axis=0)
    total = (centred**2).sum(axis=0)
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    class_sums = np.zeros((n_classes, values.shape[1]))
    np.add.at(class_sums, labels, centred)
    between = (class_sums[counts > 0] ** 2 / counts[counts > 0, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        result: FloatArray = np.where(total > 0, between / total, 0.0)
    return result


def association_noise_level(n_rows: int, n_classes: int) -> float:
    """Epsilon² a feature unrelated to the label reaches by chance (about the 99.9th percentile)."""
    df = max(n_classes - 1, 1)
    return float(sps.chi2.ppf(0.999, df)) / max(n_rows - 1, 1)


READ_FEATURES = 3
"""Informative features a split needs for its label association to be read at all (fewer: too few to tell)."""


def informative_features(assoc: FloatArray, noise: float) -> IntArray:
    """Features associated with the label beyond chance: three times the noise level, and 0.02 at least."""
    return np.flatnonzero(assoc > max(3 * noise, 0.02)).astype(np.int64)


def association_retained(assoc_from: FloatArray, assoc_to: FloatArray, noise_from: float) -> tuple[float, IntArray]:
    """Median share of each informative feature's label association kept in the other split.

    Near 1 when both splits relate features and labels alike; near 0 when every feature
    that predicts the label in one split says nothing in the other (misaligned rows).
    Returns (retention, informative feature indices); retention is 1.0 with fewer than
    three informative features (too few to tell).
    """
    informative = informative_features(assoc_from, noise_from)
    if len(informative) < READ_FEATURES:
        return 1.0, informative
    kept = np.minimum(assoc_to[informative] / assoc_from[informative], 1.0)
    return float(np.median(kept)), informative


COLLAPSE_FAMILY_ALPHA = 0.001
"""Family-wise error rate of the test "this feature's training association exceeds its validation
association" across all features (Bonferroni: one-sided z beyond ``isf(alpha / n_features)``,
3.8 for 15 features, 4.2 for 70, 5.0 for 1,000). The same 0.001 as the per-feature shift tests
(:data:`gapdoctor.stats.splits.SIGNIFICANCE`): sampling alone almost never makes a feature collapse."""

COLLAPSE_MIN_LOSS = 0.05
"""Epsilon² lost, below which a significant loss is too small to have fed a model anything."""

COLLAPSE_MAX_KEPT = 0.5
"""Share of its training association a feature keeps in validation, below which the association
collapsed (a feature built with the training labels) rather than weakened."""

MOST_FEATURES_COLLAPSED = 0.5
"""Share of the informative features collapsed from which it is no leak: a leak is a few columns
built with the training labels; when (nearly) every informative feature collapses, the rows are
misaligned or the label relation itself changed (see ``pipeline_bug``)."""

LOSS_INTERVAL_Z = 1.96
"""The interval of the lost association is 95% (each split's Fisher-z interval at this z)."""

_SE_FLOOR_ROWS = 4  # Fisher z standard error is 1/sqrt(n - 3): defined from this many rows


@dataclass(frozen=True)
class AssociationLoss:
    """How much of each feature's label association in training is lost in validation.

    ``train`` / ``val`` are epsilon² per feature in each split; ``lost = train - val``
    with a 95% interval (``lost_low``, ``lost_high``: each split's Fisher-z interval of
    the correlation ratio, combined into an interval of the difference by the method of
    variance estimates recovery, Zou & Donner 2008, which keeps each interval's asymmetry
    near 0 and 1); ``z`` the two-sample
    z of the Fisher-transformed correlation ratios. ``collapsed`` marks the features whose
    association exists in training and not in validation: a significant loss
    (``COLLAPSE_FAMILY_ALPHA``), of a size that matters (``COLLAPSE_MIN_LOSS``), keeping less
    than ``COLLAPSE_MAX_KEPT`` of it. ``informative`` are the features associated with the
    label in training beyond chance. ``fisher_lost_low`` is the low end of the 95% interval of
    the loss on the Fisher-z scale, where the standard error does not depend on the level: a
    feature that goes from 0.89 to 0.80 loses little epsilon² but as much evidence as one that
    goes from 0.4 to 0.25. ``informative_val`` are the features associated with the label in
    validation beyond chance. ``chance_lost`` is the part of ``lost`` that splits of these sizes lose
    by chance, where it was measured (re-splits,
    :func:`gapdoctor.causes.preprocessing_leakage.resplit.with_spread`; 0 elsewhere): the test and
    the intervals are then centred on it.
    """

    train: FloatArray
    val: FloatArray
    lost: FloatArray
    lost_low: FloatArray
    lost_high: FloatArray
    z: FloatArray
    collapsed: NDArray[np.bool_]
    informative: IntArray
    fisher_lost_low: FloatArray
    chance_lost: FloatArray
    informative_val: IntArray

    @property
    def collapsed_share(self) -> float:
        """Share of the features informative in training (or collapsed) whose association collapsed."""
        pool = self.collapsed.copy()
        pool[self.informative] = True
        return float(self.collapsed[pool].mean()) if pool.any() else 0.0

    def carrying_training_labels(self) -> list[int]:
        """Collapsed features when they carry the training labels (a leak), largest loss first.

        Empty when the loss reads as misaligned rows (:meth:`misaligned`: most informative
        features collapsed and the rest kept little): then no column in particular carries the labels.
        """
        if self.misaligned():
            return []
        return self.order()

    def collapsed_among(self, features: Sequence[int]) -> list[int]:
        """Of ``features`` (chosen without the labels), those whose association collapsed, largest loss first.

        The collapse is tested among them only (Bonferroni over ``len(features)``): a check
        that asks "do these few features differ because they carry the training labels?"
        needs less evidence than a search over every feature. Empty when the loss reads as
        misaligned rows (:meth:`misaligned`).
        """
        if not len(features) or self.misaligned():
            return []
        chosen = np.asarray(sorted(set(features)), dtype=np.int64)
        hit = chosen[_collapse(self.train[chosen], self.val[chosen], self.z[chosen], n_tests=len(chosen))]
        return sorted(hit.tolist(), key=lambda j: -float(self.lost[j]))

    def misaligned(self, informative: IntArray | None = None) -> bool:
        """Every informative feature lost its signal, not a few built columns: the rows are misaligned.

        Most informative features collapsed (``MOST_FEATURES_COLLAPSED``) and those that did not
        keep less than ``MISALIGNED_RETENTION`` of theirs (median): misaligned rows take every
        feature's signal, the collapsed ones' and the rest's (in the corpus the rest keep at most a
        fifth), while the honest features beside a few label-built columns keep theirs (a target
        encoding of 4 classes is 4 columns of 7 informative ones when the honest features are weak;
        a label column folded into a PCA is 1 of 2). When every informative feature collapsed,
        misaligned rows leave no feature associated with the validation labels beyond chance
        (a label column folded into a PCA of weak features still carries their signal there).
        ``informative``: the features to read (``self.informative`` when None).
        """
        if self.collapsed_share < MOST_FEATURES_COLLAPSED:
            return False
        read = self.informative if informative is None else informative
        rest = [j for j in read.tolist() if not self.collapsed[j]]
        if not rest:  # misaligned rows leave no feature associated with the validation labels
            return not len(self.informative_val)
        kept = np.minimum(self.val[rest] / self.train[rest], 1.0)  # informative: training association > 0.02
        return bool(np.median(kept) < MISALIGNED_RETENTION)

    def order(self) -> list[int]:
        """Collapsed features, largest loss first."""
        return sorted(np.flatnonzero(self.collapsed).tolist(), key=lambda j: -float(self.lost[j]))


def _collapse(train: FloatArray, val: FloatArray, z: FloatArray, n_tests: int) -> NDArray[np.bool_]:
    """Significant (Bonferroni over ``n_tests``), sizeable, and most of the training association gone."""
    z_needed = float(sps.norm.isf(COLLAPSE_FAMILY_ALPHA / max(n_tests, 1)))
    return (z >= z_needed) & (train - val >= COLLAPSE_MIN_LOSS) & (val < COLLAPSE_MAX_KEPT * train)


def fisher_z(assoc: FloatArray) -> FloatArray:
    """Fisher transform of the correlation ratio sqrt(epsilon²): standard error about 1/sqrt(n - 3)."""
    return np.arctanh(np.sqrt(np.clip(assoc, 0.0, 0.999999)))


def from_fisher_z(z: FloatArray) -> FloatArray:
    """Epsilon² back from a Fisher z (negative z: no association)."""
    return np.tanh(np.clip(z, 0.0, None)) ** 2


def association_loss(
    X_train: FeatureArray, y_train: IntArray, X_val: FeatureArray, y_val: IntArray, n_classes: int
) -> AssociationLoss:
    """Per feature, the training label association lost in validation, with its interval.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y_t, y_v = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    >>> x_t = np.c_[y_t + rng.normal(size=500), y_t + 0.3 * rng.normal(size=500)]
    >>> x_v = np.c_[y_v + rng.normal(size=500), rng.normal(size=500)]  # 2nd: training labels only
    >>> association_loss(x_t, y_t, x_v, y_v, 2).collapsed.tolist()
    [False, True]
    """
    assoc_t = label_association(X_train, y_train, n_classes)
    assoc_v = label_association(X_val, y_val, n_classes)
    return loss_from_associations(assoc_t, assoc_v, len(y_train), len(y_val), n_classes)


def loss_from_associations(
    assoc_t: FloatArray, assoc_v: FloatArray, n_train: int | IntArray, n_val: int, n_classes: int
) -> AssociationLoss:
    """:class:`AssociationLoss` from each split's epsilon² and row counts (``n_train`` may differ per feature).

    :func:`association_loss` measures both splits on all their rows; a check that measures the
    training association on part of the rows (one label source) passes the rows each value
    came from, so its standard error is that of the rows it rests on.
    """
    n_t = np.minimum(np.asarray(n_train), ASSOCIATION_ROWS)
    n_v = association_rows(n_val)
    se_t = 1.0 / np.sqrt(np.maximum(n_t, _SE_FLOOR_ROWS) - 3)
    se_v = 1.0 / np.sqrt(max(n_v, _SE_FLOOR_ROWS) - 3)
    z_t, z_v = fisher_z(assoc_t), fisher_z(assoc_v)
    z = (z_t - z_v) / np.hypot(se_t, se_v)
    lost = assoc_t - assoc_v
    half_t, half_v = LOSS_INTERVAL_Z * se_t, LOSS_INTERVAL_Z * se_v
    low_t, high_t = from_fisher_z(z_t - half_t), from_fisher_z(z_t + half_t)
    low_v, high_v = from_fisher_z(z_v - half_v), from_fisher_z(z_v + half_v)
    # MOVER: the difference's interval from each estimate's own interval, ends combined in quadrature
    lost_low = lost - np.sqrt((assoc_t - low_t) ** 2 + (high_v - assoc_v) ** 2)
    lost_high = lost + np.sqrt((high_t - assoc_t) ** 2 + (assoc_v - low_v) ** 2)
    collapsed = _collapse(assoc_t, assoc_v, z, n_tests=len(assoc_t))
    informative = informative_features(assoc_t, association_noise_level(int(np.max(n_t)), n_classes))
    fisher_lost_low = z_t - z_v - LOSS_INTERVAL_Z * np.hypot(se_t, se_v)
    return AssociationLoss(
        assoc_t,
        assoc_v,
        lost,
        lost_low,
        lost_high,
        z,
        collapsed,
        informative,
        np.asarray(fisher_lost_low),
        np.zeros(len(lost)),  # not measured here: the re-splits measure it (with_spread)
        informative_features(assoc_v, association_noise_level(n_v, n_classes)),
    )


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
    X_train: FeatureArray, y_train: IntArray, X_val: FeatureArray, y_val: IntArray, n_classes: int
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
