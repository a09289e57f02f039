"""stats.association: per-split label association, its chance level, and how much crosses splits."""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.stats.association import (
    MISALIGNED_RETENTION,
    association_noise_level,
    association_retained,
    association_rows,
    label_association,
    split_association,
)
from gapdoctor.stats.budget import ASSOCIATION_ROWS


def _informative(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, 6))
    X[:, :4] += y[:, None] * np.array([2.0, 1.5, 1.0, 0.8])  # four informative features, two noise
    return X, y


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_association_is_label_association_of_each_split(seed):
    X_train, y_train = _informative(500, seed)
    X_val, y_val = _informative(300, seed + 10)
    a = split_association(X_train, y_train, X_val, y_val, 3)
    assert np.array_equal(a.train, label_association(X_train, y_train, 3))
    assert np.array_equal(a.val, label_association(X_val, y_val, 3))
    assert (a.rows_train, a.rows_val) == (500, 300)
    assert a.noise_train == association_noise_level(500, 3) and a.noise_val == association_noise_level(300, 3)
    assert (a.train[:4] > 10 * a.noise_train).all() and (a.train[4:] < a.noise_train).all()


def test_split_association_counts_the_rows_it_reads():
    assert association_rows(ASSOCIATION_ROWS + 1) == ASSOCIATION_ROWS


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_retention_separates_aligned_from_shuffled_validation_labels(seed):
    X_train, y_train = _informative(500, seed)
    X_val, y_val = _informative(300, seed + 10)
    aligned = split_association(X_train, y_train, X_val, y_val, 3)
    shuffled_y = np.random.default_rng(seed).permutation(y_val)
    shuffled = split_association(X_train, y_train, X_val, shuffled_y, 3)
    kept, informative = association_retained(aligned.train, aligned.val, aligned.noise_train)
    lost, _ = association_retained(shuffled.train, shuffled.val, shuffled.noise_train)
    assert informative.tolist() == [0, 1, 2, 3]
    assert kept > MISALIGNED_RETENTION > lost
