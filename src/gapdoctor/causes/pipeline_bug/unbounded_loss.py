"""Pipeline bug: a training loss that falls below 0 and keeps falling without slowing — a loss with no floor.

A cross-entropy, a squared or absolute error, a hinge or a KL divergence is never below 0, and a score minimised
negated (a cosine similarity, a Dice, a correlation) stops at -1. A training loss past -1 that is still falling at
its last evaluations, by a quarter of its size over the run's last third and no slower than over the third before,
is chasing no minimum: the optimiser has found
that the loss falls for ever. Most often the targets are outside the loss's range — class indices 0..K-1 given to a
binary cross-entropy on a sigmoid output (for a target y > 1 its loss, ``-(y log p + (1 - y) log(1 - p))``, falls
without bound as the logit grows) — or a sign is flipped. Every other curve of such a run reads the optimiser chasing
that: a validation loss that "turns" and an accuracy frozen at one class are its symptoms, not overfitting. A loss
meant to have no floor (a WGAN critic, a Gaussian likelihood whose variance may shrink to 0) reads the same; the fix
then is to bound it. A run that logs an accuracy has a classification loss, which is never below 0: its last
third below -1 is targets outside the loss's range however the loss levelled off (Keras' clipping of probabilities
gives a binary cross-entropy on targets above 1 a floor). Real logs:
``tests/data/real_logs_heldout22/keras_ipynb_hurricane_damage_cnn_model.ipynb`` (a Keras CNN compiled with
``binary_crossentropy`` on 5 classes: training loss -9,258 -> -161,281,766 in 5 epochs, read as overfitting at 0.98
before) and ``tests/data/real_logs_heldout79/keras_history_drone_rock_classification.csv`` (-2.88 -> -4.78, levelled
off, beside a validation accuracy flipping between 0.88 and 0.01).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.pipeline_bug.result import UnboundedLoss
from gapdoctor.causes.pipeline_bug.score import UNBOUNDED_LOSS, UNBOUNDED_LOSS_BESIDE_ACCURACY
from gapdoctor.causes.registry import SkipCheck, register
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import Evidence
from gapdoctor.inputs.series_names import split_and_body
from gapdoctor.stats.curves import NEGATED_SCORE_FLOOR

__all__ = ["unbounded_loss"]

_MIN_POINTS = 4
"""Training-loss points before its tail is read (three negative and falling, one before them)."""
_PACE = 1.0
"""The last third's fall, as a share of the third's before, below which the loss is slowing towards a floor: a loss
with one (a flow's negative log-likelihood, a negated SI-SNR in dB: both below -1 and still falling after 85 to 175
epochs in real logs) slows; one without keeps its pace or gains it, as its logits grow."""
_ACCURACIES = ("accuracy", "balanced_accuracy", "top5_accuracy")  # Keras' binary_ / categorical_ read as accuracy
"""Series whose presence makes the run's loss a classification loss, which is never below 0."""
_STILL_FALLING = 0.25
"""The last third's fall, as a share of the loss's size where that third begins: a loss on a floor it reached, whose
noise makes the last third fall a little more than a quiet third before, is not falling for ever."""


