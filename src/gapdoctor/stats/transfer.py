"""Does a model of one split's features predict the other split's labels? (the misalignment check's test)

Label noise weakens every feature's association with the label yet leaves it: a linear model
fitted on one split still beats chance on the other. Misaligned rows leave labels independent
of the features: chance accuracy, whatever the class numbering (hence the best relabelling).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from gapdoctor.stats.array_types import FeatureArray, IntArray
from gapdoctor.stats.budget import ASSOCIATION_ROWS
from gapdoctor.stats.splits import subsample


@dataclass(frozen=True)
class Transfer:
    """How well the features that predict the label in one split predict it in the other.

    ``correct`` of ``rows`` target rows right under the best one-to-one relabelling of the
    predicted classes; ``chance`` the accuracy that pairing reaches when labels and
    predictions are independent (the product of their marginals over the paired classes).
    """

    correct: int
    rows: int
    chance: float

    @property
    def accuracy(self) -> float:
        """Share of target rows right under the best relabelling."""
        return self.correct / self.rows if self.rows else 0.0


TransferModel = Callable[[FeatureArray], IntArray]
"""A linear model of some features fitted on one split: the other split's feature rows -> predicted labels."""


def transfer_model(X_from: FeatureArray, y_from: IntArray, features: IntArray) -> TransferModel | None:
    """A logistic regression of ``features`` fitted on (at most ``ASSOCIATION_ROWS`` sampled rows of) one split,
    standardised by that split's statistics; None when those rows hold a single class."""
    from sklearn.linear_model import LogisticRegression

    rows = subsample(len(y_from), ASSOCIATION_ROWS)
    labels = y_from[rows]
    if len(np.unique(labels)) < 2:
        return None
    source = np.asarray(X_from[rows][:, features], dtype=np.float64)
    centre = np.nanmean(source, axis=0)
    spread = np.nanstd(source, axis=0)
    spread[~(spread > 0)] = 1.0
    fitted = LogisticRegression(max_iter=200).fit(np.nan_to_num((source - centre) / spread), labels)

    def predict(X_to: FeatureArray) -> IntArray:
        target = np.asarray(X_to[:, features], dtype=np.float64)
        return np.asarray(fitted.predict(np.nan_to_num((target - centre) / spread)))

    return predict


def transfer_accuracy(
    X_from: FeatureArray,
    y_from: IntArray,
    X_to: FeatureArray,
    y_to: IntArray,
    features: IntArray,
    *,
    model: TransferModel | None = None,
) -> Transfer:
    """A linear model of ``features`` fitted on one split, scored on the other (sampled rows of each).

    Label noise weakens every feature's association with the label yet leaves it: the model
    still beats chance on the noisy split. Misaligned rows leave labels independent of the
    features: chance accuracy, whatever the class numbering (hence the best relabelling).
    ``model``: one :func:`transfer_model` already fitted on the source split (fitted here when None).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> X = y[:, None] + rng.normal(size=(400, 3))
    >>> noisy = np.where(rng.random(400) < 0.3, 1 - y, y)
    >>> t = transfer_accuracy(X[:200], y[:200], X[200:], noisy[200:], np.arange(3))
    >>> t.accuracy > t.chance + 0.1
    True
    >>> t = transfer_accuracy(X[:200], y[:200], X[200:], np.roll(y[200:], 1), np.arange(3))
    >>> abs(t.accuracy - t.chance) < 0.1
    True
    """
    from scipy.optimize import linear_sum_assignment

    rows_to = subsample(len(y_to), ASSOCIATION_ROWS)
    labels_to = y_to[rows_to]
    predict = transfer_model(X_from, y_from, features) if model is None else model
    if predict is None:
        return Transfer(0, len(labels_to), 1.0)
    predicted = predict(X_to[rows_to])
    classes = np.unique(np.r_[y_from[subsample(len(y_from), ASSOCIATION_ROWS)], labels_to])  # the rows it was fitted on
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    np.add.at(confusion, (np.searchsorted(classes, labels_to), np.searchsorted(classes, predicted)), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    n = int(confusion.sum())
    chance = float((confusion.sum(axis=1)[rows] / n) @ (confusion.sum(axis=0)[cols] / n))
    return Transfer(int(confusion[rows, cols].sum()), n, chance)
