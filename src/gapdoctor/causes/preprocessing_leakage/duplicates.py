"""Cross-split duplicate search in linear time and bounded memory.

- Exact copies: a 64-bit hash of each row's values (chunk by chunk), train hashes
  sorted once, each validation hash looked up by binary search, matches verified.
- Near copies (every feature within ``tolerance`` training standard deviations):
  quantised-grid buckets. Each row gets a bucket key from (a) the exact values of its
  lattice features (integers spaced more than ``tolerance`` sd apart, where near means
  equal) and (b) its cell on a grid of width ``GRID_WIDTH`` over up to
  ``GRID_FEATURES`` other features, the grid randomly shifted; ``GRID_SHIFTS`` shifted
  grids are tried in turn. A validation row is compared, on every feature, with at
  most ``BUCKET_CANDIDATES`` training rows sharing its bucket.

Training rows are de-duplicated by hash before the near search, so identical rows
cost one bucket member, not a million. Nothing is quadratic and no step holds more
than one chunk of rows x candidates x features.

A pair closer than ``tolerance`` on every feature shares a bucket of one grid with
probability prod_j (1 - d_j / GRID_WIDTH) over the grid features (d_j: its distance
on feature j). Over the six grids, a copy re-encoded with Gaussian noise of 1e-3 sd is
missed with probability about 1e-9, with 1e-2 sd about 4e-4; a pair at the very edge
of the tolerance on all eight grid features is found about half the time (the KD-tree
search this replaces found it always, at quadratic cost on tied rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from gapdoctor.stats.array_types import FloatArray, IntArray
from gapdoctor.stats.budget import SEED, sample_rows

HashArray = NDArray[np.uint64]

NEAR_TOLERANCE = 0.05
"""Near duplicates: every feature within this many training standard deviations."""

GRID_WIDTH = 4 * NEAR_TOLERANCE
"""Cell width of the bucketing grids, in training sd: a near pair (each feature within
the tolerance) falls in one cell with probability at least 0.75 per feature per grid."""

GRID_FEATURES = 8
"""Non-lattice features that make up the grid cell (those with the most distinct values)."""

GRID_SHIFTS = 6
"""Randomly shifted grids tried in turn; a pair missed by one grid is found by another."""

BUCKET_CANDIDATES = 16
"""Training rows of a bucket compared with each validation row (the first by row index)."""

STANDARDISE_ROWS = 200_000
"""Training rows whose mean and sd define the standardised units (sd known to about 0.3%)."""

BASELINE_ROWS = 2_000
"""Training rows whose within-training duplicate rate sets the natural rate."""

_CHUNK = 8_192
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_PRIME = np.uint64(0x100000001B3)
_MISSING_CELL = np.int64(-(2**62))


def _chunks(n: int, size: int = _CHUNK) -> list[slice]:
    return [slice(s, min(n, s + size)) for s in range(0, n, size)]


def _all(X: FloatArray, rows: IntArray | None) -> IntArray:
    return np.arange(len(X), dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)


@lru_cache(maxsize=16)
def _multipliers(n_columns: int) -> HashArray:
    """One fixed random odd 64-bit multiplier per column (the same in every call)."""
    rng = np.random.default_rng(SEED + 11)
    odd: HashArray = rng.integers(0, 2**63, size=n_columns, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return odd


def row_hashes(X: FloatArray, rows: IntArray | None = None) -> HashArray:
    """A 64-bit hash of each row's exact values (NaN equals NaN, -0.0 equals 0.0).

    ``rows`` (default: every row) selects the rows hashed, in that order. Each value's
    bits are scrambled (xor-shift), multiplied by its column's odd random multiplier and
    summed along the row: contiguous whole-block operations, no per-column copies.

    Examples
    --------
    >>> h = row_hashes(np.array([[1.0, np.nan], [1.0, np.nan], [-0.0, 2.0], [0.0, 2.0], [2.0, 1.0]]))
    >>> bool(h[0] == h[1]), bool(h[2] == h[3]), bool(h[0] == h[2]), bool(h[4] == h[3])
    (True, True, False, False)
    """
    selected = None if rows is None else _all(X, rows)
    n = len(X) if selected is None else len(selected)
    out = np.empty(n, dtype=np.uint64)
    for part in _chunks(n, 16_384):
        out[part] = _hash_bits(_value_bits(X[part] if selected is None else X[selected[part]]))
    return out


def _value_bits(block: FloatArray) -> HashArray:
    """A copy of ``block``'s values as bit patterns, -0.0 as 0.0 and every NaN alike."""
    clean = block + 0.0
    missing = np.isnan(clean)
    if missing.any():
        clean[missing] = np.inf
    return clean.view(np.uint64)


