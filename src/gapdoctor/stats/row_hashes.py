"""Row hashing and sorted key indexes: exact-copy search in linear time, one block at a time.

- :func:`hash_rows` is the chunk function: a 64-bit hash of each row of one 2-D block.
  It is pure and row-wise (a row's hash depends on its values and the number of
  columns only, with fixed seeded multipliers), so a split hashed in chunks of whole
  rows, or a Dask array partition by partition (``X.rechunk({1: -1}).map_blocks(hash_rows,
  drop_axis=1, dtype=np.uint64)``), gives the same hashes as the whole split hashed at
  once, in every process.
- :func:`row_hashes` hashes the rows of a split (or a selection of them) block by block.
- :class:`HashIndex` sorts a set of hashes once and answers "where does this hash first
  occur, and how often" with sorted binary searches; :class:`KeyIndex` answers "which
  entries share this key".

Both indexes are built with one ``np.sort`` of the keys with each entry's position
packed into the low bits (several times faster than ``argsort``, no index array); the
sorted keys lose those bits, and :class:`HashIndex` resolves the (rare) groups of
entries that share the truncated key by their full hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gapdoctor.errors import GapdoctorInputError
from gapdoctor.stats.array_types import FloatArray, IntArray

__all__ = [
    "HASH_BLOCK_ROWS",
    "PRESENCE_BITS_PER_KEY_LOG2",
    "HashArray",
    "HashIndex",
    "KeyIndex",
    "contributions",
    "finish",
    "hash_rows",
    "row_hashes",
    "scramble",
]

HashArray = NDArray[np.uint64]

HASH_BLOCK_ROWS = 4_096
"""Rows hashed at a time: a block of 4,096 rows x 20 float64 features (655 kB) stays in
cache through the three passes over it (faster than larger blocks, measured)."""

HASH_SEED = 20_261_201
"""Seed of the per-column multipliers: fixed, so every process and every chunk agree."""

CANONICAL_NAN = np.uint64(0x7FF8000000000000)
"""The bit pattern every NaN is hashed as (NaN payloads and signs differ between writers)."""

PRESENCE_BITS_PER_KEY_LOG2 = 3
"""A sorted-key index keeps 2**3 = 8 to 16 presence-filter bits per key (1-2 bytes): with two
marks per key, 2-5% of the queries for absent keys pay a binary search."""

_PRIME = np.uint64(0x100000001B3)


@lru_cache(maxsize=16)
def multipliers(n_columns: int, stream: int = 0) -> HashArray:
    """One fixed random odd 64-bit multiplier per column (the same in every call and process);
    ``stream`` picks another independent set (the near-copy grid's cells use stream 1)."""
    rng = np.random.default_rng(HASH_SEED + stream)
    odd: HashArray = rng.integers(0, 2**63, size=n_columns, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    odd.setflags(write=False)
    return odd


def value_bits(block: FloatArray) -> HashArray:
    """A copy of ``block``'s float64 values as bit patterns: -0.0 as 0.0, every NaN alike."""
    with np.errstate(invalid="ignore"):  # a signalling NaN's payload raises "invalid"; it is a NaN like another
        clean = block + 0.0  # a copy; -0.0 + 0.0 is 0.0
    bits: HashArray = clean.view(np.uint64)
    missing = np.isnan(clean)
    if missing.any():
        bits[missing] = CANONICAL_NAN
    return bits


def scramble(bits: HashArray, column_multipliers: HashArray) -> HashArray:
    """Each value's contribution to its row's hash (``bits`` overwritten and returned).

    Xor-shift, multiply by the column's odd multiplier, xor-shift: a row's hash is
    :func:`finish` of the sum of its contributions (so a key that differs in one column
    is the old sum plus one difference, see the near-copy probes).
    """
    with np.errstate(over="ignore"):
        bits ^= bits >> np.uint64(31)
        bits *= column_multipliers
        bits ^= bits >> np.uint64(29)
    return bits


def finish(sums: HashArray) -> HashArray:
    """The hash of rows whose contributions sum to ``sums`` (overwritten and returned)."""
    with np.errstate(over="ignore"):
        sums ^= sums >> np.uint64(32)
        sums *= _PRIME
    return sums


def contributions(values: FloatArray) -> HashArray:
    """Each value's contribution to its row's hash, for a 2-D float64 block: a row's hash is
    :func:`finish` of the sum of its row (callers that key rows on some columns reuse them)."""
    return scramble(value_bits(values), multipliers(values.shape[1]))


def _hash_block(values: FloatArray) -> HashArray:
    return finish(contributions(values).sum(axis=1, dtype=np.uint64))


def hash_rows(block: ArrayLike) -> HashArray:
    """A 64-bit hash of each row of a 2-D block of numbers: equal rows, equal hashes.

    Values are compared as float64 (float32 and integers convert exactly), -0.0 equals
    0.0 and NaN equals NaN. The hash of a row depends only on its values and the number
    of columns, so chunks of a split can be hashed separately (in any process) and the
    hashes concatenated. Distinct rows collide with probability about 2**-64 per pair:
    a caller that must be certain compares the values of rows whose hashes match.

    Parameters
    ----------
    block : array-like of shape (n_rows, n_columns)
        The rows to hash.

    Returns
    -------
    numpy.ndarray of uint64, shape (n_rows,)

    Examples
    --------
    >>> X = np.array([[1.0, np.nan], [1.0, np.nan], [-0.0, 2.0], [0.0, 2.0], [2.0, 1.0]])
    >>> h = hash_rows(X)
    >>> bool(h[0] == h[1]), bool(h[2] == h[3]), bool(h[0] == h[2]), bool(h[4] == h[3])
    (True, True, False, False)
    >>> bool(np.array_equal(np.concatenate([hash_rows(X[:2]), hash_rows(X[2:])]), h))
    True
    >>> bool(np.array_equal(hash_rows(X.astype(np.float32)), h))
    True
    """
    values = np.asarray(block, dtype=np.float64)
    if values.ndim != 2:
        raise GapdoctorInputError(
            "block",
            f"expected a 2-D array of rows x columns, got {values.ndim} dimension(s)",
            "pass one chunk of rows (a single row as row.reshape(1, -1))",
        )
    out = np.empty(len(values), dtype=np.uint64)
    for start in range(0, len(values), HASH_BLOCK_ROWS):
        out[start : start + HASH_BLOCK_ROWS] = _hash_block(values[start : start + HASH_BLOCK_ROWS])
    return out


def row_hashes(X: FloatArray, rows: IntArray | None = None) -> HashArray:
    """:func:`hash_rows` of the rows of ``X`` numbered ``rows`` (default: every row), in that order.

    Examples
    --------
    >>> X = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]])
    >>> h = row_hashes(X, np.array([2, 1, 0]))
    >>> bool(h[0] == h[2]), bool(h[0] == h[1])
    (True, False)
    """
    n = len(X) if rows is None else len(rows)
    out = np.empty(n, dtype=np.uint64)
    for start in range(0, n, HASH_BLOCK_ROWS):
        part = slice(start, min(n, start + HASH_BLOCK_ROWS))
        out[part] = _hash_block(X[part] if rows is None else X[rows[part]])
    return out


def _packed(keys: HashArray, overwrite: bool = False) -> tuple[HashArray, np.uint64]:
    """``keys`` sorted with their positions in the low bits (which the keys lose), and the bit count.

    Built in one new array, or in ``keys`` itself with ``overwrite`` (a full-size temporary
    costs its page faults again at every allocation past glibc's 32 MB reuse limit).
    """
    bits = np.uint64(max(1, (len(keys) - 1).bit_length()))
    if overwrite:
        keys >>= bits
        packed = keys
    else:
        packed = keys >> bits
    packed <<= bits
    for start in range(0, len(keys), 1 << 20):
        packed[start : start + (1 << 20)] |= np.arange(start, min(len(keys), start + (1 << 20)), dtype=np.uint64)
    packed.sort()
    return packed, bits


def _search_sorted(sorted_keys: HashArray, queries: HashArray, side: str) -> IntArray:
    """``np.searchsorted`` with the queries visited in sorted order.

    Binary searches for random queries miss the cache at every step once the sorted
    array outgrows it (measured: 30x slower at 10M keys); sorted queries walk it forward.
    """
    order = np.argsort(queries)
    out = np.empty(len(queries), dtype=np.int64)
    out[order] = np.searchsorted(sorted_keys, queries[order], side="right" if side == "right" else "left")
    return out


def _presence_marks(keys: HashArray, word_bits: int, key_bits: int) -> tuple[IntArray, HashArray]:
    """The presence-filter word of each key (its top ``word_bits`` bits) and its two marks in it
    (the next two 6-bit fields; one mark when ``key_bits``, the bits a key keeps, run out)."""
    word = (keys >> np.uint64(64 - word_bits)).astype(np.int64)
    first = np.uint64(64 - word_bits - 6)
    second = np.uint64(64 - word_bits - 12) if word_bits + 12 <= key_bits else first
    marks = np.uint64(1) << ((keys >> first) & np.uint64(63))
    marks |= np.uint64(1) << ((keys >> second) & np.uint64(63))
    return word, marks


def _presence_filter(packed: HashArray, word_bits: int, key_bits: int) -> HashArray:
    """A blocked Bloom filter of the sorted keys: two marks per key in one 64-bit word."""
    words = np.zeros(1 << word_bits, dtype=np.uint64)
    for start in range(0, len(packed), 1 << 20):  # sorted keys: each block's words ascend, bounded temporaries
        word, marks = _presence_marks(packed[start : start + (1 << 20)], word_bits, key_bits)
        first = np.flatnonzero(np.r_[True, word[1:] != word[:-1]])
        words[word[first]] |= np.bitwise_or.reduceat(marks, first)
    return words


@dataclass(frozen=True)
class KeyIndex:
    """Keys sorted once; the entries (positions in the key array) that share a query's key.

    Keys are compared without their low ``bits`` (about log2 of the entry count): two
    keys that differ only there count as equal, so a caller verifies what it finds.
    Entries with equal keys come in position order. A presence filter (a blocked Bloom
    filter: ``2**PRESENCE_BITS_PER_KEY_LOG2`` to twice that many bits per key, two marks
    per key in one 64-bit word) answers most queries for absent keys with one memory
    read instead of a binary search, whose 23 steps at 10M keys cost 4x the time per
    query of 1M keys (cache misses).
    """

    packed: HashArray
    bits: np.uint64
    presence: HashArray
    word_bits: int

    @classmethod
    def build(cls, keys: HashArray, overwrite: bool = False) -> KeyIndex:
        """Index ``keys`` (one ``np.sort``; in the array ``keys`` itself with ``overwrite``)."""
        packed, bits = _packed(keys, overwrite)
        word_bits = max(0, min(len(keys).bit_length() + PRESENCE_BITS_PER_KEY_LOG2 - 6, 58 - int(bits)))
        presence = _presence_filter(packed, word_bits, 64 - int(bits))
        return cls(packed=packed, bits=bits, presence=presence, word_bits=word_bits)

    def _present(self, floor: HashArray) -> IntArray:
        """The queries (already truncated) whose marks are all set: the only ones worth searching."""
        word, marks = _presence_marks(floor, self.word_bits, 64 - int(self.bits))
        return np.flatnonzero((self.presence[word] & marks) == marks)

    def ranges(self, queries: HashArray) -> tuple[IntArray, IntArray]:
        """For each query, the run ``[low, high)`` of sorted entries with its key (empty when none)."""
        low = np.zeros(len(queries), dtype=np.int64)
        high = np.zeros(len(queries), dtype=np.int64)
        if len(self.packed) == 0:
            return low, high
        floor = (queries >> self.bits) << self.bits
        maybe = self._present(floor)
        start = _search_sorted(self.packed, floor[maybe], "left")
        at = self.packed[np.minimum(start, len(self.packed) - 1)]
        found = (start < len(self.packed)) & ((at >> self.bits) == (floor[maybe] >> self.bits))
        has, start = maybe[found], start[found]
        ceiling = floor[has] | ((np.uint64(1) << self.bits) - np.uint64(1))
        low[has] = start
        high[has] = _search_sorted(self.packed, ceiling, "right")
        return low, high

    def positions(self, entries: IntArray) -> IntArray:
        """The positions (in the indexed key array) of sorted entries ``entries``."""
        low_bits = (np.uint64(1) << self.bits) - np.uint64(1)
        positions: IntArray = (self.packed[entries] & low_bits).astype(np.int64)
        return positions


@dataclass(frozen=True)
class HashIndex:
    """Row hashes sorted once: where each hash first occurs (lowest position) and how often.

    Examples
    --------
    >>> index = HashIndex.build(np.array([7, 3, 7, 9, 7], dtype=np.uint64))
    >>> index.first(np.array([7, 9, 4], dtype=np.uint64)).tolist()
    [0, 3, -1]
    >>> index.count(np.array([7, 3, 4], dtype=np.uint64)).tolist()
    [3, 1, 0]
    >>> np.flatnonzero(index.first_occurrences()).tolist()
    [0, 1, 3]
    """

    keys: KeyIndex
    repeated: HashArray
    """Full hashes of the entries that share their truncated key with another entry (sorted, unique)."""
    repeated_first: IntArray
    repeated_count: IntArray
    later: IntArray
    """Positions holding a hash that a lower position holds too."""
    size: int

    @classmethod
    def build(cls, hashes: HashArray) -> HashIndex:
        """Index ``hashes`` (one ``np.sort``; the groups of 2+ entries sorted again by full hash)."""
        keys = KeyIndex.build(hashes)
        packed, bits = keys.packed, keys.bits
        shared = np.zeros(len(packed), dtype=bool)
        for start in range(0, len(packed) - 1, 1 << 20):  # blocks: bounded temporaries
            stop = min(len(packed) - 1, start + (1 << 20))
            same_next = (packed[start + 1 : stop + 1] ^ packed[start:stop]) < (np.uint64(1) << bits)  # equal keys
            shared[start:stop] |= same_next
            shared[start + 1 : stop + 1] |= same_next
        entries = np.flatnonzero(shared)
        positions = keys.positions(entries)
        full = hashes[positions]
        if len(full) > 1 and bool(np.any(full[1:] < full[:-1])):  # truncated groups of distinct hashes
            order = np.lexsort((positions, full))  # by full hash, then position
            full, positions = full[order], positions[order]
        is_start = np.r_[True, full[1:] != full[:-1]] if len(full) else np.zeros(0, dtype=bool)
        starts = np.flatnonzero(is_start)
        return cls(
            keys=keys,
            repeated=full[starts],
            repeated_first=positions[starts],
            repeated_count=np.diff(np.r_[starts, len(full)]).astype(np.int64),
            later=positions[~is_start],
            size=len(hashes),
        )

    def _locate(self, queries: HashArray) -> tuple[IntArray, IntArray]:
        """(first position, count) of each query among the hashes whose truncated key is unique,
        and of each query in the repeated table; -1 / 0 where absent."""
        low, high = self.keys.ranges(queries)
        first = np.full(len(queries), -1, dtype=np.int64)
        count = np.zeros(len(queries), dtype=np.int64)
        single = np.flatnonzero(high - low == 1)
        first[single] = self.keys.positions(low[single])  # the truncated key matched: the caller verifies
        count[single] = 1
        shared = np.flatnonzero(high - low > 1)
        if len(shared) and len(self.repeated):
            at = np.minimum(_search_sorted(self.repeated, queries[shared], "left"), len(self.repeated) - 1)
            hit = self.repeated[at] == queries[shared]
            first[shared[hit]] = self.repeated_first[at[hit]]
            count[shared[hit]] = self.repeated_count[at[hit]]
        return first, count

    def first(self, queries: HashArray) -> IntArray:
        """Lowest position holding each query's hash, or -1 (a unique truncated match is not
        checked against the full hash: compare the rows)."""
        return self._locate(queries)[0]

    def count(self, queries: HashArray) -> IntArray:
        """How many positions hold each of ``queries``, hashes taken from the indexed ones."""
        return self._locate(queries)[1]

    def first_occurrences(self) -> NDArray[np.bool_]:
        """Per position, whether it is the first (lowest) position holding its hash."""
        out = np.ones(self.size, dtype=bool)
        out[self.later] = False
        return out
