"""Helpers shared by the checks that read training curves."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from gapdoctor.causes.registry import SkipCheck
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.history import MIN_EPOCHS_FOR_TRENDS, RunHistory
from gapdoctor.inputs.series_names import split_and_body
from gapdoctor.stats.array_types import FloatArray
from gapdoctor.stats.metrics import MetricInfo, metric_info

Epoch = int | float
"""An epoch figure of a payload (``<name>_epoch``): whole epochs as int, fractional ones as float."""

UNIT_SCORES = ("bleu", "rouge1", "rouge2", "rougel", "rougelsum", "exact_match", "map", "map_50", "iou", "dice", "mrr")
"""Validation scores whose 0 may be outputs below their first unit (no shared 4-gram, no box over the IoU threshold).
At 0 at every evaluation while a loss fell, the metric never scores the outputs (``pipeline_bug``); while none fell,
the model learnt nothing (``optimization``)."""
MIN_LOSS_FALL = 0.05
"""The loss's fall, as a share of its first value, that shows the model changed over the run."""


def fallen_loss(history: RunHistory) -> tuple[str, float, float] | None:
    """The validation loss, else the training loss, with its first and last values, when it fell by
    :data:`MIN_LOSS_FALL` of its first value over the run; None when neither did.

    Examples
    --------
    >>> fallen_loss(RunHistory.from_any({"train_loss": [13.09, 11.94, 13.56, 12.70], "val_loss": [2.0, 1.8, 1.7, 1.5]}))
    ('val_loss', 2.0, 1.5)
    >>> fallen_loss(RunHistory.from_any({"train_loss": [13.09, 11.94, 13.56, 12.70]})) is None  # 3%: no change
    True
    """
    for name in ("val_loss", "train_loss"):
        values = history.get(name)
        finite = values[np.isfinite(values)] if values is not None else np.empty(0)
        if len(finite) >= 2 and finite[0] - finite[-1] >= MIN_LOSS_FALL * abs(float(finite[0])) > 0:
            return name, float(finite[0]), float(finite[-1])
    return None


def rows_counted(values: np.ndarray, val_rows: int | None) -> int | None:
    """The validation rows a share (an accuracy) was counted on: ``val_rows`` when known, else one over the smallest
    step between the values it took (three or more: two values' difference is no step), else None.

    A count of rows right moves in steps of one row, so the smallest step is one row or a few: the estimate is at
    most the rows counted, and the sampling noise read from it at least the true one.

    Examples
    --------
    >>> rows_counted(np.array([0.5, 0.8125, 0.875, 0.75, 0.875]), None)  # sixteen images
    16
    >>> rows_counted(np.array([0.5, 0.8125]), None) is None, rows_counted(np.array([0.5, 0.8125]), 400)
    (True, 400)
    """
    if val_rows is not None:
        return val_rows
    levels = np.unique(values[np.isfinite(values)])
    if len(levels) < 3:
        return None
    return round(1.0 / float(np.min(np.diff(levels))))


ZERO_MIN_POINTS = 4
"""Evaluations, all at 0, before a zero is read as never measured and not as a run that has barely begun."""


def zero_throughout(
    history: RunHistory, names: Iterable[str], min_points: int = ZERO_MIN_POINTS
) -> tuple[list[str], int]:
    """The series of ``names`` logged exactly 0 at every one of their (at least ``min_points``) finite points, in
    the order named, and the most points one of them holds."""
    zero: list[str] = []
    points = 0
    for name in names:
        values = history.get(name)
        finite = values[np.isfinite(values)] if values is not None else np.empty(0)
        if len(finite) >= min_points and not np.any(finite):
            zero.append(name)
            points = max(points, len(finite))
    return zero, points


def history_of(evidence: Evidence, *, min_epochs: int = MIN_EPOCHS_FOR_TRENDS) -> RunHistory:
    """The run history, or SkipCheck when it is absent or too short for trends."""
    history = evidence.history
    if history is None:
        raise SkipCheck("no history given")
    if not any(name.startswith("val_") for name in history.series if history.has(name)):
        unknown = {name: p[1] for name in history.ignored if (p := split_and_body(name)) is not None and p[0] == "val"}
        if unknown:  # a validation curve was logged, under a name whose direction gapdoctor does not know
            body = next(iter(unknown.values()))
            raise SkipCheck(
                f"not enough to judge: the validation series logged ({', '.join(list(unknown)[:5])}) is no metric "
                f"gapdoctor knows the direction of; pass --metric {body} --higher-is-better (or "
                f"--lower-is-better), or metric={body!r} with higher_is_better=, to read it"
            )
        raise SkipCheck(
            "not enough to judge: the history has no validation series (val_loss or val_<metric>); "
            "log the validation curve to diagnose why it is stuck"
        )
    if history.n_points < min_epochs:
        raise SkipCheck(
            f"not enough to judge: only {history.n_points} {history.points_name}(s) recorded; at least "
            f"{min_epochs} are needed to tell a trend in the curves from noise"
        )
    validated = np.logical_or.reduce([np.isfinite(v) for n, v in history.series.items() if n.startswith("val_")])
    if int(np.count_nonzero(validated)) < min_epochs:  # the other points hold the training curve alone
        raise SkipCheck(
            f"not enough to judge: the validation curves hold only {int(np.count_nonzero(validated))} value(s) "
            f"over the {history.n_points} points logged; at least {min_epochs} evaluations are needed to tell a "
            "trend in them from noise"
        )
    return history


