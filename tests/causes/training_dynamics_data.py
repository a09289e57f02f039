"""A real torch MLP trained on sklearn's digits with flipped labels, recording training dynamics.

Shared by the training-dynamics tests and ``benchmarks/training_dynamics.py``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler

IntArray = NDArray[np.int64]
N_CLASSES = 10


def digits() -> tuple[NDArray[np.float32], IntArray]:
    """Standardised digits features (float32) and labels."""
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y.astype(np.int64)


def flip_labels(y: IntArray, noise: float, seed: int, *, kind: str = "symmetric") -> IntArray:
    """A copy of ``y`` with a share ``noise`` of labels changed.

    ``symmetric``: to a uniformly drawn other class; ``class_conditional``: class k to class
    (k + 1) mod n (the pairs a human labeller confuses).
    """
    rng = np.random.default_rng(seed)
    noisy = y.copy()
    flip = rng.random(len(y)) < noise
    n_classes = int(y.max()) + 1
    if kind == "symmetric":
        noisy[flip] = (y[flip] + rng.integers(1, n_classes, int(flip.sum()))) % n_classes
    else:
        noisy[flip] = (y[flip] + 1) % n_classes
    return noisy


def train_mlp(
    X: NDArray[np.float32],
    y: IntArray,
    *,
    seed: int,
    epochs: int = 30,
    on_batch: Callable[[IntArray, object, object], None] | None = None,
    on_epoch: Callable[[], None] | None = None,
) -> Callable[[NDArray[np.float32]], NDArray[np.float64]]:
    """Train a 1-hidden-layer MLP with Adam, calling ``on_batch(rows, logits, labels)`` each step.

    Returns the trained model's ``predict_proba(X)``.
    """
    import torch
    from torch import nn
    from torch.nn import functional as F

    torch.manual_seed(seed)
    n_classes = int(y.max()) + 1
    model = nn.Sequential(nn.Linear(X.shape[1], 128), nn.ReLU(), nn.Linear(128, n_classes))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    features, labels = torch.from_numpy(X), torch.from_numpy(y)
    generator = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=generator)
        for start in range(0, len(y), 64):
            rows = order[start : start + 64]
            logits = model(features[rows])
            loss = F.cross_entropy(logits, labels[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            if on_batch is not None:
                on_batch(rows.numpy(), logits.detach(), labels[rows])
        if on_epoch is not None:
            on_epoch()

    def predict_proba(X_new: NDArray[np.float32]) -> NDArray[np.float64]:
        with torch.no_grad():
            return torch.softmax(model(torch.from_numpy(X_new)), dim=1).double().numpy()

    return predict_proba


def f1(flagged: IntArray, truly_flipped: NDArray[np.bool_]) -> float:
    """F1 of the flagged rows against the truly flipped ones."""
    hits = int(truly_flipped[flagged].sum())
    if not hits:
        return 0.0
    precision, recall = hits / len(flagged), hits / int(truly_flipped.sum())
    return 2 * precision * recall / (precision + recall)
