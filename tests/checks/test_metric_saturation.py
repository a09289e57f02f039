"""Metric saturation from a real easy task (digits 0 vs 1) trained far past its ceiling, on 3 seeds."""

from __future__ import annotations

import gapdoctor
from gapdoctor.bench.training import TrainedRun
from tests.recorded import RecordedRun


def test_easy_task_saturates_and_saturation_ranks_first(saturated_run: TrainedRun) -> None:
    assert max(saturated_run.history["val_accuracy"]) >= 0.99  # at the ceiling, within one point
    diagnosis = gapdoctor.diagnose(history=saturated_run.history)
    top = diagnosis.top
    assert top is not None and top.cause == "metric_saturation" and top.score > 0.8
    assert top.evidence["headroom"] < 0.01
    assert any("log loss" in fix for fix in top.fixes)


def test_unbounded_metric_is_skipped() -> None:
    history = {"train_loss": [1.0, 0.8, 0.6, 0.5, 0.4, 0.3], "val_log_loss": [1.0, 0.9, 0.85, 0.8, 0.8, 0.8]}
    diagnosis = gapdoctor.diagnose(history=history, metric="log_loss")
    run = next(c for c in diagnosis.checks if c.name == "metric_saturation.curves")
    assert run.status == "skipped" and "ceiling" in run.reason


def test_metric_far_from_ceiling_is_not_saturation(overfit_run: RecordedRun) -> None:
    diagnosis = gapdoctor.diagnose(history=overfit_run.history)
    assert all(f.weak for f in diagnosis.findings if f.cause == "metric_saturation")
