"""The metrics module against scikit-learn, on real predictions."""

from __future__ import annotations

import math

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report

from gapdoctor.metrics import per_class_scores


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
