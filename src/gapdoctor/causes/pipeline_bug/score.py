"""How ``pipeline_bug``'s measured statistics become its strength of evidence: its one scoring declaration.

One statistic per check, each with its test or interval:

- label encoding: accuracy gained by the best relabelling of the validation classes, with
  McNemar's z on the remapped rows and their z against chance under the new mapping;
- misaligned rows: the median share of a feature's label association kept in the other
  split (or, with probabilities only, confidence above the best relabelled accuracy's interval), or
  the accuracy regained when the validation labels are paired with the model's predictions for the
  rows a few away (the offset test);
- split preprocessing: the affine-map statistic of :mod:`gapdoctor.stats.rescaling`, already
  a ratio to its reporting point;
- unshuffled: the share of expected label changes missing from the training order, with the
  z of a permutation null;
- collapsed predictions: how much room the validation rows leave for anything but one class predicted with
  certainty (the upper end of the share of rows of other classes that are not pinned to it), plus the share
  of training rows the model pins there too.

Ratios to the reporting points below are mapped by :func:`gapdoctor.stats.scoring.strength_from_ratio`.
"""

from __future__ import annotations

from gapdoctor.stats.association import MISALIGNED_RETENTION
from gapdoctor.stats.scoring import strength_from_ratio

__all__ = [
    "CHANCE_MARGIN",
    "COLLAPSE_MIN_SHARE",
    "COLLAPSE_ROOM_REPORTABLE",
    "CONFIDENCE_GAP_REPORTABLE",
    "EMPTY_TRAINING_TARGETS",
    "GAIN_MIN_Z",
    "GAIN_REPORTABLE",
    "INCONSISTENT_TRAIN_WEIGHT",
    "KAPPA_MARGIN",
    "MAX_OFFSET",
    "METRIC_NEVER_SCORED",
    "METRIC_NEVER_SCORED_UNITS",
    "NAN_VALIDATION",
    "OFFSET_P_VALUE",
    "PERMUTATION_FIXES",
    "PINNED",
    "RETENTION_REPORTABLE",
    "RUNS_MIN_Z",
    "RUNS_REPORTABLE",
    "SHIFTED_WEIGHT",
    "UNBOUNDED_LOSS",
    "UNBOUNDED_LOSS_BESIDE_ACCURACY",
    "UNCHECKED_TRAIN_WEIGHT",
    "VALIDATION_IS_TRAINING",
    "ZERO_LOSS",
    "ZERO_VAL_LOSS_BESIDE_METRIC",
    "at_chance",
    "chance_margin",
    "collapse_score",
    "confidence_ratio",
    "label_encoding_score",
    "misaligned_score",
    "offset_ratio",
    "rescaling_score",
    "retention_ratio",
    "shown_at_chance",
    "unshuffled_score",
]

