"""Training dynamics fed by the Lightning callback from ``training_step``'s logits: label noise from the loop alone."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations.conftest import LIGHTNING_WARNINGS, Split, digits_split, quiet_trainer
from tests.seeds import each_seed

torch = pytest.importorskip("torch")
L = pytest.importorskip("lightning.pytorch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from torch.utils.data import BatchSampler, DataLoader, Dataset, IterableDataset, TensorDataset  # noqa: E402

from gapdoctor.integrations.lightning import GapdoctorCallback  # noqa: E402

pytestmark = LIGHTNING_WARNINGS

LR = 5e-3  # with BATCH, the MLP fits the clean digits within a few of its 20 epochs (an underfit run reads as noise)
BATCH = 32
MIN_PRECISION = 0.8  # share of the flagged rows truly flipped (0.94-0.95 measured on seeds 0-2)
NOISE_SCORE = 0.5  # a finding at or above this score is reported (gapdoctor's reporting threshold)


class IndexedDigits(Dataset[tuple[Any, Any, int]]):
    """A dataset that returns its index last: batches ``(x, y, idx)``."""

    def __init__(self, split: Split) -> None:
        self.X, self.y = torch.from_numpy(split.X_train), torch.from_numpy(split.y_train)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, index: int) -> tuple[Any, Any, int]:
        return self.X[index], self.y[index], index


class LogitsClassifier(L.LightningModule):
    """Returns ``{"loss": loss, "logits": logits}`` (or only the loss when ``logits=False``)."""

    def __init__(self, *, logits: bool, lr: float = LR) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        self.return_logits = logits
        self.lr = lr

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        X, y = batch[0], batch[1]
        logits = self.net(X)
        loss = F.cross_entropy(logits, y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return {"loss": loss, "logits": logits} if self.return_logits else loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        X, y = batch
        logits = self.net(X)
        self.log("val_loss", F.cross_entropy(logits, y), on_epoch=True)
        self.log("val_acc", (logits.argmax(1) == y).float().mean(), on_epoch=True)

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def fit(split: Split, callback: Any, tmp_path: Path, *, seed: int, epochs: int, logits: bool = True) -> None:
    torch.manual_seed(seed)
    train = DataLoader(IndexedDigits(split), batch_size=BATCH, shuffle=True)
    val = DataLoader(TensorDataset(torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)), batch_size=256)
    trainer = quiet_trainer(
        max_epochs=epochs,
        callbacks=[callback],
        default_root_dir=tmp_path,
    )
    trainer.fit(LogitsClassifier(logits=logits), train, val)


def label_noise(callback: Any) -> list[Any]:
    return [f for f in callback.diagnosis.findings if f.cause == "label_noise" and f.score >= NOISE_SCORE]


@each_seed
def test_flipped_labels_headline_label_noise_from_the_loop_alone(tmp_path: Path, seed: int) -> None:
    split = digits_split(1000, flip_fraction=0.3, seed=seed)
    callback = GapdoctorCallback()  # no y_train, no n_train: rows and their count come from the loader
    fit(split, callback, tmp_path, seed=seed, epochs=20)
    diagnosis = callback.diagnosis
    assert diagnosis is not None and diagnosis.top is not None, callback.recorder.errors
    assert diagnosis.top.cause == "label_noise" and diagnosis.top.score >= NOISE_SCORE, diagnosis.render()
    flagged = np.asarray(diagnosis.top.rows)
    assert np.isin(flagged, split.flipped).mean() > MIN_PRECISION
    assert callback.recorder.errors == []


@each_seed
def test_clean_labels_raise_no_label_noise(tmp_path: Path, seed: int) -> None:
    callback = GapdoctorCallback()
    fit(digits_split(1000, seed=seed), callback, tmp_path, seed=seed, epochs=20)
    assert callback.recorder.training_dynamics is not None  # recorded, and found nothing
    assert label_noise(callback) == [], callback.diagnosis.render()


def test_a_training_step_returning_only_the_loss_trains_and_says_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    callback = GapdoctorCallback()
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        fit(digits_split(300), callback, tmp_path, seed=0, epochs=3, logits=False)
    said = [r.getMessage() for r in caplog.records if "training_step returns no 'logits'" in r.getMessage()]
    assert len(said) == 1 and "{'loss': loss, 'logits': logits}" in said[0]
    assert callback.recorder.epochs == 3 and callback.recorder.training_dynamics is None
    assert callback.recorder.errors == []


class StreamedDigits(IterableDataset[tuple[Any, Any]]):
    """Rows streamed without indices: neither the batches nor the loader's sampler say which rows they are."""

    def __init__(self, split: Split) -> None:
        self.X, self.y = torch.from_numpy(split.X_train), torch.from_numpy(split.y_train)

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        return iter(zip(self.X, self.y, strict=True))


