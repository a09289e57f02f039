"""Optimisation problems from real PyTorch training loops (tiny MLP on digits, built in the test)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gapdoctor
from tests.seeds import each_seed

torch = pytest.importorskip("torch")


def _digits(seed: int) -> tuple[object, object, object, object]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, train_size=800, stratify=y, random_state=seed)
    as_x = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.long)  # noqa: E731
    return as_x(X_tr), as_y(y_tr), as_x(X_va), as_y(y_va)


def train_torch(
    *,
    seed: int,
    epochs: int,
    make_optimizer: Callable[[object], object],
    scheduler: Callable[[object], object] | None = None,
    batch_size: int = 32,
    train_rows: int | None = None,
    drop_last: bool = False,
) -> dict[str, list[float]]:
    """The tutorial loop: batches, backward, step; validation once per epoch; curves recorded.

    ``train_rows`` keeps that many training rows; ``drop_last`` drops a last batch smaller than
    ``batch_size`` (as a DataLoader does); an epoch with no batch logs its mean loss as NaN (fastai's).
    """
    torch.manual_seed(seed)
    X_tr, y_tr, X_va, y_va = _digits(seed)
    X_tr, y_tr = X_tr[:train_rows], y_tr[:train_rows]
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = make_optimizer(model.parameters())
    sched = scheduler(optimizer) if scheduler else None
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": [], "lr": []}
    for _ in range(epochs):
        model.train()
        total, batches = 0.0, 0
        for rows in torch.randperm(len(y_tr), generator=generator).split(batch_size):
            if drop_last and len(rows) < batch_size:
                continue
            optimizer.zero_grad()
            loss = loss_fn(model(X_tr[rows]), y_tr[rows])
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        history["lr"].append(optimizer.param_groups[0]["lr"])
        if sched is not None:
            sched.step()
        model.eval()
        with torch.no_grad():
            logits = model(X_va)
            history["val_loss"].append(loss_fn(logits, y_va).item())
            history["val_accuracy"].append((logits.argmax(1) == y_va).float().mean().item())
        history["train_loss"].append(total / batches if batches else math.nan)
    return history


@each_seed
def test_divergence_from_a_runaway_learning_rate(seed: int) -> None:
    history = train_torch(
        seed=seed,
        epochs=14,
        make_optimizer=lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9),
        scheduler=lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=2.0),  # a warm-up that never stops
    )
    assert history["train_loss"][-1] > history["train_loss"][0]  # the loss really blew up
    diagnosis = gapdoctor.diagnose(history=history)
    top = diagnosis.top
    assert top is not None and top.cause == "optimization" and not top.weak, diagnosis.render()
    assert "climbed back above its starting value" in top.summary


def test_nan_loss_is_divergence() -> None:
    history = {"train_loss": [2.3, 1.5, 1.1, 9.0, math.nan, math.nan], "val_loss": [2.3, 1.6, 1.3, 8.0, 50.0, 50.0]}
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "optimization" and top.score >= 0.9
    assert "diverged" in top.summary and top.evidence["diverged_at_epoch"] == 5
    assert "weights never changed" not in top.summary and "val_unchanged_evaluations" not in top.evidence


@each_seed
def test_a_training_loader_with_no_batch_is_told_by_validation_values_that_never_change(seed: int) -> None:
    """20 training rows, batches of 32 with drop_last: no step ever runs, the mean loss of no batch is NaN."""
    history = train_torch(
        seed=seed,
        epochs=6,
        make_optimizer=lambda p: torch.optim.SGD(p, lr=0.05),
        train_rows=20,
        drop_last=True,
    )
    assert all(math.isnan(v) for v in history["train_loss"]) and len(set(history["val_loss"])) == 1
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "optimization" and not top.weak
    assert "the weights never changed" in top.summary and top.evidence["val_unchanged_evaluations"] == 6
    assert top.fixes[0].startswith("Check the training loader yields batches")
    # the same loop with the last short batch kept trains: a finite loss, no such sentence
    kept = train_torch(seed=seed, epochs=6, make_optimizer=lambda p: torch.optim.SGD(p, lr=0.05), train_rows=20)
    assert all(math.isfinite(v) for v in kept["train_loss"]) and len(set(kept["val_loss"])) == 6
    assert not any("weights never changed" in f.summary for f in gapdoctor.diagnose(history=kept).findings)


@each_seed
def test_stall_right_after_an_early_learning_rate_cut(seed: int) -> None:
    history = train_torch(
        seed=seed,
        epochs=20,
        make_optimizer=lambda p: torch.optim.SGD(p, lr=0.05),
        scheduler=lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.01),
    )
    diagnosis = gapdoctor.diagnose(history=history)
    top = diagnosis.top
    assert top is not None and top.cause == "optimization" and not top.weak, diagnosis.render()
    assert "learning rate was cut" in top.summary
    assert top.evidence["lr_cut_epoch"] == 5
    assert "decay" in top.fixes[0].lower()


# Chaotic runs (a too-high learning rate): the same seed gives other curves on another CPU
# (the loss rose in 41% of epochs here, 21% elsewhere; 4 of 8 seeds no longer stall at
# chance), so these tests read curves recorded once by tests/data/record_optimization_curves.py.
CHAOTIC_RUNS: dict[str, tuple[str, dict[str, Any]]] = {
    "stall_at_chance": (
        "SGD lr=2.0, momentum 0.9, 12 epochs",
        {"epochs": 12, "make_optimizer": lambda p: torch.optim.SGD(p, lr=2.0, momentum=0.9)},
    ),
    "oscillating": (
        "Adam lr=0.05, 30 epochs",
        {"epochs": 30, "make_optimizer": lambda p: torch.optim.Adam(p, lr=0.05)},
    ),
}
RECORDED = Path(__file__).resolve().parents[3] / "tests" / "data" / "optimization_curves.json"


def recorded_history(name: str) -> dict[str, list[float]]:
    runs = json.loads(RECORDED.read_text())["runs"]
    assert runs[name]["description"] == CHAOTIC_RUNS[name][0], (
        "re-record: python -m tests.data.record_optimization_curves"
    )
    history: dict[str, list[float]] = runs[name]["history"]
    return history


def test_stall_at_chance_from_a_too_high_learning_rate() -> None:
    history = recorded_history("stall_at_chance")
    assert max(history["val_accuracy"]) < 0.2  # it never got past chance (10 classes)
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "optimization" and not top.weak
    assert "too high" in top.summary and top.fixes[0].startswith("Lower the learning rate")


def test_oscillating_loss_from_a_too_high_learning_rate() -> None:
    history = recorded_history("oscillating")
    assert np.mean(np.diff(history["train_loss"]) > 0) > 0.25  # the loss really goes up often
    diagnosis = gapdoctor.diagnose(history=history)
    found = [f for f in diagnosis.findings if f.cause == "optimization" and "unstable" in f.summary]
    assert found and not found[0].weak, diagnosis.render()


@each_seed
def test_well_tuned_run_has_no_optimisation_finding(seed: int) -> None:
    history = train_torch(seed=seed, epochs=15, make_optimizer=lambda p: torch.optim.Adam(p, lr=1e-3))
    diagnosis = gapdoctor.diagnose(history=history)
    assert all(f.weak for f in diagnosis.findings if f.cause == "optimization"), diagnosis.render()


def test_a_training_loss_given_empty_beside_a_changing_validation_curve_is_refused() -> None:
    """A mapping's train_loss with no value while the validation loss moves: the model trained, its loss was not
    logged; read as NaN from the first epoch it would headline a divergence that never happened."""
    history = {"train_loss": [None] * 5, "val_loss": [1.2, 0.9, 0.8, 0.75, 0.74]}
    with pytest.raises(gapdoctor.GapdoctorInputError, match="validation curves changed") as raised:
        gapdoctor.diagnose(history=history)
    assert raised.value.argument == "history['train_loss']"