GAIN_REPORTABLE = 0.1
"""Accuracy gained by relabelling the validation classes, reported at 0.5 ..."""
GAIN_MIN_Z = 4.0
"""... when McNemar's z on the remapped rows reaches this (no evidence below it), and so does the z of
those rows against chance under the new mapping (the weaker test decides)."""
PERMUTATION_FIXES = 0.5
"""Share of the validation errors (as given) a relabelling must fix to read as a permutation by itself:
a swapped encoding fixes nearly all the errors of the classes it swaps (digits 3 <-> 8: 85% of all
errors), a barely trained model's confusions far fewer (corpus seed 1102: 24%)."""
INCONSISTENT_TRAIN_WEIGHT = 0.5
"""The training labels are not consistent with the model either (its training confusion needs another relabelling
than validation's; the same one is predictions in another class order on both splits): less specific, half
the evidence."""
RETENTION_REPORTABLE = 0.2
"""Median share of a feature's label association kept in the other split reported at 0.5: label
noise also weakens it (20% flipped binary labels keep about a third), misaligned rows keep almost none."""
CONFIDENCE_GAP_REPORTABLE = 0.3
"""Mean confidence above the best relabelled accuracy's interval, reported at 0.5."""
CHANCE_MARGIN = 0.05
"""Accuracy above chance that still reads as "no better than chance": the best relabelling of
the classes lifts an unrelated split a little above the product of the marginals, and a
one-row misalignment of partly ordered data keeps a little of the relation. A split whose
accuracy interval lies wholly above chance + this still follows its features (label noise).
Where chance leaves less than half the scale above it (a majority class: 94% of the rows of one class
are 92% "right" by chance), a model of the other split's features is read on the same share of the room
left, :data:`KAPPA_MARGIN` (:func:`chance_margin`)."""
KAPPA_MARGIN = 2 * CHANCE_MARGIN
"""The margin as a share of the room above chance (Cohen's kappa): 0.1, which is :data:`CHANCE_MARGIN` at a
chance of 0.5. An informative model of a split whose labels are 94% one class scores between 92% and 100%:
0.05 of accuracy is most of that room, and read as "chance" a model of kappa 0.27 (held-out corpus seed 9682,
F1 on 5.7% positives: "misaligned" at 0.51, headlined). Only the transfer test reads it: the validation
probabilities' test compares both splits at chance (heavy label noise leaves both there), and a margin narrowed
on the larger training split alone made 7 weak findings (0.07-0.37) on imbalanced runs without a bug."""
MAX_OFFSET = 5
"""Rows a misaligned join may be off by, either way, that the offset test tries
(:mod:`gapdoctor.causes.pipeline_bug.offsets`): an off-by-one (a header row, a ``shift``) and a few more. The
corpus draws validation labels shifted by 1-5 rows, so every corpus misalignment is within reach; a split
shifted further is still read as misaligned when its labels are at chance, only not named by its offset."""
OFFSET_P_VALUE = 1e-3
"""A split's labels fit a neighbouring row's features better than their own below this p-value (Bonferroni over
the offsets tried): the project's bar for telling two splits' statistics apart. Within :data:`CHANCE_MARGIN` of
chance, above it, the labels still follow their own features and are read as misaligned only when an offset fits
better (label noise leaves the aligned pairing the best one)."""
SHIFTED_WEIGHT = 0.5
"""A covariate shift can explain both symptoms: half the evidence."""
RUNS_REPORTABLE = 0.3
"""Share of the expected label changes missing from the training order reported at 0.5 ..."""
RUNS_MIN_Z = 5.0
"""... when the runs test's z reaches this (no evidence below it)."""
PINNED = 0.999
"""A row is pinned to a class predicted with at least this probability (a margin of about 7 in the logits of two
classes): what inputs far outside the range a network was trained on give it, whatever they hold."""
COLLAPSE_MIN_SHARE = 0.5
"""A collapse is read only when at least half the validation rows of the other classes are pinned to one class:
below that, the certain mistakes are a model's own, not one input pipeline's."""
COLLAPSE_ROOM_REPORTABLE = 0.1
"""The room left, reported at 0.5: the upper end of the share of the other classes' validation rows not pinned
to the class (exact 95% interval), plus the share of training rows the model pins there as well. Every one of
35 rows pinned leaves 0.1 (a wine-sized validation split); every one of 106, 0.034 (ratio 2.9); a covariate
shift that moves 94% of them, with a fifth of the training rows wrongly pinned too, about 0.31 (ratio 0.3)."""
NAN_VALIDATION = 0.95
"""A validation curve logged NaN at every evaluation beside a finite training loss: no estimate to weigh, the
validation side of the pipeline produced it (as a NaN training loss is a divergence,
:data:`gapdoctor.causes.optimization.score.NAN_DIVERGENCE`)."""
EMPTY_TRAINING_TARGETS = 0.95
"""A detector's box (or mask, keypoint) loss terms exactly 0 at every training evaluation while the validation rows'
are not: no object in the training targets, nothing to weigh (an optimiser does not hold a localisation loss at 0.0
while the same model misplaces the validation objects)."""
VALIDATION_IS_TRAINING = 0.95
"""A validation curve identical to its training twin, to the digits logged, at every one of four or more evaluations
whose values change: one value logged twice (or the training values evaluated as validation), no estimate to weigh.
No two measurements agree so: a training loss averaged over an epoch's batches in train mode and a validation loss
computed at its end in eval mode differ in their last digits even on the same rows."""
UNBOUNDED_LOSS = 0.95
"""A training loss below -1 and still falling at its last evaluations, by a quarter of its size over the run's last
third and no slower than over the third before: a loss with no floor. A cross-entropy or squared error is never
negative, and a negated score (a similarity, a Dice) stops at -1; one that keeps falling past that is targets outside
the loss's range (class indices given to a binary cross-entropy on a sigmoid output) or a sign flipped; nothing to
weigh."""
UNBOUNDED_LOSS_BESIDE_ACCURACY = 0.9
"""A training loss whose last third sits below -1 in a run that logs an accuracy, however it levelled off: a
classification loss (a cross-entropy, a hinge, a focal loss) is never below 0 and a negated score stops at -1, so the
targets are outside the loss's range; Keras clips probabilities at 1e-7, which gives a binary cross-entropy on
targets above 1 a floor near ``-(y - 1) * 16`` instead of none (a held-out real log,
tests/data/real_logs_heldout79/keras_history_drone_rock_classification.csv: -2.88 -> -4.78, validation accuracy
flipping between 0.88 and 0.01). Below :data:`UNBOUNDED_LOSS`: a loss that still falls for ever is the stronger sign."""
ZERO_LOSS = 0.95
"""A training or validation loss logged exactly 0 at every one of four or more evaluations, the first included: no
optimiser starts at a loss of 0, and a validation loss of exactly 0 beside a training loss above it is no
measurement; the value logged is a placeholder or an accumulator reset before it was read. Nothing to weigh."""
ZERO_VAL_LOSS_BESIDE_METRIC = 0.3
"""A validation loss logged exactly 0 at every evaluation while a validation metric was measured on the same rows (its
values not all 0): the rows were there, only the loss was never computed (trainers that score detections but never
add up a validation loss log 0 for it: YOLOv9 and YOLOX forks' ``results.csv``). A logging defect worth saying,
weak: the metric the stall is about was measured, and the curve checks read it (a held-out real log,
tests/data/real_logs_heldout81/yolo_speed_vision_yolov5.csv, was headlined at :data:`ZERO_LOSS`)."""
METRIC_NEVER_SCORED = 0.95
"""An accuracy logged 0 at every one of four or more evaluations while the run's loss fell: a model that answers at
random is right on a share of the rows (one class in K), so an accuracy of exactly 0 throughout is no model's, it
is the comparison's (predictions and labels in different encodings, or an accuracy over continuous targets, which
no prediction equals); nothing to weigh. (With the labels given, validation rows that hold none of a class the model
answers are left to the shift checks: a model answering that class scores 0 there.)"""
METRIC_NEVER_SCORED_UNITS = 0.52
"""A generation or detection metric (BLEU, ROUGE, exact match, mAP, IoU, Dice, MRR) logged 0 at every one of four
or more evaluations while the run's loss fell. Its zero has two readings the log cannot tell apart: the metric
never saw the model's outputs (generated text not decoded or decoded with the padding, references still holding
the ignore index, boxes in another format or class numbering), or the outputs are still below the metric's first
unit (no 4-gram shared with any reference, no box over the IoU threshold). Reported (the first is the usual cause
of the question "my loss falls and BLEU stays 0", and the cheaper to check), never near-certain: a strength just
over the reporting point, which the one scoring policy puts at about two findings right in three (0.67)."""
UNCHECKED_TRAIN_WEIGHT = 0.5
"""Without training predictions nothing shows that the model does not pin its training rows the same way (a model
that learnt one class for everything): half the evidence."""


