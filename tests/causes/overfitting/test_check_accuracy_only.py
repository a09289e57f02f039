"""A run that logs accuracies only: the training accuracy's twin stands in for the training loss."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import gapdoctor
from gapdoctor.bench.training import TrainedRun

REAL_LOGS = Path(__file__).resolve().parents[2] / "data"


def _accuracies(history: dict[str, list[float]]) -> dict[str, list[float]]:
    return {name: history[name] for name in ("train_accuracy", "val_accuracy")}


def _overfitting_check(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.CheckRun:
    return next(c for c in diagnosis.checks if c.name == "overfitting.curves")


def test_a_real_accuracy_only_turn_is_diagnosed() -> None:
    """A run logging accuracies only (held-out set 116: validation accuracy 0.913 at the first epoch, drifting to
    0.897 while training accuracy crept from 0.85 to 0.874): the turn, read against the training error. Before, the
    check skipped it: no training loss, not judged."""
    path = REAL_LOGS / "real_logs_heldout116" / "other_steganalysis.json"
    top = gapdoctor.diagnose(history=path).top
    assert top is not None and top.cause == "overfitting" and not top.weak
    assert top.evidence["training_curve"] == "1 - train_accuracy"
    assert "training error (1 - train_accuracy)" in top.summary and "training loss" not in top.summary


def test_a_healthy_run_logged_as_accuracies_only_was_looked_at(healthy_run: TrainedRun) -> None:
    """Healthy means the check looked and found nothing, not that it could not look."""
    diagnosis = gapdoctor.diagnose(history=_accuracies(healthy_run.history))
    assert diagnosis.healthy, diagnosis.render()
    assert _overfitting_check(diagnosis).status == "ran"


def test_a_real_accuracy_only_notebook_is_judged() -> None:
    """A hand-written PyTorch loop printing train and validation accuracy only (held-out set 160): a run converged
    at 99.4% on MNIST. Before, no curve check could run on it ("not enough to judge")."""
    path = REAL_LOGS / "real_logs_heldout160" / "loop_ipynb_m17_hub_cnn_mnist_pytorch.ipynb"
    diagnosis = gapdoctor.diagnose(history=path)
    assert _overfitting_check(diagnosis).status == "ran"
    assert diagnosis.healthy, diagnosis.render()


def test_a_stand_in_is_never_subtracted_from_a_validation_loss() -> None:
    """Validation loss and accuracy beside a training accuracy (no training loss): an error rate is no loss, so
    no train/validation gap is read between it and the validation loss."""
    t = np.arange(30)
    history = {
        "train_accuracy": list(1.0 - 0.5 * np.exp(-t / 5)),
        "val_accuracy": list(0.6 + 0.02 * np.minimum(t, 12) - 0.01 * np.maximum(t - 12, 0)),
        "val_loss": list(1.0 - 0.04 * np.minimum(t, 12) + 0.03 * np.maximum(t - 12, 0)),
    }
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "overfitting" and not top.weak
    assert top.evidence["training_curve"] == "1 - train_accuracy"
    assert top.evidence.get("gap_onset_epoch") is None


def test_an_error_metric_twin_is_read_as_logged() -> None:
    """A lower-is-better twin (word error rate) stands in as it is, not as one minus it."""
    t = np.arange(30)
    history = {
        "train_wer": list(0.1 + 0.5 * np.exp(-t / 5)),
        "val_wer": list(0.6 - 0.02 * np.minimum(t, 12) + 0.01 * np.maximum(t - 12, 0)),
    }
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "overfitting"
    assert top.evidence["training_curve"] == "train_wer" and "training wer (train_wer)" in top.summary


def test_a_run_with_neither_loss_nor_twin_still_says_it_could_not_look() -> None:
    diagnosis = gapdoctor.diagnose(history={"val_accuracy": [0.5, 0.6, 0.7, 0.72, 0.71, 0.7]})
    run = _overfitting_check(diagnosis)
    assert run.status == "skipped" and "train_loss" in run.reason
