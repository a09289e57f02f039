"""The README's PyTorch loop snippet, run as is on bundled data: the whole diagnosis from the loop alone.

No ``y_train``, no out-of-fold probabilities, no row ids passed by hand: the monitor reads
the rows of each batch from ``train_loader``'s sampler and the labels and logits from
``log_batch``. Each trajectory test holds on every seed of :data:`tests.seeds.SEEDS`.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integrations.conftest import (
    F1_EPOCHS,
    Split,
    assert_label_noise_headline,
    assert_nothing_reported,
    assert_threshold_fix,
    digits_split,
    imbalanced_split,
    readme_snippet,
)
from tests.seeds import each_seed

torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

SNIPPET = "# plain PyTorch"


def run_snippet(split: Split, *, seed: int, epochs: int, hidden: int, lr: float, **replace: str) -> Any:
    """The README's loop on ``split`` with a one-hidden-layer MLP; returns the monitor."""
    torch.manual_seed(seed)
    n_features, n_classes = split.X_train.shape[1], int(split.y_train.max()) + 1
    model = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))
    data = TensorDataset(torch.from_numpy(split.X_train), torch.from_numpy(split.y_train))
    names: dict[str, Any] = {
        "model": model,
        "optimizer": torch.optim.Adam(model.parameters(), lr=lr),
        "train_loader": DataLoader(data, batch_size=32, shuffle=True),
        "epochs": epochs,
        "X_val": torch.from_numpy(split.X_val),
        "y_val": torch.from_numpy(split.y_val),
        "torch": torch,
        "F": F,
    }
    exec(readme_snippet(SNIPPET, **replace), names)  # the README's own code
    monitor = names["monitor"]
    assert monitor.errors == [] and monitor.last_diagnosis is not None
    return monitor


@each_seed
def test_flipped_labels_headline_label_noise(seed: int) -> None:
    split = digits_split(1000, flip_fraction=0.3, seed=seed)
    monitor = run_snippet(split, seed=seed, epochs=20, hidden=128, lr=5e-3)
    assert_label_noise_headline(monitor.last_diagnosis, split)
    assert monitor.training_dynamics.seen.all()  # every row, not a sample


@each_seed
def test_a_healthy_run_raises_nothing(seed: int) -> None:
    monitor = run_snippet(digits_split(1000, seed=seed), seed=seed, epochs=8, hidden=128, lr=5e-3)
    diagnosis = monitor.last_diagnosis
    assert_nothing_reported(diagnosis)
    assert monitor.training_dynamics is not None  # recorded, and found nothing


@each_seed
def test_an_imbalanced_f1_run_reports_the_threshold_fix(seed: int) -> None:
    split = imbalanced_split(seed)
    monitor = run_snippet(
        split, seed=seed, epochs=F1_EPOCHS, hidden=64, lr=1e-3, **{"Monitor(": 'Monitor(metric="f1", '}
    )
    diagnosis = monitor.last_diagnosis
    assert_threshold_fix(diagnosis)
    assert all(f.cause != "label_noise" for f in diagnosis.reported), diagnosis.render()