def chance_margin(chance: float) -> float:
    """Accuracy above ``chance`` that still reads as chance: :data:`CHANCE_MARGIN`, at most :data:`KAPPA_MARGIN` of
    the room above chance.

    Examples
    --------
    >>> chance_margin(0.5), chance_margin(0.1), round(chance_margin(0.918), 4)
    (0.05, 0.05, 0.0082)
    """
    return min(CHANCE_MARGIN, KAPPA_MARGIN * (1.0 - chance))


def at_chance(low: float, chance: float, margin: float = CHANCE_MARGIN) -> bool:
    """Whether an accuracy interval's lower end ``low`` reaches down to chance (+ ``margin``).

    Only the lower end decides: a split far below chance is still "not above it".
    """
    return low <= chance + margin


def shown_at_chance(accuracy: float, low: float, chance: float) -> bool:
    """Whether an accuracy reads as chance: itself within :func:`chance_margin` above it, its interval reaching it.

    Labels that lost their relation to the features are read as misaligned without a neighbouring row
    that fits them better only when the split shows it: an interval wide enough to reach chance from
    far above it shows nothing either way (63 training rows right at 60.3% with 52.1% by chance:
    held-out corpus seed 4653, 38% of them flipped). An interval's upper end would ask too much: at
    300 rows it spans 5.7 points each side of chance, past the margin, even for shuffled labels.

    Examples
    --------
    >>> shown_at_chance(0.54, 0.48, 0.53), shown_at_chance(0.603, 0.47, 0.521), shown_at_chance(0.56, 0.54, 0.53)
    (True, False, False)
    """
    return low <= chance and accuracy <= chance + chance_margin(chance)


