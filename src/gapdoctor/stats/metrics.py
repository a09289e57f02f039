"""The validation metrics gapdoctor understands, and the one place each is computed.

Naming follows scikit-learn: metrics whose name ends in ``_loss`` or ``_error`` are
lower-is-better, everything else is higher-is-better.

Every decision metric (:data:`CONFUSION_METRICS`) is computed from a confusion matrix
by :func:`metric_from_confusions`, which takes a stack of matrices: the metric of one
set of predictions (:func:`compute_metric`), of a hundred bootstrap resamples at once
(:mod:`gapdoctor.stats.resampling`) and of an experiment's refit (the lab) are the same
arithmetic. Ranking and probabilistic metrics (ROC AUC, average precision, log loss)
call scikit-learn.

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
      replicates of an interval would not measure the same quantity.
    * A ratio with a zero denominator (precision of a class never predicted, recall
      of a class without rows, F1 of a class absent from both, MCC with a constant
      decision or label) is 0 (``zero_division=0``); :func:`per_class_scores` shows it
      as NaN instead (a dash in the reports), as ``zero_division=np.nan``.
    * Balanced accuracy is the mean recall over the classes present in ``y_true``
      (scikit-learn's ``balanced_accuracy_score``, without its warning).
    * ROC AUC and average precision need rows of both classes (binary) or of every
      class (one-vs-rest macro average): otherwise NaN, without a warning (scikit-learn
      warns and returns NaN for ROC AUC).
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

__all__ = [
    "CONFUSION_METRICS",
    "METRICS",
    "MetricInfo",
    "compute_metric",
    "confusion_matrix",
    "metric_from_confusion",
    "metric_from_confusions",
    "metric_info",
    "per_class_scores",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Scorer = Callable[[IntArray, FloatArray], float]


def _skm() -> Any:
    """scikit-learn's metrics, imported on first use (``import gapdoctor`` stays fast)."""
    from sklearn import metrics

    return metrics


# --- decision metrics, from confusion counts ------------------------------------------

CONFUSION_METRICS = (
    "accuracy",
    "error",
    "balanced_accuracy",
    "f1",
    "precision",
    "recall",
    "f1_micro",
    "f1_weighted",
    "mcc",
)
"""Metrics of hard decisions (the argmax or a tuned rule), computed from a confusion matrix."""


def confusion_matrix(y_true: IntArray, y_pred: IntArray, n_classes: int) -> IntArray:
    """Confusion matrix, true class x predicted class, of encoded class ids.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3).tolist()
    [[1, 1, 0], [0, 2, 0], [0, 0, 0]]
    """
    flat = np.asarray(y_true, dtype=np.int64) * n_classes + np.asarray(y_pred, dtype=np.int64)
    counts = np.bincount(flat, minlength=n_classes * n_classes)
    return np.asarray(counts.reshape(n_classes, n_classes), dtype=np.int64)


def _ratio(num: FloatArray, den: FloatArray, zero_division: float) -> FloatArray:
    out = np.full(np.broadcast(num, den).shape, zero_division, dtype=np.float64)
    return np.asarray(np.divide(num, den, out=out, where=den != 0), dtype=np.float64)


