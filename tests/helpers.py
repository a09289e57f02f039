"""Helpers shared by tests: the command line in a subprocess, Keras on its torch backend, a Lightning classifier."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import gapdoctor


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gapdoctor ARGS`` against the gapdoctor under test."""
    src = str(Path(gapdoctor.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", ""), "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "gapdoctor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


def keras_on_torch(monkeypatch: pytest.MonkeyPatch | None = None) -> ModuleType:
    """Keras 3 on its torch backend; the test is skipped where keras or torch is absent, or keras already runs
    another backend (set before keras is first imported: ``monkeypatch`` scopes it to the test)."""
    if monkeypatch is not None:
        monkeypatch.setenv("KERAS_BACKEND", "torch")
    else:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("keras was imported with another backend")
    return keras


def lightning_classifier(sizes: tuple[int, int, int], optimizer: Callable[[Any], Any]) -> Any:
    """A Lightning module (an MLP of ``sizes``: inputs, hidden, classes) logging ``train_loss`` per step and per
    epoch, ``val_loss`` and ``val_acc`` per epoch, as people write one; ``optimizer(parameters)`` builds its
    optimiser. The test is skipped where Lightning or torch is absent; subclass it to log more."""
    pl = pytest.importorskip("lightning.pytorch")
    torch = pytest.importorskip("torch")
    inputs, hidden, classes = sizes

    class Classifier(pl.LightningModule):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.net = torch.nn.Sequential(
                torch.nn.Linear(inputs, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, classes)
            )

        def training_step(self, batch, _index):  # type: ignore[no-untyped-def]
            loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
            self.log("train_loss", loss, on_step=True, on_epoch=True)
            return loss

        def validation_step(self, batch, _index):  # type: ignore[no-untyped-def]
            logits = self.net(batch[0])
            self.log("val_loss", torch.nn.functional.cross_entropy(logits, batch[1]))
            self.log("val_acc", (logits.argmax(1) == batch[1]).float().mean())

        def configure_optimizers(self):  # type: ignore[no-untyped-def]
            return optimizer(self.parameters())

    return Classifier


def random_labels(seed: int, n: int = 96, dim: int = 32) -> tuple[Any, Any, Any, Any]:
    """``X, y, X_val, y_val``: Gaussian features and random binary labels, a run that can only memorise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, dim)).astype(np.float32)
    y = rng.integers(0, 2, size=2 * n)
    return X[:n], y[:n], X[n:], y[n:]


def tiny_bert_on_random_tokens(seed: int) -> tuple[Any, Callable[[int], list[dict[str, object]]]]:
    """A one-layer BERT built from a config (no download) and ``rows(n)``: random token rows with random labels,
    for the HF Trainer; the test is skipped where transformers, accelerate or torch is absent."""
    import numpy as np

    transformers = pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    config = transformers.BertConfig(
        vocab_size=64, hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
        max_position_embeddings=16, num_labels=2,
    )  # fmt: skip
    torch.manual_seed(seed)
    model = transformers.BertForSequenceClassification(config)

    def rows(n: int) -> list[dict[str, object]]:
        ids, labels = rng.integers(1, 64, size=(n, 12)), rng.integers(0, 2, size=n)
        return [{"input_ids": torch.tensor(ids[i]), "labels": int(labels[i])} for i in range(n)]

    return model, rows
