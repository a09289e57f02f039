"""The README's HF Trainer snippet, run as is on bundled data: the whole diagnosis from the Trainer alone.

A tiny ``PreTrainedModel`` built from a config (no download); the callback reads each
training batch's labels and logits from a forward hook and the rows from the Trainer's
sampler. Each trajectory test holds on every seed of :data:`tests.seeds.SEEDS`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
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
transformers = pytest.importorskip("transformers")

from tests.integrations.test_transformers import DigitsConfig, DigitsModel, Rows, _trainer_args  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*pin_memory.*:UserWarning"),
]

SNIPPET = "# HF Transformers"


def run_snippet(split: Split, tmp_path: Path, *, seed: int, epochs: int, hidden: int, lr: float, **replace: str) -> Any:
    """The README's Trainer lines on ``split``; returns the callback."""
    transformers.set_seed(seed)
    config = DigitsConfig(
        n_features=split.X_train.shape[1], hidden_size=hidden, num_labels=int(split.y_train.max()) + 1
    )
    names: dict[str, Any] = {
        "Trainer": transformers.Trainer,
        "model": DigitsModel(config),
        "args": _trainer_args(
            tmp_path,
            num_train_epochs=epochs,
            learning_rate=lr,
            eval_strategy="epoch",
            logging_strategy="epoch",
            seed=seed,
        ),
        "train_dataset": Rows(split.X_train, split.y_train),
        "eval_dataset": Rows(split.X_val, split.y_val),
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
    assert dynamics.seen.all() and dynamics.n_epochs == 20  # every row, every epoch
    np.testing.assert_array_equal(doctor.recorder.learned_labels, split.y_train)  # the sampler's ids are right


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


def test_a_model_whose_batches_carry_no_labels_trains_and_is_told_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from gapdoctor.integrations.transformers import GapdoctorCallback

    split = digits_split(300)
    doctor = GapdoctorCallback(store=False)
    transformers.set_seed(0)

    def loss_of(outputs: Any, labels: Any, num_items_in_batch: Any = None) -> Any:
        return torch.nn.functional.cross_entropy(outputs["logits"], labels)

    trainer = transformers.Trainer(
        model=DigitsModel(DigitsConfig()),
        args=_trainer_args(tmp_path, num_train_epochs=3, eval_strategy="epoch", logging_strategy="epoch"),
        train_dataset=Rows(split.X_train, split.y_train),
        eval_dataset=Rows(split.X_val, split.y_val),
        compute_loss_func=loss_of,  # the Trainer takes the labels out of the batch before the forward pass
        callbacks=[doctor],
    )
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        trainer.train()
    said = [r.getMessage() for r in caplog.records if "training dynamics" in r.getMessage()]
    assert len(said) == 1 and "compute_loss_func" in said[0]
    assert doctor.recorder.epochs == 3 and doctor.recorder.training_dynamics is None
    assert doctor.recorder.errors == []
    assert not trainer.model._forward_hooks  # the hook is removed when training ends


class StreamedRows(torch.utils.data.IterableDataset):  # type: ignore[type-arg]
    """Rows streamed without indices: the Trainer's loader has no sampler to read them from."""

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.rows = Rows(X, y)

    def __iter__(self) -> Any:
        return (self.rows[i] for i in range(len(self.rows)))


def test_a_streamed_dataset_is_told_once_and_trains(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    from gapdoctor.integrations.transformers import GapdoctorCallback

    split = digits_split(300)
    doctor = GapdoctorCallback(store=False)
    transformers.set_seed(0)
    trainer = transformers.Trainer(
        model=DigitsModel(DigitsConfig()),
        args=_trainer_args(tmp_path, max_steps=30, eval_strategy="steps", eval_steps=10, logging_steps=10),
        train_dataset=StreamedRows(split.X_train, split.y_train),
        eval_dataset=Rows(split.X_val, split.y_val),
        callbacks=[doctor],
    )
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        trainer.train()
    said = [r.getMessage() for r in caplog.records if "training dynamics" in r.getMessage()]
    assert len(said) == 1 and "IterableDataset" in said[0] and "map-style train_dataset" in said[0], said
    assert doctor.recorder.epochs == 3 and doctor.recorder.training_dynamics is None
    assert not trainer.model._forward_hooks and doctor.recorder.errors == []
