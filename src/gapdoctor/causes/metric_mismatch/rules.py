"""Decision rules and their cross-validated gain: the statistics ``metric_mismatch`` measures.

A decision rule is a threshold on P(class 1) (binary) or a prior-correction strength
``alpha`` in ``argmax(p / prior**alpha)`` (multiclass). The gain of tuning it is measured
honestly: every row is decided by the rule tuned on the *other* folds, and the gain over
the default rule comes with a paired bootstrap interval over the rows.

It is measured on two sets of out-of-sample rows:

* the **validation rows** alone (the final model's own decisions, what the stuck metric
  is computed on); and
* **every out-of-sample row**: the validation rows and the training rows with their
  out-of-fold probabilities (``train_probs``, out-of-sample by contract). The loss that
  does not match the metric is a property of the training recipe, and the out-of-fold
  models are that recipe scored on rows it did not see: twice or three times the rows,
  a rule tuned on more of them, and a tighter interval. A validation set with a handful
  of minority rows cannot show a 3-point gain alone (one minority row of a 5-row class
  is 2 points of balanced accuracy on 10 classes); the pooled rows can.

Two rules need no tuning at all, so no folds: the rule the model's own probabilities expect
to be best (:func:`expected_sweep`) and, for two classes, the threshold that decides the
training labels' share of the rows positive (:func:`prior_share`, on the same two sets of rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import StratifiedKFold

from gapdoctor.errors import SkipCheck
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.confusion import metric_from_confusions
from gapdoctor.stats.resampling import decision_metric, paired_decision_replicates, percentile_interval

__all__ = [
    "PriorShare",
    "RuleGain",
    "best_rule",
    "cross_validated_decisions",
    "decide",
    "expected_sweep",
    "pooled_rule_gain",
    "prior_share",
    "prior_share_rule",
    "rule_gain",
    "rules",
    "sweep",
]

_FOLDS = 5
"""Folds of the cross-validated rule: tuned on four fifths, applied to the fifth left out."""


@dataclass(frozen=True)
class RuleGain:
    """The cross-validated gain of a tuned rule over the default one, on some rows.

    Parameters
    ----------
    gain : float
        Metric with the rule tuned on other folds minus the metric at the default rule.
    low, high : float
        Its paired-bootstrap 95% interval (nan without replicates).
    default_low, default_high : float
        The 95% interval of the metric at the default rule, from the same replicates.
    replicates : int
        Finite bootstrap replicates behind the interval (one or none: no interval to judge by).
    tuned_value : float
        The metric with the rule tuned on other folds.
    n_rows : int
        Rows judged.
    """

    gain: float
    low: float
    high: float
    tuned_value: float
    n_rows: int
    default_low: float
    default_high: float
    replicates: int


def rules(binary: bool) -> tuple[FloatArray, float]:
    """The candidate decision rules (thresholds or prior strengths) and the default."""
    if binary:
        return np.round(np.linspace(0.02, 0.98, 49), 4), 0.5
    return np.round(np.linspace(0.0, 1.0, 21), 4), 0.0


def decide(probs: FloatArray, rule: float, prior: FloatArray) -> IntArray:
    """Decisions of one rule: ``P(class 1) >= rule`` (binary) or ``argmax(p / prior**rule)``."""
    if probs.shape[1] == 2:
        return np.asarray(probs[:, 1] >= rule, dtype=np.int64)
    return np.asarray(np.argmax(probs / prior**rule, axis=1), dtype=np.int64)


def sweep(metric: str, y: IntArray, probs: FloatArray, candidates: FloatArray, prior: FloatArray) -> FloatArray:
    """The metric at every candidate rule."""
    k = probs.shape[1]
    return np.array([decision_metric(metric, y, decide(probs, r, prior), k) for r in candidates])


def expected_sweep(metric: str, probs: FloatArray, candidates: FloatArray, prior: FloatArray) -> FloatArray:
    """The metric at every candidate rule *expected under the model's own probabilities*, without labels.

    Each row's label is taken as drawn from its predicted probabilities, and the metric is
    computed on the expected confusion matrix (row ``c``, column ``d``: the sum of ``P(c)`` over
    the rows decided ``d``), a ratio of expectations. For F1 this is the plug-in
    ``2 sum_{p >= t} p / (#{p >= t} + sum p)``. Its best rule reads no label, so the gain of that
    rule measured on the labels is not chosen on the rows it is scored on.

    Examples
    --------
    >>> p = np.c_[1 - np.linspace(0.05, 0.45, 9), np.linspace(0.05, 0.45, 9)]
    >>> values = expected_sweep("f1", p, np.array([0.2, 0.5]), np.array([0.5, 0.5]))
    >>> bool(values[0] > values[1] == 0.0)  # a calibrated rare class: the lower threshold is expected to win
    True
    """
    from scipy.sparse import csr_matrix

    n, k = probs.shape
    rows = np.arange(n)
    matrices = []
    for rule in candidates:  # (decided class x row) indicator, sparse: k x k memory, not a row x class one-hot
        decided = csr_matrix((np.ones(n), (decide(probs, rule, prior), rows)), shape=(k, n))
        matrices.append(np.asarray(decided @ probs).T)  # true class (expected) x decided class
    return np.nan_to_num(metric_from_confusions(metric, np.stack(matrices)), nan=0.0)


def prior_share_rule(probs: FloatArray, prior: FloatArray) -> float:
    """The threshold on P(class 1) that decides the training labels' share of the rows positive.

    A second rule chosen without a label, from the ranking of the probabilities and the training
    prior only: unlike :func:`expected_sweep` it does not take the probabilities at their word, so an
    overconfident model (which puts most positives far below 0.5 and expects 0.5 to be right) gets a
    rule that is still not chosen on the rows it is scored on. Binary tasks only.

    Examples
    --------
    >>> p1 = np.linspace(0.0, 0.45, 10)
    >>> t = prior_share_rule(np.c_[1 - p1, p1], np.array([0.8, 0.2]))
    >>> int((p1 >= t).sum())  # 20% of ten rows decided positive, although none reaches 0.5
    2
    """
    return float(np.quantile(probs[:, 1], 1.0 - float(prior[1]), method="higher"))


@dataclass(frozen=True)
class PriorShare:
    """The training-share threshold's gain on the validation rows, and on every out-of-sample row.

    Parameters
    ----------
    rule : float
        The threshold deciding the training labels' share of the validation rows positive.
    on_validation : RuleGain
        Its gain over the default threshold on the validation rows.
    pooled : RuleGain or None
        The gain on the validation and training rows pooled, each split decided at its own
        training-share threshold (the training rows' from their out-of-fold probabilities); None
        without them.
    """

    rule: float
    on_validation: RuleGain
    pooled: RuleGain | None


def prior_share(
    metric: str,
    y: IntArray,
    probs: FloatArray,
    prior: FloatArray,
    default_pred: IntArray,
    training: tuple[IntArray, FloatArray, IntArray] | None,
) -> PriorShare:
    """The gain of deciding the training labels' share of the rows positive (binary), alone and pooled.

    Each split is decided at the threshold that puts the training share of *its* rows above it, so
    the out-of-fold models' own scale does not leak into the validation rows' rule and no label of
    the rows scored chooses a threshold (the training rows' share is the prior itself).
    ``training``: the training labels, their out-of-fold probabilities and the default rule's
    decisions on them (:func:`pooled_rule_gain`), or None.

    Examples
    --------
    >>> p1 = np.r_[np.linspace(0.0, 0.3, 80), np.linspace(0.2, 0.45, 20)]  # overconfident: no row reaches 0.5
    >>> y = np.r_[np.zeros(80, int), np.ones(20, int)]
    >>> share = prior_share("f1", y, np.c_[1 - p1, p1], np.array([0.8, 0.2]), np.zeros(100, int), None)
    >>> round(share.on_validation.gain, 2), share.pooled is None
    (0.7, True)
    """
    rule = prior_share_rule(probs, prior)
    decided = decide(probs, rule, prior)
    on_validation = rule_gain(metric, y, decided, default_pred, probs.shape[1])
    if training is None:
        return PriorShare(rule, on_validation, None)
    train_probs = training[1]
    train_decided = decide(train_probs, prior_share_rule(train_probs, prior), prior)
    return PriorShare(rule, on_validation, pooled_rule_gain(metric, y, training, train_decided, decided, default_pred))


def pooled_rule_gain(
    metric: str,
    y: IntArray,
    training: tuple[IntArray, FloatArray, IntArray],
    train_decided: IntArray,
    decided: IntArray,
    default_pred: IntArray,
) -> RuleGain:
    """The gain of a rule's decisions on the training (out-of-fold) and validation rows pooled, over the
    default rule's on the same rows (``training``: the training labels, their probabilities and the
    default rule's decisions on them, decided once by the caller for every pooled estimate)."""
    y_train, train_probs, train_default = training
    default_all = np.concatenate([train_default, default_pred])
    y_all, decided_all = np.concatenate([y_train, y]), np.concatenate([train_decided, decided])
    return rule_gain(metric, y_all, decided_all, default_all, train_probs.shape[1])


def best_rule(values: FloatArray, candidates: FloatArray, default: float) -> float:
    """The best rule; among ties, the one closest to the default."""
    best = np.flatnonzero(values >= values.max() - 1e-12)
    return float(candidates[best[np.argmin(np.abs(candidates[best] - default))]])


def cross_validated_decisions(
    metric: str, y: IntArray, probs: FloatArray, candidates: FloatArray, default: float, prior: FloatArray
) -> IntArray:
    """Each row decided by the rule tuned on the other folds (stratified by label, seeded)."""
    min_support = int(np.bincount(y, minlength=probs.shape[1]).min())
    folds = min(_FOLDS, min_support)
    if folds < 2:
        raise SkipCheck("some class has fewer than 2 validation rows: cannot cross-validate the decision rule")
    out = np.empty(len(y), dtype=np.int64)
    for tune_rows, held_rows in StratifiedKFold(folds, shuffle=True, random_state=0).split(probs, y):
        tuned = best_rule(sweep(metric, y[tune_rows], probs[tune_rows], candidates, prior), candidates, default)
        out[held_rows] = decide(probs[held_rows], tuned, prior)
    return out


def rule_gain(metric: str, y: IntArray, tuned: IntArray, default_pred: IntArray, n_classes: int) -> RuleGain:
    """The gain of the ``tuned`` decisions over ``default_pred`` on the same rows, with its paired interval.

    Examples
    --------
    >>> y = np.array([0, 0, 0, 1, 1, 1] * 20)
    >>> g = rule_gain("f1", y, y.copy(), np.array([0, 0, 0, 0, 0, 1] * 20), 2)
    >>> round(g.gain, 3), g.low > 0
    (0.5, True)
    """
    tuned_value = decision_metric(metric, y, tuned, n_classes)
    reps_tuned, reps_default = paired_decision_replicates(metric, y, tuned, default_pred, n_classes)
    paired = reps_tuned - reps_default
    paired = paired[np.isfinite(paired)]
    low, high = percentile_interval(paired)
    default_low, default_high = percentile_interval(reps_default)
    return RuleGain(
        gain=tuned_value - decision_metric(metric, y, default_pred, n_classes),
        low=low,
        high=high,
        tuned_value=tuned_value,
        n_rows=len(y),
        default_low=default_low,
        default_high=default_high,
        replicates=len(paired),
    )
