"""Metric saturation from a real easy task (wine) trained far past 100% validation accuracy."""

from __future__ import annotations

import gapdoctor
from gapdoctor.bench.training import TrainedRun


def test_easy_task_saturates_and_saturation_ranks_first(saturated_run: TrainedRun) -> None:
    assert max(saturated_run.history["val_accuracy"]) == 1.0
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


def test_metric_far_from_ceiling_is_not_saturation(overfit_run: TrainedRun) -> None:
    diagnosis = gapdoctor.diagnose(history=overfit_run.history)
    assert all(f.weak for f in diagnosis.findings if f.cause == "metric_saturation")


def test_a_metric_missing_over_the_last_epochs_is_read_from_its_last_measured_ones() -> None:
    history = {
        "train_loss": [1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1, 0.08, 0.06, 0.05],
        "val_accuracy": [0.90, 0.99, 1.0, 1.0, 1.0, 1.0, 1.0, None, None, None],
    }
    diagnosis = gapdoctor.diagnose(history=history, val_size=2000)
    run = next(c for c in diagnosis.checks if c.name == "metric_saturation.curves")
    assert run.status == "ran" and not run.warnings, run
    found = [f for f in diagnosis.findings if f.cause == "metric_saturation"]
    assert found and found[0].evidence["val_metric_final"] == 1.0
