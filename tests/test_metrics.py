"""The metric table: each scorer against scikit-learn, and the undefined cases without warnings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn import metrics as skm

from gapdoctor.metrics import compute_metric


@pytest.mark.parametrize("seed", range(5))
def test_balanced_accuracy_matches_scikit_learn_when_a_predicted_class_has_no_row(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 40)  # three probability columns, class 2 only predicted
    probs = rng.dirichlet([1, 1, 1], size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn warns about the class absent from y
        expected = skm.balanced_accuracy_score(y, probs.argmax(axis=1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert compute_metric("balanced_accuracy", y, probs) == pytest.approx(expected)


def test_ranking_metrics_are_nan_on_one_class_without_warning() -> None:
    y = np.zeros(10, dtype=np.int64)
    probs = np.tile([0.6, 0.4], (10, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(compute_metric("roc_auc", y, probs))
        assert np.isnan(compute_metric("average_precision", y, probs))
        assert compute_metric("log_loss", y, np.ones((10, 1))) == 0.0