def _hash_bits(bits: HashArray) -> HashArray:
    """Hash each row of a uint64 matrix (overwritten): scramble, multiply per column, sum."""
    with np.errstate(over="ignore"):
        bits ^= bits >> np.uint64(31)
        bits *= _multipliers(bits.shape[1])
        bits ^= bits >> np.uint64(29)
        h: HashArray = bits.sum(axis=1, dtype=np.uint64)
        h ^= h >> np.uint64(32)
        h *= _PRIME
    return h


def _same_rows(A: FloatArray, B: FloatArray) -> NDArray[np.bool_]:
    same: NDArray[np.bool_] = np.all(A == B, axis=1)
    differ = np.flatnonzero(~same)
    if len(differ):  # NaN equals NaN: only rows that differ somewhere need the slower test
        a, b = A[differ], B[differ]
        same[differ] = np.all((a == b) | (np.isnan(a) & np.isnan(b)), axis=1)
    return same


def _packed_sort(keys: HashArray) -> tuple[HashArray, IntArray]:
    """Keys sorted and the position each came from, by one ``np.sort`` (no ``argsort``).

    Each key's low bits are replaced by its position, so equal keys keep their input
    order; the sorted keys come back with those bits cleared (truncated keys: two keys
    that differ only there share a bucket, and the extra candidates fail verification).
    ``np.sort`` of integers is several times faster than ``argsort`` plus a gather.
    """
    bits = np.uint64(max(1, (len(keys) - 1).bit_length()))
    packed = ((keys >> bits) << bits) | np.arange(len(keys), dtype=np.uint64)
    packed.sort()
    positions = (packed & ((np.uint64(1) << bits) - np.uint64(1))).astype(np.int64)
    packed >>= bits
    return packed, positions


def _sort_order(keys: HashArray) -> IntArray:
    """An order that visits ``keys`` sorted (up to the bits :func:`_packed_sort` drops)."""
    return _packed_sort(keys)[1]


def _search(sorted_keys: HashArray, queries: HashArray, side: str = "left") -> IntArray:
    """``np.searchsorted`` with the queries visited in sorted order.

    Binary searches for random queries miss the cache at every step once the sorted
    array outgrows it (time grows faster than n log n); sorted queries walk it forward.
    """
    order = _sort_order(queries)
    out = np.empty(len(queries), dtype=np.int64)
    out[order] = np.searchsorted(sorted_keys, queries[order], side="right" if side == "right" else "left")
    return out


def _lookup(sorted_hashes: HashArray, order: IntArray, queries: HashArray) -> tuple[IntArray, NDArray[np.bool_]]:
    """First training row (by index) with each query's hash, and whether there is one."""
    if len(sorted_hashes) == 0:
        return np.zeros(len(queries), dtype=np.int64), np.zeros(len(queries), dtype=bool)
    pos = np.clip(_search(sorted_hashes, queries), 0, len(sorted_hashes) - 1)
    return order[pos], sorted_hashes[pos] == queries


def exact_duplicate_pairs(
    X_train: FloatArray, X_val: FloatArray, train_rows: IntArray | None = None, val_rows: IntArray | None = None
) -> tuple[IntArray, IntArray]:
    """(train row, val row) of every validation row equal to a training row (lowest train row).

    ``train_rows`` / ``val_rows`` (default: all) restrict the search to those rows.

    Examples
    --------
    >>> t = np.array([[1.0, 2.0], [3.0, 4.0]]); v = np.array([[3.0, 4.0], [5.0, 6.0]])
    >>> [a.tolist() for a in exact_duplicate_pairs(t, v)]
    [[1], [0]]
    """
    t_rows, v_rows = _all(X_train, train_rows), _all(X_val, val_rows)
    ht = row_hashes(X_train, t_rows)
    order = np.argsort(ht, kind="stable")
    candidate, hit = _lookup(ht[order], t_rows[order], row_hashes(X_val, v_rows))
    v_hit = v_rows[hit]
    t_hit = candidate[hit]
    same = np.zeros(len(v_hit), dtype=bool)
    for part in _chunks(len(v_hit)):
        same[part] = _same_rows(X_train[t_hit[part]], X_val[v_hit[part]])
    return t_hit[same], v_hit[same]


