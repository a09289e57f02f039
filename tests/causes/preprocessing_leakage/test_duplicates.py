"""The linear duplicate search: exact copies by hashing, near copies by multi-probe grid buckets."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from gapdoctor.causes.preprocessing_leakage import duplicates
from gapdoctor.causes.preprocessing_leakage.duplicates import (
    NEAR_TOLERANCE,
    exact_duplicate_pairs,
    find_duplicates,
    near_duplicate_pairs,
)


def _within_tolerance(X_train: np.ndarray, X_val: np.ndarray) -> list[list[int]]:
    """Exhaustive search: for each validation row, every training row within the tolerance (sd units)."""
    centre, sd = X_train.mean(axis=0), X_train.std(axis=0)
    tree = cKDTree((X_train - centre) / sd)
    found = tree.query_ball_point((X_val - centre) / sd, r=NEAR_TOLERANCE, p=np.inf)
    return [sorted(rows) for rows in found]


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


def test_pairs_at_the_edge_of_the_tolerance_on_every_feature_are_all_found() -> None:
    # the shifted grids this search replaced found such a pair about half the time
    rng = np.random.default_rng(3)
    X_train = rng.normal(size=(20_000, 12))
    sd = X_train.std(axis=0)
    offsets = rng.choice([-0.99, 0.99], size=(2_000, 12)) * NEAR_TOLERANCE * sd
    X_val = X_train[:2_000] + offsets
    train_rows, val_rows, _ = near_duplicate_pairs(X_train, X_val)
    assert val_rows.tolist() == list(range(2_000))
    assert train_rows.tolist() == list(range(2_000))


def test_the_rows_found_are_those_of_an_exhaustive_search_with_the_lowest_witness() -> None:
    rng = np.random.default_rng(5)
    X_train = rng.normal(size=(30_000, 4))  # dense enough for natural near neighbours
    X_train[::3] = X_train[1::3] + rng.uniform(-0.04, 0.04, size=X_train[1::3].shape)  # clusters of close rows
    X_train[::10] = X_train[1::10]  # and exact copies within training
    X_val = np.r_[X_train[rng.choice(30_000, 500)] + 1e-3, rng.normal(size=(3_000, 4))]
    truth = _within_tolerance(X_train, X_val)
    found = find_duplicates(X_train, X_val)
    witness = dict(zip(found.exact_val.tolist(), found.exact_train.tolist(), strict=True))
    witness.update(zip(found.near_val.tolist(), found.near_train.tolist(), strict=True))
    assert sorted(witness) == [v for v, rows in enumerate(truth) if rows]
    assert all(witness[v] == truth[v][0] for v in witness)  # buckets here hold at most 16 distinct rows


def test_blocks_of_rows_do_not_change_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(6)
    X_train = rng.normal(size=(6_000, 5))
    X_val = np.r_[X_train[:300] + 1e-3, X_train[300:400], rng.normal(size=(1_000, 5))]
    whole = find_duplicates(X_train, X_val)
    monkeypatch.setattr(duplicates, "TRAIN_BLOCK_ROWS", 700)
    monkeypatch.setattr(duplicates, "QUERY_BLOCK_ROWS", 333)
    monkeypatch.setattr(duplicates, "PAIR_BLOCK", 50)
    blocked = find_duplicates(X_train, X_val)
    assert whole.near_val.tolist() == blocked.near_val.tolist() == list(range(300))
    assert whole.exact_val.tolist() == blocked.exact_val.tolist() == list(range(300, 400))
    assert whole.near_train.tolist() == blocked.near_train.tolist()
    assert whole.natural == blocked.natural


def test_crowded_buckets_are_read_in_rounds_until_a_close_row() -> None:
    # 3 features, 200k rows: cells of the grid hold dozens of distinct rows, more than one round
    rng = np.random.default_rng(7)
    X_train = rng.normal(size=(200_000, 3))
    X_val = rng.normal(size=(5_000, 3)) * 0.3  # the crowded centre
    truth = _within_tolerance(X_train, X_val)
    found = find_duplicates(X_train, X_val)
    assert sorted(found.near_val.tolist()) == [v for v, rows in enumerate(truth) if rows]
    sd = X_train.std(axis=0)
    distance = np.abs(X_train[found.near_train] - X_val[found.near_val]) / sd
    assert distance.max() <= NEAR_TOLERANCE


def test_the_natural_rate_is_the_share_of_sampled_training_rows_with_a_close_other_row() -> None:
    rng = np.random.default_rng(8)
    X_train = rng.normal(size=(1_500, 3))  # fewer rows than the baseline sample: every row is examined
    X_train[:100] = X_train[100:200]  # 200 rows with an exact copy
    X_train[200:300] = X_train[300:400] + 0.01  # 200 rows with a near one
    within = _within_tolerance(X_train, X_train)
    expected = np.mean([len(rows) > 1 for rows in within])
    assert find_duplicates(X_train, X_train[:10]).natural == pytest.approx(expected)


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
