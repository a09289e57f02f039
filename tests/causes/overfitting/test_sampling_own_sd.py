"""A generalisation gap on a metric that is not a share of rows, against that metric's own sampling noise.

The bench's digits task with classes 5-9 kept at 10% (balanced accuracy, 400 validation rows) ends
with training 0.084 ahead of validation. Read as a share of 400 rows (binomial) that gap was 6.1
standard deviations; balanced accuracy averages each class's recall, and the rare classes' recalls
rest on a few dozen rows each, so its bootstrap spread is 2.5 times the binomial one and the gap
2.4 standard deviations. The F1 task with 5% positives: binomial 0.011 on 1,200 rows, bootstrap
0.043 on its 60 positives. A two-class ROC AUC on 50 positives of 1,000 rows: Hanley and McNeil's
standard error 0.030 against a binomial 0.0095.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.causes.overfitting.sampling import metric_sampling_sd
from gapdoctor.stats.resampling import metric_own_sd
from tests.recorded import recorded_bench_inputs


@pytest.mark.parametrize(
    "name", ["metric_mismatch/digits-balanced-accuracy", "metric_mismatch/synthetic-f1-5pct-positive"]
)
def test_the_gap_is_read_against_the_metrics_own_spread_not_a_binomial_on_the_rows(name: str, tmp_path: Path) -> None:
    inputs = recorded_bench_inputs(name, tmp_path)
    finding = next(f for f in gapdoctor.diagnose(**inputs).findings if f.cause == "overfitting")
    figures = finding.evidence
    assert figures["generalisation_gap_on"] == "metric"
    y, probs = np.asarray(inputs["y_val"]), np.asarray(inputs["val_probs"])
    own = metric_own_sd(inputs["metric"], y, probs)
    assert own is not None and figures["generalisation_gap_sd"] == pytest.approx(own, abs=1e-5)
    val_final = float(inputs["history"][f"val_{inputs['metric']}"][-1])
    assert own > 2.5 * metric_sampling_sd(val_final, len(y))  # the binomial figure it replaced


def _gap_sd(metric: str, val_end: float, y: np.ndarray, probs: np.ndarray) -> float:
    """The overfitting finding's gap sd on curves whose training twin ends at 1.0 and validation at ``val_end``."""
    history = {
        "train_loss": list(np.linspace(1.0, 0.01, 30)),
        "val_loss": list(np.linspace(1.0, 0.5, 10)) + list(np.linspace(0.5, 0.9, 20)),
        f"train_{metric}": list(np.linspace(0.6, 1.0, 30)),
        f"val_{metric}": list(np.linspace(0.6, val_end, 10)) + [val_end] * 20,
    }
    diagnosis = gapdoctor.diagnose(history=history, y_val=y, val_probs=probs, metric=metric)
    return float(next(f for f in diagnosis.findings if f.cause == "overfitting").evidence["generalisation_gap_sd"])


def test_accuracy_keeps_its_exact_binomial_figure() -> None:
    y = np.array([0, 1] * 200)
    probs = np.column_stack([1.0 - y, y]).astype(float)
    assert _gap_sd("accuracy", 0.85, y, probs) == pytest.approx(metric_sampling_sd(0.85, 400), abs=1e-5)


def test_a_two_class_auc_gap_is_read_against_hanley_and_mcneils_standard_error() -> None:
    # 50 positives of 1,000 rows: the AUC's own sd is three times the binomial one on 1,000 rows
    y = np.array([0] * 950 + [1] * 50)
    scores = 1 / (1 + np.exp(-(2.0 * y + np.random.default_rng(0).normal(size=1000))))
    probs = np.column_stack([1 - scores, scores])
    own = metric_own_sd("roc_auc", y, probs)
    assert own is not None and own > 3 * metric_sampling_sd(0.89, 1000)
    assert _gap_sd("roc_auc", 0.89, y, probs) == pytest.approx(own, abs=1e-5)
