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
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.errors import GapdoctorInputError

__all__ = ["TrackedRows"]

FloatArray = NDArray[np.float64]
Concat = Callable[..., np.ndarray[Any, Any]]
FLUSH_VALUES = 1 << 22
"""Per-row values (row ids, losses, prediction scores) held before they are processed."""


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
        self._buffer: list[tuple[Any, Any, Any]] = []
        self._values_buffered = 0

    def add(self, rows: Any, losses: Any, predictions: Any) -> None:
        """Keep one batch: training-row ids, per-row losses, predictions (ids or scores) or None."""
        self._buffer.append((rows, losses, predictions))
        width = 2 if predictions is None or len(predictions.shape) < 2 else 2 + predictions.shape[1]
        self._values_buffered += len(rows) * width
        if self._values_buffered >= FLUSH_VALUES:
            self.flush()

    def flush(self) -> None:
        """Process the kept batches."""
        buffer, self._buffer, self._values_buffered = self._buffer, [], 0
        if not buffer:
            return
        row_index = self._concat([rows for rows, _, _ in buffer]).astype(np.int64, copy=False)
        columns = self._column_of_row[row_index]
        hit = columns >= 0
        tracked = columns[hit]
        losses = self._concat([losses for _, losses, _ in buffer])
        k = len(self.rows)
        self._loss_sum += np.bincount(tracked, weights=losses[hit].astype(np.float64), minlength=k)
        self._loss_count += np.bincount(tracked, minlength=k)
        if all(predictions is not None for _, _, predictions in buffer):
            predicted = self._concat([predictions for _, _, predictions in buffer], flat=False)[hit]
            self._prediction[tracked] = predicted.argmax(axis=1) if predicted.ndim == 2 else predicted

    def end_epoch(self, all_reduce_sum: Callable[[FloatArray], FloatArray] | None) -> None:
        """Close the epoch: mean loss of each row (NaN: not seen), summed across processes first."""
        self.flush()
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

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from :meth:`state_dict` output."""
        rows = np.asarray(state["tracked_rows"], dtype=np.int64)
        if len(rows) and rows.max() >= self.n_train:
            raise GapdoctorInputError(
                "state", f"tracks rows outside this recorder's {self.n_train} training rows", "use the same n_train"
            )
        self.rows = rows
        self._index_rows()
        self.losses = [[math.nan if v is None else float(v) for v in row] for row in state["sample_losses"]]
        self.predictions = [[int(v) for v in row] for row in state["sample_predictions"]]
        self._reset()
