"""Decisions that never changed: a model that learned nothing, told without the class count.

The decisions tell it without the class count (:func:`frozen_decisions`): a model whose outputs do not
depend on its inputs gives every row one answer, so its validation accuracy is that class's share at
every evaluation, identical to the last digit, however its loss moves while its bias learns the shares. A
model that learns changes some decisions between two evaluations. The reading asks for a validation
accuracy (or error) identical at each of its last evaluations, at least :data:`FROZEN_MIN_POINTS` of them
and :data:`FROZEN_SHARE` of the run (a network's first evaluation may answer another class before its bias
settles on the majority: a real torch run on blank features, three classes in shares 0.7 / 0.2 / 0.1,
scored 0.095 once and 0.715 at its 29 other evaluations), at an accuracy ``a`` strictly between 0 and 1 (at
its ceiling it is saturation's). The losses decide whether one answer for every row is what froze it:
an input-free prediction cannot score below the class shares' entropy, which is at least the binary entropy
of ``a`` (the answered class against the rest; ``a`` is that class's share of the validation rows exactly).
A validation loss below it (by more than :data:`FROZEN_VAL_LOSS_TOLERANCE`: printed digits) or a training
loss far below it (by more than :data:`FROZEN_TRAIN_LOSS_TOLERANCE`: the training rows' shares differ from
the validation rows', 0.817 against 0.765 in a random 800/400 split) learned something: a small validation
set whose few rows a good model keeps answering alike, or a model that ranks its rows but whose scores never
cross the decision threshold (an imbalanced task's argmax: metric_mismatch's story). Nor is an accuracy on
fewer than :data:`FROZEN_MIN_ROWS` validation rows (``val_size``, else one over the smallest step between the
values it took, when it took three or more): a count of 30 rows right sits still for many epochs of a model
that learns (two corpus scenarios, 30 and 36 rows, read so before this rule). Other decision metrics
have no such bound and are not read: an F1 of 0 at every evaluation is as much that threshold's (two
metric_mismatch scenarios read so) as a dead model's. Those four scenarios are of blind batches 101-103,
rediagnosed while this reading was built: the reading's blind measure is batch 104, run after it was fixed.

Real logs: a Keras skin-lesion model (``tests/data/real_logs_heldout11/keras_dermacqi.csv``: loss ln 6 =
1.792 down to 1.165, validation accuracy 0.6698 at all 9 epochs), a Lightning crop-health model
(``real_logs_heldout15``: 0.8247 at all 20) and a Keras diagnostic model
(``real_logs_heldout2/keras_aionos_diagnostic.csv``: 0.2 at all 8).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gapdoctor.causes.curves import MIN_LOSS_FALL, UNIT_SCORES, fallen_loss, rows_counted, zero_throughout
from gapdoctor.causes.optimization.chance import FIX_LEARN_AT_ALL, quarter_medians
from gapdoctor.inputs.history import RunHistory
from gapdoctor.stats.curves import fall_beyond_noise

__all__ = [
    "FROZEN_LOSS_RTOL",
    "FROZEN_LOSS_TRAIN_FALL",
    "FROZEN_MIN_POINTS",
    "FROZEN_MIN_ROWS",
    "FROZEN_SHARE",
    "FROZEN_SHARE_DECIMALS",
    "FROZEN_TRAIN_LOSS_TOLERANCE",
    "FROZEN_VAL_LOSS_TOLERANCE",
    "FrozenDecisions",
    "frozen_decisions",
    "frozen_tail",
]

FROZEN_MIN_POINTS = 6
"""Evaluations an accuracy must be identical at, the last of the run, to read the decisions as frozen ..."""
FROZEN_SHARE = 2 / 3
"""... and the share of the run's evaluations they must be."""
FROZEN_MIN_ROWS = 100
"""Validation rows an accuracy must be measured on to be read as frozen (its count sits still on fewer)."""
FROZEN_VAL_LOSS_TOLERANCE = 0.02
"""A validation loss more than 2% under the binary entropy of a frozen accuracy learned something."""
FROZEN_LOSS_TRAIN_FALL = 0.02
"""A validation loss identical at the run's last evaluations is read as frozen outputs only while the training loss
fell less than 2% over them: the calibration corpus's 63 frozen validation losses (a mislabelled validation split's
log loss at its clipped probabilities) all came with a training loss still falling 21% or more."""
FROZEN_LOSS_RTOL = 1e-5
"""A validation loss that moves by less than this share of its value is identical: float32 sums of one model's losses
in another order (a GPU's reductions) differ by about 1e-6 of their value; any change of the outputs moves it more
(a Lightning two-tower model, tests/data/real_logs_heldout62: 7.583616, 7.583617, 7.583614, 7.583608 ...)."""
FROZEN_SHARE_DECIMALS = 5e-5
"""An accuracy printed to 4 decimals matches a class's share to half its last digit."""
FROZEN_TRAIN_LOSS_TOLERANCE = 0.25
"""A training loss more than 25% under it learned something (its rows' class shares are not the validation's)."""
_ACCURACIES = ("accuracy", "f1_micro", "error")  # f1_micro over every class is the accuracy; error is 1 minus it


