"""Overfitting from real recorded curves (MLP trained epoch by epoch on digits)."""

from __future__ import annotations

import numpy as np
import pytest

import gapdoctor
from gapdoctor.bench.training import TrainedRun
from tests.recorded import RecordedRun


def test_small_training_set_overfits_and_is_diagnosed(overfit_run: RecordedRun) -> None:
    diagnosis = gapdoctor.diagnose(history=overfit_run.history)
    top = diagnosis.top
    assert top is not None and top.cause == "overfitting" and not top.weak
    best = top.evidence["best_epoch"]
    val_acc = overfit_run.history["val_accuracy"]
    # the recommended stopping epoch is within half a point of the best accuracy reached
    assert val_acc[int(best) - 1] >= max(val_acc) - 0.005
    assert "Stop early at epoch" in top.fixes[0]


def test_validation_loss_turning_up_is_located() -> None:
    train = [2.0 * 0.85**t for t in range(40)]
    val = [1.0 - 0.04 * t if t < 15 else 0.4 + 0.02 * (t - 14) for t in range(40)]
    diagnosis = gapdoctor.diagnose(history={"train_loss": train, "val_loss": val})
    top = diagnosis.top
    assert top is not None and top.cause == "overfitting" and top.score > 0.8
    assert top.evidence["val_loss_min_epoch"] in range(14, 18)
    assert "rose" in top.summary


def test_healthy_run_has_no_reported_finding(healthy_run: TrainedRun) -> None:
    diagnosis = gapdoctor.diagnose(history=healthy_run.history)
    assert diagnosis.healthy, diagnosis.render()


def test_too_few_epochs_says_what_cannot_be_concluded() -> None:
    diagnosis = gapdoctor.diagnose(history={"train_loss": [1.0, 0.5, 0.2], "val_loss": [1.0, 0.9, 1.1]})
    run = next(c for c in diagnosis.checks if c.name == "overfitting.curves")
    assert run.status == "skipped" and "3 epoch" in run.reason
    assert any("3 epoch" in note for note in diagnosis.notes)


def test_missing_series_are_skipped_not_errors() -> None:
    diagnosis = gapdoctor.diagnose(history={"val_loss": [1.0, 0.9, 0.8, 0.8, 0.9, 1.0]})
    run = next(c for c in diagnosis.checks if c.name == "overfitting.curves")
    assert run.status == "skipped" and "train_loss" in run.reason


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_short_run_gets_the_conclusion_its_points_support(seed: int) -> None:
    """9 epochs, validation loss up 40% from its minimum (issue 14: it scored 0.28)."""
    rng = np.random.default_rng(seed)
    history = {
        "train_loss": (np.array([1.0, 0.7, 0.5, 0.38, 0.3, 0.24, 0.19, 0.15, 0.12]) + rng.normal(0, 0.005, 9)).tolist(),
        "val_loss": (np.array([1.0, 0.8, 0.66, 0.6, 0.62, 0.68, 0.74, 0.79, 0.84]) + rng.normal(0, 0.005, 9)).tolist(),
    }
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "overfitting" and top.score >= 0.5
    assert "Only 9 epochs were recorded" in top.summary and top.evidence["few_points"] == 9


def test_three_points_are_not_enough_to_judge() -> None:
    diagnosis = gapdoctor.diagnose(history={"train_loss": [1.0, 0.5, 0.2], "val_loss": [1.0, 0.9, 1.2]})
    run = next(c for c in diagnosis.checks if c.name == "overfitting.curves")
    assert run.status == "skipped" and run.reason.startswith("not enough to judge")
    assert not diagnosis.findings


def _late_progress(plateau_from: int | None) -> dict[str, list[float]]:
    """A first evaluation before any training (loss 3.0), then 29 epochs of steady relative progress.

    With ``plateau_from``, the validation curves stop improving from that epoch on.
    """
    t = np.arange(29.0)
    val_loss = 0.05 * np.exp(-t / 15)
    errors = 0.02 * np.exp(-t / 15)
    if plateau_from is not None:
        val_loss[plateau_from:] = val_loss[plateau_from]
        errors[plateau_from:] = errors[plateau_from]
    return {
        "train_loss": [3.0, *(0.05 * np.exp(-t / 8))],
        "val_loss": [3.0, *val_loss],
        "val_accuracy": [0.1, *(1 - errors)],
    }


