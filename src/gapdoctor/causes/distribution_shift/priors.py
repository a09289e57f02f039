"""Do the features move as the class priors say? A label shift's consequence, tested.

Under a label shift the population of each class is unchanged and only the class mix differs,
so the features of the training rows move as their class mix does: a classifier of the
validation split's labels, applied to the training rows, predicts the training priors
(black-box shift estimation). Wrong training labels move the training prior with no change
in the rows (symmetric flips pull it toward uniform, a biased pseudo-labeller toward the
classes it favours): the classifier then predicts the same mix on both splits.

The statistic is the share of the prior change the features carry: the predicted mix's
change projected on the change a label shift would cause, over that change's size (about 1
under a label shift, about 0 when only the labels changed), with a normal interval.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.budget import DOMAIN_ROWS
from gapdoctor.stats.splits import subsample

__all__ = ["FeaturesFollow", "features_follow_priors"]

_FOLDS = 3  # cross-fitted validation predictions: the classifier never scores rows it was fitted on


@dataclass(frozen=True)
class FeaturesFollow:
    """Share of the prior change the features carry, with its standard error."""

    share: float
    se: float

    def high(self, z: float) -> float:
        """Upper end of the interval ``share +- z se``."""
        return self.share + z * self.se

    def low(self, z: float) -> float:
        """Lower end of the interval ``share +- z se``."""
        return self.share - z * self.se


def features_follow_priors(
    X_train: FeatureArray, X_val: FeatureArray, y_val: IntArray, prior_change: FloatArray, n_classes: int
) -> FeaturesFollow | None:
    """Black-box shift estimate of how much of ``prior_change`` (train minus validation priors) the features carry.

    None when the validation split cannot be cross-fitted (a class with fewer rows than folds).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 2000)
    >>> X = y[:, None] * 2.0 + rng.normal(size=(2000, 3))
    >>> shifted = np.r_[np.flatnonzero(y == 1)[:700], np.flatnonzero(y == 0)[:300]]
    >>> val = np.arange(1000, 2000)
    >>> change = np.bincount(y[shifted], minlength=2) / 1000 - np.bincount(y[val], minlength=2) / 1000
    >>> round(features_follow_priors(X[shifted], X[val], y[val], change, 2).share, 1)  # label shift
    1.0
    >>> flipped = np.where(rng.random(1000) < 0.4, 1, y[:1000])  # only the labels moved
    >>> change = np.bincount(flipped, minlength=2) / 1000 - np.bincount(y[val], minlength=2) / 1000
    >>> abs(features_follow_priors(X[:1000], X[val], y[val], change, 2).share) < 0.2
    True
    """
    rows_train = subsample(len(X_train), DOMAIN_ROWS)
    rows_val = subsample(len(X_val), DOMAIN_ROWS)
    labels = y_val[rows_val]
    present = np.unique(labels)
    if len(present) < 2 or _rare(labels):
        return None
    source = np.asarray(X_val[rows_val], dtype=np.float64)
    target = np.asarray(X_train[rows_train], dtype=np.float64)
    centre, spread = np.nanmean(source, axis=0), np.nanstd(source, axis=0)
    spread[~(spread > 0)] = 1.0
    source = np.nan_to_num((source - centre) / spread)
    target = np.nan_to_num((target - centre) / spread)
    model = LogisticRegression(max_iter=300)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # an unconverged fit still predicts the mix
        folds = StratifiedKFold(_FOLDS, shuffle=True, random_state=0)
        oof = cross_val_predict(model, source, labels, cv=folds, method="predict_proba")
        on_train = model.fit(source, labels).predict_proba(target)
    full_oof = _full(oof, present, n_classes)
    full_train = _full(on_train, present, n_classes)
    confusion = np.zeros((n_classes, n_classes))  # row c: the mean predicted mix of validation rows of class c
    for c in present:
        confusion[c] = full_oof[labels == c].mean(axis=0)
    expected = np.asarray(prior_change, dtype=np.float64) @ confusion  # the predicted mix a label shift moves
    size = float(expected @ expected)
    if not size > 0:
        return None
    on_train_proj, on_val_proj = full_train @ expected, full_oof @ expected
    share = (float(on_train_proj.mean()) - float(on_val_proj.mean())) / size
    variance = float(on_train_proj.var()) / len(on_train_proj) + float(on_val_proj.var()) / len(on_val_proj)
    return FeaturesFollow(share=share, se=math.sqrt(variance) / size)


def _rare(labels: IntArray) -> bool:
    counts = np.bincount(labels)
    return bool(counts[counts > 0].min() < _FOLDS)


def _full(probs: FloatArray, present: IntArray, n_classes: int) -> FloatArray:
    """Probabilities over the present classes spread into all ``n_classes`` columns."""
    out = np.zeros((len(probs), n_classes))
    out[:, present] = probs
    return out
