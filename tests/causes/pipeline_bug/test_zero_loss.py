"""A loss logged exactly 0 at every evaluation: never measured, a broken pipeline, not a stall.

Real torch loops with the two bugs that log it (a training-loss accumulator reset before it is read; a validation
loader left empty, its mean guarded to 0), beside the same loop logging what it measured; the real TensorBoard file
of the twenty-third held-out set whose every value is 0.0 (read as an optimisation stall at 0.98 before).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

import gapdoctor

torch = pytest.importorskip("torch")

CHECK = "pipeline_bug.zero_loss"
ALL_ZERO = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout23" / "tb_pl_fivesense_server_v3.tfevents"


def _loop(seed: int, bug: str | None, epochs: int = 12) -> dict[str, list[float]]:
    """A digits MLP trained by hand (one thread), its per-epoch training and validation losses as the loop logs them."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    X = torch.tensor(X[order] / 16.0, dtype=torch.float32)
    y = torch.tensor(y[order])
    train = list(zip(X[:1200].split(32), y[:1200].split(32), strict=True))
    val = [] if bug == "empty validation" else list(zip(X[1200:].split(64), y[1200:].split(64), strict=True))
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    optimiser = torch.optim.SGD(model.parameters(), lr=0.05)
    logged: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        running = 0.0
        for xb, yb in train:
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            running += float(loss.detach())
        if bug == "reset before read":
            running = 0.0  # the reset meant for the next epoch, placed before the value is read
        logged["train_loss"].append(running / len(train))
        with torch.no_grad():
            total = sum(float(torch.nn.functional.cross_entropy(model(xb), yb)) for xb, yb in val)
        logged["val_loss"].append(total / max(len(val), 1))
    return logged


@pytest.mark.parametrize("bug", ["reset before read", "empty validation"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_loss_never_measured_is_the_headline(seed: int, bug: str) -> None:
    logged = _loop(seed, bug)
    zero = "train_loss" if bug == "reset before read" else "val_loss"
    assert not any(logged[zero])
    diagnosis = gapdoctor.diagnose(history=logged)
    top = diagnosis.top
    assert top is not None and top.check == CHECK and top.score >= 0.9, diagnosis.findings
    assert top.evidence["series"] == zero and top.evidence["points_logged"] == 12
    if zero == "train_loss":  # no stall read from a curve that measures nothing
        run = next(c for c in diagnosis.checks if c.name == "optimization.curves")
        assert run.status == "skipped" and "never measured" in run.reason


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_losses_that_were_measured_are_left_alone(seed: int) -> None:
    diagnosis = gapdoctor.diagnose(history=_loop(seed, None))
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "skipped" and "no training or validation loss was logged 0" in run.reason


def test_a_real_run_whose_every_value_is_zero() -> None:
    """A Lightning forecaster's TensorBoard file: training and validation losses, MAE, RMSE, MAPE, SMAPE all 0.0 at
    its 6 evaluations (labelled healthy by the rule from a curve that never moved)."""
    diagnosis = gapdoctor.diagnose(history=ALL_ZERO)
    top = diagnosis.top
    assert top is not None and top.check == CHECK, diagnosis.findings
    assert top.evidence["series"] == "train_loss, val_loss"
    assert not any(f.cause == "optimization" for f in diagnosis.findings), diagnosis.findings


def test_a_validation_loss_of_zero_beside_no_training_loss_is_not_read() -> None:
    """Nothing shows what a measured loss of this run is: the check cannot tell a zero from a perfect fit."""
    diagnosis = gapdoctor.diagnose(history={"val_loss": [0.0] * 6, "val_accuracy": [1.0] * 6})
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "skipped" and "no training loss above 0" in run.reason
