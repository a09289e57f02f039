"""A small torch MLP trained under dropout and input noise, logged as frameworks log it.

The training loss and accuracy are the running means of the epoch's batches in training mode
(dropout on, noisy inputs), the validation loss and accuracy are read in evaluation mode: a clean
run's logged training curve sits below validation and jitters more than the validation loss.
Shared by the label-noise fit-gap and the optimisation-jitter tests (each pins its own figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from gapdoctor.bench.training import flip_labels

EPOCHS = 30
HIDDEN_DROPOUT, INPUT_DROPOUT, INPUT_NOISE = 0.5, 0.2, 1.0


@dataclass(frozen=True)
class DropoutRun:
    """The logged curves (``train_loss``, ``train_accuracy``, ``val_loss``, ``val_accuracy``), the
    standardised training features, the training labels as given, the validation labels and probabilities."""

    history: dict[str, list[float]]
    x_train: NDArray[np.float64]
    y_given: NDArray[np.int64]
    y_val: NDArray[np.int64]
    val_probs: NDArray[np.float64]


def dropout_run(X: NDArray[np.float64], y: NDArray[np.int64], seed: int, flipped: float = 0.0) -> DropoutRun:
    """A 30% stratified validation split; ``flipped`` of the training labels flipped; 30 epochs of Adam."""
    import torch

    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    x_train = torch.tensor(scaler.transform(X_train), dtype=torch.float32)
    x_val = torch.tensor(scaler.transform(X_val), dtype=torch.float32)
    k = int(y.max()) + 1
    y_given = flip_labels(y_train, flipped, k, np.random.default_rng(seed))[0]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(
        torch.nn.Dropout(INPUT_DROPOUT),
        torch.nn.Linear(x_train.shape[1], 128),
        torch.nn.ReLU(),
        torch.nn.Dropout(HIDDEN_DROPOUT),
        torch.nn.Linear(128, k),
    )
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-3)
    targets, generator = torch.tensor(y_given), torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"train_loss": [], "train_accuracy": [], "val_loss": [], "val_accuracy": []}
    for _ in range(EPOCHS):
        model.train()
        loss_sum = correct = 0.0
        for batch in torch.randperm(len(x_train), generator=generator).split(32):
            noise = INPUT_NOISE * torch.randn(len(batch), x_train.shape[1], generator=generator)
            logits = model(x_train[batch] + noise)
            loss = torch.nn.functional.cross_entropy(logits, targets[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            loss_sum += loss.item() * len(batch)  # the running mean, in training mode, as frameworks log it
            correct += (logits.argmax(1) == targets[batch]).sum().item()
        model.eval()
        with torch.no_grad():
            val_logits = model(x_val)
        history["train_loss"].append(loss_sum / len(x_train))
        history["train_accuracy"].append(correct / len(x_train))
        history["val_loss"].append(torch.nn.functional.cross_entropy(val_logits, torch.tensor(y_val)).item())
        history["val_accuracy"].append(float((val_logits.argmax(1).numpy() == y_val).mean()))
    val_probs = torch.softmax(val_logits, 1).double().numpy()
    return DropoutRun(history, scaler.transform(X_train), y_given, y_val, val_probs)
