"""The loop keeps the validation outputs of the latest and the best epoch, and the metric-side
checks (threshold, subgroups, the validation set's noise, the ceiling) run from the loop alone."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from gapdoctor import GapdoctorInputError
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
from gapdoctor.integrations import validation_outputs
from gapdoctor.integrations.recorder import Recorder
from gapdoctor.integrations.validation_outputs import ValidationOutputs
from tests.helpers import keras_on_torch
from tests.integrations.conftest import LIGHTNING_WARNINGS, digits_split, quiet_trainer
from tests.seeds import each_seed

METRIC_SIDE = ("metric_mismatch.decision_rule", "subgroup_failure.per_class_and_group")


def test_logits_and_probabilities_become_probabilities_and_the_best_epoch_is_kept() -> None:
    outputs = ValidationOutputs("accuracy")
    outputs.add(logits=np.array([[3.0, 0.0], [0.0, 3.0], [3.0, 0.0]]), labels=[0, 0, 0])  # 2 of 3 right
    outputs.close(epoch=0)
    outputs.add(probs=np.array([[0.2], [0.9], [0.4]]), labels=[0, 1, 1])  # one column: the positive class
    outputs.close(epoch=1)  # 2 of 3 right again: not better, the best stays epoch 0
    outputs.add(logits=np.array([[0.0, 2.0], [0.0, 2.0], [2.0, 0.0]]), labels=[1, 1, 0])  # all right
    outputs.close(epoch=2)
    assert outputs.latest is not None and outputs.best is not None
    assert (outputs.latest.epoch, outputs.best.epoch, outputs.best.value) == (2, 2, 1.0)
    np.testing.assert_allclose(outputs.latest.probs.sum(axis=1), 1.0, rtol=1e-6)
    two = ValidationOutputs("accuracy")
    two.add(probs=np.array([[0.2], [0.9]]), labels=[0, 1])
    two.close(epoch=0)
    assert two.latest is not None
    np.testing.assert_allclose(two.latest.probs, [[0.8, 0.2], [0.1, 0.9]], rtol=1e-6)
    lower = ValidationOutputs("log_loss")  # lower is better: the best is the smallest
    for epoch, p in enumerate((0.6, 0.9, 0.7)):
        lower.add(probs=np.array([[1 - p, p]]), labels=[1])
        lower.close(epoch=epoch)
    assert lower.best is not None and lower.best.epoch == 1


def test_an_epoch_beyond_the_budget_is_not_kept_and_said_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(validation_outputs, "MAX_CELLS", 10)
    recorder = Recorder(store=False)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        for epoch in range(2):
            recorder.log_batch(1.0 - 0.1 * epoch)
            recorder.log_validation([0, 1, 1, 0], logits=np.zeros((4, 3)))  # 12 cells > 10
            recorder.end_epoch(val_loss=1.0)
    assert recorder.validation.latest is None and recorder.validation.diagnose_inputs() == {}
    assert len([r for r in caplog.records if "budget" in r.getMessage()]) == 1


def test_outputs_that_do_not_line_up_switch_off_keeping_them_not_the_recording(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder(store=False)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        recorder.log_batch(1.0)
        recorder.log_validation([0, 1, 1], logits=np.zeros((2, 2)))  # 3 labels, 2 rows
        recorder.log_validation([0, 1], logits=np.zeros((2, 2)))  # no longer kept
        recorder.end_epoch(val_loss=1.0)
    assert recorder.epochs == 1 and recorder.validation.latest is None
    assert len(recorder.errors) == 1 and "3 labels" in recorder.errors[0]


torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from gapdoctor.torch import Monitor  # noqa: E402


def _imbalanced(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = make_classification(
        n_samples=3000, n_features=20, n_informative=6, weights=[0.92, 0.08], flip_y=0.02, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.35, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train).astype(np.float32), y_train, scaler.transform(X_val).astype(np.float32), y_val


@each_seed
def test_an_imbalanced_f1_run_is_judged_on_its_threshold_from_the_loop_alone(seed: int) -> None:
    X_train, y_train, X_val, y_val = _imbalanced(seed)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    monitor = Monitor(metric="f1", store=False, optimizer=optimizer)
    Xt, yt, Xv, yv = (torch.from_numpy(a) for a in (X_train, y_train, X_val, y_val))
    for _ in range(15):
        order = torch.randperm(len(yt), generator=torch.Generator().manual_seed(seed))
        for start in range(0, len(yt), 64):
            rows = order[start : start + 64]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(Xt[rows]), yt[rows])
            loss.backward()
            optimizer.step()
            monitor.log_batch(loss)
        with torch.no_grad():
            logits = model(Xv)
        monitor.log_validation(yv, logits=logits)  # the one line that keeps the validation outputs
        monitor.end_epoch(val_loss=F.cross_entropy(logits, yv).item())
    diagnosis = monitor.finish()
    assert diagnosis is not None and diagnosis.inputs["val_probs"] == [len(y_val), 2]
    ran = {c.name: c.status for c in diagnosis.checks}
    assert all(ran[name] == "ran" for name in METRIC_SIDE), ran
    threshold = next(f for f in diagnosis.findings if f.check == "metric_mismatch.decision_rule")
    assert isinstance(threshold.result, DecisionRuleGain)
    assert threshold.result.best_rule < threshold.result.default_rule == 0.5  # the minority class: a lower one
    # without log_validation, the same checks wait for val_probs
    bare = Monitor(metric="f1", store=False)
    for epoch in range(6):
        bare.log_batch(1.0 / (epoch + 1))
        bare.end_epoch(val_loss=1.0)
    skipped = {c.name: c.status for c in bare.diagnose().checks}
    assert all(skipped[name] == "skipped" for name in METRIC_SIDE)


L = pytest.importorskip("lightning.pytorch")


class _Classifier(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        X, y = batch
        loss = F.cross_entropy(self.net(X), y)
        self.log("train_loss", loss, on_step=False, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> dict[str, Any]:
        X, y = batch
        logits = self.net(X)
        loss = F.cross_entropy(logits, y)
        self.log("val_loss", loss, on_epoch=True)
        return {"loss": loss, "logits": logits}

    def configure_optimizers(self) -> Any:
        return torch.optim.Adam(self.parameters(), lr=3e-3)


@pytest.mark.filterwarnings(*(m.args[0] for m in LIGHTNING_WARNINGS))
def test_lightning_keeps_the_validation_outputs_its_validation_step_returns(tmp_path: Path) -> None:
    from torch.utils.data import DataLoader, TensorDataset

    from gapdoctor.integrations.lightning import GapdoctorCallback

    split = digits_split(600)
    callback = GapdoctorCallback(store=False)
    torch.manual_seed(0)
    trainer = quiet_trainer(
        max_epochs=5,
        callbacks=[callback],
        num_sanity_val_steps=1,
    )
    data = TensorDataset(torch.from_numpy(split.X_train), torch.from_numpy(split.y_train))
    val = TensorDataset(torch.from_numpy(split.X_val), torch.from_numpy(split.y_val))
    trainer.fit(_Classifier(), DataLoader(data, batch_size=32, shuffle=True), DataLoader(val, batch_size=100))
    kept = callback.recorder.validation
    assert kept.latest is not None and kept.best is not None
    assert kept.latest.epoch == 4 and len(kept.latest.labels) == len(split.y_val)  # no sanity-check rows
    np.testing.assert_array_equal(kept.latest.labels, split.y_val)
    assert callback.diagnosis is not None
    ran = {c.name: c.status for c in callback.diagnosis.checks}
    assert ran["subgroup_failure.per_class_and_group"] == "ran"
    assert callback.diagnosis.inputs["val_probs"] == [len(split.y_val), 10]


def test_hf_trainer_keeps_the_outputs_its_compute_metrics_sees(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    import transformers

    from gapdoctor.integrations.transformers import GapdoctorCallback
    from tests.integrations.test_transformers import DigitsConfig, DigitsModel, Rows, _trainer_args, accuracy

    split = digits_split(400)
    callback = GapdoctorCallback(store=False)
    transformers.set_seed(0)
    trainer = transformers.Trainer(
        model=DigitsModel(DigitsConfig()),
        args=_trainer_args(tmp_path, num_train_epochs=3, eval_strategy="epoch", logging_strategy="epoch"),
        train_dataset=Rows(split.X_train, split.y_train),
        eval_dataset=Rows(split.X_val, split.y_val),
        compute_metrics=callback.compute_metrics(accuracy),
        callbacks=[callback],
    )
    trainer.train()
    history = trainer.state.log_history
    assert [e["eval_accuracy"] for e in history if "eval_accuracy" in e] == callback.recorder.curves["val_accuracy"]
    kept = callback.recorder.validation
    assert kept.latest is not None and kept.latest.epoch == 2
    np.testing.assert_array_equal(kept.latest.labels, split.y_val)
    assert kept.latest.value == pytest.approx(callback.recorder.curves["val_accuracy"][-1])
    ran = {c.name: c.status for c in callback.diagnosis.checks}
    assert ran["subgroup_failure.per_class_and_group"] == "ran"


def test_keras_predicts_the_validation_outputs_it_is_given() -> None:
    keras_on_torch()
    from gapdoctor.integrations.keras import GapdoctorCallback
    from tests.integrations.test_keras import fit

    split = digits_split(400)
    callback = GapdoctorCallback(store=False, validation_data=(split.X_val, split.y_val))
    history = fit(split, callback, epochs=3).history
    kept = callback.recorder.validation
    assert kept.latest is not None and kept.latest.epoch == 2 and len(kept.latest.labels) == len(split.y_val)
    assert kept.latest.value == pytest.approx(float(history["val_accuracy"][-1]), abs=1e-6)  # same predictions
    assert callback.diagnosis.inputs["val_probs"] == [len(split.y_val), 10]
    with pytest.raises(GapdoctorInputError, match="validation_data"):
        GapdoctorCallback(validation_data=split.X_val)
