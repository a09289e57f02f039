"""Overfitting from the curves, against what the log says about its own noise.

A plateau is memorisation only when the training loss really kept falling (not one batch sampled
every N steps scattering), when training is ahead of validation, and when the plateau spans enough
points to be a trend; a metric that moves by one validation example is not a turn.
"""

from __future__ import annotations

import numpy as np
import pytest

import gapdoctor
from tests.causes.payload_checks import REAL_LOGS


def _overfitting_score(history: object) -> float:
    found = [f.score for f in gapdoctor.diagnose(history=history).findings if f.cause == "overfitting"]
    return max(found, default=0.0)


def _plateau_run(seed: int, *, sampled_train: bool) -> dict[str, list[float | None]]:
    """60 epochs: validation loss falls for 15 epochs, then flat (with noise); training loss falls throughout.

    With ``sampled_train``, the training loss is one batch's value every 6th epoch, scattering by
    half its level around a flat mean: it did not really fall.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(60.0)
    val = 0.4 + 0.6 * np.exp(-np.minimum(t, 15) / 4) + rng.normal(0, 0.004, 60)
    if sampled_train:
        train: list[float | None] = [None] * 60
        for i in range(5, 60, 6):
            train[i] = float(0.5 * np.exp(rng.normal(0, 0.5)))
    else:
        train = list(0.9 * np.exp(-t / 12) + 0.01)
    return {"train_loss": train, "val_loss": list(val)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_plateau_over_a_falling_training_loss_is_reported(seed: int) -> None:
    """Control: validation flat for 45 epochs while the training loss falls 0.2 -> 0.01."""
    assert _overfitting_score(_plateau_run(seed, sampled_train=False)) >= 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_batch_sampled_every_few_epochs_is_not_a_falling_training_loss(seed: int) -> None:
    assert _overfitting_score(_plateau_run(seed, sampled_train=True)) < 0.5


def test_real_sparse_one_batch_training_loss_is_not_memorisation() -> None:
    """Lightning, 400 epochs, the training loss logged 24 times (one batch each, 127 to 4791)."""
    assert _overfitting_score(REAL_LOGS / "pl_chemistry_sparse_train_loss_test_row.csv") < 0.5


def _accuracy_plateau(train_accuracy_end: float) -> dict[str, list[float]]:
    """30 epochs: validation accuracy reaches 0.99 by epoch 6 and stays; the training loss keeps falling."""
    t = np.arange(30.0)
    rng = np.random.default_rng(0)
    val = 0.99 - 0.09 * np.exp(-t / 1.5) + rng.normal(0, 0.003, 30)
    train_accuracy = train_accuracy_end - 0.12 * np.exp(-t / 1.5)
    return {
        "train_loss": list(0.4 * np.exp(-t / 3) + 1e-4),
        "train_accuracy": list(np.minimum(train_accuracy, 1.0)),
        "val_accuracy": list(val),
    }


def test_a_plateau_level_with_the_training_accuracy_is_not_memorisation() -> None:
    """Training accuracy 0.992 beside validation 0.99: nothing is learnt that fails to generalise."""
    assert _overfitting_score(_accuracy_plateau(0.992)) < 0.5


def test_a_plateau_well_below_the_training_accuracy_is_reported() -> None:
    """Control: the same validation curve under a training accuracy of 1.0 and a wider gap."""
    history = _accuracy_plateau(1.0)
    history["val_accuracy"] = [v - 0.05 for v in history["val_accuracy"]]
    assert _overfitting_score(history) >= 0.5


def test_a_plateau_of_three_points_is_not_yet_a_trend() -> None:
    """HF Trainer, 6 evaluations: F1 0.874 -> 0.981 at the 4th, then 0.987 and 0.985; loss still noisy."""
    assert _overfitting_score(REAL_LOGS / "hf_vit_irrigation_f1.json") < 0.5


def test_a_plateau_of_many_points_is_reported() -> None:
    """Control: validation level from the fourth of 14 evaluations while the training loss keeps falling."""
    history = {
        "train_loss": [0.9, 0.6, 0.4, 0.2, 0.08, 0.02, 0.01, 0.006, 0.004, 0.003, 0.002, 0.0015, 0.001, 0.0008],
        "val_loss": [0.9, 0.5, 0.35, 0.30, 0.305, 0.302, 0.304, 0.301, 0.303, 0.302, 0.305, 0.303, 0.304, 0.302],
    }
    assert _overfitting_score(history) >= 0.5


def test_an_accuracy_that_moves_by_one_validation_image_is_not_a_turn() -> None:
    """Keras, 16 validation images: accuracy 13/16 at epoch 1, then 12/16 and 11/16, while val loss falls."""
    assert _overfitting_score(REAL_LOGS / "keras_pneumonia_head_training.csv") < 0.5


def test_an_accuracy_that_falls_by_many_examples_is_a_turn() -> None:
    """Control: accuracy on 500 rows peaks at 0.94 and falls to 0.86 while the training loss falls."""
    t = np.arange(20.0)
    val = np.where(t < 5, 0.80 + 0.028 * t, 0.94 - 0.08 * (t - 5) / 14)
    history = {"train_loss": list(0.9 * np.exp(-t / 5) + 0.01), "val_accuracy": list(np.round(val * 500) / 500)}
    assert _overfitting_score(history) >= 0.5
