"""The bench's fault injections, now taking parameters (the corpus draws them): each makes the fault it names."""

from __future__ import annotations

import numpy as np

from gapdoctor.bench._common import Split
from gapdoctor.bench.faults_data import class_conditional_flip
from gapdoctor.bench.faults_pipeline import misaligned_validation, relabel_by_first_appearance, sorted_by_class
from gapdoctor.bench.faults_population import label_shift, noisy_subgroup


def _split(n: int = 60, k: int = 3) -> Split:
    rng = np.random.default_rng(0)
    y = rng.permutation(np.arange(n) % k)
    return Split(rng.normal(size=(n, 4)), y, rng.normal(size=(n, 4)), rng.permutation(y))


def test_class_conditional_flip_moves_the_share_of_one_class_to_another() -> None:
    y = np.repeat(np.arange(3), 100)
    noisy, rows = class_conditional_flip(y, 0, 1, 0.4, np.random.default_rng(0))
    assert len(rows) == 40 and np.all(y[rows] == 0) and np.all(noisy[rows] == 1)
    assert np.array_equal(np.delete(noisy, rows), np.delete(y, rows))


def test_relabel_by_first_appearance_is_a_consistent_renaming() -> None:
    y = np.array([2, 2, 0, 1, 0, 2])
    assert relabel_by_first_appearance(y).tolist() == [0, 0, 1, 2, 1, 0]


def test_pipeline_bugs_keep_features_and_break_only_what_they_name() -> None:
    data = _split()
    rolled = misaligned_validation(data, 2)
    assert np.array_equal(rolled.y_val, np.roll(data.y_val, 2)) and rolled.X_val is data.X_val
    ordered = sorted_by_class(data)
    assert np.all(np.diff(ordered.y_train) >= 0)
    assert sorted(map(tuple, ordered.X_train)) == sorted(map(tuple, data.X_train))


def test_label_shift_takes_the_asked_counts_without_overlap() -> None:
    X = np.arange(600, dtype=float)[:, None]
    y = np.repeat(np.arange(3), 200)
    data = label_shift(X, y, (100, 50, 20), (20, 50, 100), seed=0)
    assert np.bincount(data.y_train).tolist() == [100, 50, 20]
    assert np.bincount(data.y_val).tolist() == [20, 50, 100]


def test_noisy_subgroup_adds_noise_to_its_rows_only() -> None:
    X = np.zeros((1000, 3))
    noisy, group = noisy_subgroup(X, 0.2, 1.0, (-5.0, 5.0), np.random.default_rng(0), ("a", "b"))
    assert 0.15 < np.mean(group == "b") < 0.25
    assert np.all(noisy[group == "a"] == 0) and np.all(noisy[group == "b"] != 0)
