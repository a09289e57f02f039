"""The metric table: each scorer against scikit-learn, and the undefined cases without warnings."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report

from gapdoctor.stats.metrics import compute_metric, per_class_scores


def test_per_class_scores_match_scikit_learn_on_a_real_model() -> None:
    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(max_iter=200).fit(X[:300] / 16, y[:300])
    probs = model.predict_proba(X[300:600] / 16)
    table = per_class_scores(y[300:600], probs)
    report = classification_report(y[300:600], probs.argmax(1), output_dict=True, zero_division=0)
    for k in range(10):
        expected = report[str(k)]
        assert table["support"][k] == expected["support"]
        for name, key in (("precision", "precision"), ("recall", "recall"), ("f1", "f1-score")):
            assert math.isclose(table[name][k], expected[key], abs_tol=1e-12), (name, k)


def test_undefined_precision_and_recall_are_nan_not_zero() -> None:
    y = np.array([0, 0, 1, 1])
    probs = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.3, 0.7, 0.0], [0.6, 0.4, 0.0]])
    table = per_class_scores(y, probs)  # class 2: no row, never predicted
    assert table["support"] == [2, 2, 0]
    assert math.isnan(table["precision"][2]) and math.isnan(table["recall"][2])
    assert table["precision"][:2] == [2 / 3, 1.0] and table["recall"][:2] == [1.0, 0.5]


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