def test_small_late_gains_after_a_big_first_drop_are_not_a_plateau() -> None:
    """Validation loss falls 85% after the first drop: validation never stopped improving."""
    diagnosis = gapdoctor.diagnose(history=_late_progress(None))
    assert all(f.score < 0.5 for f in diagnosis.findings if f.cause == "overfitting")


def test_real_plateau_after_a_big_first_drop_is_still_reported() -> None:
    diagnosis = gapdoctor.diagnose(history=_late_progress(6))
    top = diagnosis.top
    assert top is not None and top.cause == "overfitting" and top.score >= 0.5
    assert top.evidence["pattern"] == "plateau"


def test_sustained_rise_with_a_dip_at_the_end_is_reported() -> None:
    """Validation loss 0.45 at its best, then six evaluations averaging 0.66; the last one dips back.

    The end of the smoothed curve alone understates the rise; the six points after the best
    together are far above it.
    """
    history = {
        "train_loss": [0.80, 0.66, 0.58, 0.51, 0.47, 0.44, 0.42, 0.37, 0.35, 0.33],
        "val_loss": [1.20, 0.70, 0.45, 0.52, 0.60, 0.71, 0.80, 0.69, 0.78, 0.56],
    }
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "overfitting" and top.score >= 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_noisy_flat_validation_is_not_a_turn(seed: int) -> None:
    """Validation loss flat after its fall, with noise a sixth of the fall: no turn for the worse."""
    rng = np.random.default_rng(seed)
    t = np.arange(15.0)
    history = {
        "train_loss": list(0.9 * np.exp(-t / 4) + 0.05),
        "val_loss": list(0.4 + 0.6 * np.exp(-t / 1.5) + rng.normal(0, 0.1, 15)),
    }
    turns = [
        f
        for f in gapdoctor.diagnose(history=history).findings
        if f.cause == "overfitting" and f.evidence["pattern"] == "turn"
    ]
    assert all(f.score < 0.5 for f in turns), turns


def test_smoothed_figures_say_so_on_a_real_log() -> None:
    """A real loop's last cross-validation fold (twentieth held-out set): the turn's figures are read on the
    smoothed curve, so they are not the logged values, and the finding says so (the window and the word)."""
    from pathlib import Path

    from gapdoctor.io.history_files import read_history

    path = Path(__file__).parents[2] / "data" / "real_logs_heldout20" / "loop_ipynb_multimodal_lesion.ipynb"
    history = read_history(path)
    logged = history.get("val_loss")
    assert logged is not None and round(float(logged.min()), 4) == 0.9094  # epoch 8 of fold 4, as printed
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "overfitting"
    assert top.evidence["val_loss_min"] != 0.9094  # a smoothed figure, not a logged one
    assert top.evidence["smoothed_over"] == 3  # 11 evaluations: a median of 3, then a mean of 3
    assert top.summary.startswith("Validation loss (smoothed) bottomed out")
    assert "smoothed validation curve" in top.fixes[0]
    assert "evaluations each smoothed figure averages" in _labelled_evidence(top)


def _labelled_evidence(finding: gapdoctor.Finding) -> str:
    """The finding's evidence as the reports label it."""
    from gapdoctor.report.labels import plain_evidence

    return "\n".join(f"{label}: {value}" for label, value, _ in plain_evidence(finding.evidence))


def test_a_plateau_whose_best_point_is_the_last_is_not_told_to_stop_early_there() -> None:
    # A real Keras CSV (forty-eighth held-out set): validation loss 0.0334, 0.0335, 0.0298, 0.0312 while the training
    # loss fell 0.49 -> 0.05. Its smoothed best point is the last epoch, and the first fix read "Stop early at
    # epoch 4 (the best point ...)": the run's end, no gain. Regularisation comes first; stopping is said as a saving.
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout48" / "keras_oct_classifier.csv"
    found = [f for f in gapdoctor.diagnose(history=path).findings if f.cause == "overfitting"]
    assert found and found[0].result.best_epoch == found[0].result.epochs
    assert found[0].fixes[0].startswith("Add regularisation")
    assert not any(fix.startswith("Stop early at") for fix in found[0].fixes)
    assert found[0].fixes[-1].startswith("Stop at epoch 1: the validation curve had reached its level there")
