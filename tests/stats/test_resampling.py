"""Decision metrics agree with scikit-learn; each cell-bootstrap replicate is the metric of its resampled rows."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from gapdoctor.stats.confusion import CONFUSION_METRICS
from gapdoctor.stats.resampling import (
    N_BOOTSTRAP,
    bootstrap,
    decision_metric,
    decision_replicates,
    metric_replicates,
    paired_decision_replicates,
)
from tests import metric_scenarios
from tests.stats.metric_cases import PROPERTY, Case, cases, same


@pytest.mark.parametrize("scenario", [metric_scenarios.imbalanced_f1, metric_scenarios.hard_class])
def test_decision_metrics_match_scikit_learn(scenario: object) -> None:
    data = scenario()  # type: ignore[operator]
    y, probs = data["y_val"], data["val_probs"]
    k = probs.shape[1]
    pred = probs.argmax(axis=1)
    average = "binary" if k == 2 else "macro"
    labels = list(range(k))
    expected = {
        "accuracy": skm.accuracy_score(y, pred),
        "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
        "f1": skm.f1_score(y, pred, average=average, labels=labels, zero_division=0),
        "precision": skm.precision_score(y, pred, average=average, labels=labels, zero_division=0),
        "recall": skm.recall_score(y, pred, average=average, labels=labels, zero_division=0),
    }
    for metric, value in expected.items():
        assert decision_metric(metric, y, pred, k) == pytest.approx(value, abs=1e-12), metric


def test_cell_bootstrap_matches_row_bootstrap() -> None:
    data = metric_scenarios.imbalanced_f1()
    y, probs = data["y_val"], data["val_probs"]
    pred = (probs[:, 1] >= 0.2).astype(np.int64)
    cells = decision_replicates("f1", y, pred, 2)
    rows = bootstrap(lambda r: decision_metric("f1", y[r], pred[r], 2), len(y), seed=1)
    assert cells.std() == pytest.approx(rows.std(), rel=0.2)
    assert cells.mean() == pytest.approx(rows.mean(), abs=0.01)


def test_subsampled_bootstrap_of_auc_scales_its_spread() -> None:
    rng = np.random.default_rng(0)
    n = 60_000
    y = rng.integers(0, 2, n)
    score = 1 / (1 + np.exp(-(rng.normal(size=n) + y)))
    probs = np.column_stack([1 - score, score])
    replicates = metric_replicates("roc_auc", y, probs)
    # the AUC's standard error on 60k rows is about 0.0021 (Hanley-McNeil for AUC 0.76)
    assert 0.0012 < replicates.std() < 0.0035


@settings(PROPERTY, max_examples=40)
@given(case=cases(max_rows=25), metric=st.sampled_from(CONFUSION_METRICS), seed=st.integers(0, 2**16))
def test_cell_bootstrap_replicates_equal_the_metric_of_the_resampled_rows(case: Case, metric: str, seed: int) -> None:
    """Each replicate drawn as cell counts and scored in a stack equals the one-at-a-time metric of its rows.

    The resample is rebuilt here as paired_decision_replicates draws it (one multinomial
    draw over the occupied (true, a, b) cells, in np.unique's order) and scored row by row.
    """
    y, probs = case
    k = probs.shape[1]
    pred_a = probs.argmax(axis=1)
    pred_b = np.roll(pred_a, 1)
    got_a, got_b = paired_decision_replicates(metric, y, pred_a, pred_b, k, seed=seed)
    if len(y) == 0:  # no row, no replicate
        assert len(got_a) == len(got_b) == len(metric_replicates(metric, y, probs)) == 0
        return
    _, first_row, counts = np.unique((y * k + pred_a) * k + pred_b, return_index=True, return_counts=True)
    draws = np.random.default_rng(seed).multinomial(len(y), counts / len(y), size=N_BOOTSTRAP)
    for b in range(0, N_BOOTSTRAP, 37):
        rows = np.repeat(first_row, draws[b])
        assert same(got_a[b], decision_metric(metric, y[rows], pred_a[rows], k)), (metric, b)
        assert same(got_b[b], decision_metric(metric, y[rows], pred_b[rows], k)), (metric, b)
