"""A training loss that sits at a uniform guess's ln k learned nothing: a stall, not convergence.

Before, the optimisation check excused such a curve as converged (its falls shrink to nothing at
its floor), so a model that learned nothing was reported healthy: "looked and found nothing" where
there was plainly something. Found on a real Keras log collected after the checks were last
changed (``tests/data/real_logs_heldout2/keras_aes_neural_trainer.csv``, binary, 0.6933 for 37
epochs, validation ROC AUC 0.50).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import gapdoctor
from gapdoctor.bench.corpus.torch_mlp import torch_train_by_epoch
from gapdoctor.causes.optimization.chance import chance_level

REAL_LOG = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout2" / "keras_aes_neural_trainer.csv"


def _at_chance(finding: gapdoctor.Finding) -> int | None:
    """The class count of a stall-at-chance finding (None for any other finding)."""
    return getattr(finding.result, "chance_level_classes", None) if finding.cause == "optimization" else None


def _stalls_at_chance(diagnosis: gapdoctor.Diagnosis) -> list[int]:
    return [k for k in map(_at_chance, diagnosis.findings) if k is not None]


def test_the_real_log_of_a_model_that_learned_nothing_headlines_a_stall_at_chance() -> None:
    diagnosis = gapdoctor.diagnose(history=REAL_LOG)
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization"
    assert _stalls_at_chance(diagnosis) == [2]
    assert "ln 2 = 0.693" in top.summary and "uniform guess" in top.summary
    assert top.fixes[0].startswith("Check that the model can learn at all")


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("classes", [2, 3])
def test_a_network_fed_blank_features_stalls_at_chance(seed: int, classes: int) -> None:
    """A real torch run whose features never reach it (all zeros: a loader bug): its loss is ln k from the start."""
    torch.set_num_threads(1)
    y = np.random.default_rng(seed).permutation(np.arange(1200) % classes).astype(np.int64)
    X = np.zeros((1200, 20))
    run = torch_train_by_epoch(X[:800], y[:800], X[800:], y[800:], epochs=30, hidden=(32,), lr=1e-3, seed=seed)
    history = {name: [float(v) for v in values] for name, values in run.history.items()}
    diagnosis = gapdoctor.diagnose(history=history)
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization", diagnosis.findings
    assert _stalls_at_chance(diagnosis)[:1] == [classes]


def test_a_loss_that_learned_its_way_down_to_ln_2_is_not_at_chance() -> None:
    """Ten classes, from ln 10 down to 0.693: the model learned (the start says so)."""
    learned = np.r_[np.geomspace(2.30, 0.80, 8), 0.6935 + 0.0002 * np.cos(np.arange(30))]
    assert chance_level(learned) is None


def test_a_validation_loss_below_chance_means_the_model_learned() -> None:
    flat = np.r_[0.70, np.full(30, 0.6932)]
    assert chance_level(flat) is not None
    assert chance_level(flat, val=np.r_[0.69, np.full(30, 0.62)]) is None  # 10% under ln 2: it learned
    assert chance_level(flat, val=np.full(31, 0.6971)) is not None  # 0.6% above: the shares differ, a guess


@pytest.mark.parametrize("level", [0.6, 1.25, np.log(20), np.log(4) * 1.01])
def test_a_flat_loss_away_from_a_small_ln_k_is_not_read_as_chance(level: float) -> None:
    assert chance_level(np.r_[level * 1.02, np.full(30, level)]) is None


def test_a_noisy_plateau_near_ln_2_is_not_read_as_chance() -> None:
    """Nine points in ten must sit within twice the tolerance: a loss wandering 2% about ln 2 is a plateau."""
    rng = np.random.default_rng(0)
    wandering = np.r_[0.71, np.log(2) * (1 + 0.02 * np.abs(rng.standard_normal(30)))]
    assert chance_level(wandering) is None


def test_a_slow_learner_near_its_start_is_not_at_chance() -> None:
    """Three classes, a rate of 1e-4: the loss falls 1.1066 -> 1.0921 over 32 epochs (a rejected corpus draw of the
    CNN family, seed 200158002, whose validation accuracy rose 0.33 -> 0.46): all within 0.8% of ln 3, but falling."""
    slow = np.linspace(1.1066, 1.0921, 32)
    assert chance_level(slow, val=np.linspace(1.1039, 1.0892, 32), shares=np.array([0.33, 0.4, 0.27])) is None


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_imbalanced_network_fed_blank_features_sits_at_its_class_shares(seed: int) -> None:
    """10% positives, features all zeros: the bias learns the shares at once and the loss sits at their entropy
    (about 0.31, not ln 2), which only the labels tell; the validation rows' own shares set their guess's loss."""
    torch.set_num_threads(1)
    y = (np.random.default_rng(seed).random(1200) < 0.1).astype(np.int64)
    X = np.zeros((1200, 20))
    run = torch_train_by_epoch(X[:800], y[:800], X[800:], y[800:], epochs=30, hidden=(32,), lr=1e-2, seed=seed)
    history = {name: [float(v) for v in values] for name, values in run.history.items()}
    diagnosis = gapdoctor.diagnose(history=history, y_train=y[:800], y_val=y[800:])
    at_chance = [f for f in diagnosis.findings if _at_chance(f) == 2]
    assert at_chance and not at_chance[0].weak, diagnosis.findings
    assert "class shares" in at_chance[0].summary
