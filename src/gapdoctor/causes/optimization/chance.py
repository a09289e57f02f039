"""Is a flat training loss sitting at the loss of a guess (a model that learned nothing)?

A classifier trained with cross-entropy whose outputs do not depend on its inputs predicts the
same probabilities for every row; on balanced classes its loss is then ``ln k`` for ``k`` classes
(0.693 for two); on classes in other shares, the shares' entropy (read when ``y_train`` is given).
A fresh model starts near ``ln k``, and a learning one leaves it downwards. A loss that reached that
level within its first evaluations and sat there to the end, never below, is not a run that
converged to its floor: it converged to chance. The stall check reads such a curve as a
stall, whatever the geometry of its last falls (:mod:`gapdoctor.causes.optimization.convergence`
would excuse it as converged).

The reading needs every part, so that a loss that merely ends near some ``ln k`` is not taken:

* the training loss over the last two thirds of the run sits within :data:`CHANCE_TOLERANCE` of
  ``ln k`` (its median; nine points in ten within twice that) for a whole ``k`` from 2 to
  :data:`MAX_CLASSES` (small ``k`` only: the logarithms of
  larger counts lie so close together that any level is near one, and a language model's
  token loss of 2.3 is not a uniform guess over ten tokens);
* it does not move across those two thirds (their first and last quarters' medians differ by less
  than the tolerance): a slow learner near its start still falls, a guess does not;
* no logged training loss is below ``ln k`` by more than that tolerance (it never did better), or,
  with the training rows' class shares known, below their entropy (an imbalanced task's guess
  sits there once the network's bias has learned the shares, and the level may then be either);
* the first logged value is at most :data:`START_ABOVE_CHANCE` times ``ln k`` (it started there,
  rather than learning its way down to a level that happens to equal ``ln k``);
* when a validation loss is logged, it does not end below the guess's validation loss by more than
  :data:`VAL_BELOW_CHANCE` (a model that learned something scores its validation rows better than a
  guess). A uniform guess scores them at ``ln k``; the shares' guess at the cross-entropy of the
  validation rows' shares (``y_val``) against the training rows' (7.5% positives against 9.25% is
  11% under the training level); without ``y_val``, at about the training level (class shares that
  differ a little move it about 0.5%: 0.46/0.54 against ``ln 2``).

Real log: ``tests/data/real_logs_heldout2/keras_aes_neural_trainer.csv`` (a binary Keras model,
loss 0.793 then 0.6933-0.6959 for 37 epochs, validation ROC AUC 0.4999-0.5005 throughout).

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

from gapdoctor.causes.curves import MIN_LOSS_FALL, UNIT_SCORES, fallen_loss, zero_throughout
from gapdoctor.inputs.history import RunHistory
from gapdoctor.stats.curves import fall_beyond_noise

__all__ = [
    "CHANCE_TOLERANCE",
    "FROZEN_LOSS_TRAIN_FALL",
    "FROZEN_MIN_POINTS",
    "FROZEN_MIN_ROWS",
    "FROZEN_SHARE",
    "FROZEN_TRAIN_LOSS_TOLERANCE",
    "FROZEN_VAL_LOSS_TOLERANCE",
    "MAX_CLASSES",
    "START_ABOVE_CHANCE",
    "VAL_BELOW_CHANCE",
    "ChanceLevel",
    "FrozenDecisions",
    "chance_level",
    "frozen_decisions",
]

CHANCE_TOLERANCE = 0.003
"""Relative distance from ``ln k`` within which a level counts as at it (0.002 of a binary loss's 0.693)."""
MAX_CLASSES = 10
"""Largest class count read: ``ln 10`` and ``ln 11`` are 0.095 apart, 14 tolerances."""
VAL_BELOW_CHANCE = 0.01
"""A validation loss ending more than 1% under ``ln k`` learned something (class shares alone move it about 0.5%)."""
START_ABOVE_CHANCE = 1.25
"""A first value above ``1.25 ln k`` is a run that came down to the level, not one that started at it."""
_MIN_POINTS = 6
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
FROZEN_TRAIN_LOSS_TOLERANCE = 0.25
"""A training loss more than 25% under it learned something (its rows' class shares are not the validation's)."""
_ACCURACIES = ("accuracy", "f1_micro", "error")  # f1_micro over every class is the accuracy; error is 1 minus it
_FIX = (
    "Check that the model can learn at all: overfit one small batch; check that the labels reach the loss "
    "and the inputs are scaled; try learning rates 10x smaller and 10x larger."
)


@dataclass(frozen=True)
class ChanceLevel:
    """A training loss sitting at a guess's loss over ``classes`` classes: uniform (``ln k``), or the training
    rows' class shares (``from_shares``: their entropy)."""

    classes: int
    loss: float
    from_shares: bool = False

    def story(self) -> str:
        """The stall's cause, as the finding's summary tells it."""
        guess = (
            f"{self.loss:.3f}, the loss of predicting the training rows' class shares ({self.classes} classes) for "
            "every row"
            if self.from_shares
            else f"ln {self.classes} = {self.loss:.3f}, the loss of a uniform guess over {self.classes} classes"
        )
        return (
            f"the training loss sits at {guess}, from its first evaluations to the end: the model's outputs do not "
            "depend on its inputs"
        )

    fix = _FIX


def _quarter_medians(values: np.ndarray) -> tuple[float, float]:
    """The medians of the first and of the last quarter of ``values`` (one value each at least)."""
    quarter = max(len(values) // 4, 1)
    return float(np.median(values[:quarter])), float(np.median(values[-quarter:]))


def _val_guess(chance: float, k: int, shares: np.ndarray | None, val_shares: np.ndarray | None) -> float:
    """The validation loss of the guess the training loss sits at: the shares' guess scored on the validation
    rows' own shares when both are known (fewer positives there score it lower), else the training level."""
    if shares is None or val_shares is None or len(val_shares) != len(shares) or abs(chance - math.log(k)) < 1e-12:
        return chance
    q, p = np.asarray(val_shares, dtype=np.float64), np.asarray(shares, dtype=np.float64)
    if np.any((q > 0) & (p <= 0)):
        return chance
    return float(-np.sum(q[q > 0] * np.log(p[q > 0])))


def chance_level(
    train: np.ndarray,
    val: np.ndarray | None = None,
    shares: np.ndarray | None = None,
    val_shares: np.ndarray | None = None,
) -> ChanceLevel | None:
    """The guessing level a flat training loss sits at, or None.

    ``val_shares``: the validation rows' class shares (from ``y_val``), for the guess's validation loss.
    Without ``shares`` the level is a uniform guess's ``ln k``. With the training rows' class shares
    (known from ``y_train``; ``k`` is their count) it is also their entropy, the loss of predicting
    the shares for every row, which an imbalanced task's guess sits at once its bias has learned them
    (0.325 for 10% positives), and no training loss may be under that entropy: it is the lowest loss
    an input-free prediction reaches.

    Examples
    --------
    >>> dead = np.r_[0.79, 0.6997, 0.6959, np.full(30, 0.6934)]
    >>> chance_level(dead)
    ChanceLevel(classes=2, loss=0.6931471805599453, from_shares=False)
    >>> chance_level(np.r_[2.3, 1.2, np.full(30, 0.6934)]) is None  # came down from ln 10: it learned
    True
    >>> chance_level(np.r_[23158.7, 14533.6, np.full(30, 12000.0)]) is None  # a VAE's summed loss: no class count
    True
    >>> chance_level(dead, val=np.full(33, 0.41)) is None  # its validation loss is not a guess
    True
    >>> chance_level(np.r_[0.36, 0.3262, 0.3255, np.full(30, 0.3251)], shares=np.array([0.9, 0.1])).loss
    0.3250829733914482
    """
    x = np.asarray(train, dtype=np.float64)
    x = x[np.isfinite(x)]
    if len(x) < _MIN_POINTS or float(np.min(x)) <= 0:
        return None
    tail = x[len(x) // 3 :]
    level = float(np.median(tail))
    if shares is None:
        if level > math.log(MAX_CLASSES + 1):  # no guess among MAX_CLASSES classes loses more (and exp overflows)
            return None
        k = round(math.exp(level))
        if not 2 <= k <= MAX_CLASSES:
            return None
        floor = math.log(k)
    else:
        p = np.asarray(shares, dtype=np.float64)
        k, p = len(p), p[p > 0]
        if len(p) < 2:
            return None
        floor = float(-np.sum(p * np.log(p)))  # the best input-free prediction: the shares themselves
    # the uniform guess, or (shares known) the shares: a dead network's bias may have learned them or not
    chance = min((floor, math.log(k)), key=lambda c: abs(level - c))
    off = np.abs(tail - chance) / chance
    if float(np.median(off)) > CHANCE_TOLERANCE or float(np.percentile(off, 90)) > 2 * CHANCE_TOLERANCE:
        return None
    first, last = _quarter_medians(tail)
    if abs(first - last) > CHANCE_TOLERANCE * chance:
        return None  # still moving: a slow learner near its start, not a guess
    if float(np.min(x)) < floor * (1 - CHANCE_TOLERANCE) or float(x[0]) > START_ABOVE_CHANCE * math.log(k):
        return None
    if val is not None:
        v = np.asarray(val, dtype=np.float64)
        v = v[np.isfinite(v)]
        if len(v) and float(np.median(v[len(v) // 3 :])) < _val_guess(chance, k, shares, val_shares) * (
            1 - VAL_BELOW_CHANCE
        ):
            return None
    return ChanceLevel(classes=k, loss=chance, from_shares=abs(chance - math.log(k)) > CHANCE_TOLERANCE * chance)


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
            return _FIX + (
                " For a detector, check that its labels reach the loss (a label file beside each image, class ids "
                "below the number of names) and that the learning rate leaves its warm-up."
            )
        return _FIX + " With imbalanced classes, weight the loss by class or resample."


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


def _rows_measured(values: np.ndarray, val_rows: int | None) -> int | None:
    """The validation rows an accuracy curve was measured on: ``val_rows`` when known, else one over the smallest
    step between the values it took (three or more: two values' difference is no step), else None."""
    if val_rows is not None:
        return val_rows
    levels = np.unique(values)
    if len(levels) < 3:
        return None
    return round(1.0 / float(np.min(np.diff(levels))))


def _frozen_tail(values: np.ndarray, rtol: float = 0.0) -> int:
    """How many of the last values are identical to the last (within ``rtol`` of its value)."""
    off = np.abs(values - values[-1]) > rtol * abs(float(values[-1])) if len(values) else np.empty(0, dtype=bool)
    changed = np.flatnonzero(off)
    return len(values) - (int(changed[-1]) + 1 if len(changed) else 0)


def frozen_decisions(history: RunHistory, val_rows: int | None = None) -> FrozenDecisions | None:
    """The validation accuracy frozen at a one-answer value, a score at 0 throughout while no loss fell
    (:func:`_never_scored`), or the validation loss frozen at any positive value (a loss moves with every output:
    identical to within :data:`FROZEN_LOSS_RTOL`, the outputs did not change), or None (see the module's docstring).

    ``val_rows``: the number of validation rows, when known.

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
    """
    for metric in _ACCURACIES:
        values = history.get(f"val_{metric}")
        if values is None:
            continue
        values = values[np.isfinite(values)]
        rows = _rows_measured(values, val_rows)
        if rows is not None and rows < FROZEN_MIN_ROWS:
            continue
        frozen = _frozen_tail(values)  # the last values, all alike
        if frozen < max(FROZEN_MIN_POINTS, FROZEN_SHARE * len(values)):
            continue
        value = float(values[-1])
        if _one_answer_value(1.0 - value if metric == "error" else value, history):
            return FrozenDecisions(metric, value, frozen, len(values))
    unscored = _never_scored(history)
    if unscored is not None:
        return unscored
    loss, train = history.get("val_loss"), history.get("train_loss")
    values = loss[np.isfinite(loss)] if loss is not None else np.empty(0)
    frozen = _frozen_tail(values, FROZEN_LOSS_RTOL)
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
    first, last = _quarter_medians(tail)
    # a fall within the loss's own epoch-to-epoch noise is no learning either (a noisy per-epoch mean at a guess)
    return first != 0 and ((first - last) / abs(first) < FROZEN_LOSS_TRAIN_FALL or fall_beyond_noise(tail, 0) < 1.0)
