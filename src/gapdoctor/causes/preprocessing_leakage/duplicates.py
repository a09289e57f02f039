"""Cross-split duplicate search in linear time and bounded memory.

- Exact copies: a 64-bit hash of each row's values
  (:func:`gapdoctor.stats.row_hashes.hash_rows`, the chunk function, one block of rows at
  a time); the training hashes are sorted once, each validation hash is looked up by a
  sorted binary search and every match is verified value by value.
- Near copies (every feature within ``tolerance`` training standard deviations):
  multi-probe grid buckets (:mod:`gapdoctor.causes.preprocessing_leakage.near_grid`).
  The distinct training rows (one per hash) are sorted once by bucket key; a query
  probes its own cell and the neighbouring cells within the tolerance of it (8 keys on
  average), and the training rows of those buckets are compared with it on every
  feature, ``BUCKET_CANDIDATES`` per bucket at a time (by row index) until one is close,
  at most ``BUCKET_ROUNDS`` times.

One pass over the training rows computes both keys. The work per training row and per
probe is constant, the sorts are n log n with a small constant, and no step holds more
than one block of rows, probes or candidate pairs besides one 8-byte key per training row.

Recall: every training row within the tolerance of a query lies in a probed bucket (the
search is exact, as a KD-tree radius search; the 6 randomly shifted grids it replaces
found a pair near the tolerance on every grid feature about half the time), so a near
copy is missed only when its bucket holds more than ``BUCKET_CANDIDATES x BUCKET_ROUNDS``
distinct training rows ahead of it: dense data where most rows have near neighbours
within training anyway (the natural rate then explains the copies). Training rows
identical to each other count once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gapdoctor.causes.preprocessing_leakage.near_grid import NearGrid
from gapdoctor.stats.array_types import FeatureArray, FloatArray, IntArray
from gapdoctor.stats.budget import SEED, sample_rows
from gapdoctor.stats.row_hashes import HashArray, HashIndex, KeyIndex, contributions, finish, hash_rows

__all__ = [
    "BASELINE_ROWS",
    "BUCKET_CANDIDATES",
    "BUCKET_ROUNDS",
    "NEAR_TOLERANCE",
    "DuplicateSearch",
    "exact_duplicate_pairs",
    "find_duplicates",
    "near_duplicate_pairs",
]

NEAR_TOLERANCE = 0.05
"""Near duplicates: every feature within this many training standard deviations."""

BUCKET_CANDIDATES = 16
"""Training rows of a probed bucket compared with a query per round (the next by row index)."""

BUCKET_ROUNDS = 8
"""Rounds of candidates a query without a witness reads from its buckets: at most 128 rows
per bucket. Bounds the work on dense data, where buckets hold many distinct rows and most
queries find a witness in the first round."""

BASELINE_ROWS = 2_000
"""Training rows whose within-training duplicate rate sets the natural rate."""

TRAIN_BLOCK_ROWS = 8_192
"""Training rows hashed and keyed at a time (one pass over the split)."""

QUERY_BLOCK_ROWS = 8_192
"""Validation rows looked up at a time (about 8 probes each, then their candidate pairs)."""

PROBE_BLOCK = 1 << 20
"""Probe keys looked up at a time (rows near many cell boundaries probe up to 2**12 keys)."""

PAIR_BLOCK = 65_536
"""Candidate (training row, query) pairs compared on every feature at a time."""

_NONE = np.iinfo(np.int64).max


def _blocks(n: int, size: int) -> list[slice]:
    return [slice(s, min(n, s + size)) for s in range(0, n, size)]


def _selection(X: FeatureArray, rows: IntArray | None) -> IntArray | None:
    """``rows`` as int64, or None when it selects every row in order (blocks are then slices)."""
    if rows is None:
        return None
    rows = np.asarray(rows, dtype=np.int64)
    every = len(rows) == len(X) and (len(rows) == 0 or (rows[0] == 0 and rows[-1] == len(X) - 1))
    return None if every and bool(np.array_equal(rows, np.arange(len(X)))) else rows


def _number(rows: IntArray | None, positions: IntArray) -> IntArray:
    """Row numbers of the selection's ``positions``."""
    return positions if rows is None else rows[positions]