@register(
    name=UnboundedLoss.CHECK,
    cause="pipeline_bug",
    requires=("history",),
    description="A training loss below -1 still falling fast at its last points (no floor), or beside an accuracy.",
)
def unbounded_loss(evidence: Evidence) -> list[Finding]:
    """The training loss's last points: below -1, falling at each, by a quarter of its size over the run's last third
    and no slower than over the third before."""
    history = evidence.history
    assert history is not None
    values = history.get("train_loss")
    if values is None:
        raise SkipCheck("history has no train_loss")
    finite = values[np.isfinite(values)]
    n = len(finite)
    if n < _MIN_POINTS or finite[-1] >= 0:
        raise SkipCheck("the training loss does not end below 0" if n >= _MIN_POINTS else "too few training points")
    tail = finite[-3:]
    third = max(1, n // 3)
    late = float(finite[-1 - third] - finite[-1])
    before = float(finite[-1 - 2 * third] - finite[-1 - third])  # n >= 4 points: two thirds fit before the last
    falling = late >= _STILL_FALLING * abs(float(finite[-1 - third]))
    floored = finite[-1] >= NEGATED_SCORE_FLOOR  # within a negated score's floor (a Dice, a similarity)
    first, last = float(finite[0]), float(finite[-1])
    if floored or np.any(tail >= 0) or np.any(np.diff(tail) >= 0) or late < _PACE * before or not falling:
        accuracy = _accuracy_beside(evidence)
        if accuracy is None or float(np.median(finite[-third:])) >= NEGATED_SCORE_FLOOR:
            raise SkipCheck(
                "the training loss ends below 0 but within the floor of a negated score, or no longer falling, or "
                "slowing towards a floor, and the run logs no accuracy that would make it a classification loss"
            )
        return [_below_floor(finite, third, late, before, accuracy)]
    summary = (
        f"The training loss fell below 0 and is still falling without slowing ({first:.4g} at the first point, "
        f"{last:.4g} at the last; {late:.4g} over the last third of the run, {before:.4g} over the third before): "
        "this loss has no floor, which no cross-entropy or error has — targets outside the loss's range (class "
        "indices given to a binary cross-entropy) or a sign flipped. The other curves show the optimiser chasing it."
    )
    fixes = (
        "Check the targets against the loss: a binary cross-entropy takes 0/1 (or probabilities); class indices "
        "0..K-1 need K outputs with a softmax cross-entropy (Keras: sparse_categorical_crossentropy; PyTorch: "
        "CrossEntropyLoss on logits); one-hot rows need categorical cross-entropy.",
        "Check the loss's sign: a score to maximise is minimised negated. A loss meant to have no floor (a WGAN "
        "critic, a Gaussian likelihood whose variance may shrink to 0) needs bounding: a gradient penalty, a floor "
        "on the variance.",
    )
    result = UnboundedLoss(
        points_logged=n,
        points_negative=int(np.sum(finite < 0)),
        loss_first=round(first, 6),
        loss_last=round(last, 6),
        fall_last_third=round(late, 6),
        fall_third_before=round(before, 6),
    )
    return [
        Finding(
            cause="pipeline_bug",
            score=UNBOUNDED_LOSS,
            summary=summary,
            fixes=fixes,
            check=UnboundedLoss.CHECK,
            result=result,
        )
    ]


def _accuracy_beside(evidence: Evidence) -> str | None:
    """The first accuracy series the run logs (validation first), or None: what makes its loss a classification's."""
    history = evidence.history
    assert history is not None
    names = [name for name in history.series if (split_and_body(name) or ("", ""))[1] in _ACCURACIES]
    return min(names, key=lambda name: not name.startswith("val_")) if names else None


def _below_floor(finite: np.ndarray, third: int, late: float, before: float, accuracy: str) -> Finding:
    """A classification loss (an accuracy logged beside it) whose last third sits below -1, levelled off or not."""
    first, last = float(finite[0]), float(finite[-1])
    median = float(np.median(finite[-third:]))
    summary = (
        f"The training loss ends at {last:.4g} (its last third's median {median:.4g}; {first:.4g} at the first point) "
        f"in a run that logs {accuracy}: a classification loss (a cross-entropy, a hinge, a focal loss) is never "
        "below 0 and a negated score stops at -1, so the targets are outside the loss's range (labels other than 0 "
        "and 1 given to a binary cross-entropy, whose probabilities Keras clips at 1e-7: a floor near -16 per unit "
        "above 1) or a sign is flipped. The other curves show the optimiser chasing it."
    )
    fixes = (
        "Check the targets against the loss: a binary cross-entropy takes 0/1 (or probabilities), so rescale masks "
        "stored as 0/255 and map labels such as 1/2 or -1/1 to 0/1; class indices 0..K-1 need K outputs with a "
        "softmax cross-entropy (Keras: sparse_categorical_crossentropy; PyTorch: CrossEntropyLoss on logits).",
        "Check the loss's sign: a score to maximise is minimised negated.",
    )
    result = UnboundedLoss(
        points_logged=len(finite),
        points_negative=int(np.sum(finite < 0)),
        loss_first=round(first, 6),
        loss_last=round(last, 6),
        fall_last_third=round(late, 6),
        fall_third_before=round(before, 6),
        beside_accuracy=accuracy,
    )
    return Finding(
        cause="pipeline_bug",
        score=UNBOUNDED_LOSS_BESIDE_ACCURACY,
        summary=summary,
        fixes=fixes,
        check=UnboundedLoss.CHECK,
        result=result,
    )
