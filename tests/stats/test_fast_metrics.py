"""The confusion-matrix metrics equal gapdoctor.stats.metrics' scikit-learn ones."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gapdoctor.stats.fast_metrics import FAST_METRICS, confusion, from_confusion
from gapdoctor.stats.metrics import compute_metric


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("name", sorted(FAST_METRICS))
def test_same_value_as_scikit_learn(name: str, n_classes: int) -> None:
    rng = np.random.default_rng(n_classes)
    for trial in range(20):
        y = rng.integers(0, n_classes - (trial % 2), 40)  # odd trials: one class absent from y
        probs = rng.dirichlet(np.ones(n_classes), size=40)
        pred = probs.argmax(axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scikit-learn warns about the absent class
            expected = compute_metric(name, y, probs)
        assert from_confusion(name, confusion(y, pred, n_classes)) == pytest.approx(expected, abs=1e-12)
