"""Statistics merged over partitions equal the statistics of all rows (gapdoctor.stats.partition_stats)."""

from __future__ import annotations

import itertools

import numpy as np

from gapdoctor.stats.budget import sample_rows
from gapdoctor.stats.partition_stats import ColumnMoments, KeyedCounts, partition_positions, row_hashes


def _blocks(n: int, cuts: list[int]) -> list[slice]:
    edges = [0, *cuts, n]
    return [slice(a, b) for a, b in itertools.pairwise(edges)]


def test_merged_column_moments_equal_numpy_over_all_rows() -> None:
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(1_000, 4))
    X[[5, 500], 1] = np.nan
    merged = None
    for rows in _blocks(1_000, [1, 333, 334, 900]):
        part = ColumnMoments.of(X[rows])
        merged = part if merged is None else merged.merge(part)
    assert merged is not None
    np.testing.assert_allclose(merged.mean, np.nanmean(X, axis=0), rtol=1e-12)
    np.testing.assert_allclose(merged.std, np.nanstd(X, axis=0), rtol=1e-9)
    assert merged.count.tolist() == [1_000, 998, 1_000, 1_000]


def test_keyed_counts_and_sums_merge_key_by_key() -> None:
    y = np.array([2, 0, 2, 1, 0, 2, 5])
    w = np.arange(14, dtype=float).reshape(7, 2)
    left, right = KeyedCounts.count(y[:3], w[:3]), KeyedCounts.count(y[3:], w[3:])
    merged = left.merge(right)
    assert merged.keys.tolist() == [0, 1, 2, 5]
    for key in (0, 1, 2, 5):
        np.testing.assert_array_equal(merged.get(key), w[y == key].sum(axis=0))
    counts = KeyedCounts.count(y[:4]).merge(KeyedCounts.count(y[4:]))
    assert dict(zip(counts.keys.tolist(), counts.values.tolist(), strict=True)) == {0: 2, 1: 1, 2: 3, 5: 1}


def test_row_hashes_are_equal_exactly_for_equal_rows() -> None:
    rng = np.random.default_rng(1)
    X = rng.integers(0, 3, size=(20_000, 6)).astype(np.float32)  # many exact repeats
    hashes = row_hashes(X)
    assert len(np.unique(hashes)) == len(np.unique(X, axis=0))  # no collision, no split of equal rows
    same_values = row_hashes(np.array([[0.0, np.nan, 1.5]])), row_hashes(np.array([[-0.0, -np.nan, 1.5]]))
    assert same_values[0][0] == same_values[1][0]
    assert row_hashes(X[:1])[0] == hashes[0]  # the same row hashes alike in another block
    assert row_hashes(np.array([[1.0, 2.0]]))[0] != row_hashes(np.array([[2.0, 1.0]]))[0]  # order matters


def test_random_float32_rows_do_not_collide() -> None:
    X = np.random.default_rng(2).normal(size=(200_000, 20)).astype(np.float32)
    assert len(np.unique(row_hashes(X))) == len(X)


def test_partition_positions_cut_the_budget_sample_of_the_whole_split() -> None:
    lengths = np.array([400, 0, 250, 350])
    rows, inside = partition_positions(lengths, 100)
    np.testing.assert_array_equal(rows, sample_rows(1_000, 100, what=None))
    starts = np.concatenate([[0], np.cumsum(lengths)])
    rebuilt = np.concatenate([positions + start for positions, start in zip(inside, starts[:-1], strict=True)])
    np.testing.assert_array_equal(rebuilt, rows)
    assert all(len(p) == 0 or p.max() < n for p, n in zip(inside, lengths, strict=True))
