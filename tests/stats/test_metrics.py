"""Every metric of gapdoctor.stats.metrics against scikit-learn, on random inputs and on the degenerate ones.

Property tests (hypothesis, derandomized as in tests/fuzz: the same examples on every
machine). A case draws the number of classes (1 to 5), the rows (0 to 30), the classes
the labels may take and the classes the argmax may take — so classes absent from
``y_true``, classes never predicted, classes absent from both, a single class and an
empty input all occur. The expected value is scikit-learn's, called with the convention
stated in the module docstring (``labels=range(n_classes)``, ``zero_division=0``); where
scikit-learn raises or has no value (empty input, a ranking of one class) the convention
is NaN.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report

from gapdoctor.stats.metrics import (
    CONFUSION_METRICS,
    METRICS,
    compute_metric,
    confusion_matrix,
    metric_from_confusion,
    metric_from_confusions,
    per_class_scores,
)
from gapdoctor.stats.resampling import N_BOOTSTRAP, decision_metric, paired_decision_replicates

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
Case = tuple[np.ndarray, np.ndarray]
SCORED = sorted(name for name, info in METRICS.items() if info.scorer is not None)


@st.composite
def cases(draw: st.DrawFn, max_classes: int = 5, max_rows: int = 30) -> Case:
    """Labels and probabilities; some classes may be absent from the labels or never win the argmax."""
    k = draw(st.integers(1, max_classes))
    n = draw(st.integers(0, max_rows))
    true_classes = sorted(draw(st.sets(st.integers(0, k - 1), min_size=1)))
    predicted_classes = sorted(draw(st.sets(st.integers(0, k - 1), min_size=1)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.choice(true_classes, size=n).astype(np.int64)
    probs = rng.dirichlet(np.ones(k), size=n)
    probs[:, [c for c in range(k) if c not in predicted_classes]] *= 1e-3  # these never win the argmax
    return y, probs / probs.sum(axis=1, keepdims=True)


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


def _same(got: float, want: float) -> bool:
    return (math.isnan(got) and math.isnan(want)) or math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)


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
        assert _same(got, want), (metric, got, want)


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
        assert all(_same(g, float(w)) for g, w in zip(table[name], expected, strict=True)), (name, table[name])


@PROPERTY
@given(case=cases(), other=cases())
def test_a_stack_of_confusion_matrices_scores_each_as_one(case: Case, other: Case) -> None:
    """The vectorised path (many matrices at once) gives each matrix's value alone."""
    (y, probs), (y2, probs2) = case, other
    k = max(probs.shape[1], probs2.shape[1])
    stack = np.stack(
        [
            confusion_matrix(y, probs.argmax(axis=1), k),
            confusion_matrix(y2, probs2.argmax(axis=1), k),
            np.zeros((k, k), dtype=np.int64),
        ]
    )
    for metric in CONFUSION_METRICS:
        together = metric_from_confusions(metric, stack)
        alone = [metric_from_confusion(metric, matrix) for matrix in stack]
        assert all(_same(t, a) for t, a in zip(together.tolist(), alone, strict=True)), metric
        assert math.isnan(together[2])  # no row: no value


@settings(PROPERTY, max_examples=40)
@given(case=cases(max_rows=25), metric=st.sampled_from(CONFUSION_METRICS), seed=st.integers(0, 2**16))
def test_cell_bootstrap_replicates_equal_the_metric_of_the_resampled_rows(case: Case, metric: str, seed: int) -> None:
    """Each replicate drawn as cell counts and scored in a stack equals the one-at-a-time metric of its rows.

    The resample is rebuilt here as paired_decision_replicates draws it (one multinomial
    draw over the occupied (true, a, b) cells, in np.unique's order) and scored row by row.
    """
    y, probs = case
    if len(y) == 0:
        return
    k = probs.shape[1]
    pred_a = probs.argmax(axis=1)
    pred_b = np.roll(pred_a, 1)
    got_a, got_b = paired_decision_replicates(metric, y, pred_a, pred_b, k, seed=seed)
    _, first_row, counts = np.unique((y * k + pred_a) * k + pred_b, return_index=True, return_counts=True)
    draws = np.random.default_rng(seed).multinomial(len(y), counts / len(y), size=N_BOOTSTRAP)
    for b in range(0, N_BOOTSTRAP, 37):
        rows = np.repeat(first_row, draws[b])
        assert _same(got_a[b], decision_metric(metric, y[rows], pred_a[rows], k)), (metric, b)
        assert _same(got_b[b], decision_metric(metric, y[rows], pred_b[rows], k)), (metric, b)


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
        assert _same(compute_metric(metric, y[300:600], probs), scikit_learn(metric, y[300:600], probs)), metric


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
