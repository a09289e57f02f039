"""Training dynamics of every training row: label-noise evidence without an out-of-fold model.

While a classifier trains, the loop already computes each row's logits. From them,
per row and per epoch, this module keeps running statistics (never the per-epoch
values), so that millions of rows fit:

==================  =========  ==============================================================
statistic           bytes/row  use
==================  =========  ==============================================================
margin sum          4          area under the margin (AUM, Pleiss et al. 2020): mean over epochs
                               of the given label's logit minus the largest other logit
probability sum     4          confidence (dataset cartography, Swayamdipta et al. 2020): mean
                               probability of the given label across epochs
probability sq-sum  4          variability (cartography): its standard deviation across epochs
loss sum            4          mean cross-entropy of the row across epochs
epochs seen         2          the denominators
forgetting events   2          Toneva et al. 2019: correct at one epoch, wrong at the next seen
first learned       2          first epoch the row was classified correctly (0: never learned)
suggested class     2          the class that last beat the given label (the label to check first)
last correct        1          -1 not seen yet, 0 wrong, 1 right (for the forgetting events)
this epoch correct  1          the same for the epoch in progress
==================  =========  ==============================================================

:data:`BYTES_PER_ROW` = 26 bytes per row, plus each row's class probabilities summed over the
epochs (4 bytes per class, while rows x classes stays within :data:`MAX_PROBABILITY_CELLS`; read
by confident learning on the averaged softmax, :func:`gapdoctor.causes.label_noise.dynamics.dynamics_label_issues`):
66 MB for a million rows of 10 classes, whatever the number of epochs.

Per epoch, the share of rows whose given label led (the training accuracy as the loop measured it,
in training mode: :attr:`TrainingDynamics.epoch_accuracy`) is kept too, for loops that log none.

Cost: a step keeps references (a list append). The first epoch is processed when it closes;
later epochs wait, as references, until :data:`~gapdoctor.inputs.batches.FLUSH_VALUES` values or
:data:`MAX_KEPT_BATCHES` batches are kept or the statistics are read, and are then processed
in one vectorised pass: processed at each epoch's close, the same ~30 numpy calls cost 2-3x more
(measured 490 vs 200 µs for 1797 rows x 10 classes: the training step has just evicted the
caches). The kept batches are the loop's own tensors (detached), at most 16 MB of values.

Flagging (:func:`flag_label_issues`): a wrong label is fitted late, by memorisation, so
its given label rarely leads while the model learns: its AUM is low or negative. A row is
flagged when its AUM is below zero (the given label trailed another class on average over
training) — the point Pleiss et al.'s threshold samples land near on clean data, used
here without their extra training class. Rows the model never classified correctly are
flagged whatever their AUM. Flagged rows are ordered by AUM, lowest (most suspicious) first.
The label-noise check flags with :func:`gapdoctor.causes.label_noise.dynamics.dynamics_label_issues`
instead (confident learning on the averaged softmax, or an AUM clearly below 0), which also holds
on runs that never fit their clean rows; this rule is its fallback without averaged probabilities.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.batches import BatchBuffer, Concat, first_max, row_indices
from gapdoctor.inputs.dynamics_summary import (
    AUM_THRESHOLD,
    MIN_EPOCHS,
    DynamicsSummary,
    LabelDynamics,
    checked_summary,
    flag_label_issues,
)

__all__ = [
    "AUM_THRESHOLD",
    "BYTES_PER_ROW",
    "MAX_KEPT_BATCHES",
    "MAX_PROBABILITY_CELLS",
    "MIN_EPOCHS",
    "DynamicsSummary",
    "LabelDynamics",
    "TrainingDynamics",
    "checked_summary",
    "flag_label_issues",
]

BYTES_PER_ROW = 26
"""Memory of the store per training row (see the module docstring's table)."""
MAX_KEPT_BATCHES = 4096
"""Batches kept before they are processed, at most (bounds the Python objects held: small batches
of a small data set would otherwise wait for :data:`FLUSH_VALUES` values over hundreds of epochs)."""
MAX_PROBABILITY_CELLS = 1 << 26
"""Rows x classes up to which each row's class probabilities are summed (4 bytes a cell: at most
256 MB, e.g. 6.7M rows of 10 classes); beyond, confident learning on them is left out and rows
are flagged by their area under the margin alone."""
_NO_CLASS = np.iinfo(np.uint16).max  # suggested class: none yet (never misclassified, or over 65535 classes)
_LOWEST_EXPONENT = -80.0
"""Logits more than this below a row's top are raised to it before exp(): float32 turns
subnormal below exp(-87), and arithmetic on subnormals is 10-100x slower (measured: reading the
dynamics of a trained MLP took 2-22 ms instead of 1-2 ms). The probabilities move by < 1e-34."""
_MAX_EPOCH = int(np.iinfo(np.uint16).max)  # first-learned epochs are kept in uint16


def _default_concat(parts: list[Any], *, flat: bool = True) -> np.ndarray[Any, Any]:
    arrays = [np.asarray(part) for part in parts]
    return np.concatenate([a.reshape(-1) for a in arrays] if flat else arrays)


class TrainingDynamics:
    """Running per-row statistics of logits seen during training (see the module docstring).

    Parameters
    ----------
    n_train : int
        Number of training rows.
    concat : callable, optional
        ``concat(parts, flat=...)`` joining per-batch arrays into one numpy array
        (integrations pass theirs so tensors are converted once per flush).

    Examples
    --------
    >>> dyn = TrainingDynamics(n_train=2)
    >>> for epoch in range(3):
    ...     dyn.add(np.array([0, 1]), np.array([[2.0, 0.0], [1.0, 0.0]]), np.array([0, 1]))
    ...     dyn.end_epoch()
    >>> s = dyn.summary()
    >>> s.aum.tolist(), s.never_learned.tolist()  # row 1's label 1 always trails class 0
    ([2.0, -1.0], [False, True])
    >>> s.suggested.tolist()
    [-1, 0]
    """

    def __init__(self, *, n_train: int, concat: Concat | None = None) -> None:
        if isinstance(n_train, bool) or not isinstance(n_train, (int, np.integer)) or n_train < 1:
            raise GapdoctorInputError("n_train", f"is {n_train!r}", "pass the number of training rows (>= 1)")
        self.n_train = int(n_train)
        self.epochs = 0
        self._concat: Concat = concat or _default_concat
        n = self.n_train
        self._margin_sum = np.zeros(n, dtype=np.float32)
        self._prob_sum = np.zeros(n, dtype=np.float32)
        self._prob_sq_sum = np.zeros(n, dtype=np.float32)
        self._loss_sum = np.zeros(n, dtype=np.float32)
        self._seen = np.zeros(n, dtype=np.uint16)
        self._forgets = np.zeros(n, dtype=np.uint16)
        self._first_learned = np.zeros(n, dtype=np.uint16)
        self._suggested = np.full(n, _NO_CLASS, dtype=np.uint16)
        self._last_correct = np.full(n, -1, dtype=np.int8)
        self._epoch_correct = np.full(n, -1, dtype=np.int8)
        self._class_prob_sum: NDArray[np.float32] | None = None  # (rows, classes), from the first batch
        self._class_sums_off = False
        self._buffer = BatchBuffer()
        self._rows_kept = 0  # rows in the kept batches
        self._closes: list[tuple[int, int]] = []  # (rows kept when it closed, epoch number) of epochs not processed
        self._open_right = [0, 0]  # rows right / seen of the epoch in progress, processed so far
        self.epoch_accuracy: list[float] = []  # each closed epoch's share of rows whose given label led

    @property
    def nbytes(self) -> int:
        """Bytes held by the per-row arrays (excluding batches waiting to be processed)."""
        floats = (self._margin_sum, self._prob_sum, self._prob_sq_sum, self._loss_sum)
        counts = (self._seen, self._forgets, self._first_learned, self._suggested)
        flags = (self._last_correct, self._epoch_correct)
        per_class = 0 if self._class_prob_sum is None else self._class_prob_sum.nbytes
        return sum(a.nbytes for a in floats) + sum(a.nbytes for a in counts) + sum(a.nbytes for a in flags) + per_class

    def add(self, rows: Any, logits: Any, labels: Any) -> None:
        """Keep one batch: training-row ids, logits of shape (batch, classes), given class ids.

        Only shapes are checked here (references are kept, nothing is copied or synchronised);
        raises GapdoctorInputError for parts that do not line up.
        """
        try:  # shapes, not len() or np.shape(): this runs every step
            n_rows, n_labels, logit_shape = rows.shape[0], labels.shape[0], tuple(logits.shape)
        except (AttributeError, IndexError):  # lists, or 0-d parts
            n_rows, n_labels, logit_shape = len(rows), len(labels), np.shape(logits)
        if len(logit_shape) != 2 or logit_shape[0] != n_rows or logit_shape[1] < 2:
            raise GapdoctorInputError(
                "logits",
                f"has shape {logit_shape} for a batch of {n_rows} rows",
                "pass the model's raw outputs, one row of class scores per row (batch, n_classes >= 2)",
            )
        if n_labels != n_rows:
            raise GapdoctorInputError(
                "labels", f"holds {n_labels} labels for {n_rows} rows", "pass one class id per row"
            )
        buffer = self._buffer
        buffer.batches.append((rows, logits, labels))
        buffer.values += n_rows * logit_shape[1]
        self._rows_kept += n_rows
        if buffer.values >= buffer.limit or len(buffer.batches) >= MAX_KEPT_BATCHES:
            self.flush()

    def flush(self) -> None:
        """Process the kept batches, of every epoch kept (one vectorised pass over all their rows)."""
        buffer = self._buffer.take()
        closes, self._closes, self._rows_kept = self._closes, [], 0
        if not buffer:
            for _, epoch in closes:
                self._close_epoch(epoch)
            return
        rows = row_indices(self._concat([r for r, _, _ in buffer]), self.n_train)
        logits = self._concat([z for _, z, _ in buffer], flat=False)
        labels = self._concat([y for _, _, y in buffer]).astype(np.int64, copy=False)
        m, n_classes = logits.shape
        if m and (labels.min() < 0 or labels.max() >= n_classes):
            raise GapdoctorInputError(
                "labels", f"holds class ids outside 0..{n_classes - 1}", "pass integer class ids matching the logits"
            )
        # classes x rows: numpy reduces over a short trailing axis slowly (10x for 10 classes); a
        # copy, so the batches passed in are never written to
        columns = np.empty((n_classes, m), dtype=np.float32)
        columns[...] = logits.T
        flat = columns.reshape(-1)
        at = labels * m
        at += np.arange(m)  # flat positions of the given labels
        given = flat[at]
        flat[at] = -np.inf
        runner_up = columns.max(axis=0)
        margin = given - runner_up
        wrong = margin <= 0
        if n_classes < _NO_CLASS and wrong.any():  # the given label is at -inf: another class
            self._suggested[rows[wrong]] = first_max(columns, runner_up)[wrong]
        flat[at] = given
        columns -= np.maximum(given, runner_up)  # the top logit: exp() cannot overflow
        np.maximum(columns, _LOWEST_EXPONENT, out=columns)  # nor underflow into subnormals (10-100x slower)
        np.exp(columns, out=columns)
        total = columns.sum(axis=0)
        columns /= total  # each row's probabilities
        prob = flat[at]  # the given label's
        loss = np.log(total)
        loss -= np.minimum(margin, 0.0)  # given - top = min(margin, 0): -log(prob) without underflow
        counts = np.bincount(rows, minlength=self.n_train)
        values: list[tuple[NDArray[np.float32], Any]] = [(self._margin_sum, margin), (self._prob_sum, prob)]
        values += [(self._prob_sq_sum, prob * prob), (self._loss_sum, loss)]
        class_sums = self._class_sums(n_classes)
        if counts.max(initial=0) <= 1:  # each row once (one epoch): add in place
            self._seen[rows] += 1
            for running, value in values:
                running[rows] += value
            if class_sums is not None:
                class_sums[rows] += columns.T
        else:  # rows seen twice (several epochs kept) add up
            self._seen += counts.astype(np.uint16)
            for running, value in values:
                running += np.bincount(rows, weights=value, minlength=self.n_train).astype(np.float32)
            if class_sums is not None:
                for k in range(n_classes):
                    class_sums[:, k] += np.bincount(rows, weights=columns[k], minlength=self.n_train).astype(np.float32)
        start = 0
        for stop, epoch in closes:  # the epochs closed in the rows processed, in order
            self._epoch_correct[rows[start:stop]] = ~wrong[start:stop]  # a row seen twice: the later counts
            self._count_right(wrong[start:stop])
            self._close_epoch(epoch)
            start = stop
        self._epoch_correct[rows[start:]] = ~wrong[start:]  # the epoch in progress
        self._count_right(wrong[start:])

    def _count_right(self, wrong: NDArray[np.bool_]) -> None:
        """Add a part of the epoch in progress to its training accuracy (as the loop measured it)."""
        self._open_right[0] += len(wrong) - int(np.count_nonzero(wrong))
        self._open_right[1] += len(wrong)

    def _class_sums(self, n_classes: int) -> NDArray[np.float32] | None:
        """Per-row sums of each class's probability (allocated on first use; None: too many cells, or
        batches with another number of classes, which then stop these sums)."""
        if self._class_prob_sum is None and not self._class_sums_off:
            if self.n_train * n_classes <= MAX_PROBABILITY_CELLS:
                self._class_prob_sum = np.zeros((self.n_train, n_classes), dtype=np.float32)
            else:
                self._class_sums_off = True
        if self._class_prob_sum is not None and self._class_prob_sum.shape[1] != n_classes:
            self._class_prob_sum, self._class_sums_off = None, True
        return self._class_prob_sum

    def end_epoch(self) -> None:
        """Close the epoch: its forgetting events and first-learned epochs are counted.

        The first epoch is processed at once (a loop passing bad values hears it after one
        epoch); later epochs wait, as references, until :data:`FLUSH_VALUES` values or
        :data:`MAX_KEPT_BATCHES` batches are kept or :meth:`summary` is called, and are then
        processed in one vectorised pass: an epoch's close then costs a list append, instead of
        tens of numpy calls on caches the training step has just evicted (see the module docstring).
        """
        self.epochs += 1
        self._closes.append((self._rows_kept, self.epochs))
        if self.epochs == 1:
            self.flush()

    def _close_epoch(self, epoch: int) -> None:
        """Forgetting events and first-learned epochs of the rows ``epoch`` saw; its training accuracy."""
        right, seen_rows = self._open_right
        self.epoch_accuracy.append(right / seen_rows if seen_rows else float("nan"))
        self._open_right = [0, 0]
        current = self._epoch_correct
        seen = current >= 0
        right = current == 1
        self._forgets += seen & ~right & (self._last_correct == 1)
        learned_now = right & (self._first_learned == 0)
        self._first_learned[learned_now] = min(epoch, _MAX_EPOCH)
        np.copyto(self._last_correct, current, where=seen)
        current.fill(-1)

    def summary(self) -> DynamicsSummary:
        """Per-row statistics over the epochs closed so far (and the batches of the epoch in progress).

        Processes the batches still kept first: raises GapdoctorInputError for values that
        are not row ids or class ids (see :meth:`flush`).
        """
        self.flush()
        count = self._seen.astype(np.float64)
        seen = count > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            aum = self._margin_sum / count
            confidence = self._prob_sum / count
            variance = np.maximum(self._prob_sq_sum / count - confidence * confidence, 0.0)
            mean_loss = self._loss_sum / count
        return DynamicsSummary(
            seen=seen,
            aum=aum,
            confidence=confidence,
            variability=np.sqrt(variance),
            mean_loss=mean_loss,
            forgetting_events=self._forgets.astype(np.int64),
            never_learned=seen & (self._first_learned == 0),
            suggested=np.where(self._suggested == _NO_CLASS, -1, self._suggested.astype(np.int64)),
            n_epochs=self.epochs,
            mean_probabilities=None
            if self._class_prob_sum is None
            else self._class_prob_sum / np.maximum(count, 1)[:, None],
        )