def _take(X: FeatureArray, rows: IntArray | None, part: slice) -> FloatArray:
    block = X[part] if rows is None else X[rows[part]]
    return np.asarray(block, dtype=np.float64)  # a float32 split: one block in float64 at a time


def _same_rows(A: FloatArray, B: FloatArray) -> NDArray[np.bool_]:
    same: NDArray[np.bool_] = np.all(A == B, axis=1)
    differ = np.flatnonzero(~same)
    if len(differ):  # NaN equals NaN: only rows that differ somewhere need the slower test
        a, b = A[differ], B[differ]
        same[differ] = np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
    return same


def _exact_copies(
    X_train: FeatureArray, rows: IntArray | None, index: HashIndex, block: FloatArray, hashes: HashArray
) -> IntArray:
    """For each row of ``block`` (row hashes ``hashes``), the lowest training row equal to it, or -1."""
    found = index.first(hashes)
    has = np.flatnonzero(found >= 0)
    train = _number(rows, found[has])
    same = np.zeros(len(has), dtype=bool)
    for part in _blocks(len(has), PAIR_BLOCK // 4):
        same[part] = _same_rows(np.asarray(X_train[train[part]], dtype=np.float64), block[has[part]])
    out = np.full(len(block), -1, dtype=np.int64)
    out[has[same]] = train[same]
    return out


@dataclass(frozen=True)
class _Training:
    """The training rows indexed once: exact hashes, and the distinct rows by bucket key."""

    X: FeatureArray
    grid: NearGrid
    hashes: HashIndex
    members: IntArray | None
    """Training row numbers of the distinct rows (the first of each hash), ascending; None when
    they are the rows 0, 1, 2, ..."""
    buckets: KeyIndex
    """Bucket keys of ``members``."""
    baseline: IntArray
    """Up to ``BASELINE_ROWS`` training row numbers whose copies within training set the natural rate."""
    baseline_copies: IntArray
    """How many training rows equal each baseline row (itself included)."""


def _index_training(X_train: FeatureArray, rows: IntArray | None, tolerance: float) -> _Training:
    """One pass over the training rows: hashes and bucket keys; then one sort of each."""
    grid = NearGrid.fit(X_train, tolerance, rows)
    n = len(X_train) if rows is None else len(rows)
    hashes = np.empty(n, dtype=np.uint64)
    keys = np.empty(n, dtype=np.uint64)
    for part in _blocks(n, TRAIN_BLOCK_ROWS):
        block = _take(X_train, rows, part)
        terms = contributions(block)
        keys[part] = grid.bucket_keys(block, grid.lattice_sums(terms))
        hashes[part] = finish(terms.sum(axis=1, dtype=np.uint64))
    index = HashIndex.build(hashes)
    baseline = sample_rows(n, BASELINE_ROWS, what=None, seed=SEED + 3)  # positions in the selection
    copies = index.count(hashes[baseline])
    del hashes
    if len(index.later):  # training rows equal to an earlier one: one bucket entry per distinct row
        distinct: IntArray | None = np.flatnonzero(index.first_occurrences())
        buckets = KeyIndex.build(keys[distinct], overwrite=True)
    else:
        distinct = None
        buckets = KeyIndex.build(keys, overwrite=True)
    del keys
    return _Training(
        X=X_train,
        grid=grid,
        hashes=index,
        members=rows if distinct is None else _number(rows, distinct),
        buckets=buckets,
        baseline=_number(rows, baseline),
        baseline_copies=copies,
    )


def _witnesses(
    training: _Training, queries: FloatArray, exclude: IntArray | None = None, lattice_sum: HashArray | None = None
) -> IntArray:
    """For each row of ``queries``, a training row within the tolerance on every feature, or -1;
    ``exclude`` (per query) a training row that does not count; ``lattice_sum`` the queries'
    :meth:`NearGrid.lattice_sums`, when known.

    Each probed bucket is read ``BUCKET_CANDIDATES`` rows at a time (by row index), up to
    ``BUCKET_ROUNDS`` times, by the queries that have not found a witness yet; a query's
    witness is the lowest training row within the tolerance among the rows of the round
    that found one (the lowest of all whenever its buckets hold at most
    ``BUCKET_CANDIDATES`` rows, as almost always outside dense data).
    """
    owners, lows, sizes = [], [], []
    for owner, keys in training.grid.probe_blocks(queries, PROBE_BLOCK, lattice_sum):
        low, high = training.buckets.ranges(keys)
        probe = np.flatnonzero(high > low)  # the probes whose bucket holds rows
        owners.append(owner[probe])
        lows.append(low[probe])
        sizes.append(high[probe] - low[probe])
    owner, low, size = np.concatenate(owners), np.concatenate(lows), np.concatenate(sizes)
    best = np.full(len(queries), _NONE, dtype=np.int64)
    for round_ in range(BUCKET_ROUNDS):
        skip = round_ * BUCKET_CANDIDATES
        probe = np.flatnonzero((size > skip) & (best[owner] == _NONE))
        if len(probe) == 0:
            break
        per_probe = np.minimum(size[probe] - skip, BUCKET_CANDIDATES)
        starts = np.cumsum(per_probe) - per_probe
        entry = np.arange(int(per_probe.sum()), dtype=np.int64) + np.repeat(low[probe] + skip - starts, per_probe)
        query = np.repeat(owner[probe], per_probe)
        candidate = _number(training.members, training.buckets.positions(entry))
        if exclude is not None:
            keep = candidate != exclude[query]
            query, candidate = query[keep], candidate[keep]
        close = np.zeros(len(query), dtype=bool)
        for part in _blocks(len(query), PAIR_BLOCK):
            close[part] = training.grid.close(
                np.asarray(training.X[candidate[part]], dtype=np.float64), queries[query[part]]
            )
        np.minimum.at(best, query[close], candidate[close])
    return np.where(best == _NONE, -1, best)


@dataclass(frozen=True)
class DuplicateSearch:
    """Validation rows copied from training rows; row numbers are the splits' own.

    ``exact_*`` pairs are equal rows, ``near_*`` pairs (disjoint from the exact ones) are
    within the tolerance on every feature; ``natural`` is the share of (up to
    ``BASELINE_ROWS``) training rows with an exact or near copy elsewhere in training.
    """

    exact_train: IntArray
    exact_val: IntArray
    near_train: IntArray
    near_val: IntArray
    natural: float


def find_duplicates(
    X_train: FeatureArray,
    X_val: FeatureArray,
    tolerance: float = NEAR_TOLERANCE,
    train_rows: IntArray | None = None,
    val_rows: IntArray | None = None,
) -> DuplicateSearch:
    """Exact and near copies of training rows among the validation rows, and the natural rate.

    ``train_rows`` / ``val_rows`` (default: all) restrict the search to those rows. A
    validation row's training row is the lowest-numbered one equal to it (exact) or
    within the tolerance of it (near).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = rng.normal(size=(1000, 4)); v = rng.normal(size=(50, 4))
    >>> v[:2] = t[[7, 3]]; v[2] = t[5] + 1e-3
    >>> found = find_duplicates(t, v)
    >>> found.exact_train.tolist(), found.exact_val.tolist(), found.near_train.tolist(), found.near_val.tolist()
    ([7, 3], [0, 1], [5], [2])
    """
    t_rows, v_rows = _selection(X_train, train_rows), _selection(X_val, val_rows)
    training = _index_training(X_train, t_rows, tolerance)
    n_val = len(X_val) if v_rows is None else len(v_rows)
    exact_train, exact_val, near_train, near_val = [], [], [], []
    for part in _blocks(n_val, QUERY_BLOCK_ROWS):
        block = _take(X_val, v_rows, part)
        numbers = _number(v_rows, np.arange(part.start, part.stop, dtype=np.int64))
        terms = contributions(block)
        copy = _exact_copies(X_train, t_rows, training.hashes, block, finish(terms.sum(axis=1, dtype=np.uint64)))
        exact = np.flatnonzero(copy >= 0)
        rest = np.flatnonzero(copy < 0)
        near = _witnesses(training, block[rest], lattice_sum=training.grid.lattice_sums(terms[rest]))
        hit = np.flatnonzero(near >= 0)
        exact_train.append(copy[exact])
        exact_val.append(numbers[exact])
        near_train.append(near[hit])
        near_val.append(numbers[rest[hit]])
    alone = np.flatnonzero(training.baseline_copies == 1)  # baseline rows without an exact copy in training
    alone_rows = training.baseline[alone]
    near_twin = _witnesses(training, np.asarray(X_train[alone_rows], dtype=np.float64), exclude=alone_rows) >= 0
    n_twin = len(training.baseline) - len(alone)
    natural = (n_twin + int(near_twin.sum())) / max(len(training.baseline), 1)

    def joined(parts: list[IntArray]) -> IntArray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    return DuplicateSearch(
        exact_train=joined(exact_train),
        exact_val=joined(exact_val),
        near_train=joined(near_train),
        near_val=joined(near_val),
        natural=natural,
    )


def exact_duplicate_pairs(
    X_train: FeatureArray, X_val: FeatureArray, train_rows: IntArray | None = None, val_rows: IntArray | None = None
) -> tuple[IntArray, IntArray]:
    """(train row, val row) of every validation row equal to a training row (lowest train row).

    ``train_rows`` / ``val_rows`` (default: all) restrict the search to those rows.

    Examples
    --------
    >>> t = np.array([[1.0, 2.0], [3.0, 4.0]]); v = np.array([[3.0, 4.0], [5.0, 6.0]])
    >>> [a.tolist() for a in exact_duplicate_pairs(t, v)]
    [[1], [0]]
    """
    t_rows, v_rows = _selection(X_train, train_rows), _selection(X_val, val_rows)
    n_train = len(X_train) if t_rows is None else len(t_rows)
    hashes = np.empty(n_train, dtype=np.uint64)
    for part in _blocks(n_train, TRAIN_BLOCK_ROWS):
        hashes[part] = hash_rows(_take(X_train, t_rows, part))
    index = HashIndex.build(hashes)
    del hashes
    n_val = len(X_val) if v_rows is None else len(v_rows)
    train, val = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for part in _blocks(n_val, QUERY_BLOCK_ROWS):
        block = _take(X_val, v_rows, part)
        copy = _exact_copies(X_train, t_rows, index, block, hash_rows(block))
        hit = np.flatnonzero(copy >= 0)
        train.append(copy[hit])
        val.append(_number(v_rows, hit + part.start))
    return np.concatenate(train), np.concatenate(val)


def near_duplicate_pairs(
    X_train: FeatureArray,
    X_val: FeatureArray,
    tolerance: float = NEAR_TOLERANCE,
    train_rows: IntArray | None = None,
    val_rows: IntArray | None = None,
) -> tuple[IntArray, IntArray, float]:
    """(train row, val row) pairs within ``tolerance`` training sd on every feature, and the
    share of training rows with such a neighbour inside the training split (the natural rate).

    Exact copies are among the pairs (distance 0). Linear in rows (see the module notes).
    ``train_rows`` / ``val_rows`` (default: all) restrict the search to those rows.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = rng.normal(size=(1000, 4)); v = rng.normal(size=(50, 4)); v[:3] = t[10:13] + 1e-4
    >>> train_rows, val_rows, natural = near_duplicate_pairs(t, v)
    >>> train_rows.tolist(), val_rows.tolist(), natural
    ([10, 11, 12], [0, 1, 2], 0.0)
    """
    found = find_duplicates(X_train, X_val, tolerance, train_rows, val_rows)
    train = np.concatenate([found.exact_train, found.near_train])
    val = np.concatenate([found.exact_val, found.near_val])
    order = np.argsort(val, kind="stable")
    return train[order], val[order], found.natural