def info_of(evidence: Evidence, name: str) -> MetricInfo:
    """The metric's direction and range; the user's declared direction for their own metric."""
    return metric_info(name, evidence.higher_is_better if name == evidence.metric else None)


# The user's metric not logged, the one a task reports as its headline goes first, before the alphabet: F1, balanced
# accuracy, MCC, kappa and AUC before precision and recall; mAP (0.5:0.95) before mAP@0.5; WER before CER; ROUGE-L
# before ROUGE-1; R² and RMSE before MAE and MAPE.
_HEADLINE = (
    *("accuracy", "f1", "balanced_accuracy", "mcc", "kappa", "roc_auc", "average_precision"),
    *("map", "mrr", "iou", "dice", "psnr", "ssim", "wer", "bleu", "rougel", "rouge1", "exact_match"),
    *("r2", "rmse", "mse", "mae", "mape", "smape"),
)


def val_metric_curve(evidence: Evidence, history: RunHistory) -> tuple[str, FloatArray] | None:
    """The validation metric curve: the user's metric if logged, else the headline metric of those logged
    (:data:`_HEADLINE`'s order, then the alphabet's)."""
    names = history.metrics
    if not names:
        return None
    headline = sorted(names, key=lambda n: (_HEADLINE.index(n) if n in _HEADLINE else len(_HEADLINE), n))[0]
    name = evidence.metric if evidence.metric in names else headline
    values = history.get(f"val_{name}")
    assert values is not None  # names only lists series with finite values
    return name, values


def metric_choice_note(evidence: Evidence, history: RunHistory) -> tuple[str, ...]:
    """The note saying which validation metric the curve checks read, when several were logged and the user's is
    not among them (``()`` otherwise)."""
    names = history.metrics
    chosen = val_metric_curve(evidence, history)
    if len(names) < 2 or evidence.metric in names or chosen is None:
        return ()
    return (
        f"several validation metrics logged ({', '.join(names)}) and none named: the curve checks read "
        f"{chosen[0]}, the task's headline of them (pass metric= or --metric to read another)",
    )


def training_curve(
    evidence: Evidence, history: RunHistory, metric: tuple[str, FloatArray] | None
) -> tuple[FloatArray, str | None] | None:
    """The training curve read for "training kept improving", lower is better, and what stands in for the loss.

    The training loss (stand-in None); else, when none was logged, the training twin of the validation ``metric``
    read: its error, ``1 - value``, for a score in [0, 1] (stand-in ``"1 - train_accuracy"``), as logged for an
    error (``"train_mae"``). A loop or tutorial that logs accuracies only (Lightning's examples, a notebook printing
    ``train acc`` / ``val acc``) shows its fit on the training rows in the twin. None when neither is logged.

    Examples
    --------
    >>> from gapdoctor.inputs.evidence import build_evidence
    >>> accuracies = build_evidence(history={"train_acc": [0.5, 0.8, 0.9], "val_acc": [0.5, 0.7, 0.6]})
    >>> values, stand_in = training_curve(accuracies, accuracies.history, val_metric_curve(accuracies,
    ...                                   accuracies.history))
    >>> [round(float(v), 2) for v in values], stand_in
    ([0.5, 0.2, 0.1], '1 - train_accuracy')
    """
    train = history.get("train_loss")
    if train is not None:
        return train, None
    twin = None if metric is None else history.get(f"train_{metric[0]}")
    if metric is None or twin is None:
        return None
    info = info_of(evidence, metric[0])
    if not info.greater_is_better:
        return twin, f"train_{metric[0]}"
    return (1.0 - twin, f"1 - train_{metric[0]}") if info.bounded else None


def training_words(stand_in: str | None) -> str:
    """The training curve in a summary's words: "training loss", else what stands in for it.

    Examples
    --------
    >>> training_words(None), training_words("1 - train_accuracy"), training_words("train_mae")
    ('training loss', 'training error (1 - train_accuracy)', 'training mae (train_mae)')
    """
    if stand_in is None:
        return "training loss"
    if stand_in.startswith("1 - "):
        return f"training error ({stand_in})"
    return f"training {stand_in.removeprefix('train_')} ({stand_in})"


def oriented(info: MetricInfo, values: FloatArray) -> FloatArray:
    """Flip lower-is-better metrics so that higher is always better."""
    return values if info.greater_is_better else -values


def point(index: int) -> int:
    """The point number (from 1) of a position, for figure markers drawn on the point axis."""
    return int(index) + 1


def epoch_of(history: RunHistory, index: int | None) -> Epoch | None:
    """The epoch of point ``index`` (a figure ``<name>_epoch``), or None without a point."""
    return None if index is None else history.epoch_at(index)


def step_of(history: RunHistory, index: int | None) -> int | None:
    """The training step of point ``index`` (a figure ``<name>_step``), or None when steps are not known."""
    return None if index is None or history.steps is None else int(history.steps[int(index)])
