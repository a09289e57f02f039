"""Real runs and diagnoses for the HTML report tests.

The demo, an overfitting run on breast cancer, a healthy run on digits, and a torch loop
with a step learning-rate schedule (its CSV log under a hostile file name); the diagnosis
with a finding of every figure kind is :mod:`tests.report.figure_scenarios`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.findings import Diagnosis

HOSTILE = "<script>alert(1)</script>"
HOSTILE_ATTR = '"><img src=x onerror=alert(2)>'
MATH = r"cost $x^2$ \\ \$ (USD)"


# --------------------------------------------------------------------------- scenarios
def scaled_split(X: Any, y: Any, train_size: int, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=train_size, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def overfitting_run(seed: int = 0) -> Diagnosis:
    X_train, X_val, y_train, y_val = scaled_split(*load_breast_cancer(return_X_y=True), train_size=200, seed=seed)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=80, hidden=(256,), lr=3e-3, seed=seed)
    return gapdoctor.diagnose(
        history=run.history, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, val_probs=run.val_probs
    )


def healthy_run(seed: int = 0) -> Diagnosis:
    X_train, X_val, y_train, y_val = scaled_split(*load_digits(return_X_y=True), train_size=1000, seed=seed)
    with threadpool_limits(limits=1):
        run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=15, hidden=(64,), alpha=1e-2, seed=seed)
    return gapdoctor.diagnose(
        history=run.history, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, val_probs=run.val_probs
    )


def step_schedule_run(log_dir: Path, seed: int = 0) -> Diagnosis:
    """A torch loop with StepLR, its history written as CSV under a hostile file name."""
    torch = pytest.importorskip("torch")
    X_train, X_val, y_train, y_val = scaled_split(*load_digits(return_X_y=True), train_size=400, seed=seed)
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = torch.nn.Sequential(torch.nn.Linear(64, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.2)
    xt, yt = torch.tensor(X_train, dtype=torch.float32), torch.tensor(y_train)
    xv, yv = torch.tensor(X_val, dtype=torch.float32), torch.tensor(y_val)
    rows = ["epoch,train_loss,val_loss,train_accuracy,val_accuracy,lr"]
    for epoch in range(1, 31):
        lr = optimizer.param_groups[0]["lr"]
        model.train()
        for batch in torch.randperm(len(xt)).split(32):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(xt[batch]), yt[batch]).backward()
            optimizer.step()
        schedule.step()
        model.eval()
        with torch.no_grad():
            logits_t, logits_v = model(xt), model(xv)
            figures = [
                torch.nn.functional.cross_entropy(logits_t, yt).item(),
                torch.nn.functional.cross_entropy(logits_v, yv).item(),
                (logits_t.argmax(1) == yt).float().mean().item(),
                (logits_v.argmax(1) == yv).float().mean().item(),
            ]
        rows.append(",".join(str(v) for v in [epoch, *figures, lr]))
    path = log_dir / f"{HOSTILE_ATTR}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return gapdoctor.diagnose(history=path, metric="accuracy")
