"""Metric saturation from a real easy task (digits 0 vs 1) trained far past its ceiling, on 3 seeds."""

from __future__ import annotations

import warnings

import numpy as np

import gapdoctor
from gapdoctor.bench.training import TrainedRun
from tests.causes.payload_checks import REAL_LOGS
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


def test_float32_softmax_probabilities_raise_no_warning_in_the_saturation_check() -> None:
    # before: scikit-learn's log loss warned that float32 rows do not sum to one, and under
    # -W error the check errored
    rng = np.random.default_rng(0)
    y_val = rng.integers(0, 3, 300)
    logits = rng.normal(size=(300, 3)).astype(np.float32) + 4 * np.eye(3, dtype=np.float32)[y_val]
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    assert probs.dtype == np.float32 and np.abs(probs.astype(np.float64).sum(axis=1) - 1).max() > 1e-15
    history = {"train_loss": [1.0, 0.5, 0.3, 0.2, 0.1, 0.05, 0.03, 0.02], "val_accuracy": [0.9] + [0.99] * 7}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        diagnosis = gapdoctor.diagnose(history=history, y_val=y_val, val_probs=probs)
    run = next(c for c in diagnosis.checks if c.name == "metric_saturation.curves")
    assert run.status == "ran" and not run.warnings, run


def _near_ceiling_run(accuracy_end_errors: float) -> dict[str, list[float]]:
    """30 epochs: losses falling steadily; validation errors shrink from 1.5% towards ``accuracy_end_errors``."""
    t = np.arange(30.0)
    rng = np.random.default_rng(0)
    errors = accuracy_end_errors + (0.015 - accuracy_end_errors) * np.exp(-t / 10)
    return {
        "train_loss": list(0.5 * np.exp(-t / 8) + 0.01),
        "val_loss": list(0.3 * np.exp(-t / 12) + 0.02 + rng.normal(0, 1e-3, 30)),
        "val_accuracy": list(1 - errors + rng.normal(0, 2e-4, 30)),
    }


def test_metric_that_is_high_but_still_falls_with_the_loss_is_not_saturated() -> None:
    """0.996 -> 0.9987 while the validation loss halves: the loss gains show in the metric."""
    diagnosis = gapdoctor.diagnose(history=_near_ceiling_run(0.0))
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")


def test_metric_stuck_below_its_ceiling_while_the_loss_falls_is_saturated() -> None:
    """Control: the errors stop at 0.4% while the validation loss keeps falling."""
    history = _near_ceiling_run(0.004)
    history["val_accuracy"][10:] = [history["val_accuracy"][10]] * 20
    diagnosis = gapdoctor.diagnose(history=history)
    top = diagnosis.top
    assert top is not None and top.cause == "metric_saturation" and top.score >= 0.5


def test_metric_flat_at_the_ceiling_while_the_validation_loss_rises_is_not_saturation() -> None:
    """The control above with the validation loss turning up: no loss gain is left for the metric to hide.

    The training loss still falls; what it gains is memorisation (overfitting), not progress a
    thresholded metric cannot show.
    """
    history = _near_ceiling_run(0.004)
    history["val_accuracy"][10:] = [history["val_accuracy"][10]] * 20
    history["val_loss"] = [*history["val_loss"][:10], *np.linspace(history["val_loss"][9], 0.3, 20)]
    diagnosis = gapdoctor.diagnose(history=history)
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")


def test_real_short_mnist_run_is_not_called_saturated() -> None:
    """Lightning's MNIST CNN (TensorBoard, 5 epochs): accuracy 98.6%, validation loss up at the last epoch."""
    diagnosis = gapdoctor.diagnose(history=REAL_LOGS / "tb_pl_mnist_cnn_5_epochs.tfevents")
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "metric_saturation")
