"""Metrics from confusion matrices agree with scikit-learn; the cell bootstrap matches a row bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from gapdoctor.stats import resampling
from gapdoctor.stats.resampling import (
    bootstrap,
    decision_metric,
    decision_replicates,
    metric_replicates,
)
from tests import metric_scenarios


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


def test_replicates_scored_in_chunks_equal_replicates_scored_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many classes: the stack is scored a few replicates at a time, with the same values."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 40, 2_000)
    pred = np.where(rng.random(2_000) < 0.6, y, rng.integers(0, 40, 2_000))
    at_once = decision_replicates("f1", y, pred, 40)
    monkeypatch.setattr(resampling, "REPLICATE_CELLS", 7 * 40 * 40)  # 7 replicates per chunk
    assert np.array_equal(decision_replicates("f1", y, pred, 40), at_once)
    assert len(at_once) == resampling.N_BOOTSTRAP and 0.4 < at_once.mean() < 0.8
