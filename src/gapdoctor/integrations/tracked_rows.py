"""TrackedRows: the per-epoch loss and prediction of a fixed random sample of training rows.

Memorisation and label-noise evidence (:func:`gapdoctor.diagnose`'s ``sample_losses``
and ``sample_loss_rows``): a wrongly labelled row keeps a high loss for many epochs,
then drops to zero as the model learns it by heart.

During an epoch the per-batch arrays are only kept (references, no copy); they are
processed in one vectorised pass when the epoch ends or the buffer fills. A step thus
costs a list append, and tensors on an accelerator are not synchronised every step.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.inputs.batches import BatchBuffer, Concat, class_argmax, row_indices
from gapdoctor.stats.array_types import FloatArray

__all__ = ["TrackedRows"]


class TrackedRows:
    """Follow ``count`` random training rows (of ``n_train``) epoch by epoch.

    Parameters
    ----------
    n_train : int
        Number of training rows.
    count : int
        Number of rows to follow (all of them when ``count >= n_train``).
    seed : int
        Seed of the sample.
    concat : callable
        ``concat(parts, flat=...)`` joining per-batch arrays into one numpy array.

    Examples
    --------
    >>> rows = TrackedRows(n_train=4, count=4, seed=0, concat=lambda parts, flat=True: np.concatenate(parts))
    >>> rows.add(np.array([0, 1, 2, 3]), np.array([0.5, 1.0, 1.5, 2.0]), None)
    >>> rows.end_epoch(None)
    >>> rows.rows.tolist(), rows.losses
    ([0, 1, 2, 3], [[0.5, 1.0, 1.5, 2.0]])
    """

    def __init__(self, *, n_train: int, count: int, seed: int, concat: Concat) -> None:
        rng = np.random.default_rng(seed)
        self.n_train = n_train
        self.rows = np.sort(rng.choice(n_train, size=min(count, n_train), replace=False)).astype(np.int64)
        self.losses: list[list[float]] = []
        self.predictions: list[list[int]] = []
        self._concat = concat
        self._index_rows()
        self._reset()

    def _index_rows(self) -> None:
        self._column_of_row = np.full(self.n_train, -1, dtype=np.int64)
        self._column_of_row[self.rows] = np.arange(len(self.rows))

    def _reset(self) -> None:
        k = len(self.rows)
        self._loss_sum = np.zeros(k)
        self._loss_count = np.zeros(k)
        self._prediction = np.full(k, -1, dtype=np.int64)
        self._buffer = BatchBuffer()

    def add(self, rows: Any, losses: Any, predictions: Any) -> None:
        """Keep one batch: training-row ids, per-row losses, predictions (ids or scores) or None.

        Raises GapdoctorInputError for a batch whose parts do not line up (the recorder
        then turns tracking off); the checks read shapes only, never the values.
        """
        try:  # shapes, not len(): a tensor's __len__ is a Python call, this runs every step
            n_rows = rows.shape[0]
            loss_shape = losses.shape
            prediction_shape = None if predictions is None else predictions.shape
        except (AttributeError, IndexError):  # lists, or a 0-d rows tensor
            n_rows, loss_shape = len(rows), _shape(losses)
            prediction_shape = None if predictions is None else _shape(predictions)
        if not loss_shape or loss_shape[0] != n_rows or (len(loss_shape) > 1 and _width(losses) != 1):
            raise GapdoctorInputError(
                "sample_losses",
                f"has shape {tuple(loss_shape)} for a batch of {n_rows} rows",
                "pass one loss per row: F.cross_entropy(logits, y, reduction='none')",
            )
        width = 2
        if prediction_shape is not None:
            if not prediction_shape or prediction_shape[0] != n_rows or len(prediction_shape) > 2:
                raise GapdoctorInputError(
                    "predictions",
                    f"has shape {tuple(prediction_shape)} for a batch of {n_rows} rows",
                    "pass one class id or one row of scores per row",
                )
            width += prediction_shape[1] if len(prediction_shape) == 2 else 1
        if self._buffer.keep((rows, losses, predictions), n_values=n_rows * width):
            self.flush()

    def flush(self) -> None:
        """Process the kept batches."""
        buffer = self._buffer.take()
        if not buffer:
            return
        row_index = row_indices(self._concat([rows for rows, _, _ in buffer]), self.n_train)
        columns = self._column_of_row[row_index]
        hit = columns >= 0
        tracked = columns[hit]
        losses = self._concat([losses for _, losses, _ in buffer])
        k = len(self.rows)
        self._loss_sum += np.bincount(tracked, weights=losses[hit].astype(np.float64), minlength=k)
        self._loss_count += np.bincount(tracked, minlength=k)
        if all(predictions is not None for _, _, predictions in buffer):
            predicted = self._concat([predictions for _, _, predictions in buffer], flat=False)[hit]
            self._prediction[tracked] = class_argmax(predicted) if predicted.ndim == 2 else predicted

    def end_epoch(self, all_reduce_sum: Callable[[FloatArray], FloatArray] | None) -> None:
        """Close the epoch: mean loss of each row (NaN: not seen), summed across processes first."""
        try:
            self.flush()
        except Exception:
            self.skip_epoch(all_reduce_sum)  # the other processes wait in the sum: never leave them hanging
            raise
        loss_sum, loss_count = self._loss_sum, self._loss_count
        if all_reduce_sum is not None:
            reduced = all_reduce_sum(np.concatenate([loss_sum, loss_count]))
            loss_sum, loss_count = reduced[: len(loss_sum)], reduced[len(loss_sum) :]
        with np.errstate(invalid="ignore", divide="ignore"):
            self.losses.append((loss_sum / loss_count).tolist())
        self.predictions.append(self._prediction.tolist())
        self._reset()

    def state_dict(self) -> dict[str, Any]:
        """JSON-safe state (NaN written as None)."""
        return {
            "tracked_rows": self.rows.tolist(),
            "sample_losses": [[v if math.isfinite(v) else None for v in row] for row in self.losses],
            "sample_predictions": self.predictions,
        }

    def skip_epoch(self, all_reduce_sum: Callable[[FloatArray], FloatArray] | None) -> None:
        """An epoch this process does not track (tracking switched off here): drop what was kept.

        Under ``torch.distributed`` it still takes part in the sum with zeros, so that the
        processes still tracking are not left waiting in a collective (a hung run).
        """
        self._reset()
        if all_reduce_sum is not None:
            all_reduce_sum(np.zeros(2 * len(self.rows)))

    def pad_to(self, n_epochs: int) -> None:
        """Give every epoch up to ``n_epochs`` a row: NaN losses and -1 predictions (not measured)."""
        k = len(self.rows)
        while len(self.losses) < n_epochs:
            self.losses.append([math.nan] * k)
        while len(self.predictions) < n_epochs:
            self.predictions.append([-1] * k)
        self._reset()

    def restored_history(self, state: Any, n_epochs: int) -> tuple[list[list[float]], list[list[int]], str | None]:
        """(losses, predictions, note) of a saved :meth:`state_dict` for ``n_epochs`` epochs; never raises.

        A state of another sample (other ``track_rows``, ``seed`` or ``n_train``), or one
        that cannot be read, gives NaN epochs (not measured) and a note saying why.
        """
        k = len(self.rows)
        blank_losses = [[math.nan] * k for _ in range(n_epochs)]
        blank_predictions = [[-1] * k for _ in range(n_epochs)]
        if state is None:
            note = "no per-row losses were saved: those of the earlier epochs are unknown" if n_epochs else None
            return blank_losses, blank_predictions, note
        try:
            rows = np.asarray(state["tracked_rows"], dtype=np.int64)
            if rows.shape != self.rows.shape or not np.array_equal(rows, self.rows):
                return (
                    blank_losses,
                    blank_predictions,
                    f"per-row losses of another sample were saved ({rows.size} rows; this recorder follows "
                    f"{k} of {self.n_train}: another track_rows, seed or n_train): they start again here",
                )
            losses = [[math.nan if v is None else float(v) for v in row] for row in state["sample_losses"]]
            predictions = [[int(v) for v in row] for row in state["sample_predictions"]]
            if (
                len(losses) != len(predictions)
                or any(len(row) != k for row in losses)
                or any(len(row) != k for row in predictions)
            ):
                raise ValueError("per-epoch rows of unequal lengths")
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"[:200]
            return blank_losses, blank_predictions, f"the saved per-row losses could not be read ({reason}): ignored"
        losses, predictions = losses[:n_epochs], predictions[:n_epochs]
        losses += blank_losses[len(losses) :]
        predictions += blank_predictions[len(predictions) :]
        return losses, predictions, None


def _shape(values: Any) -> tuple[int, ...]:
    """Shape of a tensor or array without reading it (a list's through numpy)."""
    shape = getattr(values, "shape", None)
    return tuple(shape) if shape is not None else np.shape(values)


def _width(values: Any) -> int:
    """Values per row: 1 for shape (n,) or (n, 1), c for (n, c)."""
    shape = _shape(values)
    width = 1
    for size in shape[1:]:
        width *= int(size)
    return width
