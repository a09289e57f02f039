"""Statistics computed on one partition of rows and merged across partitions, exactly.

Data larger than memory is read partition by partition (:mod:`gapdoctor.distributed`);
each partition returns the small sufficient statistics here, and merging them gives
the same numbers as computing on all rows at once: column moments (count, sum, sum of
squares), counts keyed by raw label values, and a 64-bit hash of each row for exact
duplicate search. The uniform sample of rows is drawn with the budget's own
:func:`~gapdoctor.stats.budget.sample_rows` and cut by partition, so a split sampled in
partitions holds the very rows an in-memory sample of the same split would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import sample_rows

__all__ = ["ColumnMoments", "KeyedCounts", "column_hashes", "partition_positions", "row_hashes"]

_MIX = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio increment of splitmix64
_MUL1 = np.uint64(0xBF58476D1CE4E5B9)
_MUL2 = np.uint64(0x94D049BB133111EB)
_CANONICAL_NAN = np.float64("nan")


@dataclass(frozen=True)
class ColumnMoments:
    """Per-column count of non-missing values, their sum and sum of squares (mergeable).

    Examples
    --------
    >>> a = ColumnMoments.of(np.array([[1.0], [2.0]]))
    >>> b = ColumnMoments.of(np.array([[3.0], [np.nan]]))
    >>> merged = a.merge(b)
    >>> merged.mean.tolist(), merged.count.tolist()
    ([2.0], [3])
    """

    count: IntArray
    total: FloatArray
    total_sq: FloatArray

    @classmethod
    def of(cls, X: FloatArray) -> ColumnMoments:
        """The moments of one block of rows (NaN = missing, left out)."""
        return cls.of_columns([X[:, j] for j in range(X.shape[1])])

    @classmethod
    def of_columns(cls, columns: list[NDArray[Any]]) -> ColumnMoments:
        """The moments of one block given column by column (no row-major copy of the block); a
        column that is not float (text, hashed) counts no value."""
        count, total, total_sq = [], [], []
        for column in columns:
            if column.dtype != np.float64:
                count.append(0)
                total.append(0.0)
                total_sq.append(0.0)
                continue
            present = ~np.isnan(column)
            values = column if present.all() else column[present]
            count.append(len(values))
            total.append(float(values.sum(dtype=np.float64)))
            total_sq.append(float(np.dot(values, values)))
        return cls(np.array(count, dtype=np.int64), np.array(total), np.array(total_sq))

    def merge(self, other: ColumnMoments) -> ColumnMoments:
        """The moments of both blocks' rows together."""
        return ColumnMoments(self.count + other.count, self.total + other.total, self.total_sq + other.total_sq)

    @property
    def mean(self) -> FloatArray:
        """Mean of each column over its non-missing values (NaN when it has none)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.where(self.count > 0, self.total / np.maximum(self.count, 1), np.nan))

    @property
    def std(self) -> FloatArray:
        """Population standard deviation of each column (``ddof=0``, as ``np.std``)."""
        n = np.maximum(self.count, 1)
        variance = np.maximum(self.total_sq / n - (self.total / n) ** 2, 0.0)
        return np.asarray(np.where(self.count > 0, np.sqrt(variance), np.nan))


@dataclass(frozen=True)
class KeyedCounts:
    """Counts (or sums) per raw key, e.g. per label value; mergeable across partitions.

    ``keys`` are sorted unique values; ``values[i]`` is a count or a row of sums for
    ``keys[i]``.

    Examples
    --------
    >>> a = KeyedCounts.count(np.array(["b", "a", "b"]))
    >>> b = KeyedCounts.count(np.array(["c", "b"]))
    >>> merged = a.merge(b)
    >>> merged.keys.tolist(), merged.values.tolist()
    (['a', 'b', 'c'], [1, 3, 1])
    """

    keys: NDArray[Any]
    values: NDArray[Any]

    @classmethod
    def count(cls, keys: NDArray[Any], weights: NDArray[Any] | None = None) -> KeyedCounts:
        """Rows per key, or the sum of ``weights`` rows (1-D or 2-D) per key."""
        unique, inverse = np.unique(keys, return_inverse=True)
        inverse = inverse.reshape(-1)
        if weights is None:
            return cls(unique, np.bincount(inverse, minlength=len(unique)).astype(np.int64))
        if weights.ndim == 1:
            return cls(unique, np.bincount(inverse, weights=weights, minlength=len(unique)))
        sums = [np.bincount(inverse, weights=weights[:, j], minlength=len(unique)) for j in range(weights.shape[1])]
        return cls(unique, np.column_stack(sums) if sums else np.zeros((len(unique), 0)))

    def merge(self, other: KeyedCounts) -> KeyedCounts:
        """Both counts added key by key."""
        keys = np.concatenate([self.keys, other.keys])
        unique, inverse = np.unique(keys, return_inverse=True)
        values = np.concatenate([self.values, other.values])
        out = np.zeros((len(unique), *values.shape[1:]), dtype=values.dtype)
        np.add.at(out, inverse.reshape(-1), values)
        return KeyedCounts(unique, out)

    def get(self, key: Any) -> Any:
        """The value of ``key`` (zero when absent)."""
        where = np.flatnonzero(self.keys == key)
        return self.values[where[0]] if len(where) else np.zeros_like(self.values[:1])[0] if len(self.values) else 0


def _splitmix(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    h = (h ^ (h >> np.uint64(30))) * _MUL1
    h = (h ^ (h >> np.uint64(27))) * _MUL2
    return np.asarray(h ^ (h >> np.uint64(31)), dtype=np.uint64)


def row_hashes(X: FloatArray) -> NDArray[np.uint64]:
    """A 64-bit hash of each row's values: equal rows hash equal, whatever block they sit in.

    Values are read as float64 with -0.0 taken as 0.0 and every NaN as one NaN, so
    rows equal as numbers (missing values included) hash alike; two different rows
    collide with probability about 2^-64 per pair.

    Examples
    --------
    >>> h = row_hashes(np.array([[1.0, -0.0], [1.0, 0.0], [0.0, 1.0]]))
    >>> bool(h[0] == h[1]), bool(h[0] == h[2])
    (True, False)
    """
    values = np.asarray(X, dtype=np.float64)
    return column_hashes([values[:, j] for j in range(values.shape[1])], len(values))


def column_hashes(columns: list[NDArray[Any]], n_rows: int) -> NDArray[np.uint64]:
    """:func:`row_hashes` of the rows made of these columns, each of ``n_rows`` float64 values or
    of uint64 hashes of its values (a text column hashed value by value)."""
    h = np.full(n_rows, np.uint64(len(columns)), dtype=np.uint64)
    column = np.empty(n_rows, dtype=np.float64)
    for values in columns:
        if values.dtype == np.uint64:
            h ^= values
        else:
            np.add(values, 0.0, out=column)  # -0.0 + 0.0 is 0.0
            column[np.isnan(column)] = _CANONICAL_NAN
            h ^= column.view(np.uint64)
        h *= _MUL1  # multiply (bits move up), then fold the high half down: every bit reaches every bit
        h ^= h >> np.uint64(32)
    return _splitmix(h)


def partition_positions(lengths: IntArray, cap: int) -> tuple[IntArray, list[IntArray]]:
    """A uniform sample of at most ``cap`` of all rows, cut by partition.

    Returns the sampled global row indices (sorted; those of
    :func:`~gapdoctor.stats.budget.sample_rows` for the whole split) and, for each
    partition, the positions inside it.

    Examples
    --------
    >>> rows, inside = partition_positions(np.array([3, 2]), 10)
    >>> rows.tolist(), [p.tolist() for p in inside]
    ([0, 1, 2, 3, 4], [[0, 1, 2], [0, 1]])
    """
    starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    rows = sample_rows(int(starts[-1]), cap, what=None)
    cut = np.searchsorted(rows, starts)
    return rows, [rows[cut[i] : cut[i + 1]] - starts[i] for i in range(len(lengths))]
