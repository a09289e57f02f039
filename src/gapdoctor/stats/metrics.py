"""The validation metrics gapdoctor understands, and the one place each is computed.

Naming follows scikit-learn: metrics whose name ends in ``_loss`` or ``_error`` are
lower-is-better, everything else is higher-is-better.

Every decision metric is computed from the counts of a confusion matrix by
:mod:`gapdoctor.stats.confusion`, for one matrix or a stack of them: the metric of one
set of predictions (:func:`compute_metric`), of hundreds of bootstrap resamples at once
(:mod:`gapdoctor.stats.resampling`) and of an experiment's refit (the lab) are the same
arithmetic. ROC AUC is the Mann-Whitney statistic of the scores' ranks (:func:`rank_auc`: scikit-learn's
value to the last bits, without its input checks, which cost more than the sum on a few thousand rows);
average precision and log loss call scikit-learn.

Degenerate cases: one convention, scikit-learn's with ``labels=range(n_classes)`` and
``zero_division=0``
    * The classes are those of the encoding (the columns of ``probs``), not those that
      happen to occur in a sample: two classes means binary (F1, precision and recall
      of class 1, ``average="binary"``); more means the macro average over *every*
      class, as ``f1_score(..., labels=range(n_classes), average="macro")``. A class
      absent from both ``y_true`` and the predictions therefore counts 0 in a macro
      average (scikit-learn's ``labels=`` semantics). Why not the classes present, as
      scikit-learn does without ``labels=``: a resample that happens to miss a rare
      class would then average over fewer classes than the full sample, and the
      replicates of an interval would not measure the same quantity. Whenever every
      class has a row or a prediction (the usual validation set) the two agree.
    * ``f1_micro`` over every class is the accuracy; ``f1_weighted`` weights each
      class's F1 by its rows in ``y_true``; ``mcc`` is scikit-learn's multiclass
      Matthews correlation; ``kappa`` is Cohen's kappa, unweighted (scikit-learn's
      ``cohen_kappa_score`` with ``replace_undefined_by=0``).
    * A ratio with a zero denominator (precision of a class never predicted, recall
      of a class without rows, F1 of a class absent from both, MCC with a constant
      decision or label, kappa when chance agreement is certain) is 0
      (``zero_division=0``); :func:`per_class_scores` shows it as NaN instead (a dash
      in the reports), as ``zero_division=np.nan``.
    * Balanced accuracy is the mean recall over the classes present in ``y_true``
      (scikit-learn's ``balanced_accuracy_score``, without its warning).
    * ROC AUC and average precision need rows of both classes (binary) or of every
      class (one-vs-rest macro average): otherwise NaN, without a warning (scikit-learn
      warns and returns NaN for ROC AUC, and 0 or 1 for average precision: a ranking
      of one class, reported as a value, would read as a real score).
    * An empty input gives NaN for every metric (scikit-learn raises): a resample or a
      subgroup without rows has no value, and NaN replicates are dropped.
    * Log loss with a single probability column is 0 (every row is sure of its class).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.confusion import confusion_matrix, metric_from_confusion, per_class_rates

__all__ = ["METRICS", "MetricInfo", "compute_metric", "metric_info", "per_class_scores", "rank_auc"]

Scorer = Callable[[IntArray, FloatArray], float]


def _skm() -> Any:
    """scikit-learn's metrics, imported on first use (``import gapdoctor`` stays fast)."""
    from sklearn import metrics

    return metrics


def _pred(probs: FloatArray) -> IntArray:
    return np.asarray(np.argmax(probs, axis=1), dtype=np.int64)


def _decision_scorer(metric: str) -> Scorer:
    def scorer(y: IntArray, probs: FloatArray) -> float:
        return metric_from_confusion(metric, confusion_matrix(y, _pred(probs), probs.shape[1]))

    return scorer


def _labels(probs: FloatArray) -> list[int]:
    return list(range(probs.shape[1]))


