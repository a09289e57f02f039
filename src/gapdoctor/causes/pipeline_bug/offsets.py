"""Labels joined a few rows off: does a split's label fit the features of a neighbouring row better?

Rows misaligned by an off-by-k join (a header row dropped from one file, a ``shift``, a ``dropna`` on
the labels only) leave each label next to the features of the row ``k`` away. A model of the features
that predict the labels in the other split, read with the labels moved back by ``k``, then agrees with
them as it does on an aligned split, while as given it is at or near chance. Label noise weakens the
relation at every offset alike, so the aligned pairing (offset 0) stays the best one. That is the
difference the check needs when a split's labels are only *nearly* at chance: label noise does that too
(heavy flips on a task a linear model barely learns: held-out corpus seeds 2065 and 2337, 39% and 28%
flipped binary labels, a model of the validation rows right on 55-56% of the training labels, just
above chance and read as misaligned training rows), and so does a misalignment that keeps part of the
relation. Only a neighbouring row that fits better tells the two apart.

The test is paired: on the rows both pairings read, the rows right at offset ``k`` and wrong as aligned
against the reverse, an exact binomial test (McNemar's), each pairing under its own best relabelling of
the classes; the p-value is Bonferroni-corrected for the ``2 * MAX_OFFSET`` offsets tried. The target
rows are a contiguous block (their order is the evidence), at most
:data:`~gapdoctor.stats.budget.ASSOCIATION_ROWS` of them.

The predictions need not come from a model of the other split's features (:func:`label_offset`): the
run's own model predicts its validation rows (:func:`prediction_offset`). That reading needs no feature
that predicts the label on its own: a model that learnt from many weak features together (held-out
corpus seed 44029, 70 features, none associated with the label beyond three times its noise level once
23% of the training labels were flipped) still predicts each validation row, and labels shifted by 5
rows are right on 74.5% of them paired with the prediction 5 rows earlier, 54.1% as given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import stats as sps
from scipy.optimize import linear_sum_assignment

from gapdoctor.causes.pipeline_bug.score import MAX_OFFSET, OFFSET_P_VALUE
from gapdoctor.stats.array_types import FeatureArray, IntArray
from gapdoctor.stats.budget import ASSOCIATION_ROWS
from gapdoctor.stats.transfer import TransferModel, transfer_model

__all__ = ["LabelOffset", "label_offset", "paired_rows", "prediction_offset"]


@dataclass(frozen=True)
class LabelOffset:
    """The neighbouring row whose features a split's labels fit best, against the aligned pairing.

    Parameters
    ----------
    offset : int
        The label of row ``i`` fits the features of row ``i + offset`` (negative: an earlier row).
    accuracy, aligned_accuracy : float
        Accuracy (best relabelling) of the predictions at that offset and as aligned, on the same rows.
    p_value : float
        One-sided exact McNemar p-value that the offset fits better, Bonferroni-corrected for the offsets tried.
    rows : int
        The rows both pairings read.
    """

    offset: int
    accuracy: float
    aligned_accuracy: float
    p_value: float
    rows: int


def _correct(y: IntArray, predicted: IntArray) -> NDArray[np.bool_]:
    """Which rows ``predicted`` gets right under the best one-to-one relabelling of its classes."""
    classes = np.unique(np.r_[y, predicted])
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    true, guess = np.searchsorted(classes, y), np.searchsorted(classes, predicted)
    np.add.at(confusion, (true, guess), 1)
    rows, cols = linear_sum_assignment(confusion, maximize=True)
    mapped = np.full(len(classes), -1)
    mapped[cols] = rows
    return np.asarray(mapped[guess] == true)


def label_offset(
    X_from: FeatureArray,
    y_from: IntArray,
    X_to: FeatureArray,
    y_to: IntArray,
    features: IntArray,
    *,
    model: TransferModel | None = None,
) -> LabelOffset | None:
    """The offset at which ``y_to`` fits ``X_to``'s rows clearly better than as aligned, or None.

    A logistic regression of ``features`` fitted on (sampled rows of) the split that kept the relation
    (:func:`~gapdoctor.stats.transfer.transfer_model`; ``model`` when already fitted) predicts a
    contiguous block of the other split's rows; each label is then paired with the prediction for the
    row ``k`` away, ``k`` in ``+-1 .. +-MAX_OFFSET``. None when no offset fits better at
    :data:`~gapdoctor.causes.pipeline_bug.score.OFFSET_P_VALUE` (the aligned pairing is as good as any).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(600, 3)); y = (X[:, 0] > 0).astype(np.int64)
    >>> found = label_offset(X[:300], y[:300], X[300:], np.roll(y[300:], 2), np.arange(3))
    >>> found.offset, found.accuracy > 0.9 > 0.6 > found.aligned_accuracy
    (-2, True)
    >>> label_offset(X[:300], y[:300], X[300:], y[300:], np.arange(3)) is None  # aligned: no offset fits better
    True
    """
    predict = transfer_model(X_from, y_from, features) if model is None else model
    if predict is None:
        return None
    block = min(len(y_to), ASSOCIATION_ROWS)
    return prediction_offset(y_to[:block], predict(X_to[:block]))


def paired_rows(n: int, offset: int) -> NDArray[np.intp]:
    """The rows ``i`` of ``n`` whose row ``i + offset`` exists: those a label paired ``offset`` rows away reads.

    Examples
    --------
    >>> paired_rows(6, 2).tolist(), paired_rows(6, -2).tolist()
    ([0, 1, 2, 3], [2, 3, 4, 5])
    """
    return np.arange(max(0, -offset), n - max(0, offset))


def prediction_offset(labels: IntArray, predicted: IntArray) -> LabelOffset | None:
    """The offset at which ``labels`` agree with ``predicted`` (one prediction per row, in the rows' order)
    clearly better than as aligned, or None.

    Reads the first :data:`~gapdoctor.stats.budget.ASSOCIATION_ROWS` rows: each label paired with the
    prediction for the row ``k`` away, ``k`` in ``+-1 .. +-MAX_OFFSET``, against the aligned pairing on
    the same rows (see the module docstring). None when no offset fits better at
    :data:`~gapdoctor.causes.pipeline_bug.score.OFFSET_P_VALUE`, or with too few rows to shift.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> truth = rng.integers(0, 3, 400); predicted = np.where(rng.random(400) < 0.9, truth, (truth + 1) % 3)
    >>> found = prediction_offset(np.roll(truth, -4), predicted)  # label i belongs to row i + 4
    >>> found.offset, found.accuracy > 0.8 > 0.5 > found.aligned_accuracy, found.rows
    (4, True, 396)
    >>> prediction_offset(truth, predicted) is None  # aligned: no offset fits better
    True
    """
    block = min(len(labels), len(predicted), ASSOCIATION_ROWS)
    if block <= 2 * MAX_OFFSET:
        return None
    labels, guess = labels[:block], predicted[:block]
    aligned = _correct(labels, guess)
    tried = 2 * MAX_OFFSET
    best: LabelOffset | None = None
    for k in [*range(-MAX_OFFSET, 0), *range(1, MAX_OFFSET + 1)]:
        rows = paired_rows(block, k)  # row i reads the prediction for row i + k
        moved = _correct(labels[rows], guess[rows + k])
        base = aligned[rows]
        better, worse = int(np.sum(moved & ~base)), int(np.sum(~moved & base))
        p = min(1.0, tried * float(sps.binom.sf(better - 1, better + worse, 0.5))) if better > worse else 1.0
        if p < OFFSET_P_VALUE and (best is None or p < best.p_value):
            best = LabelOffset(k, float(moved.mean()), float(base.mean()), p, len(rows))
    return best