def _per_class(matrices: FloatArray, zero_division: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Precision, recall and F1 of each class (last axis) of a stack of confusion matrices."""
    tp = np.diagonal(matrices, axis1=-2, axis2=-1)
    support, predicted = matrices.sum(axis=-1), matrices.sum(axis=-2)
    precision = _ratio(tp, predicted, zero_division)
    recall = _ratio(tp, support, zero_division)
    f1 = _ratio(2 * tp, support + predicted, zero_division)  # = 2PR / (P + R), scikit-learn's form
    return precision, recall, f1


def _mcc(matrices: FloatArray) -> FloatArray:
    """Matthews correlation (scikit-learn's multiclass formula, 0 when undefined)."""
    support, predicted = matrices.sum(axis=-1), matrices.sum(axis=-2)
    total = support.sum(axis=-1)
    correct = np.trace(matrices, axis1=-2, axis2=-1)
    cov_true_pred = correct * total - np.sum(support * predicted, axis=-1)
    cov_pred = total**2 - np.sum(predicted**2, axis=-1)
    cov_true = total**2 - np.sum(support**2, axis=-1)
    return _ratio(cov_true_pred, np.sqrt(cov_true * cov_pred), 0.0)


def metric_from_confusions(metric: str, matrices: NDArray[Any]) -> FloatArray:
    """A decision metric of every confusion matrix of a stack (shape ``(..., k, k)``).

    Parameters
    ----------
    metric : str
        One of :data:`CONFUSION_METRICS`.
    matrices : ndarray of shape (..., n_classes, n_classes)
        Counts, true class x predicted class (integers, or whole-number floats).

    Returns
    -------
    ndarray of shape (...)
        NaN where a matrix holds no row.

    Examples
    --------
    >>> m = np.array([[[8, 2], [1, 9]], [[0, 0], [0, 0]]])
    >>> metric_from_confusions("accuracy", m).tolist()
    [0.85, nan]
    """
    if metric not in CONFUSION_METRICS:
        raise KeyError(metric)
    m = np.asarray(matrices, dtype=np.float64)
    k = m.shape[-1]
    total = m.sum(axis=(-2, -1))
    correct = np.trace(m, axis1=-2, axis2=-1)
    support = m.sum(axis=-1)
    if metric in ("accuracy", "f1_micro"):  # micro F1 over every class is the accuracy
        value = _ratio(correct, total, np.nan)
    elif metric == "error":
        value = 1.0 - _ratio(correct, total, np.nan)
    elif metric == "mcc":
        value = _mcc(m)
    elif metric == "balanced_accuracy":
        present = support > 0
        recall = _ratio(np.diagonal(m, axis1=-2, axis2=-1), support, 0.0)
        value = _ratio(recall.sum(axis=-1), present.sum(axis=-1).astype(np.float64), np.nan)
    else:
        precision, recall, f1 = _per_class(m, 0.0)
        per_class = {"precision": precision, "recall": recall, "f1": f1, "f1_weighted": f1}[metric]
        if metric == "f1_weighted":
            value = _ratio(np.sum(per_class * support, axis=-1), support.sum(axis=-1), 0.0)
        elif k == 2:
            value = per_class[..., 1]
        else:
            value = per_class.mean(axis=-1)
    return np.asarray(np.where(total > 0, value, np.nan), dtype=np.float64)


def metric_from_confusion(metric: str, matrix: NDArray[Any]) -> float:
    """A decision metric of one confusion matrix (see :func:`metric_from_confusions`).

    Examples
    --------
    >>> m = confusion_matrix(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]), 3)
    >>> round(metric_from_confusion("precision", m), 4), metric_from_confusion("recall", m)
    (0.5556, 0.5)
    """
    return float(metric_from_confusions(metric, np.asarray(matrix)[np.newaxis])[0])


# --- every metric, from labels and probabilities --------------------------------------


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


def _roc_auc(y: IntArray, p: FloatArray) -> float:
    if not _ranked_classes_present(y, p):
        return float("nan")  # undefined: a ranking needs rows of each class
    if p.shape[1] == 2:
        return float(_skm().roc_auc_score(y, p[:, 1]))
    return float(_skm().roc_auc_score(y, p, multi_class="ovr", labels=_labels(p)))


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


METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in (
        MetricInfo("accuracy", True, True, True, _decision_scorer("accuracy")),
        MetricInfo("balanced_accuracy", True, True, True, _decision_scorer("balanced_accuracy")),
        MetricInfo("f1", True, True, True, _decision_scorer("f1")),
        MetricInfo("precision", True, True, True, _decision_scorer("precision")),
        MetricInfo("recall", True, True, True, _decision_scorer("recall")),
        MetricInfo("roc_auc", True, True, False, _roc_auc),
        MetricInfo("average_precision", True, True, False, _average_precision),
        MetricInfo("log_loss", False, False, False, _log_loss),
        MetricInfo("error", False, True, True, _decision_scorer("error")),
        MetricInfo("top5_accuracy", True, True, True, None),
        MetricInfo("mse", False, False, False, None),
        MetricInfo("mae", False, False, False, None),
        MetricInfo("rmse", False, False, False, None),
        MetricInfo("r2", True, False, False, None),
        MetricInfo("perplexity", False, False, False, None),
        MetricInfo("f1_micro", True, True, True, _decision_scorer("f1_micro")),
        MetricInfo("f1_weighted", True, True, True, _decision_scorer("f1_weighted")),
        MetricInfo("mcc", True, True, True, _decision_scorer("mcc")),
        # read from curves only (logged by NLP / vision / regression training loops)
        MetricInfo("token_accuracy", True, True, True, None),
        MetricInfo("exact_match", True, True, True, None),
        MetricInfo("wer", False, True, False, None),
        MetricInfo("cer", False, True, False, None),
        MetricInfo("bleu", True, True, False, None),
        MetricInfo("rouge1", True, True, False, None),
        MetricInfo("rouge2", True, True, False, None),
        MetricInfo("rougel", True, True, False, None),
        MetricInfo("rougelsum", True, True, False, None),
        MetricInfo("map", True, True, False, None),
        MetricInfo("map_50", True, True, False, None),
        MetricInfo("iou", True, True, False, None),
        MetricInfo("dice", True, True, False, None),
        MetricInfo("spearmanr", True, True, False, None),
        MetricInfo("pearsonr", True, True, False, None),
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
    precision, recall, f1 = _per_class(matrix, np.nan)
    return {
        "support": [int(s) for s in matrix.sum(axis=1)],
        "precision": [float(v) for v in precision],
        "recall": [float(v) for v in recall],
        "f1": [float(v) for v in f1],
    }
