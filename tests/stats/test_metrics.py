"""Every metric of gapdoctor.stats.metrics against scikit-learn, on random inputs and on the degenerate ones.

Property tests on the random cases of tests/stats/metric_cases.py (classes absent from
``y_true``, never predicted or absent from both, a single class, an empty input). The
expected value is scikit-learn's, called with the convention stated in the module
docstring (``labels=range(n_classes)``, ``zero_division=0``); where scikit-learn raises
or has no value (empty input, a ranking of one class) the convention is NaN.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from sklearn import metrics as skm
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report

from gapdoctor.stats.confusion import CONFUSION_METRICS, confusion_matrix, metric_from_confusion
from gapdoctor.stats.metrics import METRICS, compute_metric, per_class_scores
from tests.stats.metric_cases import PROPERTY, Case, cases, same

SCORED = sorted(name for name, info in METRICS.items() if info.scorer is not None)


def _or_nan(compute: Callable[[], Any]) -> float:
    """scikit-learn's value, NaN where it raises (an empty input); its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return float(compute())
        except ValueError:
            return float("nan")


def scikit_learn(metric: str, y: np.ndarray, probs: np.ndarray) -> float:
    """The value scikit-learn gives under the module's convention."""
    k = probs.shape[1]
    pred = probs.argmax(axis=1)
    labels = list(range(k))
    average = "binary" if k == 2 else "macro"
    one_class = len(np.unique(y)) < 2 or (k > 2 and len(np.unique(y)) < k)
    expected: dict[str, Callable[[], Any]] = {
        "accuracy": lambda: skm.accuracy_score(y, pred),
        "error": lambda: 1.0 - skm.accuracy_score(y, pred),
        "balanced_accuracy": lambda: skm.balanced_accuracy_score(y, pred),
        "f1": lambda: skm.f1_score(y, pred, average=average, labels=labels, zero_division=0),
        "precision": lambda: skm.precision_score(y, pred, average=average, labels=labels, zero_division=0),
        "recall": lambda: skm.recall_score(y, pred, average=average, labels=labels, zero_division=0),
        "f1_micro": lambda: skm.f1_score(y, pred, average="micro", labels=labels, zero_division=0),
        "f1_weighted": lambda: skm.f1_score(y, pred, average="weighted", labels=labels, zero_division=0),
        "mcc": lambda: skm.matthews_corrcoef(y, pred),
        "kappa": lambda: skm.cohen_kappa_score(y, pred, labels=labels, replace_undefined_by=0.0),
        "log_loss": lambda: 0.0 if k == 1 and len(y) else skm.log_loss(y, probs, labels=labels),
        # a ranking of one class has no value (scikit-learn: NaN for ROC AUC, 0 or 1 for average precision)
        "roc_auc": lambda: (
            math.nan
            if one_class
            else skm.roc_auc_score(y, probs[:, 1])
            if k == 2
            else skm.roc_auc_score(y, probs, multi_class="ovr", labels=labels)
        ),
        "average_precision": lambda: (
            math.nan
            if one_class
            else skm.average_precision_score(y, probs[:, 1])
            if k == 2
            else skm.average_precision_score(np.eye(k)[y], probs, average="macro")
        ),
    }
    return _or_nan(expected[metric])


def test_every_scored_metric_has_a_reference() -> None:
    y, probs = np.array([0, 1]), np.array([[0.8, 0.2], [0.3, 0.7]])
    for metric in SCORED:
        assert math.isfinite(scikit_learn(metric, y, probs)), metric
    assert set(CONFUSION_METRICS) <= set(SCORED)


@PROPERTY
@given(case=cases())
def test_every_metric_equals_scikit_learn(case: Case) -> None:
    y, probs = case
    for metric in SCORED:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # gapdoctor's own metrics never warn, even when undefined
            got = compute_metric(metric, y, probs)
        want = scikit_learn(metric, y, probs)
        assert same(got, want), (metric, got, want)


