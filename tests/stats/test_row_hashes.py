"""Row hashes (the chunk function) and the sorted-key indexes of the duplicate search."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.stats.row_hashes import HashIndex, KeyIndex, hash_rows, row_hashes


def test_row_hashes_tell_apart_exactly_the_distinct_rows() -> None:
    rng = np.random.default_rng(0)
    X = rng.integers(0, 6, size=(200_000, 4)).astype(np.float64)  # 1,296 possible rows, many repeats
    X[::7, 2] = np.nan
    X[::11, 1] = -0.0
    hashes = row_hashes(X)
    clean = np.where(np.isnan(X), np.inf, X) + 0.0
    n_distinct_rows = len(np.unique(clean, axis=0))
    assert len(np.unique(hashes)) == n_distinct_rows
    subset = np.array([5, 3, 5])
    assert np.array_equal(row_hashes(X, subset), hashes[subset])


def test_hashes_of_chunks_are_the_hashes_of_the_whole() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10_001, 7))
    whole = hash_rows(X)
    for size in (1, 333, 4_096, 5_000):
        parts = [hash_rows(X[s : s + size]) for s in range(0, len(X), size)]
        assert np.array_equal(np.concatenate(parts), whole)
    assert np.array_equal(row_hashes(X), whole)


def test_values_are_compared_as_float64_whatever_the_dtype() -> None:
    X = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int32)
    expected = hash_rows(X.astype(np.float64))
    assert np.array_equal(hash_rows(X), expected)
    assert np.array_equal(hash_rows(X.astype(np.float32)), expected)
    assert np.array_equal(hash_rows(X.tolist()), expected)


def test_zero_signs_and_nan_payloads_hash_alike_and_infinity_is_not_missing() -> None:
    quiet = np.float64(np.nan)
    other = np.array([0x7FF0000000000001], dtype=np.uint64).view(np.float64)[0]  # a signalling NaN payload
    X = np.array([[0.0, quiet], [-0.0, -quiet], [0.0, other], [0.0, np.inf], [0.0, -np.inf]])
    h = hash_rows(X)
    assert h[0] == h[1] == h[2]
    assert len({int(h[0]), int(h[3]), int(h[4])}) == 3


def test_a_block_that_is_not_two_dimensional_is_refused_by_name() -> None:
    with pytest.raises(GapdoctorInputError, match="block: expected a 2-D array"):
        hash_rows(np.arange(5.0))


def test_key_ranges_hold_exactly_the_entries_with_the_key() -> None:
    rng = np.random.default_rng(2)
    keys = rng.integers(0, 2**64 - 1, size=3_000, dtype=np.uint64)[rng.integers(0, 3_000, size=50_000)]
    index = KeyIndex.build(keys)
    queries = np.concatenate([keys[:2_000], rng.integers(0, 2**64 - 1, size=2_000, dtype=np.uint64)])
    low, high = index.ranges(queries)
    for q, lo, hi in zip(queries.tolist(), low.tolist(), high.tolist(), strict=True):
        where = np.flatnonzero(keys == np.uint64(q))
        assert index.positions(np.arange(lo, hi)).tolist() == where.tolist()  # every entry, in position order


def test_hash_index_resolves_hashes_that_share_their_sorted_prefix() -> None:
    # 40 hashes equal above their low 12 bits: the index of 5,000 hashes drops the low 13 bits to
    # pack positions there, and must still tell these apart by their full value
    rng = np.random.default_rng(3)
    base = np.uint64(0xABCDE) << np.uint64(40)
    distinct = base | rng.choice(2**12, size=40, replace=False).astype(np.uint64)
    hashes = np.concatenate([distinct, rng.integers(0, 2**64 - 1, size=1_000, dtype=np.uint64)])
    hashes = hashes[rng.integers(0, len(hashes), size=5_000)]
    index = HashIndex.build(hashes)
    first_seen = {}
    for position, h in enumerate(hashes.tolist()):
        first_seen.setdefault(h, position)
    absent = np.array([base | np.uint64(2**12 + 5)])  # in the same group, held by no entry
    queries = np.concatenate([hashes, distinct, absent])
    expected_first = [first_seen.get(h, -1) for h in queries.tolist()]
    found = index.first(queries)
    shared_prefix = (queries >> np.uint64(13)) == (base >> np.uint64(13))
    assert found[shared_prefix].tolist() == np.asarray(expected_first)[shared_prefix].tolist()
    assert found[-1] == -1
    indexed = np.asarray(expected_first) >= 0
    assert found[indexed].tolist() == np.asarray(expected_first)[indexed].tolist()
    counts = {h: int((hashes == np.uint64(h)).sum()) for h in set(hashes.tolist())}
    assert index.count(hashes).tolist() == [counts[h] for h in hashes.tolist()]
    firsts = index.first_occurrences()
    assert np.flatnonzero(firsts).tolist() == sorted(first_seen.values())