def _ranked_classes_present(y: IntArray, p: FloatArray) -> bool:
    """Ranking metrics need both binary classes, or every class for the one-vs-rest average."""
    present = len(np.unique(y))
    return present >= 2 and (p.shape[1] == 2 or present == p.shape[1])


def _log_loss(y: IntArray, p: FloatArray) -> float:
    if len(y) == 0:
        return float("nan")
    if p.shape[1] < 2:  # one class: every row gets probability 1 on it
        return 0.0
    return float(_skm().log_loss(y, p, labels=_labels(p)))


def rank_auc(positive: NDArray[np.bool_], score: NDArray[np.floating[Any]]) -> float:
    """Area under the ROC curve of ``score`` for the ``positive`` rows: the chance that a positive row scores above a
    negative one, ties counted half (Mann-Whitney U over both counts); NaN without rows of both kinds.

    Equal to scikit-learn's ``roc_auc_score(positive, score)`` (its trapezoids count a tie half too).

    Examples
    --------
    >>> rank_auc(np.array([False, False, True, True]), np.array([0.1, 0.4, 0.35, 0.8]))
    0.75
    >>> rank_auc(np.array([False, True]), np.array([0.5, 0.5]))
    0.5
    """
    from scipy.stats import rankdata

    positives = int(np.count_nonzero(positive))
    negatives = len(positive) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(score)  # average ranks of ties
    u = float(ranks[positive].sum()) - positives * (positives + 1) / 2
    return u / (positives * negatives)


def _roc_auc(y: IntArray, p: FloatArray) -> float:
    if not _ranked_classes_present(y, p):
        return float("nan")  # undefined: a ranking needs rows of each class
    if p.shape[1] == 2:
        return rank_auc(y == 1, p[:, 1])
    return float(np.mean([rank_auc(y == c, p[:, c]) for c in range(p.shape[1])]))  # one-vs-rest, macro


def _average_precision(y: IntArray, p: FloatArray) -> float:
    if not _ranked_classes_present(y, p):
        return float("nan")  # undefined: a ranking needs rows of each class
    if p.shape[1] == 2:
        return float(_skm().average_precision_score(y, p[:, 1]))
    onehot = np.eye(p.shape[1])[y]
    return float(_skm().average_precision_score(onehot, p, average="macro"))


@dataclass(frozen=True)
class MetricInfo:
    """One metric: its direction, its range and how to compute it from probabilities.

    Parameters
    ----------
    name : str
        The name used in ``metric=`` and in history series ``val_<name>``.
    greater_is_better : bool
        Direction of improvement.
    bounded : bool
        True when the metric lives in [0, 1] (so it has a ceiling or floor).
    thresholded : bool
        True when the metric counts hard decisions (accuracy, F1), False for ranking
        or probabilistic metrics.
    scorer : callable or None
        ``scorer(y_true, probs) -> float`` for classification metrics; None for
        metrics gapdoctor only reads from curves (regression errors).
    """

    name: str
    greater_is_better: bool
    bounded: bool
    thresholded: bool
    scorer: Scorer | None


def _decisions(*names: str, greater_is_better: bool = True) -> tuple[MetricInfo, ...]:
    """Metrics of hard decisions (argmax), in [0, 1], computed from the confusion counts."""
    return tuple(MetricInfo(name, greater_is_better, True, True, _decision_scorer(name)) for name in names)


def _read_from_curves(
    *names: str, greater_is_better: bool, bounded: bool, thresholded: bool = False
) -> tuple[MetricInfo, ...]:
    """Metrics gapdoctor reads from the logged curves only (NLP, vision, regression training loops)."""
    return tuple(MetricInfo(name, greater_is_better, bounded, thresholded, None) for name in names)


_SCORES_READ_FROM_CURVES = (
    *("bleu", "rouge1", "rouge2", "rougel", "rougelsum"),  # text generation
    *("map", "map_50", "iou", "dice"),  # detection, segmentation
    *("spearmanr", "pearsonr"),  # correlation (regression, ranking)
    *("ssim", "mrr"),  # image similarity; retrieval's mean reciprocal rank
)

METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        *_decisions("accuracy", "balanced_accuracy", "f1", "precision", "recall", "f1_micro", "f1_weighted", "mcc"),
        *_decisions("kappa"),
        *_decisions("error", greater_is_better=False),
        MetricInfo("roc_auc", True, True, False, _roc_auc),
        MetricInfo("average_precision", True, True, False, _average_precision),
        MetricInfo("log_loss", False, False, False, _log_loss),
        *_read_from_curves(
            "top5_accuracy", "token_accuracy", "exact_match", greater_is_better=True, bounded=True, thresholded=True
        ),
        *_read_from_curves("mse", "mae", "rmse", "mape", "smape", "perplexity", greater_is_better=False, bounded=False),
        *_read_from_curves("r2", "psnr", greater_is_better=True, bounded=False),
        *_read_from_curves("wer", "cer", greater_is_better=False, bounded=True),
        *_read_from_curves(*_SCORES_READ_FROM_CURVES, greater_is_better=True, bounded=True),
    )
}
"""Every metric name gapdoctor accepts, mapped to its description."""


def metric_info(name: str, higher_is_better: bool | None = None) -> MetricInfo:
    """The metric called ``name``, with the direction the user declared, if any.

    A name gapdoctor does not know is accepted when its direction is given: it is read
    from the curves only (no ceiling assumed).

    Examples
    --------
    >>> metric_info("wer").greater_is_better, metric_info("my_score", True).bounded
    (False, False)
    """
    known = METRICS.get(name)
    if known is None:
        if higher_is_better is None:
            raise KeyError(name)
        return MetricInfo(name, higher_is_better, False, False, None)
    if higher_is_better is None or higher_is_better == known.greater_is_better:
        return known
    return MetricInfo(name, higher_is_better, known.bounded, known.thresholded, known.scorer)


def compute_metric(name: str, y_true: NDArray[np.int64], probs: NDArray[np.float64]) -> float:
    """Compute a classification metric from labels and predicted probabilities.

    Parameters
    ----------
    name : str
        A key of :data:`METRICS` with a scorer.
    y_true : ndarray of shape (n,)
        Encoded class ids.
    probs : ndarray of shape (n, n_classes)
        Predicted probabilities.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> compute_metric("accuracy", np.array([0, 1]), np.array([[0.9, 0.1], [0.8, 0.2]]))
    0.5
    """
    scorer = METRICS[name].scorer
    if scorer is None:
        raise ValueError(f"metric {name!r} cannot be computed from class probabilities")
    return scorer(y_true, probs)


def per_class_scores(y_true: NDArray[np.int64], probs: NDArray[np.float64]) -> dict[str, list[float] | list[int]]:
    """Support, precision, recall and F1 of every class, deciding by the most probable class.

    A precision with no row predicted in the class, or a recall with no row of it, is
    undefined: NaN (shown as a dash in the reports), not 0.

    Parameters
    ----------
    y_true : ndarray of shape (n,)
        Encoded class ids.
    probs : ndarray of shape (n, n_classes)
        Predicted probabilities.

    Returns
    -------
    dict
        ``"support"``, ``"precision"``, ``"recall"``, ``"f1"``: one entry per class (column of ``probs``).

    Examples
    --------
    >>> import numpy as np
    >>> table = per_class_scores(np.array([0, 0, 1]), np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7]]))
    >>> table["support"], table["precision"], table["recall"]
    ([2, 1], [1.0, 0.5], [0.5, 1.0])
    """
    matrix = confusion_matrix(y_true, _pred(probs), probs.shape[1]).astype(np.float64)
    precision, recall, f1 = per_class_rates(np.diagonal(matrix), matrix.sum(axis=1), matrix.sum(axis=0), np.nan)
    return {
        "support": [int(s) for s in matrix.sum(axis=1)],
        "precision": [float(v) for v in precision],
        "recall": [float(v) for v in recall],
        "f1": [float(v) for v in f1],
    }
