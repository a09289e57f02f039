"""GapdoctorCallback inside a real HF Transformers Trainer: a tiny PreTrainedModel built from a config."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations.conftest import Split, digits_split
from tests.seeds import each_seed

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from transformers.modeling_outputs import SequenceClassifierOutput  # noqa: E402

from gapdoctor.integrations.recorder import Recorder  # noqa: E402
from gapdoctor.integrations.transformers import GapdoctorCallback  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:.*pin_memory.*:UserWarning"),
]


class DigitsConfig(transformers.PretrainedConfig):
    model_type = "gapdoctor-digits"

    def __init__(self, n_features: int = 64, hidden_size: int = 64, num_labels: int = 10, **kwargs: Any) -> None:
        super().__init__(num_labels=num_labels, **kwargs)
        self.n_features = n_features
        self.hidden_size = hidden_size


class DigitsModel(transformers.PreTrainedModel):
    config_class = DigitsConfig

    def __init__(self, config: DigitsConfig) -> None:
        super().__init__(config)
        self.hidden = nn.Linear(config.n_features, config.hidden_size)
        self.head = nn.Linear(config.hidden_size, config.num_labels)
        self.post_init()

    def _init_weights(self, module: nn.Module) -> None:
        pass  # keep torch's default initialisation

    def forward(self, features: Any, labels: Any = None, **kwargs: Any) -> SequenceClassifierOutput:
        logits = self.head(torch.relu(self.hidden(features)))
        loss = None if labels is None else F.cross_entropy(logits, labels)
        return SequenceClassifierOutput(loss=loss, logits=logits)


class Rows(torch.utils.data.Dataset):  # type: ignore[type-arg]
    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        self.X, self.y = torch.from_numpy(X), torch.from_numpy(y)

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {"features": self.X[i], "labels": self.y[i]}


def accuracy(prediction: Any) -> dict[str, float]:
    return {"accuracy": float((np.argmax(prediction.predictions, axis=1) == prediction.label_ids).mean())}


def train(
    split: Split, callback: Any, tmp_path: Path, *, epochs: int, hidden: int = 64, lr: float = 3e-3, seed: int = 0
) -> Any:
    transformers.set_seed(seed)
    args = _trainer_args(
        tmp_path, num_train_epochs=epochs, learning_rate=lr, eval_strategy="epoch", logging_strategy="epoch", seed=seed
    )
    trainer = transformers.Trainer(
        model=DigitsModel(DigitsConfig(hidden_size=hidden)),
        args=args,
        train_dataset=Rows(split.X_train, split.y_train),
        eval_dataset=Rows(split.X_val, split.y_val),
        compute_metrics=accuracy,
        callbacks=[callback],
    )
    trainer.train()
    return trainer


def test_curves_match_the_trainers_log_history(tmp_path: Path) -> None:
    callback = GapdoctorCallback()
    trainer = train(digits_split(400), callback, tmp_path, epochs=4)
    history = trainer.state.log_history
    train_loss = [e["loss"] for e in history if "loss" in e]
    eval_loss = [e["eval_loss"] for e in history if "eval_loss" in e]
    eval_accuracy = [e["eval_accuracy"] for e in history if "eval_accuracy" in e]
    curves = callback.recorder.curves
    assert callback.recorder.epochs == 4 and len(train_loss) == 4
    np.testing.assert_allclose(curves["train_loss"], train_loss, rtol=1e-9)
    np.testing.assert_allclose(curves["val_loss"], eval_loss, rtol=1e-9)
    np.testing.assert_allclose(curves["val_accuracy"], eval_accuracy, rtol=1e-9)
    np.testing.assert_allclose(curves["grad_norm"], [e["grad_norm"] for e in history if "grad_norm" in e])
    assert curves["lr"] == [3e-3] * 4
    assert "eval_runtime" not in callback.recorder.extra_curves and callback.recorder.errors == []


@each_seed
def test_overfitting_is_named_on_a_tiny_noisy_training_set(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, seed: int
) -> None:
    split = digits_split(150, flip_fraction=0.3, seed=seed)
    callback = GapdoctorCallback(y_train=split.y_train, diagnose_every=10)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        train(split, callback, tmp_path, epochs=40, hidden=256, lr=1e-2, seed=seed)
    diagnosis = callback.diagnosis
    assert diagnosis is not None and any(f.cause == "overfitting" for f in diagnosis.reported), diagnosis.render()
    # the 30% wrong labels behind it: their memorisation shows in the validation accuracy giving back its peak
    # (label_noise.accuracy_peak_fall), and when it is read that root cause ranks first, saying so
    top = diagnosis.top
    assert top is not None and top.cause in ("overfitting", "label_noise") and top.score >= 0.5
    assert top.cause == "overfitting" or "label_noise explains it" in (top.ranked_ahead_because or "")
    assert any("overfitting began at epoch" in r.getMessage() for r in caplog.records)


@each_seed
def test_healthy_run_is_not_called_overfitting(tmp_path: Path, seed: int) -> None:
    callback = GapdoctorCallback()
    train(digits_split(1000, seed=seed), callback, tmp_path, epochs=6, hidden=32, lr=1e-3, seed=seed)
    assert all(f.score < 0.5 for f in callback.diagnosis.findings if f.cause == "overfitting")


def test_a_failure_inside_gapdoctor_never_stops_training(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Recorder, *args: Any, **kwargs: Any) -> None:
        raise ValueError("injected failure")

    monkeypatch.setattr(Recorder, "log_batch", broken)
    callback = GapdoctorCallback()
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        trainer = train(digits_split(400), callback, tmp_path, epochs=3)
    accuracies = [e["eval_accuracy"] for e in trainer.state.log_history if "eval_accuracy" in e]
    assert len(accuracies) == 3 and accuracies[-1] > 0.8
    assert len(callback.recorder.errors) == 1 and "injected failure" in callback.recorder.errors[0]
    assert len([r for r in caplog.records if r.name == "gapdoctor"]) == 1


def _trainer_args(tmp_path: Path, **settings: Any) -> Any:
    """The TrainingArguments of these tests: CPU, no saving, no progress bar; ``settings`` override."""
    defaults: dict[str, Any] = {
        "output_dir": str(tmp_path),
        "per_device_train_batch_size": 32,
        "per_device_eval_batch_size": 256,
        "learning_rate": 3e-3,
        "lr_scheduler_type": "constant",
        "save_strategy": "no",
        "report_to": "none",
        "use_cpu": True,
        "disable_tqdm": True,
        "dataloader_num_workers": 0,
        "dataloader_pin_memory": False,
        "seed": 0,
    }
    return transformers.TrainingArguments(**{**defaults, **settings})


def _run(split: Split, callback: Any, args: Any) -> Any:
    transformers.set_seed(0)
    trainer = transformers.Trainer(
        model=DigitsModel(DigitsConfig()),
        args=args,
        train_dataset=Rows(split.X_train, split.y_train),
        eval_dataset=Rows(split.X_val, split.y_val),
        compute_metrics=accuracy,
        callbacks=[callback],
    )
    trainer.train()
    return trainer


def test_evaluation_every_n_steps_gives_one_point_per_evaluation(tmp_path: Path) -> None:
    # the setting most HF runs use: eval_strategy="steps", logging_steps left at a few evaluations
    callback = GapdoctorCallback()
    args = _trainer_args(tmp_path, num_train_epochs=3, eval_strategy="steps", eval_steps=4, logging_steps=8)
    trainer = _run(digits_split(400), callback, args)
    history = trainer.state.log_history
    evaluations = [e for e in history if "eval_loss" in e]
    assert len(evaluations) >= 9  # 13 steps per epoch, 3 epochs, one evaluation every 4 steps
    curves = callback.recorder.curves
    assert callback.recorder.epochs == len(evaluations)  # not folded into 3 "epochs"
    np.testing.assert_allclose(curves["val_loss"], [e["eval_loss"] for e in evaluations], rtol=1e-9)
    np.testing.assert_allclose(curves["val_accuracy"], [e["eval_accuracy"] for e in evaluations], rtol=1e-9)
    # the training loss is logged every 8 steps: every other evaluation has one, the others none
    logged = [e["loss"] for e in history if "loss" in e]
    measured = [v for v in curves["train_loss"] if v is not None and np.isfinite(v)]
    np.testing.assert_allclose(measured, logged[: len(measured)], rtol=1e-9)
    assert 0 < len(measured) < len(evaluations)
    assert callback.diagnosis is not None and callback.diagnosis.judged
    assert callback.recorder.errors == []


def test_a_trainer_that_evaluates_nothing_is_told_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    callback = GapdoctorCallback()
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        _run(digits_split(400), callback, _trainer_args(tmp_path, num_train_epochs=2, eval_strategy="no"))
    told = [r.getMessage() for r in caplog.records if "evaluates nothing" in r.getMessage()]
    assert len(told) == 1 and "eval_strategy='epoch'" in told[0]
    # default logging_steps=500 over a 26-step run: not even a training loss was logged, and it is said
    nothing = [r.getMessage() for r in caplog.records if "logged nothing" in r.getMessage()]
    assert len(nothing) == 1 and "logging_steps=500" in nothing[0] and "26 steps" in nothing[0]
    assert callback.diagnosis is None and callback.recorder.curves == {}


def test_a_trainer_logging_by_epoch_without_evaluation_records_the_training_curve(tmp_path: Path) -> None:
    callback = GapdoctorCallback()
    args = _trainer_args(tmp_path, num_train_epochs=3, eval_strategy="no", logging_strategy="epoch")
    trainer = _run(digits_split(400), callback, args)
    logged = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    assert callback.recorder.epochs == 3 and "val_loss" not in callback.recorder.curves
    np.testing.assert_allclose(callback.recorder.curves["train_loss"], logged, rtol=1e-9)
