"""A 2-process Lightning DDP run (gloo on CPU) with GapdoctorCallback; started by test_lightning.py."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import lightning.pytorch as L
import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from gapdoctor.integrations.lightning import GapdoctorCallback


class Classifier(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        X, y = batch
        loss = F.cross_entropy(self.net(X), y)
        self.batch_losses.append(loss.item())  # what this process saw, to check the reduction
        return loss

    def on_train_epoch_start(self) -> None:
        self.batch_losses: list[float] = []

    def on_train_epoch_end(self) -> None:
        self.per_epoch.append([sum(self.batch_losses), len(self.batch_losses)])

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        X, y = batch
        self.log("val_loss", F.cross_entropy(self.net(X), y), on_epoch=True, sync_dist=True)

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def main(out: Path) -> None:
    torch.set_num_threads(1)
    X, y = load_digits(return_X_y=True)
    X = torch.from_numpy((X / 16).astype(np.float32))
    y = torch.from_numpy(y.astype(np.int64))
    train = DataLoader(TensorDataset(X[:400], y[:400]), batch_size=25, shuffle=True)
    val = DataLoader(TensorDataset(X[400:600], y[400:600]), batch_size=100)
    model = Classifier()
    model.per_epoch = []
    calls: list[int] = []
    callback = GapdoctorCallback(on_epoch_end=lambda recorder: calls.append(recorder.epochs))
    trainer = L.Trainer(
        max_epochs=3,
        accelerator="cpu",
        devices=2,
        strategy="ddp",
        logger=False,
        callbacks=[callback],
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(model, train, val)
    result = {
        "curves": callback.recorder.curves,
        "local": model.per_epoch,
        "calls": calls,
        "errors": callback.recorder.errors,
        "diagnosed": callback.diagnosis is not None,
    }
    (out / f"rank{trainer.global_rank}.json").write_text(json.dumps(result))
    # Both ranks have written their results: leave without the interpreter's teardown, where
    # gloo's threads and the C++ static destructors race ("terminate called without an active
    # exception", seen in about 1 run in 10).
    trainer.strategy.barrier()
    if torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
