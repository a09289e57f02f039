"""A validation loss identical at every evaluation, to every digit logged, beside a flat training loss: frozen outputs.

Before, both real logs below were read healthy: a Lightning sound-event model whose validation loss is 2.2169435 at
all 40 epochs (precision and recall 0 throughout, its training loss at ln 9 after a dip), and a pytorch-forecasting
stock model whose validation loss and metrics are identical at all 11 epochs (training loss 0.0134 from the second).
Found on the fortieth held-out set, collected blind. A loss moves with every output; identical to every digit, the
model's validation outputs never changed. Not so while the training loss still falls: a mislabelled validation split
sits at its clipped log loss while the model learns its training rows (the corpus's 63 such runs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import gapdoctor
from gapdoctor.bench.corpus.torch_mlp import torch_train_by_epoch
from gapdoctor.causes.optimization.frozen import frozen_decisions
from gapdoctor.inputs.history import RunHistory
from tests.seeds import each_seed

SET40 = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout40"


@pytest.mark.parametrize(("log", "evaluations"), [("pl_av_seld_v6.csv", 40), ("pl_bist30_ai_trader_v8.csv", 11)])
def test_real_logs_whose_validation_loss_never_changed_headline_a_stall(log: str, evaluations: int) -> None:
    diagnosis = gapdoctor.diagnose(history=SET40 / log)
    top = diagnosis.top
    assert top is not None and not top.weak and top.cause == "optimization"
    assert f"at all {evaluations} evaluations, to within float32 rounding" in top.summary
    assert top.fixes[0].startswith("Check that the model can learn at all")


def test_a_frozen_validation_loss_beside_a_falling_training_loss_is_not_read_so() -> None:
    learning = RunHistory.from_any({"train_loss": np.geomspace(1.0, 0.05, 12), "val_loss": [23.025851] * 12})
    assert frozen_decisions(learning) is None  # confidently wrong on the validation rows, not frozen
    flat = RunHistory.from_any({"train_loss": [0.9, *[0.5] * 11], "val_loss": [0.61234567] * 12})
    frozen = frozen_decisions(flat)
    assert frozen is not None and frozen.metric == "loss" and frozen.evaluations == 12


@each_seed
def test_a_real_run_whose_optimiser_never_steps_is_read_from_its_frozen_validation_loss(seed: int) -> None:
    """A real torch run with a learning rate of 0 (a scheduler that reached 0, a step never taken): its validation
    loss is the same number at every epoch, its training loss only reshuffled."""
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(1200, 10))
    y = (X[:, 0] + 0.5 * rng.normal(size=1200) > 0).astype(np.int64)
    run = torch_train_by_epoch(X[:800], y[:800], X[800:], y[800:], epochs=12, hidden=(16,), lr=0.0, seed=seed)
    history = {name: [float(v) for v in run.history[name]] for name in ("train_loss", "val_loss")}  # losses only
    assert len(set(history["val_loss"])) == 1
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and not top.weak and top.cause == "optimization"
    assert "the validation loss is" in top.summary and "never changed" in top.summary
    # logged with its accuracy, the same stall is told from the accuracy (one class for every row) where it is so
    with_accuracy = gapdoctor.diagnose(history={n: [float(v) for v in vals] for n, vals in run.history.items()}).top
    assert (
        with_accuracy is not None and with_accuracy.cause == "optimization" and "never changed" in with_accuracy.summary
    )


@each_seed
def test_a_real_run_that_learns_is_never_read_as_frozen(seed: int) -> None:
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(1200, 10))
    y = (X[:, 0] + 0.5 * rng.normal(size=1200) > 0).astype(np.int64)
    run = torch_train_by_epoch(X[:800], y[:800], X[800:], y[800:], epochs=12, hidden=(16,), lr=1e-3, seed=seed)
    history = RunHistory.from_any({name: [float(v) for v in values] for name, values in run.history.items()})
    assert frozen_decisions(history) is None


def test_a_validation_loss_frozen_within_float32_rounding_beside_a_noisy_flat_training_loss() -> None:
    """A Lightning two-tower model (tests/data/real_logs_heldout62): validation loss 7.583616, 7.583617, 7.583614,
    7.583608 ... at its last 7 of 10 evaluations (a GPU's reductions in another order move it by 1e-6), its
    training loss wandering 7.33-7.71 around the same level. Read before as nothing found ("healthy")."""
    log = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout62" / "pl_two_tower_model_v1.csv"
    diagnosis = gapdoctor.diagnose(history=log)
    top = diagnosis.top
    assert top is not None and top.cause == "optimization" and top.score >= 0.5, diagnosis.render()
    assert "last 7 evaluations (of 10), to within float32 rounding" in top.summary
