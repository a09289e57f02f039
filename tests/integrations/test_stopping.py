"""``stop_when``: a real run that overfits is stopped once overfitting is reported, with the epoch to
keep named, in a torch loop, Lightning, HF Transformers and Keras; a healthy run is not stopped."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from gapdoctor import GapdoctorInputError
from gapdoctor.integrations.recorder import Recorder
from gapdoctor.integrations.stopping import check_stop_when
from tests.integrations.conftest import LIGHTNING_WARNINGS, Split, digits_split
from tests.seeds import each_seed

EPOCHS = 40  # the tiny noisy set of the frameworks' overfitting tests: named there on every seed


def test_stop_when_takes_cause_names_only() -> None:
    assert check_stop_when("overfitting") == ("overfitting",)
    assert check_stop_when(["overfitting", "optimization"]) == ("overfitting", "optimization")
    for bad in ("overfit", 3, ("overfitting", None)):
        with pytest.raises(GapdoctorInputError, match="stop_when"):
            Recorder(store=False, stop_when=bad)


def _assert_stopped_early(recorder: Recorder, epochs_run: int) -> None:
    decision = recorder.stopping.decision
    assert decision is not None and decision.cause == "overfitting" and decision.score >= 0.5
    assert epochs_run == decision.epoch < EPOCHS
    assert decision.best_epoch is not None and decision.best_epoch < decision.epoch


torch = pytest.importorskip("torch")
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from gapdoctor.torch import Monitor  # noqa: E402


def _torch_loop(split: Split, monitor: Monitor, *, seed: int, epochs: int = EPOCHS, hidden: int = 256) -> int:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    X, y = torch.from_numpy(split.X_train), torch.from_numpy(split.y_train)
    X_val, y_val = torch.from_numpy(split.X_val), torch.from_numpy(split.y_val)
    for epoch in range(epochs):
        order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed + epoch))
        for start in range(0, len(y), 32):
            rows = order[start : start + 32]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(X[rows]), y[rows])
            loss.backward()
            optimizer.step()
            monitor.log_batch(loss)
        with torch.no_grad():
            logits = model(X_val)
        monitor.end_epoch(
            val_loss=F.cross_entropy(logits, y_val).item(),
            val_accuracy=(logits.argmax(1) == y_val).float().mean().item(),
        )
        if monitor.should_stop:
            return epoch + 1
    return epochs


@each_seed
def test_a_torch_loop_stops_when_overfitting_is_reported(seed: int, caplog: pytest.LogCaptureFixture) -> None:
    monitor = Monitor(store=False, stop_when=("overfitting",))
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        ran = _torch_loop(digits_split(150, flip_fraction=0.3, seed=seed), monitor, seed=seed)
    _assert_stopped_early(monitor, ran)
    assert any(
        "stops training after epoch" in r.getMessage() and "keep epoch" in r.getMessage() for r in caplog.records
    )


@each_seed
def test_a_healthy_torch_run_is_not_stopped(seed: int) -> None:
    monitor = Monitor(store=False, stop_when=("overfitting",))
    ran = _torch_loop(digits_split(1000, seed=seed), monitor, seed=seed, epochs=6, hidden=32)
    assert ran == 6 and not monitor.should_stop


def _lightning_warnings(test: Any) -> Any:
    for mark in LIGHTNING_WARNINGS:  # Lightning's own advice (few workers...) is not what the test is about
        test = mark(test)
    return test


@each_seed
@_lightning_warnings
def test_lightning_stops_the_trainer(tmp_path: Path, seed: int) -> None:
    L = pytest.importorskip("lightning.pytorch")
    from gapdoctor.integrations.lightning import GapdoctorCallback
    from tests.integrations.test_lightning import fit

    callback = GapdoctorCallback(store=False, stop_when=("overfitting",))
    split = digits_split(150, flip_fraction=0.3, seed=seed)
    fit(split, callback, tmp_path, epochs=EPOCHS, hidden=256, lr=1e-2, seed=seed)
    assert L is not None
    _assert_stopped_early(callback.recorder, callback.recorder.epochs)


@each_seed
def test_hf_trainer_stops_training(tmp_path: Path, seed: int) -> None:
    pytest.importorskip("transformers")
    from gapdoctor.integrations.transformers import GapdoctorCallback
    from tests.integrations.test_transformers import train

    callback = GapdoctorCallback(store=False, stop_when=("overfitting",))
    split = digits_split(150, flip_fraction=0.3, seed=seed)
    trainer = train(split, callback, tmp_path, epochs=EPOCHS, hidden=256, lr=1e-2, seed=seed)
    _assert_stopped_early(callback.recorder, callback.recorder.epochs)
    assert trainer.state.epoch <= callback.recorder.epochs + 1 < EPOCHS


@each_seed
def test_keras_stops_fit(seed: int) -> None:
    pytest.importorskip("keras")
    from gapdoctor.integrations.keras import GapdoctorCallback
    from tests.integrations.test_keras import fit

    callback = GapdoctorCallback(store=False, stop_when=("overfitting",))
    split = digits_split(150, flip_fraction=0.3, seed=seed)
    history: Any = fit(split, callback, epochs=EPOCHS, hidden=256, lr=1e-2, seed=seed)
    _assert_stopped_early(callback.recorder, len(history.epoch))
    assert np.isfinite(history.history["val_loss"]).all()
