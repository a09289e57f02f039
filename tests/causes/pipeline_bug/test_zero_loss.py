"""A loss logged exactly 0 at every evaluation: never measured, a broken pipeline, not a stall.

Real torch loops with the two bugs that log it (a training-loss accumulator reset before it is read; a validation
loader left empty, its mean guarded to 0), beside the same loop logging what it measured; the real TensorBoard file
of the twenty-third held-out set whose every value is 0.0 (read as an optimisation stall at 0.98 before). A
validation loss never added up beside a validation accuracy the loop measured, and the real ``results.csv`` of a
detector whose trainer logs 0 for its validation losses while it scores mAP (headlined at 0.95 before): said weakly,
not the headline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits

import gapdoctor

torch = pytest.importorskip("torch")

CHECK = "pipeline_bug.zero_loss"
DATA = Path(__file__).resolve().parents[2] / "data"
ALL_ZERO = DATA / "real_logs_heldout23" / "tb_pl_fivesense_server_v3.tfevents"
VAL_LOSS_ZERO_MAP_SCORED = DATA / "real_logs_heldout81" / "yolo_speed_vision_yolov5.csv"


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
    logged: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
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
            right = sum(int((model(xb).argmax(dim=1) == yb).sum()) for xb, yb in val)
        if bug == "validation loss never added":
            total = 0.0  # the accumulator the loop forgot to add to; the accuracy is counted on the same batches
        logged["val_loss"].append(total / max(len(val), 1))
        logged["val_accuracy"].append(right / max(sum(len(yb) for _, yb in val), 1))
    if bug == "empty validation":
        del logged["val_accuracy"]  # nothing to count: the loop logs no accuracy of an empty loader
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_validation_loss_never_added_beside_a_measured_accuracy_is_said_weakly(seed: int) -> None:
    logged = _loop(seed, "validation loss never added")
    assert not any(logged["val_loss"]) and logged["val_accuracy"][-1] > 0.8
    diagnosis = gapdoctor.diagnose(history=logged)
    zero = [f for f in diagnosis.findings if f.check == CHECK]
    assert len(zero) == 1 and zero[0].score < 0.5, diagnosis.findings
    assert zero[0].evidence["series"] == "val_loss" and zero[0].evidence["metric_measured"] == "accuracy"
    assert "the curve checks read accuracy" in zero[0].summary
    assert all(f.check != CHECK for f in diagnosis.reported), diagnosis.reported


def test_a_detectors_validation_losses_logged_zero_while_it_scored_map() -> None:
    """A YOLO ``results.csv`` whose val/box, val/cls and val/dfl losses are 0 at all 100 epochs, mAP 0.56 -> 0.63."""
    diagnosis = gapdoctor.diagnose(history=VAL_LOSS_ZERO_MAP_SCORED)
    zero = [f for f in diagnosis.findings if f.check == CHECK]
    assert len(zero) == 1 and zero[0].score < 0.5 and zero[0].evidence["metric_measured"] == "map", zero
    assert not diagnosis.reported, diagnosis.reported  # labelled healthy; pipeline_bug 0.95 headlined it before


def test_a_validation_loss_of_zero_beside_no_training_loss_is_not_read() -> None:
    """Nothing shows what a measured loss of this run is: the check cannot tell a zero from a perfect fit."""
    diagnosis = gapdoctor.diagnose(history={"val_loss": [0.0] * 6, "val_accuracy": [1.0] * 6})
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "skipped" and "no training loss above 0" in run.reason
