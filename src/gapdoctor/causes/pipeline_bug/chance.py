"""How far a model's predictions are from chance, under the relabelling that suits them best; and
whether a split's labels follow its own features at all.

A split whose labels are out of order with its features leaves a model no better than chance on it, however
confident; a permuted encoding leaves it informative under the permutation. Both readings compare the
confusion matrix with labels and predictions drawn independently with its margins.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gapdoctor.causes.pipeline_bug.score import at_chance, chance_margin
from gapdoctor.stats.accumulators import binomial_interval
from gapdoctor.stats.array_types import FeatureArray, IntArray
from gapdoctor.stats.association import (
    READ_FEATURES,
    association_noise_level,
    association_rows,
    informative_features,
    label_association,
)
from gapdoctor.stats.budget import SEED, WITHIN_SPLIT_CELLS, sample_rows

_WITHIN_FOLDS = 5
_WITHIN_MIN_ROWS = 100  # rows a within-split fit reads however wide the features

if TYPE_CHECKING:
    from gapdoctor.inputs.evidence import Evidence

__all__ = [
    "RelabelledAccuracy",
    "beyond_chance_z",
    "labels_follow_features",
    "relabelled_accuracy",
    "within_split_accuracy",
]


@dataclass(frozen=True)
class RelabelledAccuracy:
    """Accuracy under the best relabelling (the Hungarian assignment) with its 95% interval, and chance.

    Parameters
    ----------
    share, low, high : float
        The accuracy and its exact 95% interval.
    chance : float
        The accuracy of labels and predictions independent with the confusion's margins.
    at_chance : bool
        The interval's low end reaches down to chance (:func:`gapdoctor.causes.pipeline_bug.score.at_chance`).
    """

    share: float
    low: float
    high: float
    chance: float
    at_chance: bool


def relabelled_accuracy(confusion: np.ndarray[Any, Any]) -> RelabelledAccuracy:
    """The accuracy a confusion matrix (true x predicted) reaches under its best relabelling, against chance.

    Examples
    --------
    >>> relabelled_accuracy(np.array([[25, 25], [25, 25]])).at_chance
    True
    >>> relabelled_accuracy(np.array([[5, 45], [45, 5]])).share  # a swapped encoding: 90% once relabelled
    0.9
    """
    n = int(confusion.sum())
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    correct = int(confusion[rows, cols].sum())
    chance = float((confusion.sum(axis=1) / n) @ (confusion.sum(axis=0) / n))
    low, high = binomial_interval(correct, n)
    return RelabelledAccuracy(correct / n, low, high, chance, at_chance(low, chance))


def beyond_chance_z(confusion: np.ndarray[Any, Any], moved: list[int], cols: np.ndarray[Any, Any]) -> float:
    """z of the remapped classes' rows right under the new mapping, against labels and predictions
    independent with the confusion's margins (each row of class i predicted ``cols[i]`` with that
    column's share: binomial mean and variance summed over the moved classes).

    Examples
    --------
    >>> permuted = np.array([[2, 48], [47, 3]])  # a swapped encoding: informative under the swap
    >>> round(beyond_chance_z(permuted, [0, 1], np.array([1, 0])), 1)
    9.0
    >>> collapsed = np.array([[0, 97], [0, 3]])  # one class predicted for a split of one other class
    >>> round(beyond_chance_z(collapsed, [0, 1], np.array([1, 0])), 1)
    0.0
    """
    n = float(confusion.sum())
    share = confusion.sum(axis=0) / n
    rows = confusion.sum(axis=1)
    right = sum(float(confusion[i, cols[i]]) for i in moved)
    expected = sum(float(rows[i] * share[cols[i]]) for i in moved)
    variance = sum(float(rows[i] * share[cols[i]] * (1.0 - share[cols[i]])) for i in moved)
    if variance <= 0:
        return 0.0
    return (right - expected) / math.sqrt(variance)


def labels_follow_features(evidence: Evidence) -> bool:
    """Whether the validation labels follow their own features: a model fitted within the split predicts them.

    Either at least :data:`~gapdoctor.stats.association.READ_FEATURES` features are associated with the
    labels (Kruskal-Wallis epsilon²) beyond three times what an unrelated feature reaches by chance
    (:func:`~gapdoctor.stats.association.informative_features`), or a logistic regression fitted within the
    split and cross-validated there (:func:`within_split_accuracy`) is right on more of its rows than the most
    common label, beyond :func:`~gapdoctor.causes.pipeline_bug.score.chance_margin` (its interval's low end).
    Labels joined to their features in the wrong order do neither: a model confident and at chance on such a
    split learnt something else, not the split's rows out of order (a teacher's wrong labels, an unscaled
    split). Held-out corpus seed 12729: a naive-Bayes teacher's labels (41% wrong) on 725 of 759 training
    rows; the model is confident on the validation rows and right on 53.7% (50.0% by chance), yet three of
    their features follow the validation labels, and "y_val out of order" headlined at 0.66. Seed 12761,
    alike with one such feature: a model fitted within its validation rows is right on 64.5% (60.5% at the
    low end) of them.

    False without ``X_val`` and ``y_val``.

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(300, 6)), rng.integers(0, 2, 300)
    >>> X[:, :3] += 1.5 * y[:, None]
    >>> labels_follow_features(build_evidence(X_val=X, y_val=y))
    True
    >>> labels_follow_features(build_evidence(X_val=X, y_val=rng.permutation(y)))
    False
    """
    if evidence.X_val is None or evidence.y_val is None:
        return False
    X, y, k = evidence.X_val, evidence.y_val, evidence.n_classes
    noise = association_noise_level(association_rows(len(y)), k)
    if len(informative_features(label_association(X, y, k), noise)) >= READ_FEATURES:
        return True
    within = within_split_accuracy(X, y, k)
    if within is None:
        return False
    _, low, majority = within
    return not at_chance(low, majority, chance_margin(majority))


def within_split_accuracy(X: FeatureArray, y: IntArray, n_classes: int) -> tuple[float, float, float] | None:
    """(accuracy, its 95% interval's low end, the most common label's share) of a logistic regression
    cross-validated within one split (stratified 5-fold; standardised features, missing values as 0).

    At most :data:`~gapdoctor.stats.budget.WITHIN_SPLIT_CELLS` rows x features (a seeded sample of the
    rows beyond, stated). None when a class has fewer than two rows or only one class is present.
    """
    cap = max(WITHIN_SPLIT_CELLS // max(X.shape[1], 1), _WITHIN_MIN_ROWS)
    rows = sample_rows(len(y), cap, what="validation rows a within-split model is fitted on")
    Xs = np.nan_to_num(np.asarray(X[rows], dtype=np.float64))
    ys = np.asarray(y[rows])
    counts = np.bincount(ys, minlength=n_classes)
    present = counts[counts > 0]
    folds = min(_WITHIN_FOLDS, int(present.min())) if len(present) else 0
    if len(present) < 2 or folds < 2:
        return None
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300))
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a test of the labels, not the user's model
        predicted = cross_val_predict(model, Xs, ys, cv=StratifiedKFold(folds, shuffle=True, random_state=SEED))
    correct = int((predicted == ys).sum())
    low, _ = binomial_interval(correct, len(ys))
    return correct / len(ys), low, float(present.max() / len(ys))
