"""Optimisation problems from real PyTorch training loops (tiny MLP on digits, built in the test)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

import gapdoctor

torch = pytest.importorskip("torch")


def _digits() -> tuple[object, object, object, object]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
    as_x = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.long)  # noqa: E731
    return as_x(X_tr), as_y(y_tr), as_x(X_va), as_y(y_va)


def train_torch(
    *, epochs: int, make_optimizer: Callable[[object], object], scheduler: Callable[[object], object] | None = None
) -> dict[str, list[float]]:
    """The tutorial loop: batches, backward, step; validation once per epoch; curves recorded."""
    torch.manual_seed(0)
    X_tr, y_tr, X_va, y_va = _digits()
    model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    optimizer = make_optimizer(model.parameters())
    sched = scheduler(optimizer) if scheduler else None
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(0)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": [], "lr": []}
    for _ in range(epochs):
        model.train()
        total, batches = 0.0, 0
        for rows in torch.randperm(len(y_tr), generator=generator).split(32):
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
        history["train_loss"].append(total / batches)
    return history


def test_divergence_from_a_runaway_learning_rate() -> None:
    history = train_torch(
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


def test_stall_right_after_an_early_learning_rate_cut() -> None:
    history = train_torch(
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


def test_stall_at_chance_from_a_too_high_learning_rate() -> None:
    history = train_torch(epochs=12, make_optimizer=lambda p: torch.optim.SGD(p, lr=2.0, momentum=0.9))
    top = gapdoctor.diagnose(history=history).top
    assert top is not None and top.cause == "optimization" and not top.weak
    assert "too high" in top.summary and top.fixes[0].startswith("Lower the learning rate")


def test_oscillating_loss_from_a_too_high_learning_rate() -> None:
    history = train_torch(epochs=30, make_optimizer=lambda p: torch.optim.Adam(p, lr=0.05))
    assert np.mean(np.diff(history["train_loss"]) > 0) > 0.25  # the loss really goes up often
    diagnosis = gapdoctor.diagnose(history=history)
    found = [f for f in diagnosis.findings if f.cause == "optimization" and "unstable" in f.summary]
    assert found and not found[0].weak, diagnosis.render()


def test_well_tuned_run_has_no_optimisation_finding() -> None:
    history = train_torch(epochs=15, make_optimizer=lambda p: torch.optim.Adam(p, lr=1e-3))
    diagnosis = gapdoctor.diagnose(history=history)
    assert all(f.weak for f in diagnosis.findings if f.cause == "optimization"), diagnosis.render()
