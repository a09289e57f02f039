"""pipeline_bug.offsets: the neighbouring row whose features a split's labels fit better."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from gapdoctor.causes.pipeline_bug.offsets import label_offset


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))  # rows in no meaningful order, as after a split
    return X[order], y[order]


@pytest.mark.parametrize("shift", [-3, -1, 1, 4])
def test_labels_joined_a_few_rows_off_name_the_offset(digits, shift):
    X, y = digits
    moved = np.roll(y[900:], shift)  # label i is the label of row i - shift
    found = label_offset(X[:900], y[:900], X[900:], moved, np.arange(X.shape[1]))
    assert found is not None and found.offset == -shift
    assert found.accuracy > 0.8 and found.aligned_accuracy < 0.3 and found.p_value < 1e-3


def test_shuffled_or_noisy_labels_have_no_better_offset(digits):
    X, y = digits
    rng = np.random.default_rng(1)
    shuffled = rng.permutation(y[900:])  # misaligned, but by no offset: nothing to name
    noisy = np.where(rng.random(len(y) - 900) < 0.35, rng.integers(0, 10, len(y) - 900), y[900:])
    for labels in (shuffled, noisy, y[900:]):
        assert label_offset(X[:900], y[:900], X[900:], labels, np.arange(X.shape[1])) is None
