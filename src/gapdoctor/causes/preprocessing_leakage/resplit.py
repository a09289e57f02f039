"""The association loss's sampling spread, measured by re-splitting the rows instead of assumed.

:func:`~gapdoctor.stats.association.loss_from_associations` gives each split's epsilon² a
Fisher-z standard error of ``1/sqrt(n - 3)``: right when every class has many rows, far too
small when a few rows of a rare class make the association. A pixel inked only in one digit
kept to 11 training and 7 validation rows has an epsilon² that swings by 0.17 between random
splits of the same rows, where the Fisher interval allows 0.04 (corpus seeds 82 and 290:
digits with the upper half of the classes at 12-14% of their rows; the approximation called a
loss of 0.26 significant at z = 5.8, where re-splitting finds it in 3% of random splits).

The spread is measured directly: the training and validation rows the two associations were
measured on are pooled and split again at random ``RESPLITS`` times, keeping each class's row
count in each split, so the re-split losses are the loss's distribution when the feature means
the same in both splits (the null of the leakage test). Each feature's standard error becomes
the larger of the Fisher-z one and the re-split spread (on the Fisher-z scale for the test and
the weakened-feature interval, on the epsilon² scale for the loss interval): resampling can
only widen the uncertainty, so a leak the approximation already judged fairly keeps its
evidence. Only the features that pass the screen the score rests on (a loss significant under
the Fisher approximation, see :func:`screened`) are re-split.

The re-splits also measure what a split loses by chance: epsilon² over ``k`` classes reaches about
``(k - 1) / (n - 1)`` on ``n`` rows of a feature unrelated to the label, so a small training split
beside a large validation split "loses" association however honest the feature (ten classes,
69 training rows, 1,324 validation rows: 0.13 - 0.01 = 0.12). The test and both intervals are
centred on the re-splits' mean loss, not on 0 (mnist1d corpus seeds 300240 and 300384: training splits
of 69 and 64 rows read as features built with the training labels at z 4.4 and 4.2, 0.39 lost with an
interval from 0.20; the chance loss there is about 0.12).

Cost: ``RESPLITS`` x (pooled rows) ranks per feature re-split, at most ``RESPLIT_CELLS`` in all
(features beyond that keep the approximation, the strongest re-split first); the pooled rows are
at most ``RESPLIT_ROWS`` per split (a larger split is sampled and the spread scaled back to its
row counts by the usual ``1/n`` of a variance). Digits (500 + 300 rows): 0.015 s per feature;
8,000 pooled rows: 0.24 s per feature.
The random splits are seeded: the same inputs give the same result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

from gapdoctor.stats.array_types import FeatureArray, IntArray
from gapdoctor.stats.association import (
    COLLAPSE_FAMILY_ALPHA,
    COLLAPSE_MIN_LOSS,
    LOSS_INTERVAL_Z,
    AssociationLoss,
    epsilon_squared,
    fisher_z,
)

__all__ = [
    "RESPLITS",
    "RESPLIT_CELLS",
    "RESPLIT_ROWS",
    "Spread",
    "resplit_loss",
    "resplit_spread",
    "screened",
    "with_spread",
]

RESPLITS = 200
"""Random re-splits per feature: the standard deviation of the null losses to about 5% (1/sqrt(2 x 200))."""
RESPLIT_ROWS = 4_000
"""Rows per split pooled for the re-splits; a larger split is sampled to this many."""
RESPLIT_CELLS = 10_000_000
"""Ranked values over all the re-splits of one check (``RESPLITS`` x pooled rows x features): about 1.5 s
on one core (6 features of 4,000 + 4,000 rows; 62 of 500 + 300 rows, digits)."""
_SEED = 20_240_613  # the re-splits are random but reproducible


@dataclass(frozen=True)
class Spread:
    """One feature's loss under random re-splits, on both scales: its standard deviation and (``chance_*``)
    its mean, what splits of these sizes lose by chance (0 when not measured)."""

    epsilon: float
    fisher: float
    chance_epsilon: float = 0.0
    chance_fisher: float = 0.0


def screened(loss: AssociationLoss) -> list[int]:
    """Features whose loss passes the Fisher-approximation screen (Bonferroni z, sizeable), largest z first.

    The collapsed and the weakened features are among them: every feature whose loss the
    score can rest on.
    """
    z_needed = float(sps.norm.isf(COLLAPSE_FAMILY_ALPHA / max(len(loss.z), 1)))
    hit = np.flatnonzero((loss.z >= z_needed) & (loss.lost >= COLLAPSE_MIN_LOSS))
    return sorted(hit.tolist(), key=lambda j: -float(loss.z[j]))


def resplit_spread(
    x_train: FeatureArray, y_train: IntArray, x_val: FeatureArray, y_val: IntArray, n_classes: int
) -> Spread:
    """Spread of one feature's association loss over random stratified re-splits of its pooled rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y_t, y_v = rng.integers(0, 2, 300), rng.integers(0, 2, 200)
    >>> s = resplit_spread(y_t + rng.normal(size=300), y_t, y_v + rng.normal(size=200), y_v, 2)
    >>> 0.02 < s.epsilon < 0.1, 0.05 < s.fisher < 0.15  # Fisher: 1/sqrt(297) and 1/sqrt(197) -> 0.092
    (True, True)
    """
    rng = np.random.default_rng(_SEED)
    keep_t = np.sort(rng.permutation(len(y_train))[:RESPLIT_ROWS])
    keep_v = np.sort(rng.permutation(len(y_val))[:RESPLIT_ROWS])
    values = np.concatenate([x_train[keep_t], x_val[keep_v]]).astype(np.float64)
    labels = np.concatenate([y_train[keep_t], y_val[keep_v]])
    by_class = np.argsort(labels, kind="stable")
    counts_t = np.bincount(y_train[keep_t], minlength=n_classes)
    counts = np.bincount(labels, minlength=n_classes)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    to_train = np.concatenate([starts[c] + np.arange(counts_t[c]) for c in range(n_classes)])
    to_val = np.setdiff1d(np.arange(len(labels)), to_train)
    # a random order within each class block: each class keeps its row count in each split
    keys = rng.random((RESPLITS, len(labels))) + labels[by_class]
    shuffled = by_class[np.argsort(keys, axis=1)]
    rows_t, rows_v = shuffled[:, to_train], shuffled[:, to_val]
    # class blocks: the same labels in each re-split, one column per re-split
    eps_t = epsilon_squared(values[rows_t].T, labels[rows_t[0]], n_classes)
    eps_v = epsilon_squared(values[rows_v].T, labels[rows_v[0]], n_classes)
    scale = np.sqrt((1 / len(y_train) + 1 / len(y_val)) / (1 / len(keep_t) + 1 / len(keep_v)))
    # the chance loss goes as 1/n_train - 1/n_val: scaled back to the splits' sizes when they were sampled
    sampled = 1 / len(keep_t) - 1 / len(keep_v)
    shift = (1 / len(y_train) - 1 / len(y_val)) / sampled if sampled else 0.0
    lost, lost_z = eps_t - eps_v, fisher_z(eps_t) - fisher_z(eps_v)
    return Spread(
        float(np.std(lost) * scale),
        float(np.std(lost_z) * scale),
        float(np.mean(lost) * shift),
        float(np.mean(lost_z) * shift),
    )


def with_spread(loss: AssociationLoss, spreads: dict[int, Spread]) -> AssociationLoss:
    """``loss`` with each re-split feature's standard error the larger of the Fisher one and its spread,
    and its test and intervals centred on the loss splits of these sizes make by chance (when positive).

    Its z, both intervals, its ``chance_lost`` and whether it collapsed follow; the other features are
    unchanged.

    Examples
    --------
    >>> from gapdoctor.stats.association import loss_from_associations
    >>> loss = loss_from_associations(np.array([0.3, 0.3]), np.array([0.03, 0.03]), 500, 300, 10)
    >>> wide = with_spread(loss, {1: Spread(epsilon=0.17, fisher=0.25)})
    >>> bool(loss.collapsed[1]), bool(wide.collapsed[1]), bool(wide.collapsed[0])
    (True, False, True)
    >>> bool(wide.lost_low[1] < 0.0 < loss.lost_low[1])
    True
    >>> chance = with_spread(loss, {1: Spread(epsilon=0.02, fisher=0.05, chance_epsilon=0.12, chance_fisher=0.3)})
    >>> bool(chance.lost_low[1] < loss.lost_low[1] - 0.1), round(float(chance.chance_lost[1]), 2)
    (True, 0.12)
    """
    if not spreads:
        return loss
    z, low, high = loss.z.copy(), loss.lost_low.copy(), loss.lost_high.copy()
    fisher_low = loss.fisher_lost_low.copy()
    chance = loss.chance_lost.copy()
    for j, spread in spreads.items():
        difference = float(fisher_z(loss.train[j : j + 1])[0] - fisher_z(loss.val[j : j + 1])[0])
        se = difference / float(loss.z[j]) if loss.z[j] > 0 else 0.0  # the Fisher standard error behind z
        se = max(se, spread.fisher)
        beyond = difference - max(spread.chance_fisher, 0.0)  # what chance does not explain
        if se > 0:
            z[j] = beyond / se
        fisher_low[j] = beyond - LOSS_INTERVAL_Z * se
        chance[j] = max(spread.chance_epsilon, 0.0)
        low[j] = min(float(low[j]) - chance[j], float(loss.lost[j]) - chance[j] - LOSS_INTERVAL_Z * spread.epsilon)
        high[j] = max(float(high[j]), float(loss.lost[j]) + LOSS_INTERVAL_Z * spread.epsilon) - chance[j]
    z_needed = float(sps.norm.isf(COLLAPSE_FAMILY_ALPHA / max(len(z), 1)))
    return replace(
        loss,
        z=z,
        lost_low=low,
        lost_high=high,
        fisher_lost_low=fisher_low,
        collapsed=loss.collapsed & (z >= z_needed),
        chance_lost=chance,
    )


def resplit_loss(
    loss: AssociationLoss,
    X_train: FeatureArray,
    y_train: IntArray,
    X_val: FeatureArray,
    y_val: IntArray,
    n_classes: int,
    train_rows: Sequence[IntArray],
    val_rows: IntArray,
) -> AssociationLoss:
    """``loss`` with the :func:`screened` features re-split, within ``RESPLIT_CELLS``.

    ``train_rows[j]`` are the training rows feature ``j``'s training association was measured
    on (all sampled rows, or one label source's), ``val_rows`` the validation rows.
    """
    spreads: dict[int, Spread] = {}
    cells = 0
    for j in screened(loss):
        rows = train_rows[j]
        cells += RESPLITS * (min(len(rows), RESPLIT_ROWS) + min(len(val_rows), RESPLIT_ROWS))
        if cells > RESPLIT_CELLS:
            break
        spreads[j] = resplit_spread(X_train[rows, j], y_train[rows], X_val[val_rows, j], y_val[val_rows], n_classes)
    return with_spread(loss, spreads)