@dataclass(frozen=True)
class FrozenDecisions:
    """Validation decisions that never changed: the accuracy, the loss or a score of :func:`frozen_decisions`."""

    metric: str
    value: float
    evaluations: int
    of: int

    def story(self) -> str:
        """The stall's cause, as the finding's summary tells it."""
        when = (
            f"all {self.of} evaluations"
            if self.evaluations == self.of
            else f"each of its last {self.evaluations} evaluations (of {self.of})"
        )
        if self.metric == "loss":
            return (
                f"the validation loss is {self.value:.6g} at {when}, to within float32 rounding: the model's "
                "outputs on the validation rows never changed (outputs that do not depend on the inputs, or a "
                "validation loss never recomputed)"
            )
        if self.metric in UNIT_SCORES:
            return (
                f"the validation {self.metric} is 0 at {when} and no loss fell by {MIN_LOSS_FALL:.0%} of its first "
                "value: the model never produced one output the metric could score, it learnt nothing"
            )
        return (
            f"the validation {self.metric} is {self.value:.4g} at {when}: the model's decisions never changed, as "
            "when it gives one class to every row whatever its input"
        )

    @property
    def fix(self) -> str:
        """The first fix: the model's learning, then the classes (an accuracy) or the targets (a detector's score)."""
        if self.metric in UNIT_SCORES:
            return FIX_LEARN_AT_ALL + (
                " For a detector, check that its labels reach the loss (a label file beside each image, class ids "
                "below the number of names) and that the learning rate leaves its warm-up."
            )
        return FIX_LEARN_AT_ALL + " With imbalanced classes, weight the loss by class or resample."


def _binary_entropy(share: float) -> float:
    return float(-share * math.log(share) - (1 - share) * math.log(1 - share))


def _one_answer_value(share: float, history: RunHistory) -> bool:
    """Whether an accuracy ``share`` is one an answer for every row gives, the losses permitting."""
    if not 0.0 < share < 1.0:
        return False  # at its ceiling (saturation) or floor
    bound = _binary_entropy(share)
    for name, tolerance in (("train_loss", FROZEN_TRAIN_LOSS_TOLERANCE), ("val_loss", FROZEN_VAL_LOSS_TOLERANCE)):
        loss = history.get(name)
        finite = loss[np.isfinite(loss)] if loss is not None else np.empty(0)
        if len(finite) and float(np.min(finite)) < bound * (1 - tolerance):
            return False
    return True


def _a_class_share(share: float, val_shares: np.ndarray | None, rows: int | None) -> bool:
    """Whether ``share`` is one class's share of the validation rows (to half a row, or to a printed 4th decimal),
    or the shares are not known."""
    if val_shares is None:
        return True
    tolerance = max(0.5 / rows if rows else 0.0, FROZEN_SHARE_DECIMALS)
    return bool(np.any(np.abs(val_shares - share) <= tolerance))


def frozen_tail(values: np.ndarray, rtol: float = 0.0) -> int:
    """How many of the last values are identical to the last (within ``rtol`` of its value)."""
    off = np.abs(values - values[-1]) > rtol * abs(float(values[-1])) if len(values) else np.empty(0, dtype=bool)
    changed = np.flatnonzero(off)
    return len(values) - (int(changed[-1]) + 1 if len(changed) else 0)


