"""Pipeline bug: a validation metric logged 0 at every evaluation while the run's loss fell.

The loss shows the model changing; a metric that scores its outputs cannot stay at exactly 0 through that unless
it never scores them. An accuracy of 0 throughout is no model's (one that answers at random is right on one row in
K): the comparison is broken — predictions and labels in different encodings, or Keras' ``metrics=["accuracy"]``
on a regression, whose continuous targets no prediction equals. A BLEU, ROUGE, exact match, mAP, IoU or Dice at 0
throughout is, most often, a metric that never saw the outputs (HF's ``compute_metrics`` given logits without
``predict_with_generate=True``, text decoded with the padding, references holding the ignore index -100, boxes in
another format or class numbering), though outputs still too poor for the metric's first unit read the same. F1,
precision, recall and MCC are not read: their 0 is a model that never predicts the positive class at its threshold,
a mismatch between the loss and the metric, not a broken pipeline. Given the labels, an accuracy's 0 is left to the
shift checks when a class the model answers holds no validation row (validation rows all of one class the model
never answers score 0 at every evaluation: a shift, not a broken metric). Real log:
``tests/data/real_logs_heldout19/hf_women_mental_tracker_bleu.json`` (BLEU 0.0 at all 5 evaluations while the
validation loss fell 16%).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.curves import UNIT_SCORES, fallen_loss, zero_throughout
from gapdoctor.causes.pipeline_bug.result import MetricNeverScored
from gapdoctor.causes.pipeline_bug.score import METRIC_NEVER_SCORED, METRIC_NEVER_SCORED_UNITS
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence

__all__ = ["metric_never_scored"]

_ACCURACIES = ("accuracy", "balanced_accuracy", "top5_accuracy", "token_accuracy")
"""Metrics a model answering at random scores above 0 on: at 0 throughout, the comparison is broken."""
_MIN_ROWS = 20
"""Validation rows, when known, below which an accuracy of 0 may be a handful of hard rows."""


def _class_missing_from_validation(evidence: Evidence) -> str | None:
    """A class the model can answer that no validation row holds, in words (a class of the training rows, else any
    class but the validation rows' one), or None when the labels are not given or every class is there."""
    if evidence.y_val is None or not len(evidence.y_val):
        return None
    held = {int(c) for c in np.unique(evidence.y_val)}
    if evidence.y_train is not None and len(evidence.y_train):
        absent = sorted({int(c) for c in np.unique(evidence.y_train)} - held)
        if not absent:
            return None
        return f"class {evidence.classes[absent[0]] if absent[0] < len(evidence.classes) else absent[0]}"
    return "class but the one they all hold" if len(held) == 1 else None


@register(
    name=MetricNeverScored.CHECK,
    cause="pipeline_bug",
    requires=("history",),
    description="A validation accuracy, BLEU, ROUGE, mAP or IoU logged 0 at every evaluation while the loss fell.",
)
def metric_never_scored(evidence: Evidence) -> list[Finding]:
    """The validation metrics at exactly 0 at every one of their (four or more) evaluations, when a loss fell."""
    history = evidence.history
    assert history is not None
    read = [name for name in history.series if name.removeprefix("val_") in (*_ACCURACIES, *UNIT_SCORES)]
    zero, points = zero_throughout(history, [name for name in read if name.startswith("val_")])
    if not zero:
        raise SkipCheck("no validation accuracy, BLEU, ROUGE, mAP or IoU was logged 0 at every evaluation")
    fallen = fallen_loss(history)
    if fallen is None:  # a model that learnt nothing scores 0 too: the curve checks' to judge
        raise SkipCheck("a validation metric is 0 throughout, but no loss fell meanwhile to show the model changed")
    accuracies = [name for name in zero if name.removeprefix("val_") in _ACCURACIES]
    missing = _class_missing_from_validation(evidence)
    if missing is not None and accuracies:  # a model answering that class for every row scores 0: no broken metric
        zero = [name for name in zero if name not in accuracies]
        if not zero:
            raise SkipCheck(
                f"an accuracy is 0 throughout, but the validation rows hold no {missing}: a model that answers it "
                "for every row scores 0 (the shift checks read that)"
            )
        accuracies = []
    if evidence.val_size is not None and evidence.val_size < _MIN_ROWS and accuracies:
        zero = [name for name in zero if name not in accuracies]  # a handful of hard rows may all be missed
        if not zero:
            raise SkipCheck(f"an accuracy is 0 throughout on {evidence.val_size} validation rows: too few to read")
        accuracies = []
    loss, first, last = fallen
    names = ", ".join(zero)
    shown = ", ".join(name.removeprefix("val_") for name in zero)
    said = "validation loss" if loss == "val_loss" else "training loss"
    summary = (
        f"The validation {shown} is 0 at every one of its {points} evaluations while the {said} fell from "
        f"{first:.4g} to {last:.4g}: the model changed and the metric never "
        + (
            "moved, so it is not comparing the model's predictions with the labels (no model that answers at "
            "random is right on no row)."
            if accuracies
            else "scored any of its outputs: either it never sees them, or none reaches the metric's first unit yet."
        )
    )
    fixes = (
        (
            "Check what the metric compares: predictions and labels in one encoding (class indices both, not "
            "one-hot against indices, not 1-based against 0-based), and an accuracy only for classes: a regression "
            "(continuous targets) needs MAE or RMSE, which Keras' metrics=['accuracy'] is not."
        )
        if accuracies
        else (
            "Check compute_metrics on a few validation rows by hand: generated ids, not logits "
            "(Seq2SeqTrainingArguments(predict_with_generate=True)), decoded with skip_special_tokens=True, and "
            "references with the ignore index -100 replaced by the pad id before decoding; for detection, boxes "
            "and class ids in the format the metric expects."
        ),
        "Print a few predictions beside their references at one evaluation: if they look right the metric code is "
        "wrong; if they are empty or repeated tokens, the model needs more training before this metric can move.",
    )
    result = MetricNeverScored(
        series=names, points_logged=points, loss=loss, loss_first=round(first, 6), loss_last=round(last, 6)
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=METRIC_NEVER_SCORED if accuracies else METRIC_NEVER_SCORED_UNITS,
            summary=summary,
            fixes=fixes,
            check=MetricNeverScored.CHECK,
            result=result,
        )
    ]
