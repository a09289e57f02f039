"""What the validation set's size lets the overfitting curves claim: sampling noise of the curves' levels.

A validation curve is measured on the same ``n`` rows at every evaluation. Its epoch-to-epoch
wobble (the noise a turn is judged against in :mod:`gapdoctor.causes.overfitting.check`) says
whether the curve moved on *those* rows; how far those rows' figures can sit from the
population's is the sampling noise of a mean over ``n`` rows:

* the validation log loss at the end, ``sd(per-row log loss) / sqrt(n)`` from ``val_probs``
  and ``y_val`` (the per-row log loss is heavy-tailed: a few confidently wrong rows carry it);
* a metric that is a share of rows (accuracy, error), ``sqrt(p (1 - p) / n)`` (binomial; floored at
  one row, ``1 / n``, as the small_validation_set check does); a decision metric that is not (F1,
  balanced accuracy...) or two-class ROC AUC, with ``y_val`` and ``val_probs``, its own sampling sd
  (:func:`gapdoctor.stats.resampling.metric_own_sd`: a bootstrap over the confusion-matrix cells,
  Hanley and McNeil's standard error): F1 on 20 positives moves by a twentieth per positive, and the
  binomial sd of its 1,000 rows would call a gap of two positives three standard deviations.
  Without them, or for a metric whose own sd would cost a row bootstrap, the binomial figure stands in.

Two uses: a **generalisation gap** (training ahead of validation at the end, in the metric's
training twin or, without one, in the loss) is real only beyond the validation figure's
sampling noise; and a turn whose rise (loss) and fall (metric) are both inside the noise of
two evaluations on ``n`` rows is one a validation set that small can produce — a reported
small_validation_set then explains it (:meth:`OverfittingCurves.explained_by`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from gapdoctor.causes.curves import info_of, oriented
from gapdoctor.causes.overfitting.score import within_sampling_noise
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import RunHistory, smooth
from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import VALIDATION_PASS_ROWS, validation_sample
from gapdoctor.stats.resampling import SHARE_OF_ROWS_METRICS, metric_own_sd

__all__ = [
    "Gap",
    "generalisation_gap",
    "metric_own_sd_of",
    "metric_sampling_sd",
    "row_log_losses",
    "turn_within_sampling_noise",
    "val_loss_sampling_se",
]

_TINY_PROBABILITY = 1e-15
"""Probabilities are clipped here before the log (scikit-learn's ``log_loss`` clip): a row predicted
at exactly 0 for its label has a large finite loss, not an infinite one."""


@dataclass(frozen=True)
class Gap:
    """Training ahead of validation at the end: ``gap`` (training minus validation, better-is-positive),
    its sampling standard deviation ``sd``, and what it was read on (``"metric"`` twin or ``"loss"``)."""

    gap: float
    sd: float
    read_on: Literal["metric", "loss"]


def val_loss_sampling_se(evidence: Evidence) -> float | None:
    """Standard error of the validation log loss over the validation rows: ``sd(per-row loss) / sqrt(n)``.

    Read on the final ``val_probs`` (a sample of at most the validation pass's rows; ``n`` is the real
    validation size). None without ``y_val`` and ``val_probs`` or with fewer than 2 rows.
    """
    sample = validation_sample(evidence, VALIDATION_PASS_ROWS)
    y, probs, n = sample.y_val, sample.val_probs, evidence.val_size
    if y is None or probs is None or n is None or len(y) < 2:
        return None
    return float(row_log_losses(y, probs).std(ddof=1)) / math.sqrt(n)


def row_log_losses(y: IntArray, probs: FloatArray) -> FloatArray:
    """Each row's log loss, ``-log p(given label)``, its probability clipped as scikit-learn's ``log_loss`` does.

    Examples
    --------
    >>> row_log_losses(np.array([0, 1]), np.array([[1.0, 0.0], [1.0, 0.0]])).round(2).tolist()
    [-0.0, 34.54]
    """
    return np.asarray(-np.log(np.clip(probs[np.arange(len(y)), y], _TINY_PROBABILITY, 1.0)), dtype=np.float64)


def metric_sampling_sd(value: float, n: int, own_sd: float | None = None) -> float:
    """Standard deviation of a metric in [0, 1] measured on ``n`` rows (at least one row's worth, ``1 / n``).

    ``own_sd`` (:func:`metric_own_sd_of`) when the metric is not a share of rows and it
    could be read; else binomial at ``value``.

    Examples
    --------
    >>> round(metric_sampling_sd(0.9, 100), 4)
    0.03
    >>> metric_sampling_sd(1.0, 100) == metric_sampling_sd(0.99, 100)
    True
    >>> metric_sampling_sd(0.8, 1000, own_sd=0.05)
    0.05
    """
    if own_sd is not None:
        return max(own_sd, 1.0 / n)
    return math.sqrt(max(value * (1.0 - value), 1.0 / n) / n)


def metric_own_sd_of(evidence: Evidence, name: str) -> float | None:
    """The own sampling sd of validation ``name`` on ``y_val`` and ``val_probs``, for a metric not a share of rows.

    None for accuracy and error (binomial is exact for them), without ``y_val`` and ``val_probs``,
    for a metric gapdoctor cannot compute from probabilities, or where
    :func:`~gapdoctor.stats.resampling.metric_own_sd` has none.
    """
    y, probs = evidence.y_val, evidence.val_probs
    if name in SHARE_OF_ROWS_METRICS or y is None or probs is None or info_of(evidence, name).scorer is None:
        return None
    return metric_own_sd(name, y, probs)


def generalisation_gap(
    evidence: Evidence,
    history: RunHistory,
    metric: tuple[str, FloatArray] | None,
    train: FloatArray,
    val_loss: FloatArray | None,
    loss_se: float | None,
    own_sd: float | None = None,
) -> Gap | None:
    """How far training is ahead of validation at the end, with the validation figure's sampling noise.

    With the training twin of a metric in [0, 1] logged (``train_accuracy`` beside ``val_accuracy``)
    and the validation size known: the twin's lead over the validation metric (smoothed ends),
    against :func:`metric_sampling_sd` of the validation value (``own_sd``: the metric's own, where
    it is not a share of rows). Otherwise the validation loss's
    excess over the training loss, against :func:`val_loss_sampling_se`. None when neither can be
    read with its noise.
    """
    n = evidence.val_size
    if metric is not None and n:
        info = info_of(evidence, metric[0])
        twin = history.get(f"train_{metric[0]}")
        if twin is not None and info.bounded:
            val = smooth(oriented(info, metric[1]))[-1]
            lead = float(smooth(oriented(info, twin))[-1] - val)
            value = float(val) if info.greater_is_better else -float(val)
            return Gap(lead, metric_sampling_sd(min(max(value, 0.0), 1.0), n, own_sd), "metric")
    if val_loss is not None and loss_se is not None and loss_se > 0:
        return Gap(float(smooth(val_loss)[-1] - smooth(train)[-1]), loss_se, "loss")
    return None


def turn_within_sampling_noise(
    *, loss: tuple[float, float] | None, metric: tuple[float, float] | None, has_loss: bool, has_metric: bool
) -> Literal["yes", "no"] | None:
    """Whether every logged validation series' turn is inside the 95% sampling band of two evaluations
    on the validation rows (:func:`~gapdoctor.causes.overfitting.score.within_sampling_noise`).

    ``loss``: the validation loss's rise after its minimum and :func:`val_loss_sampling_se`;
    ``metric``: the metric's fall after its best and :func:`metric_sampling_sd`. None when a logged
    series (``has_loss``, ``has_metric``) has no known sampling noise.

    Examples
    --------
    >>> turn_within_sampling_noise(loss=(0.36, 0.45), metric=(0.0, 0.077), has_loss=True, has_metric=True)
    'yes'
    >>> turn_within_sampling_noise(loss=(0.36, 0.05), metric=None, has_loss=True, has_metric=False)
    'no'
    >>> turn_within_sampling_noise(loss=None, metric=(0.0, 0.077), has_loss=True, has_metric=True) is None
    True
    """
    if (has_loss and loss is None) or (has_metric and metric is None):
        return None
    inside = all(within_sampling_noise(*pair) for pair in (loss, metric) if pair is not None)
    return "yes" if inside else "no"