def test_plain_batches_get_their_row_ids_from_the_loaders_sampler(tmp_path: Path) -> None:
    split = digits_split(300, flip_fraction=0.3)
    callback = GapdoctorCallback(store=False)
    train = DataLoader(TensorDataset(torch.from_numpy(split.X_train), torch.from_numpy(split.y_train)), batch_size=32)
    val = DataLoader(TensorDataset(torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)), batch_size=256)
    torch.manual_seed(0)
    shuffled = DataLoader(train.dataset, batch_size=32, shuffle=True)
    quiet_trainer(
        max_epochs=4, callbacks=[callback], default_root_dir=tmp_path, reload_dataloaders_every_n_epochs=1
    ).fit(LogitsClassifier(logits=True), shuffled, val)
    assert type(shuffled.batch_sampler) is BatchSampler  # watched epoch by epoch: the loader's own one after fit
    dynamics = callback.recorder.training_dynamics
    # the first epoch's iterator exists before the callbacks start: epochs 2-4 are recorded, every row each
    assert dynamics is not None and dynamics.n_epochs == 3 and dynamics.seen.all(), callback.recorder.errors
    learned = callback.recorder.learned_labels
    assert learned is not None and np.array_equal(learned, split.y_train)  # each row's own label: the ids are right


def test_logits_without_row_ids_are_said_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    split = digits_split(300)
    callback = GapdoctorCallback()
    train = DataLoader(StreamedDigits(split), batch_size=64)
    val = DataLoader(TensorDataset(torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)), batch_size=256)
    trainer = quiet_trainer(
        max_epochs=2,
        callbacks=[callback],
        default_root_dir=tmp_path,
        num_sanity_val_steps=2,
    )
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        trainer.fit(LogitsClassifier(logits=True), train, val)
    said = [r.getMessage() for r in caplog.records if "carry no row ids" in r.getMessage()]
    assert len(said) == 1 and "RowIndexed" in said[0]
    assert callback.recorder.epochs == 2 and callback.recorder.training_dynamics is None


class LabelFirstDigits(IndexedDigits):
    """Batches ``(y, x, y)``: a first item of integers that are not row ids (they repeat)."""

    def __getitem__(self, index: int) -> tuple[Any, Any, int]:
        return self.y[index], self.X[index], self.y[index]


def test_integers_that_repeat_are_not_taken_for_row_ids(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    split = digits_split(300)
    callback = GapdoctorCallback()

    class Module(LogitsClassifier):
        def training_step(self, batch: Any, batch_idx: int) -> Any:
            return super().training_step((batch[1], batch[2]), batch_idx)

    trainer = quiet_trainer(
        max_epochs=2,
        callbacks=[callback],
        default_root_dir=tmp_path,
    )
    val = DataLoader(TensorDataset(torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)), batch_size=256)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        trainer.fit(Module(logits=True), DataLoader(LabelFirstDigits(split), batch_size=64, shuffle=True), val)
    said = [r.getMessage() for r in caplog.records if "repeat" in r.getMessage()]
    assert len(said) == 1 and "'rows'" in said[0] and "sampler instead" in said[0]
    assert callback.recorder.epochs == 2 and callback.recorder.training_dynamics is not None
    learned = callback.recorder._row_labels._labels  # epoch 2's rows, from the sampler: each with its own label
    seen = learned >= 0
    assert seen.all() and np.array_equal(learned[seen], split.y_train[seen])
