"""A Lightning run with several validation loaders: the first loader's series (``val_loss/dataloader_idx_0``) are
the validation curves, from the callback and from the ``CSVLogger`` file alike; the other loaders' are named, not read.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations.conftest import (
    LIGHTNING_WARNINGS,
    Split,
    csv_column,
    digits_split,
    quiet_trainer,
    tensor_loader,
)
from tests.seeds import each_seed

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import gapdoctor  # noqa: E402
from gapdoctor.integrations.lightning import GapdoctorCallback  # noqa: E402

pytestmark = LIGHTNING_WARNINGS


class TwoLoaderClassifier(L.LightningModule):
    """Logs ``val_loss`` and ``val_acc`` in ``validation_step`` of every loader: Lightning suffixes each name."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        X, y = batch
        loss = F.cross_entropy(self.net(X), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> None:
        X, y = batch
        logits = self.net(X)
        self.log("val_loss", F.cross_entropy(logits, y))
        self.log("val_acc", (logits.argmax(1) == y).float().mean())

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def _fit(split: Split, callback: Any, tmp_path: Path, seed: int) -> Path:
    """40 epochs on 150 rows, 30% of them mislabelled; loader 0 the validation rows, loader 1 the training rows."""
    torch.manual_seed(seed)
    train = tensor_loader(split.X_train, split.y_train, batch_size=32, shuffle=True)
    loaders = [
        tensor_loader(split.X_val, split.y_val, batch_size=256),
        tensor_loader(split.X_train, split.y_train, batch_size=256),
    ]
    logger = L.loggers.CSVLogger(tmp_path, name="run", version=0)
    trainer = quiet_trainer(max_epochs=40, logger=logger, callbacks=[callback])
    trainer.fit(TwoLoaderClassifier(), train, loaders)
    return Path(logger.log_dir) / "metrics.csv"


@each_seed
def test_the_first_of_several_validation_loaders_is_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    # Read loader 1 (the training rows evaluated again) as the validation curve and no gap would show.
    callback = GapdoctorCallback()
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        path = _fit(digits_split(150, flip_fraction=0.3, seed=seed), callback, tmp_path, seed)
    (said,) = [r.getMessage() for r in caplog.records if "validation loader" in r.getMessage()]
    assert "val_loss/dataloader_idx_1" in said and "val_acc/dataloader_idx_1" in said
    first = csv_column(path, "val_loss/dataloader_idx_0")
    assert len(first) == 40 and len(csv_column(path, "val_loss/dataloader_idx_1")) == 40
    np.testing.assert_allclose(callback.recorder.curves["val_loss"], first, rtol=1e-6)

    diagnosis = callback.diagnosis
    assert diagnosis is not None and any(f.cause == "overfitting" for f in diagnosis.reported), diagnosis.render()
    from_file = gapdoctor.diagnose(history=path)
    assert any(f.cause == "overfitting" for f in from_file.reported), from_file.render()
    np.testing.assert_allclose(from_file.curves["val_loss"], first, rtol=1e-6)
    (note,) = [n for n in from_file.notes if "validation loaders" in n]
    assert "val_loss/dataloader_idx_1" in note and "val_acc/dataloader_idx_1" in note