@PROPERTY
@given(case=cases())
def test_per_class_scores_equal_scikit_learn_with_nan_for_undefined(case: Case) -> None:
    y, probs = case
    k = probs.shape[1]
    table = per_class_scores(y, probs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = (
            skm.precision_recall_fscore_support(y, probs.argmax(axis=1), labels=list(range(k)), zero_division=np.nan)
            if len(y)
            else (np.full(k, np.nan), np.full(k, np.nan), np.full(k, np.nan), np.zeros(k))
        )
    assert table["support"] == [int(s) for s in want[3]]
    for name, expected in zip(("precision", "recall", "f1"), want[:3], strict=True):
        assert all(same(g, float(w)) for g, w in zip(table[name], expected, strict=True)), (name, table[name])


def test_the_two_copies_that_disagreed_now_agree() -> None:
    """y=[0,0,1,1], pred=[0,1,1,1], 3 classes: copies said macro precision 0.833 or 0.556, recall 0.75 or 0.5."""
    y = np.array([0, 0, 1, 1])
    probs = np.eye(3)[[0, 1, 1, 1]] * 0.7 + 0.1
    matrix = confusion_matrix(y, probs.argmax(axis=1), 3)
    assert compute_metric("precision", y, probs) == metric_from_confusion("precision", matrix) == pytest.approx(5 / 9)
    assert compute_metric("recall", y, probs) == metric_from_confusion("recall", matrix) == 0.5
    assert math.isnan(metric_from_confusion("accuracy", np.zeros((3, 3))))


@pytest.mark.parametrize("metric", SCORED)
def test_an_empty_input_has_no_value(metric: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert math.isnan(compute_metric(metric, np.zeros(0, dtype=np.int64), np.zeros((0, 3))))


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
    for metric in SCORED:
        assert same(compute_metric(metric, y[300:600], probs), scikit_learn(metric, y[300:600], probs)), metric


def test_undefined_precision_and_recall_are_nan_not_zero_in_the_per_class_table() -> None:
    y = np.array([0, 0, 1, 1])
    probs = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.3, 0.7, 0.0], [0.6, 0.4, 0.0]])
    table = per_class_scores(y, probs)  # class 2: no row, never predicted
    assert table["support"] == [2, 2, 0]
    assert math.isnan(table["precision"][2]) and math.isnan(table["recall"][2])
    assert table["precision"][:2] == [2 / 3, 1.0] and table["recall"][:2] == [1.0, 0.5]


def test_ranking_metrics_are_nan_on_one_class_without_warning() -> None:
    y = np.zeros(10, dtype=np.int64)
    probs = np.tile([0.6, 0.4], (10, 1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(compute_metric("roc_auc", y, probs))
        assert np.isnan(compute_metric("average_precision", y, probs))
        assert compute_metric("log_loss", y, np.ones((10, 1))) == 0.0


# (greater_is_better, bounded, thresholded, computed from probabilities) of every metric
_TABLE = {
    **dict.fromkeys(
        ("accuracy", "balanced_accuracy", "f1", "precision", "recall", "f1_micro", "f1_weighted", "mcc", "kappa"),
        (True, True, True, True),
    ),
    "error": (False, True, True, True),
    "roc_auc": (True, True, False, True),
    "average_precision": (True, True, False, True),
    "log_loss": (False, False, False, True),
    **dict.fromkeys(("top5_accuracy", "token_accuracy", "exact_match"), (True, True, True, False)),
    **dict.fromkeys(("mse", "mae", "rmse", "mape", "smape", "perplexity"), (False, False, False, False)),
    **dict.fromkeys(("r2", "psnr"), (True, False, False, False)),
    **dict.fromkeys(("wer", "cer"), (False, True, False, False)),
    **dict.fromkeys(
        ("bleu", "rouge1", "rouge2", "rougel", "rougelsum", "map", "map_50", "iou", "dice", "spearmanr", "pearsonr"),
        (True, True, False, False),
    ),
    **dict.fromkeys(("ssim", "mrr"), (True, True, False, False)),
}


def test_the_metric_table_declares_each_direction_range_and_kind() -> None:
    declared = {
        name: (m.greater_is_better, m.bounded, m.thresholded, m.scorer is not None) for name, m in METRICS.items()
    }
    assert declared == _TABLE
    assert all(m.name == name for name, m in METRICS.items())
    assert not any(METRICS[name].greater_is_better for name in METRICS if name.endswith(("_loss", "_error")))
