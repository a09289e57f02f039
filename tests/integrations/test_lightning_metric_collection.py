"""A Lightning module logging a torchmetrics ``MetricCollection``: its series are keyed by the metric's class name
(``val_MulticlassAccuracy``, ``val_MulticlassF1Score``), and are read as the accuracy and F1 they are, from the
callback and from the ``CSVLogger`` file alike.
"""

from __future__ import annotations

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
tm = pytest.importorskip("torchmetrics")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import gapdoctor  # noqa: E402
from gapdoctor.integrations.lightning import GapdoctorCallback  # noqa: E402

pytestmark = LIGHTNING_WARNINGS


class CollectionClassifier(L.LightningModule):
    """Logs ``train_loss``, ``val_loss`` and one ``MetricCollection`` per split, cloned with a prefix."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
        metrics = tm.MetricCollection(
            [tm.Accuracy(task="multiclass", num_classes=10), tm.F1Score(task="multiclass", num_classes=10)]
        )
        self.train_metrics = metrics.clone(prefix="train_")
        self.val_metrics = metrics.clone(prefix="val_")

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        X, y = batch
        logits = self.net(X)
        loss = F.cross_entropy(logits, y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        self.log_dict(self.train_metrics(logits, y), on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        X, y = batch
        logits = self.net(X)
        self.log("val_loss", F.cross_entropy(logits, y))
        self.val_metrics.update(logits, y)

    def on_validation_epoch_end(self) -> None:
        self.log_dict(self.val_metrics.compute())
        self.val_metrics.reset()

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=1e-2)


def _fit(split: Split, callback: Any, tmp_path: Path, seed: int) -> Path:
    """40 epochs on 150 rows, 30% of them mislabelled: the validation accuracy peaks early and falls."""
    torch.manual_seed(seed)
    train = tensor_loader(split.X_train, split.y_train, batch_size=32, shuffle=True)
    logger = L.loggers.CSVLogger(tmp_path, name="run", version=0)
    trainer = quiet_trainer(max_epochs=40, logger=logger, callbacks=[callback])
    trainer.fit(CollectionClassifier(), train, tensor_loader(split.X_val, split.y_val, batch_size=256))
    return Path(logger.log_dir) / "metrics.csv"


@each_seed
def test_a_metric_collections_class_names_are_read_as_its_metrics(tmp_path: Path, seed: int) -> None:
    # Unread, the class names left the run judged on its loss alone, and the file's reading said so in a note.
    callback = GapdoctorCallback()
    path = _fit(digits_split(150, flip_fraction=0.3, seed=seed), callback, tmp_path, seed)
    accuracy, f1 = csv_column(path, "val_MulticlassAccuracy"), csv_column(path, "val_MulticlassF1Score")
    assert len(accuracy) == len(f1) == 40

    diagnosis = callback.diagnosis
    assert diagnosis is not None
    from_file = gapdoctor.diagnose(history=path)
    for read in (diagnosis, from_file):
        np.testing.assert_allclose(read.curves["val_accuracy"], accuracy, rtol=1e-6)
        np.testing.assert_allclose(read.curves["val_f1"], f1, rtol=1e-6)
        assert len(read.curves["train_accuracy"]) == 40
        assert not [n for n in read.notes if "not understood" in n], read.notes
        assert any(f.cause == "overfitting" for f in read.reported), read.render()
