"""HF ``Trainer`` runs of tasks whose labels are not one class id per example, fitted as a new user would.

Before, a regression (``num_labels=1``) had its training dynamics switched off on "logits has shape (32, 1) ...
pass the model's raw outputs" (advice for a user who passes nothing), and a multi-label run on an internal
``ValueError`` (operands could not be broadcast); with ``compute_metrics=doctor.compute_metrics(...)``, the
regression's outputs were kept and then refused ("val_probs does not fit"). Now one line says why no per-row
classification evidence is kept, and the curves are recorded to the end. A tiny BERT built from a config.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from gapdoctor.integrations.transformers import GapdoctorCallback  # noqa: E402
from tests.integrations.test_transformers import _trainer_args  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*pin_memory.*:UserWarning"),
]

_TOKENS = 12


class Tokens(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self, ids: np.ndarray, labels: np.ndarray) -> None:
        self.ids, self.labels = torch.from_numpy(ids), torch.from_numpy(labels)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {
            "input_ids": self.ids[i],
            "attention_mask": torch.ones(_TOKENS, dtype=torch.long),
            "labels": self.labels[i],
        }


def _fit(tmp_path: Path, labels: np.ndarray, ids: np.ndarray, **config: Any) -> GapdoctorCallback:
    transformers.set_seed(0)
    model = transformers.BertForSequenceClassification(
        transformers.BertConfig(
            vocab_size=50,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            max_position_embeddings=32,
            **config,
        )
    )
    args = _trainer_args(tmp_path, num_train_epochs=4, eval_strategy="epoch", logging_strategy="epoch")
    callback = GapdoctorCallback()
    transformers.Trainer(
        model=model,
        args=args,
        train_dataset=Tokens(ids[:480], labels[:480]),
        eval_dataset=Tokens(ids[480:], labels[480:]),
        compute_metrics=callback.compute_metrics(),
        callbacks=[callback],
    ).train()
    return callback


def _ids() -> np.ndarray:
    return np.random.default_rng(0).integers(3, 50, size=(600, _TOKENS))


@pytest.mark.parametrize("task", ["regression", "multi_label_classification"])
def test_a_task_without_class_ids_records_its_curves_and_says_why_nothing_else(
    task: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ids = _ids()
    if task == "regression":
        labels = (ids < 10).sum(axis=1).astype(np.float32)
        config: dict[str, Any] = {"num_labels": 1}
    else:
        labels = np.stack([(ids < 10).any(axis=1), (ids > 45).any(axis=1)], axis=1).astype(np.float32)
        config = {"num_labels": 2, "problem_type": task}
    with caplog.at_level(logging.INFO, logger="gapdoctor"):
        callback = _fit(tmp_path, labels, ids, **config)
    assert callback.recorder.errors == []
    assert callback.recorder.epochs == 4 and "val_loss" in callback.recorder.curves
    assert callback.recorder.training_dynamics is None
    assert "not one class id per example" in caplog.text
    assert callback.diagnosis is not None
    assert not [note for note in callback.diagnosis.notes if "val_probs" in note], callback.diagnosis.notes


def test_single_label_classification_still_records_its_dynamics_and_outputs(tmp_path: Path) -> None:
    ids = _ids()
    callback = _fit(tmp_path, ((ids < 10).sum(axis=1) > 2).astype(np.int64), ids, num_labels=2)
    assert callback.recorder.errors == []
    assert callback.recorder.training_dynamics is not None
    assert callback.recorder.validation.diagnose_inputs()  # the evaluation's outputs were kept