class _Grid:
    """Standardisation and bucket keys shared by every query against one training split."""

    def __init__(self, X_train: FloatArray, rows: IntArray, tolerance: float) -> None:
        standardise = rows[sample_rows(len(rows), STANDARDISE_ROWS, what=None, seed=SEED + 5)]
        parts = _chunks(len(standardise), 4_096)  # small blocks: two passes, no large temporaries
        count, total = np.zeros(X_train.shape[1]), np.zeros(X_train.shape[1])
        for part in parts:
            block = X_train[standardise[part]]
            count += np.isfinite(block).sum(axis=0)
            total += np.nansum(block, axis=0)
        self.centre = np.where(count > 0, total / np.maximum(count, 1), 0.0)
        squares = np.zeros(X_train.shape[1])
        for part in parts:
            squares += np.nansum((X_train[standardise[part]] - self.centre) ** 2, axis=0)
        sd = np.sqrt(squares / np.maximum(count, 1))
        self.scale = np.where(sd > 0, sd, 1.0)
        self.tolerance = tolerance
        sample = X_train[standardise[:5_000]]
        lattice, distinct = [], []
        for j in range(X_train.shape[1]):
            col = sample[:, j][np.isfinite(sample[:, j])]
            integral = len(col) > 0 and bool(np.all(col == np.round(col)))
            lattice.append(integral and 1.0 / self.scale[j] > tolerance)  # distinct values never near
            distinct.append(len(np.unique(col)))
        self.lattice = np.flatnonzero(lattice).astype(np.int64)
        others = np.array([j for j in np.argsort(distinct, kind="stable")[::-1] if not lattice[j]], dtype=np.int64)
        self.grid = others[:GRID_FEATURES]
        rng = np.random.default_rng(SEED + 7)
        self.shifts = rng.uniform(0.0, GRID_WIDTH, size=(GRID_SHIFTS, len(self.grid)))

    def scaled(self, X: FloatArray) -> FloatArray:
        out = (X - self.centre) / self.scale
        return np.where(np.isfinite(out), out, -1e6)  # missing matches missing only

    def keys(self, X: FloatArray, rows: IntArray, shift: int) -> HashArray:
        """Bucket key of each of ``rows`` on grid number ``shift``."""
        out = np.empty(len(rows), dtype=np.uint64)
        for part in _chunks(len(rows), 16_384):
            block = X[rows[part]]
            z = (block[:, self.grid] - self.centre[self.grid]) / self.scale[self.grid]
            cells = np.floor((z + self.shifts[shift]) / GRID_WIDTH)
            cells = np.where(np.isfinite(cells), cells, _MISSING_CELL).astype(np.int64)
            bits = np.hstack([_value_bits(block[:, self.lattice]), cells.view(np.uint64)])
            out[part] = _hash_bits(bits)
        return out


_Search = tuple[FloatArray, IntArray, "IntArray | None"]


