"""A regression whose validation R² never rose above 0 learnt nothing its targets' mean does not give.

Real torch loops on scikit-learn's diabetes set (442 rows, 10 features), logging the validation R² each epoch
through :class:`gapdoctor.torch.Monitor`: on targets shuffled against their rows (no signal left) the R² stays
below 0 and the stall is reported with that story; on the true targets it passes 0 within a few epochs and
nothing of the kind is read. And the real Lightning log it was built on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

import gapdoctor
from gapdoctor.causes.optimization.result import Stall
from tests.seeds import each_seed

torch = pytest.importorskip("torch")
from gapdoctor.torch import Monitor  # noqa: E402

REAL = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout41" / "pl_stock_predict_v24.csv"


def _regression(seed: int, *, shuffled: bool) -> gapdoctor.Diagnosis:
    X, y = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    X, y = X[order], (y[order] - y.mean()) / y.std()
    if shuffled:  # the targets no longer belong to their rows
        y = rng.permutation(y)
    X = (X - X.mean(0)) / X.std(0)
    Xt, yt = torch.tensor(X[:330], dtype=torch.float32), torch.tensor(y[:330], dtype=torch.float32)
    Xv, yv = torch.tensor(X[330:], dtype=torch.float32), torch.tensor(y[330:], dtype=torch.float32)
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 1))
    optimiser = torch.optim.SGD(model.parameters(), lr=1e-3)
    monitor = Monitor(store=False)
    for _ in range(30):
        for start in range(0, 330, 32):
            loss = torch.nn.functional.mse_loss(model(Xt[start : start + 32]).squeeze(1), yt[start : start + 32])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            monitor.log_batch(loss)
        with torch.no_grad():
            predicted = model(Xv).squeeze(1)
        val_loss = torch.nn.functional.mse_loss(predicted, yv).item()
        r2 = 1.0 - float(((predicted - yv) ** 2).sum() / ((yv - yv.mean()) ** 2).sum())
        monitor.end_epoch(val_loss=val_loss, val_r2=r2)
    diagnosis = monitor.finish()
    assert diagnosis is not None
    return diagnosis


@each_seed
def test_targets_without_signal_are_read_as_learning_nothing(seed: int) -> None:
    diagnosis = _regression(seed, shuffled=True)
    found = [f for f in diagnosis.reported if isinstance(f.result, Stall) and f.result.val_r2_best is not None]
    assert found and found[0].result.val_r2_evaluations == 30, diagnosis.render()
    assert found[0].result.val_r2_best <= 0 and "no better than their mean" in found[0].summary


@each_seed
def test_a_regression_that_learns_passes_the_mean(seed: int) -> None:
    diagnosis = _regression(seed, shuffled=False)
    assert not [f for f in diagnosis.findings if isinstance(f.result, Stall) and f.result.val_r2_best is not None]
    assert not [f for f in diagnosis.reported if f.cause == "optimization"], diagnosis.render()


def test_a_real_stock_return_regression_below_its_mean() -> None:
    # validation R² -0.028 -> -0.018 over 30 evaluations while the validation loss fell 3%: healthy before
    diagnosis = gapdoctor.diagnose(history=REAL)
    assert diagnosis.top is not None and diagnosis.top.cause == "optimization" and diagnosis.top.score >= 0.5
    assert isinstance(diagnosis.top.result, Stall) and diagnosis.top.result.val_r2_evaluations == 30
