"""A training loss below 0 that keeps falling without slowing: a loss with no floor, a broken pipeline.

Real torch loops: an MLP trained with a binary cross-entropy on logits whose targets are class indices (digits mod 5:
targets 0..4, the loss falls without bound as the logit grows), beside losses that are negative by design — a Gaussian
negative log-likelihood with a learnt variance (below -2 on a near-noiseless regression) and a negated cosine
similarity (floor -1) — which the check must leave alone; real logs from public repositories both ways.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_friedman1

import gapdoctor

torch = pytest.importorskip("torch")

CHECK = "pipeline_bug.unbounded_loss"
DATA = Path(__file__).resolve().parents[2] / "data"


def _torch_fit(seed: int, loss: str, epochs: int) -> dict[str, list[float]]:
    """Per-epoch mean training loss and validation loss of a small MLP (one thread)."""
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    if loss == "bce_on_indices":
        X, y = load_digits(return_X_y=True)
        X, y, outputs = X / 16, y % 5, 1  # five classes given to a one-output binary cross-entropy
    else:
        X, y = make_friedman1(n_samples=800, noise=0.05, random_state=seed)
        X, y, outputs = (X - X.mean(axis=0)) / X.std(axis=0), (y - y.mean()) / y.std(), 2
    order = np.random.default_rng(seed).permutation(len(y))
    Xt = torch.tensor(X[order], dtype=torch.float32)
    yt = torch.tensor(y[order], dtype=torch.float32)
    cut = int(0.75 * len(y))
    model = torch.nn.Sequential(torch.nn.Linear(X.shape[1], 32), torch.nn.ReLU(), torch.nn.Linear(32, outputs))
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    functional = torch.nn.functional

    def objective(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if loss == "bce_on_indices":
            return functional.binary_cross_entropy_with_logits(out[:, 0], target)
        if loss == "gaussian_nll":
            return functional.gaussian_nll_loss(out[:, 0], target, functional.softplus(out[:, 1]) + 1e-6)
        paired = torch.stack([target, target**2], dim=1)  # a negated cosine similarity: floor -1
        return -functional.cosine_similarity(out, paired, dim=0).mean()

    logged: dict[str, list[float]] = {"train_loss": [], "val_loss": []}
    for _ in range(epochs):
        total = 0.0
        for batch in torch.randperm(cut).split(32):
            optimiser.zero_grad()
            value = objective(model(Xt[batch]), yt[batch])
            value.backward()
            optimiser.step()
            total += float(value.detach()) * len(batch)
        logged["train_loss"].append(total / cut)
        with torch.no_grad():
            logged["val_loss"].append(float(objective(model(Xt[cut:]), yt[cut:])))
    return logged


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_class_indices_given_to_a_binary_cross_entropy(seed: int) -> None:
    """Targets 0..4 in a binary cross-entropy on logits: the loss is below -100 after 15 epochs and still falling
    faster; the headline is the broken loss, near-certain, ahead of any curve finding, naming the loss to use."""
    logged = _torch_fit(seed, "bce_on_indices", epochs=15)
    assert logged["train_loss"][-1] < -100
    diagnosis = gapdoctor.diagnose(history=logged)
    top = diagnosis.top
    assert top is not None and top.check == CHECK and top.score >= 0.9, diagnosis.findings
    assert "has no floor" in top.summary and top.evidence["points_negative"] >= 10
    assert "sparse_categorical_crossentropy" in top.fixes[0]


@pytest.mark.parametrize(("loss", "epochs"), [("gaussian_nll", 100), ("negated_cosine", 40)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_losses_negative_by_design_are_left_alone(seed: int, loss: str, epochs: int) -> None:
    """A Gaussian likelihood below -1.5 and a negated similarity at its floor of -1: negative, and slowing."""
    logged = _torch_fit(seed, loss, epochs)
    assert logged["train_loss"][-1] < (-1.5 if loss == "gaussian_nll" else -0.9)
    diagnosis = gapdoctor.diagnose(history=logged)
    assert not any(f.check == CHECK for f in diagnosis.findings), diagnosis.findings
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "skipped" and "floor" in run.reason


def test_real_keras_runs_whose_binary_cross_entropy_has_no_floor() -> None:
    """Two real Keras logs compiled with ``binary_crossentropy``: a CNN fitted on 5 classes (twenty-second held-out
    set; training loss -9,258 -> -161,281,766 in 5 epochs, read as overfitting at 0.98 before) and a run of
    antonior92/automatic-ecg-diagnosis' train.py (its targets ``pd.read_csv(...).values``: -33,835 -> -65,066,624 in
    70 epochs, read healthy before). Both headlines are the loss, and the overfitting read before comes after it."""
    for path in (
        DATA / "real_logs_heldout22" / "keras_ipynb_hurricane_damage_cnn_model.ipynb",
        DATA / "real_logs_heldout3" / "keras_interface_of_automatic_ecg_diagnosis.csv",
    ):
        diagnosis = gapdoctor.diagnose(history=path)
        top = diagnosis.top
        assert top is not None and top.check == CHECK and top.score >= 0.9, (path.name, diagnosis.findings)
        causes = [f.cause for f in diagnosis.reported]
        assert "overfitting" not in causes or causes.index("overfitting") > causes.index("pipeline_bug")


@pytest.mark.parametrize(
    "path",
    [
        DATA / "real_logs_heldout10" / "loop_txt_nice_flow.log",  # a flow's NLL: 736 -> -1,303, slowing
        DATA / "real_logs_heldout20" / "loop_txt_dccrn.txt",  # a negated SI-SNR in dB: -13.0 -> -17.6, slowing
    ],
    ids=["flow_nll", "negated_si_snr"],
)
def test_real_losses_below_minus_one_that_slow_are_left_alone(path: Path) -> None:
    diagnosis = gapdoctor.diagnose(history=path)
    run = next(c for c in diagnosis.checks if c.name == CHECK)
    assert run.status == "skipped" and "slowing towards a floor" in run.reason, run
