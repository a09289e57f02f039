"""The README's Lightning snippet, run as is on bundled data: the whole diagnosis from the callback alone.

``training_step`` and ``validation_step`` return ``{"loss": loss, "logits": logits}``; the
batches are plain ``(x, y)`` (no row ids): the callback reads the rows from the training
loader's sampler. Each trajectory test holds on every seed of :data:`tests.seeds.SEEDS`.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from tests.integrations.conftest import (
    F1_EPOCHS,
    LIGHTNING_WARNINGS,
    Split,
    assert_label_noise_headline,
    assert_nothing_reported,
    assert_threshold_fix,
    digits_split,
    imbalanced_split,
    quiet_trainer,
    readme_snippet,
)
from tests.seeds import each_seed

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

pytestmark = LIGHTNING_WARNINGS

SNIPPET = "# Lightning"


class Classifier(L.LightningModule):
    """A one-hidden-layer MLP whose steps return ``{"loss": loss, "logits": logits}``, as the README says."""

    def __init__(self, n_features: int, n_classes: int, *, hidden: int, lr: float) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))
        self.lr = lr

    def training_step(self, batch: Any, batch_idx: int) -> dict[str, Any]:
        x, y = batch
        logits = self.net(x)
        loss = F.cross_entropy(logits, y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return {"loss": loss, "logits": logits}

    def validation_step(self, batch: Any, batch_idx: int) -> dict[str, Any]:
        x, y = batch
        logits = self.net(x)
        loss = F.cross_entropy(logits, y)
        self.log("val_loss", loss, on_epoch=True)
        return {"loss": loss, "logits": logits}

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def run_snippet(split: Split, tmp_path: Path, *, seed: int, epochs: int, hidden: int, lr: float, **replace: str) -> Any:
    """The README's Lightning lines on ``split`` (a quiet CPU ``Trainer``); returns the callback."""
    torch.manual_seed(seed)
    tensors = [torch.from_numpy(a) for a in (split.X_train, split.y_train, split.X_val, split.y_val)]
    names: dict[str, Any] = {
        "L": SimpleNamespace(Trainer=partial(quiet_trainer, default_root_dir=tmp_path)),
        "model": Classifier(split.X_train.shape[1], int(split.y_train.max()) + 1, hidden=hidden, lr=lr),
        "train_loader": DataLoader(TensorDataset(*tensors[:2]), batch_size=32, shuffle=True),
        "val_loader": DataLoader(TensorDataset(*tensors[2:]), batch_size=256),
        "epochs": epochs,
    }
    exec(readme_snippet(SNIPPET, **replace), names)  # the README's own code
    doctor = names["doctor"]
    assert doctor.recorder.errors == [] and doctor.diagnosis is not None
    return doctor


@each_seed
def test_flipped_labels_headline_label_noise(tmp_path: Path, seed: int) -> None:
    split = digits_split(1000, flip_fraction=0.3, seed=seed)
    doctor = run_snippet(split, tmp_path, seed=seed, epochs=20, hidden=128, lr=5e-3)
    assert_label_noise_headline(doctor.diagnosis, split)
    dynamics = doctor.recorder.training_dynamics
    assert dynamics.seen.all() and dynamics.n_epochs == 19  # every row; from the second epoch (module docstring)
    np.testing.assert_array_equal(doctor.recorder.learned_labels, split.y_train)


@each_seed
def test_a_healthy_run_raises_nothing(tmp_path: Path, seed: int) -> None:
    doctor = run_snippet(digits_split(1000, seed=seed), tmp_path, seed=seed, epochs=8, hidden=128, lr=5e-3)
    assert_nothing_reported(doctor.diagnosis)
    assert doctor.recorder.training_dynamics is not None  # recorded, and found nothing


@each_seed
def test_an_imbalanced_f1_run_reports_the_threshold_fix(tmp_path: Path, seed: int) -> None:
    split = imbalanced_split(seed)
    replace = {"GapdoctorCallback()": 'GapdoctorCallback(metric="f1")'}
    doctor = run_snippet(split, tmp_path, seed=seed, epochs=F1_EPOCHS, hidden=64, lr=1e-3, **replace)
    assert_threshold_fix(doctor.diagnosis)