def frozen_decisions(
    history: RunHistory, val_rows: int | None = None, val_shares: np.ndarray | None = None
) -> FrozenDecisions | None:
    """The validation accuracy frozen at a one-answer value, a score at 0 throughout while no loss fell
    (:func:`_never_scored`), or the validation loss frozen at any positive value (a loss moves with every output:
    identical to within :data:`FROZEN_LOSS_RTOL`, the outputs did not change), or None (see the module's docstring).

    ``val_rows``: the number of validation rows, when known; ``val_shares``: their class shares, when known (one
    answer for every row scores one class's share: an accuracy that is none of them is no one answer's).

    Examples
    --------
    >>> from gapdoctor.inputs.history import RunHistory
    >>> dead = RunHistory.from_any({"train_loss": np.linspace(1.79, 1.17, 9), "val_accuracy": [0.6698] * 9})
    >>> frozen_decisions(dead)
    FrozenDecisions(metric='accuracy', value=0.6698, evaluations=9, of=9)
    >>> good = RunHistory.from_any({"train_loss": np.geomspace(0.5, 0.02, 9), "val_accuracy": [0.9667] * 9})
    >>> frozen_decisions(good) is None  # a training loss no input-free guess reaches: a small validation set
    True
    >>> frozen_decisions(dead, val_rows=30) is None  # 30 rows: a count that sits still says little
    True
    >>> frozen_decisions(dead, val_shares=np.array([0.5, 0.5])) is None  # no class holds 67% of the rows
    True
    """
    for metric in _ACCURACIES:
        values = history.get(f"val_{metric}")
        if values is None:
            continue
        values = values[np.isfinite(values)]
        rows = rows_counted(values, val_rows)
        if rows is not None and rows < FROZEN_MIN_ROWS:
            continue
        frozen = frozen_tail(values)  # the last values, all alike
        if frozen < max(FROZEN_MIN_POINTS, FROZEN_SHARE * len(values)):
            continue
        value = float(values[-1])
        share = 1.0 - value if metric == "error" else value
        if _one_answer_value(share, history) and _a_class_share(share, val_shares, rows):
            return FrozenDecisions(metric, value, frozen, len(values))
    unscored = _never_scored(history)
    if unscored is not None:
        return unscored
    loss, train = history.get("val_loss"), history.get("train_loss")
    values = loss[np.isfinite(loss)] if loss is not None else np.empty(0)
    frozen = frozen_tail(values, FROZEN_LOSS_RTOL)
    long_enough = len(values) and values[-1] > 0 and frozen >= max(FROZEN_MIN_POINTS, FROZEN_SHARE * len(values))
    if long_enough and train is not None and _train_flat(train[np.isfinite(train)][-frozen:]):
        return FrozenDecisions("loss", float(values[-1]), frozen, len(values))
    return None


def _never_scored(history: RunHistory) -> FrozenDecisions | None:
    """A validation score of :data:`~gapdoctor.causes.curves.UNIT_SCORES` logged exactly 0 at every one of its
    (:data:`FROZEN_MIN_POINTS` or more) evaluations while no loss fell by
    :data:`~gapdoctor.causes.curves.MIN_LOSS_FALL` of its first value, or None.

    A model that learns anything puts some box over the IoU threshold, some 4-gram in common, within a few
    evaluations; one whose losses did not move either learnt nothing (an Ultralytics OBB run, ``real_logs_heldout73``:
    mAP, precision and recall 0 at all 100 epochs, its summed training loss 13.09 -> 12.70). With a loss that fell the
    model changed and its metric never scored it: :mod:`~gapdoctor.causes.pipeline_bug.never_scored`'s.

    Examples
    --------
    >>> flat = {"train_loss": 13.0 + 0.3 * np.sin(np.arange(8)), "val_map": np.zeros(8)}
    >>> _never_scored(RunHistory.from_any(flat))
    FrozenDecisions(metric='map', value=0.0, evaluations=8, of=8)
    >>> _never_scored(RunHistory.from_any({**flat, "train_loss": np.linspace(13.0, 9.0, 8)})) is None  # it learnt
    True
    """
    train = history.get("train_loss")
    if train is None or np.isfinite(train).sum() < 2 or fallen_loss(history) is not None:
        return None
    zero, _ = zero_throughout(history, [f"val_{metric}" for metric in UNIT_SCORES], FROZEN_MIN_POINTS)
    values = history.get(zero[0]) if zero else None
    if values is None:
        return None
    evaluations = int(np.isfinite(values).sum())
    return FrozenDecisions(zero[0].removeprefix("val_"), 0.0, evaluations, evaluations)


def _train_flat(train: np.ndarray) -> bool:
    """Whether a training loss fell less than :data:`FROZEN_LOSS_TRAIN_FALL` over the last two thirds of a frozen
    validation loss (its first and last quarters' medians), or by no more than its noise: a model that still learns
    its training rows while its validation loss sits at one value is confidently wrong there (saturated
    probabilities), not frozen."""
    tail = train[len(train) // 3 :]
    if len(tail) < 2:
        return False
    first, last = quarter_medians(tail)
    # a fall within the loss's own epoch-to-epoch noise is no learning either (a noisy per-epoch mean at a guess)
    return first != 0 and ((first - last) / abs(first) < FROZEN_LOSS_TRAIN_FALL or fall_beyond_noise(tail, 0) < 1.0)