def label_encoding_score(
    gain: float,
    z: float,
    *,
    train_inconsistent: bool,
    train_gain: float = 0.0,
    fixed_share: float = 1.0,
    loss_on_given: bool = False,
    learning_given: bool = False,
) -> float:
    """Strength of evidence of a label permutation between the splits.

    A permutation (of one split's labels, or of the predictions' class order on both) fixes most of the
    errors it touches: at least :data:`PERMUTATION_FIXES` of the validation errors as given
    (``fixed_share``). A relabelling that fixes fewer is read from the model's own confusions, and
    only the validation gain *beyond* what the same relabelling gains on the training rows
    (``train_gain``, out-of-fold) is evidence: labels encoded differently per split leave the training
    rows right as given, while a model that confuses the classes everywhere (one barely trained:
    corpus seed 1102, a healthy digits run at 12% accuracy "relabelled" to 33% on validation, 24% of
    its errors fixed, as much gained on its training rows) gains on both. So does a relabelling of any size
    when the run's own logged validation loss was computed on the labels as given (``loss_on_given``,
    :mod:`gapdoctor.causes.pipeline_bug.own_loss`): the loop trained against those very labels, so a model
    that needs the relabelling on both splits has not learnt them (corpus seed 1468, a healthy logistic
    regression 12 epochs in, 31% accurate on a binary task, "relabelled" to 69%, training rows alike).
    When that loss also falls to its lowest at the end and the relabelling moves every class
    (``learning_given``, :func:`~gapdoctor.causes.pipeline_bug.own_loss.loss_falls_to_its_end`),
    the model is still learning the labels as given: they are not encoded otherwise, no evidence
    (corpus seed 9180, a healthy logistic regression 11 epochs in at 16% accuracy, read at 0.65 before).

    Examples
    --------
    >>> label_encoding_score(0.4, 9.0, train_inconsistent=False) > 0.5  # a permuted encoding
    True
    >>> label_encoding_score(0.2, 6.0, train_inconsistent=True, train_gain=0.2, fixed_share=0.24)
    0.0
    """
    if learning_given:
        return 0.0
    own_order = fixed_share >= PERMUTATION_FIXES and not loss_on_given  # a permutation, not the model's state
    specific = gain if own_order else max(gain - max(train_gain, 0.0), 0.0)
    ratio = specific / GAIN_REPORTABLE if z >= GAIN_MIN_Z else 0.0
    if train_inconsistent:
        ratio *= INCONSISTENT_TRAIN_WEIGHT
    return strength_from_ratio(ratio)


def retention_ratio(retention: float) -> float:
    """The association lost to the other split, over its reporting point."""
    return (MISALIGNED_RETENTION - retention) / (MISALIGNED_RETENTION - RETENTION_REPORTABLE)


def confidence_ratio(confidence: float, high: float) -> float:
    """Confidence above what the best relabelling achieves, over its reporting point."""
    return (confidence - high) / CONFIDENCE_GAP_REPORTABLE


def offset_ratio(accuracy: float, aligned_accuracy: float) -> float:
    """The accuracy regained by pairing each label with the row it belongs to, over its reporting point.

    The labels shifted back by the offset (:func:`~gapdoctor.causes.pipeline_bug.offsets.prediction_offset`,
    significant at :data:`OFFSET_P_VALUE`) against as given, on the same rows, read on the scale of a
    relabelling's gain (:data:`GAIN_REPORTABLE`, 10 points at 0.5): both are the accuracy a correction of
    the validation labels' bookkeeping restores to the same model.

    Examples
    --------
    >>> round(offset_ratio(0.745, 0.541), 2)
    2.04
    >>> offset_ratio(0.5, 0.55)
    0.0
    """
    return max(accuracy - aligned_accuracy, 0.0) / GAIN_REPORTABLE


def misaligned_score(ratio: float, *, shifted: bool) -> float:
    """Strength of evidence of misaligned rows from the stronger ratio."""
    if shifted:
        ratio *= SHIFTED_WEIGHT
    return strength_from_ratio(max(ratio, 0.0))


def rescaling_score(ratio: float) -> float:
    """Strength of evidence of a split preprocessed differently (its statistic is already a ratio)."""
    return strength_from_ratio(ratio)


def collapse_score(room: float, *, train_known: bool) -> float:
    """Strength of evidence that validation inputs reach the model unlike training inputs (one class, pinned).

    ``room``: the upper end of the share of the other classes' validation rows not pinned to the class, plus
    the share of training rows pinned there too (see :data:`COLLAPSE_ROOM_REPORTABLE`).

    Examples
    --------
    >>> round(collapse_score(0.034, train_known=True), 2), collapse_score(0.1, train_known=True)
    (0.75, 0.5)
    >>> round(collapse_score(0.034, train_known=False), 2)
    0.6
    """
    ratio = COLLAPSE_ROOM_REPORTABLE / max(room, 1e-9)
    if not train_known:
        ratio *= UNCHECKED_TRAIN_WEIGHT
    return strength_from_ratio(ratio)


def unshuffled_score(missing: float, z: float) -> float:
    """Strength of evidence of unshuffled training data."""
    return strength_from_ratio(missing / RUNS_REPORTABLE if z >= RUNS_MIN_Z else 0.0)
