"""A classification loss below -1 that levelled off: targets outside the loss's range, not a model to tune.

Real torch loops computing a binary cross-entropy as TensorFlow's Keras does, on labels 1 and 2 (the breast-cancer
targets shifted by one, as labels read from a file that numbers classes from 1 arrive): the probabilities clipped at
1e-7 give the loss, with no floor in theory, a floor near -16, so the "no floor" route (a loss still falling at its
pace) does not read it. Found on a held-out real log collected blind
(``real_logs_heldout79/keras_history_drone_rock_classification.csv``: -2.88 -> -4.78 beside a validation accuracy
flipping between 0.88 and 0.01, reported healthy). Recorded curves for what the route must leave alone: a loss negative
by design with no accuracy logged, and a negated score above -1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

import gapdoctor

CHECK = "pipeline_bug.unbounded_loss"
LOG = (
    Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout79" / "keras_history_drone_rock_classification.csv"
)


def _below_floor(diagnosis: gapdoctor.Diagnosis) -> list[str]:
    return [
        f.result.beside_accuracy
        for f in diagnosis.findings
        if f.check == CHECK and f.result.beside_accuracy is not None
    ]


def test_the_real_log_headlines_targets_outside_the_loss_range() -> None:
    diagnosis = gapdoctor.diagnose(history=LOG)
    top = diagnosis.top
    assert top is not None and top.check == CHECK and not top.weak, diagnosis.findings
    assert _below_floor(diagnosis) == ["val_accuracy"]
    assert "ends at -4.775" in top.summary and "never below 0" in top.summary
    assert "0/255" in top.fixes[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_clipped_binary_cross_entropy_on_labels_1_and_2(seed: int) -> None:
    """A real torch loop computing the binary cross-entropy as TensorFlow's Keras does (probabilities clipped at 1e-7;
    torch's own refuses targets outside [0, 1]) on the breast-cancer labels numbered from 1."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    order = np.random.default_rng(seed).permutation(len(y))
    Xt, yt = torch.tensor(X[order], dtype=torch.float32), torch.tensor(y[order] + 1, dtype=torch.float32)
    cut = int(0.75 * len(y))
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)

    def loss_of(rows: slice) -> torch.Tensor:
        p = torch.sigmoid(model(Xt[rows]).squeeze(1)).clamp(1e-7, 1 - 1e-7)
        return -(yt[rows] * torch.log(p) + (1 - yt[rows]) * torch.log(1 - p)).mean()

    logged: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    for _ in range(15):
        model.train()
        for start in range(0, cut, 32):
            optimiser.zero_grad()
            loss = loss_of(slice(start, min(start + 32, cut)))
            loss.backward()
            optimiser.step()
        model.eval()
        with torch.no_grad():
            logged["train_loss"].append(float(loss_of(slice(0, cut))))
            logged["val_loss"].append(float(loss_of(slice(cut, None))))
            predicted = (torch.sigmoid(model(Xt[cut:]).squeeze(1)) > 0.5).float() + 1
            logged["val_accuracy"].append(float((predicted == yt[cut:]).float().mean()))
    assert logged["train_loss"][-1] < -1.0  # the loss the targets make: below any classification loss's floor
    diagnosis = gapdoctor.diagnose(history=logged)
    top = diagnosis.top
    assert top is not None and top.check == CHECK and not top.weak, diagnosis.findings
    assert _below_floor(diagnosis) == ["val_accuracy"]


@pytest.mark.parametrize(
    "history",
    [
        {"train_loss": [-0.5, -2.0, -3.0, -3.4, -3.5, -3.55], "val_loss": [-0.4, -1.8, -2.7, -3.0, -3.1, -3.1]},
        {"train_loss": [-0.2, -0.6, -0.8, -0.85, -0.88, -0.9], "val_accuracy": [0.5, 0.7, 0.8, 0.82, 0.83, 0.83]},
    ],
    ids=["gaussian-nll-no-accuracy", "negated-dice-above-minus-one"],
)
def test_negative_losses_by_design_are_left_alone(history: dict[str, list[float]]) -> None:
    assert _below_floor(gapdoctor.diagnose(history=history)) == []