def _witnesses(grid: _Grid, X_train: FloatArray, members: IntArray, searches: list[_Search]) -> list[IntArray]:
    """For each row of each search, a training row within the tolerance on every feature, or -1.

    A search is (X, rows, exclude): the rows of X to look up and, optionally, per row a
    training row that does not count (the row itself, for the natural rate). ``members``
    are the (de-duplicated) training rows searched; every grid sorts them once for all
    searches.
    """
    found = [np.full(len(rows), -1, dtype=np.int64) for _, rows, _ in searches]
    for shift in range(GRID_SHIFTS):
        if len(members) == 0 or all(bool((f >= 0).all()) for f in found):
            break
        sorted_keys, positions = _packed_sort(grid.keys(X_train, members, shift))
        sorted_members = members[positions]  # within a bucket, by row index
        drop = np.uint64(max(1, (len(members) - 1).bit_length()))  # the bits the sorted keys lost
        del positions
        for (queries, query_rows, exclude), out in zip(searches, found, strict=True):
            todo = np.flatnonzero(out < 0)
            query_keys = grid.keys(queries, query_rows[todo], shift) >> drop
            low = np.minimum(_search(sorted_keys, query_keys), len(sorted_keys) - 1)
            has = np.flatnonzero(sorted_keys[low] == query_keys)
            high = np.zeros(len(low), dtype=np.int64)  # bucket ends, for the rows whose bucket is not empty
            high[has] = _search(sorted_keys, query_keys[has], side="right")
            del query_keys
            width = BUCKET_CANDIDATES + (0 if exclude is None else 1)
            for part in _chunks(len(has), max(1, 65_536 // width)):
                idx = has[part]
                slots = low[idx, None] + np.arange(width)
                valid = slots < high[idx, None]
                candidates = sorted_members[np.minimum(slots, len(sorted_members) - 1)]
                if exclude is not None:
                    valid &= candidates != exclude[todo[idx], None]
                q = grid.scaled(queries[query_rows[todo[idx]]])
                close = valid.copy()
                for k in range(width):  # one candidate column at a time: chunk x features in memory
                    rows_k = np.flatnonzero(valid[:, k])
                    if len(rows_k):
                        t = grid.scaled(X_train[candidates[rows_k, k]])
                        close[rows_k, k] = np.abs(t - q[rows_k]).max(axis=1, initial=0.0) <= grid.tolerance
                # the lowest training row among those verified (a bucket lists its rows by index)
                verified = np.where(close, candidates, np.iinfo(np.int64).max).min(axis=1)
                out[todo[idx]] = np.where(close.any(axis=1), verified, -1)
    return found


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


def near_duplicate_pairs(
    X_train: FloatArray,
    X_val: FloatArray,
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


def find_duplicates(
    X_train: FloatArray,
    X_val: FloatArray,
    tolerance: float = NEAR_TOLERANCE,
    train_rows: IntArray | None = None,
    val_rows: IntArray | None = None,
) -> DuplicateSearch:
    """Exact and near copies of training rows among the validation rows, and the natural rate.

    ``train_rows`` / ``val_rows`` (default: all) restrict the search to those rows.
    """
    t_rows, v_rows = _all(X_train, train_rows), _all(X_val, val_rows)
    grid = _Grid(X_train, t_rows, tolerance)
    ht = row_hashes(X_train, t_rows)
    order = np.argsort(ht, kind="stable")
    sorted_h, sorted_rows = ht[order], t_rows[order]
    first_of_run = np.r_[True, sorted_h[1:] != sorted_h[:-1]] if len(sorted_h) else np.zeros(0, dtype=bool)
    members = np.sort(sorted_rows[first_of_run])  # one training row per distinct row
    run_sizes = np.diff(np.r_[np.flatnonzero(first_of_run), len(sorted_h)])

    candidate, hit = _lookup(sorted_h, sorted_rows, row_hashes(X_val, v_rows))
    exact = np.zeros(len(v_rows), dtype=bool)
    for part in _chunks(len(v_rows)):
        pos = np.flatnonzero(hit[part]) + part.start
        exact[pos] = _same_rows(X_train[candidate[pos]], X_val[v_rows[pos]])
    rest = np.flatnonzero(~exact)
    base = sample_rows(len(t_rows), BASELINE_ROWS, what=None, seed=SEED + 3)  # positions in t_rows
    base_pos = np.searchsorted(sorted_h, ht[base])
    del ht, sorted_h, sorted_rows, order
    twin = run_sizes[np.cumsum(first_of_run)[base_pos] - 1] > 1  # an exact copy inside training
    alone = t_rows[base[~twin]]
    near_val, near_train = _witnesses(grid, X_train, members, [(X_val, v_rows[rest], None), (X_train, alone, alone)])
    witness = near_val
    near_twin = near_train >= 0
    natural = (int(twin.sum()) + int(near_twin.sum())) / max(len(base), 1)
    near = np.flatnonzero(witness >= 0)
    return DuplicateSearch(
        exact_train=candidate[exact],
        exact_val=v_rows[exact],
        near_train=near_val[near],
        near_val=v_rows[rest][near],
        natural=natural,
    )
