"""Each class pair's top rows by margin, in bounded memory, with one tie rule for the numpy and torch passes.

Used by the confident-learning pruning step
(:mod:`gapdoctor.causes.label_noise.confident_learning`; the torch pass mirrors it in
:mod:`gapdoctor.causes.label_noise.confident_learning_torch`).
"""

from __future__ import annotations

import numpy as np

from gapdoctor.stats.array_types import FloatArray, IntArray

__all__ = ["top_by_margin"]


class _TopMargins:
    """The ``size`` rows with the largest margins seen so far, in bounded memory.

    Candidates are appended to a buffer; once it holds twice ``size`` rows a partial
    selection (``argpartition``) keeps the best ``size`` and raises the entry bar to the
    smallest margin kept, so later chunks pass only their rows above it. Each row is
    selected over at most a constant number of times: linear in rows, memory at most
    ``2 * size`` plus one chunk.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.bar = -np.inf
        self.margins: list[FloatArray] = []
        self.rows: list[IntArray] = []
        self.buffered = 0

    def add(self, margins: FloatArray, rows: IntArray) -> None:
        keep = margins >= self.bar
        if not keep.all():
            margins, rows = margins[keep], rows[keep]
        if len(margins) == 0:
            return
        self.margins.append(margins)
        self.rows.append(rows)
        self.buffered += len(margins)
        if self.buffered >= 2 * self.size:
            self._select()

    def _select(self) -> None:
        margins, rows = np.concatenate(self.margins), np.concatenate(self.rows)
        if len(margins) > self.size:
            margins, rows, self.bar = top_by_margin(margins, rows, self.size)
        self.margins, self.rows, self.buffered = [margins], [rows], len(margins)

    def result(self) -> IntArray:
        """The rows kept: the ``size`` largest margins, ties at the bar to the lowest row ids."""
        self._select()
        return self.rows[0] if self.rows else np.zeros(0, dtype=np.int64)


def top_by_margin(margins: FloatArray, rows: IntArray, size: int) -> tuple[FloatArray, IntArray, float]:
    """The ``size`` rows of largest margin, and the smallest margin kept (the bar).

    The tie rule, shared with the torch pass (``confident_learning_torch``) so both flag
    the same rows: every row above the bar is kept, then the rows *at* the bar by
    ascending row id until ``size`` are kept.
    """
    bar = float(np.partition(margins, len(margins) - size)[len(margins) - size])  # the size-th largest
    above = np.flatnonzero(margins > bar)
    tied = np.flatnonzero(margins == bar)
    tied = tied[np.argsort(rows[tied], kind="stable")][: size - len(above)]
    keep = np.concatenate([above, tied])
    return margins[keep], rows[keep], bar
