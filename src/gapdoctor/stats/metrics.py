"""The validation metrics gapdoctor understands, and how to compute them.

Naming follows scikit-learn: metrics whose name ends in ``_loss`` or ``_error`` are
lower-is-better, everything else is higher-is-better.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["METRICS", "MetricInfo", "compute_metric", "metric_info"]


def _skm() -> Any:
    """scikit-learn's metrics, imported on first use (``import gapdoctor`` stays fast)."""
    from sklearn import metrics

    return metrics


Scorer = Callable[[NDArray[np.int64], NDArray[np.float64]], float]


def _pred(probs: NDArray[np.float64]) -> NDArray[np.int64]:
    return np.asarray(np.argmax(probs, axis=1), dtype=np.int64)


def _labels(probs: NDArray[np.float64]) -> list[int]:
    return list(range(probs.shape[1]))


def _f1(y: NDArray[np.int64], p: NDArray[np.float64]) -> float:
    avg = "binary" if p.shape[1] == 2 else "macro"
    return float(
        _skm().f1_score(y, _pred(p), average=avg, labels=_labels(p) if avg == "macro" else None, zero_division=0)
    )


def _precision(y: NDArray[np.int64], p: NDArray[np.float64]) -> float:
    avg = "binary" if p.shape[1] == 2 else "macro"
    return float(_skm().precision_score(y, _pred(p), average=avg, zero_division=0))


def _recall(y: NDArray[np.int64], p: NDArray[np.float64]) -> float:
    avg = "binary" if p.shape[1] == 2 else "macro"
    return float(_skm().recall_score(y, _pred(p), average=avg, zero_division=0))


def _ranked_classes_present(y: NDArray[np.int64], p: NDArray[np.float64]) -> bool:
    """Ranking metrics need both binary classes, or every class for the one-vs-rest average."""
    present = len(np.unique(y))
    return present >= 2 and (p.shape[1] == 2 or present == p.shape[1])


def _balanced_accuracy(y: NDArray[np.int64], p: NDArray[np.float64]) -> float:
    """Mean recall over the classes present in ``y`` (scikit-learn's definition, without its warning)."""
    correct = _pred(p) == y
    return float(np.mean([correct[y == c].mean() for c in np.unique(y)]))


def _log_loss(y: NDArray[np.int64], p: NDArray[np.float64]) -> float:
    if p.shape[1] < 2:  # one class: every row gets probability 1 on it
        return 0.0
    return float(_skm().log_loss(y, p, labels=_labels(p)))


def _roc_auc(y: NDArray[np.int64], p: NDArray[np.float64]) -> float:
    if not _ranked_classes_present(y, p):
        return float("nan")  # undefined: a ranking needs rows of each class
    if p.shape[1] == 2:
        return float(_skm().roc_auc_score(y, p[:, 1]))
    return float(_skm().roc_auc_score(y, p, multi_class="ovr", labels=_labels(p)))


def _average_precision(y: NDArray[np.int64], p: NDArray[np.float64]) -> float:
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
        MetricInfo("accuracy", True, True, True, lambda y, p: float(np.mean(_pred(p) == y))),
        MetricInfo(
            "balanced_accuracy",
            True,
            True,
            True,
            _balanced_accuracy,
        ),
        MetricInfo("f1", True, True, True, _f1),
        MetricInfo("precision", True, True, True, _precision),
        MetricInfo("recall", True, True, True, _recall),
        MetricInfo("roc_auc", True, True, False, _roc_auc),
        MetricInfo("average_precision", True, True, False, _average_precision),
        MetricInfo(
            "log_loss",
            False,
            False,
            False,
            _log_loss,
        ),
        MetricInfo("error", False, True, True, lambda y, p: float(np.mean(_pred(p) != y))),
        MetricInfo("top5_accuracy", True, True, True, None),
        MetricInfo("mse", False, False, False, None),
        MetricInfo("mae", False, False, False, None),
        MetricInfo("rmse", False, False, False, None),
        MetricInfo("r2", True, False, False, None),
        MetricInfo("perplexity", False, False, False, None),
        # read from curves only (logged by NLP / vision / regression training loops)
        MetricInfo("f1_micro", True, True, True, None),
        MetricInfo("f1_weighted", True, True, True, None),
        MetricInfo("mcc", True, True, True, None),
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
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, _pred(probs), labels=_labels(probs), zero_division=np.nan
    )
    return {
        "support": [int(s) for s in support],
        "precision": [float(v) for v in precision],
        "recall": [float(v) for v in recall],
        "f1": [float(v) for v in f1],
    }
