"""A validation curve identical to its training twin at every evaluation: one value logged under both names.

A real torch loop printing its training loss under both names (the bug), beside the same loop printing its real
validation loss and the same loop evaluating its training rows in eval mode as "validation" (no two measurements
agree to the digit: neither is this); a real notebook from a public repository (held-out set fourteen).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import gapdoctor
from gapdoctor.io import read_history

CHECK = "pipeline_bug.validation_is_training"
VQA = Path(__file__).resolve().parents[2] / "data" / "real_logs_heldout14" / "loop_ipynb_mmdp_vqa.ipynb"


def _printed_run(tmp_path: Path, seed: int, printed: str) -> Path:
    """A torch MLP on breast cancer, its per-epoch line printed to a log: ``printed`` says what "val" shows."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(seed).permutation(len(y))
    train, val = order[:400], order[400:]
    scaler = StandardScaler().fit(X[train])
    Xt, Xv = (torch.tensor(scaler.transform(X[rows]), dtype=torch.float32) for rows in (train, val))
    yt, yv = torch.tensor(y[train]), torch.tensor(y[val])
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(30, 32), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(32, 2))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    lines = []
    for epoch in range(1, 13):
        model.train()
        losses = []
        for start in range(0, len(yt), 32):
            loss = torch.nn.functional.cross_entropy(model(Xt[start : start + 32]), yt[start : start + 32])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            losses.append(loss.item())
        train_loss = sum(losses) / len(losses)
        model.eval()
        with torch.no_grad():
            rows, labels = (Xt, yt) if printed == "training rows" else (Xv, yv)
            val_loss = torch.nn.functional.cross_entropy(model(rows), labels).item()
        shown = train_loss if printed == "training loss" else val_loss
        lines.append(f"Epoch {epoch}/12 | train_loss: {train_loss:.4f} | val_loss: {shown:.4f}")
    log = tmp_path / "train.log"
    log.write_text("\n".join(lines) + "\n")
    return log


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_loop_printing_its_training_loss_twice_is_a_pipeline_bug(tmp_path: Path, seed: int) -> None:
    diagnosis = gapdoctor.diagnose(history=_printed_run(tmp_path, seed, "training loss"))
    top = diagnosis.top
    assert top is not None and not top.weak and top.check == CHECK, diagnosis.findings
    assert top.evidence["series"] == "val_loss" and top.evidence["points_logged"] == 12
    assert "equals its training twin at all 12 evaluations" in top.summary


@pytest.mark.parametrize("printed", ["validation loss", "training rows"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_two_measurements_never_read_as_one_value_logged_twice(tmp_path: Path, seed: int, printed: str) -> None:
    """The real validation loss, or the training rows evaluated in eval mode after the epoch (a validation loader
    built from the training split: not identical to the epoch's train-mode mean), raise nothing here."""
    diagnosis = gapdoctor.diagnose(history=_printed_run(tmp_path, seed, printed))
    assert not [f for f in diagnosis.findings if f.check == CHECK]
    assert next(c.status for c in diagnosis.checks if c.name == CHECK) == "skipped"


def test_a_real_notebook_whose_validation_loss_is_its_training_loss() -> None:
    """A VQA notebook printing "Validation Loss" equal to its training loss at all 10 epochs (healthy before)."""
    history = read_history(VQA)
    assert history.get("val_loss").tolist() == history.get("train_loss").tolist()  # type: ignore[union-attr]
    top = gapdoctor.diagnose(history=VQA).top
    assert top is not None and not top.weak and top.cause == "pipeline_bug" and top.check == CHECK


def test_accuracies_of_a_handful_of_rows_agreeing_by_chance_are_not_read() -> None:
    """Two curves taking only two values (a few rows' accuracies) may agree: three values or more are needed."""
    history = {
        "train_loss": [0.9, 0.7, 0.6, 0.5, 0.45],
        "val_loss": [0.95, 0.8, 0.7, 0.66, 0.65],
        "train_accuracy": [0.5, 0.75, 0.75, 0.75, 0.75],
        "val_accuracy": [0.5, 0.75, 0.75, 0.75, 0.75],
    }
    assert not [f for f in gapdoctor.diagnose(history=history).findings if f.check == CHECK]
