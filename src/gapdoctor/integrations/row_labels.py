"""RowLabels: the given label of every training row, learnt from the batches the loop logs.

With it the training dynamics are diagnosed without ``y_train``: the labels come with
the logits (``log_batch(logits=..., labels=..., rows=...)``). 4 bytes per training row,
kept only until every row was seen (usually the first epoch); the batches of an epoch
are joined once when it ends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["RowLabels"]


class RowLabels:
    """Labels of the training rows, by row index, from ``(rows, labels)`` batches.

    Parameters
    ----------
    concat : callable
        Joins per-batch arrays into one flat numpy array (the recorder's ``_concat``).

    Attributes
    ----------
    learning : bool
        True until every row's label was seen (set False by whoever has ``y_train``).

    Examples
    --------
    >>> import numpy as np
    >>> labels = RowLabels(lambda parts: np.concatenate([np.ravel(p) for p in parts]))
    >>> labels.add([2, 0], [7, 5]); labels.end_epoch(3); print(labels.labels)
    None
    >>> labels.add([1], [6]); labels.end_epoch(3); labels.labels.tolist()
    [5, 6, 7]
    """

    def __init__(self, concat: Callable[[list[Any]], np.ndarray[Any, Any]]) -> None:
        self.learning = True
        self._concat = concat
        self._batches: list[tuple[Any, Any]] = []
        self._labels: NDArray[np.int32] | None = None  # -1: not seen yet

    @property
    def labels(self) -> NDArray[np.int32] | None:
        """Every row's label, or None until each row was seen."""
        return None if self.learning else self._labels

    def add(self, rows: Any, labels: Any) -> None:
        """Keep a batch's rows and labels (references) until the epoch ends."""
        if self.learning:
            self._batches.append((rows, labels))

    def end_epoch(self, n_train: int | None) -> None:
        """Write the epoch's labels in place; out-of-range rows raise (the dynamics store checked them first)."""
        if self._batches and self.learning and n_train:
            rows = self._concat([r for r, _ in self._batches]).astype(np.int64, copy=False)
            labels = self._concat([y for _, y in self._batches])
            if self._labels is None:
                self._labels = np.full(n_train, -1, dtype=np.int32)
            self._labels[rows] = labels
            self.learning = bool((self._labels < 0).any())  # complete: nothing more is kept
        self._batches = []

    def stop(self) -> None:
        """Forget everything (the training dynamics were switched off)."""
        self.learning, self._labels, self._batches = False, None, []
