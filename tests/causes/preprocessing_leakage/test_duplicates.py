"""The linear duplicate search: exact copies by hashing, near copies by shifted grid buckets."""

from __future__ import annotations

import numpy as np

from gapdoctor.causes.preprocessing_leakage.duplicates import (
    NEAR_TOLERANCE,
    exact_duplicate_pairs,
    find_duplicates,
    near_duplicate_pairs,
)
from gapdoctor.stats.row_hashes import row_hashes


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


def test_near_copies_with_noise_on_every_feature_are_found_and_nothing_else() -> None:
    rng = np.random.default_rng(1)
    continuous = rng.normal(size=(50_000, 20))
    binary = rng.integers(0, 2, size=(50_000, 3)).astype(np.float64)
    X_train = np.c_[continuous, binary]
    X_val = np.c_[rng.normal(size=(10_000, 20)), rng.integers(0, 2, size=(10_000, 3))]
    copied = rng.choice(len(X_train), 500, replace=False)
    X_val[:500] = X_train[copied]
    X_val[:500, :20] += rng.uniform(-0.01, 0.01, size=(500, 20))  # a fifth of the tolerance, every feature
    found = find_duplicates(X_train, X_val)
    assert len(found.exact_val) == 0
    assert found.near_val.tolist() == list(range(500))
    assert found.near_train.tolist() == copied.tolist()
    assert found.natural == 0.0


def test_missing_values_match_missing_values_only() -> None:
    rng = np.random.default_rng(2)
    X_train = rng.normal(size=(5_000, 6))
    X_train[:100, 0] = np.nan
    X_val = rng.normal(size=(1_000, 6))
    X_val[:100] = X_train[:100] + 1e-4  # NaN stays NaN: a near copy
    X_val[100:200] = X_train[100:200] + 1e-4
    X_val[100:200, 0] = np.nan  # a value where training has one: not a copy
    train_rows, val_rows, _ = near_duplicate_pairs(X_train, X_val)
    assert val_rows.tolist() == list(range(100))
    assert train_rows.tolist() == list(range(100))


def test_pairs_just_inside_the_tolerance_are_found_by_some_grid() -> None:
    rng = np.random.default_rng(3)
    X_train = rng.normal(size=(20_000, 4))
    sd = X_train.std(axis=0)
    offsets = rng.uniform(-0.5, 0.5, size=(400, 4)) * NEAR_TOLERANCE * sd  # half the tolerance at most
    X_val = X_train[:400] + offsets
    train_rows, val_rows, _ = near_duplicate_pairs(X_train, X_val)
    assert len(val_rows) >= 0.99 * 400
    distance = np.abs(X_train[train_rows] - X_val[val_rows]) / sd  # the witness may be another close row
    assert distance.max() <= NEAR_TOLERANCE


def test_a_restricted_search_reports_rows_in_the_splits_own_numbering() -> None:
    rng = np.random.default_rng(4)
    X_train = rng.normal(size=(3_000, 5))
    X_val = rng.normal(size=(1_000, 5))
    X_val[10:20] = X_train[100:110]
    t, v = exact_duplicate_pairs(X_train, X_val, np.arange(50, 3_000), np.arange(15, 1_000))
    assert t.tolist() == list(range(105, 110)) and v.tolist() == list(range(15, 20))


def test_identical_rows_cost_one_bucket_member() -> None:
    X = np.ones((300_000, 64))
    found = find_duplicates(X, X[:50_000])
    assert len(found.exact_val) == 50_000 and set(found.exact_train.tolist()) == {0}
    assert len(found.near_val) == 0
    assert found.natural == 1.0
