"""GapdoctorCallback inside a real Keras 3 ``fit`` on the torch backend (no TensorFlow)."""

from __future__ import annotations

import logging
import os
from typing import Any

import numpy as np
import pytest

from tests.integrations.conftest import Split, digits_split
from tests.seeds import each_seed

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)

from gapdoctor.integrations.keras import GapdoctorCallback  # noqa: E402
from gapdoctor.integrations.recorder import Recorder  # noqa: E402


def fit(split: Split, callback: Any, *, epochs: int, hidden: int = 128, lr: float = 3e-3, seed: int = 0) -> Any:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input(shape=(64,)), keras.layers.Dense(hidden, activation="relu"), keras.layers.Dense(10)]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=lr),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model.fit(
        split.X_train,
        split.y_train,
        validation_data=(split.X_val, split.y_val),
        epochs=epochs,
        batch_size=32,
        verbose=0,
        callbacks=[callback],
    )


def test_curves_match_keras_history() -> None:
    callback = GapdoctorCallback()
    history = fit(digits_split(400), callback, epochs=4).history
    curves = callback.recorder.curves
    assert callback.recorder.epochs == 4
    np.testing.assert_allclose(curves["train_loss"], history["loss"], rtol=1e-6)
    np.testing.assert_allclose(curves["train_accuracy"], history["accuracy"], rtol=1e-6)
    np.testing.assert_allclose(curves["val_loss"], history["val_loss"], rtol=1e-6)
    np.testing.assert_allclose(curves["val_accuracy"], history["val_accuracy"], rtol=1e-6)
    np.testing.assert_allclose(curves["lr"], [3e-3] * 4, rtol=1e-6)
    assert callback.recorder.errors == []


@each_seed
def test_overfitting_is_named_on_a_tiny_noisy_training_set(caplog: pytest.LogCaptureFixture, seed: int) -> None:
    split = digits_split(150, flip_fraction=0.3, seed=seed)
    callback = GapdoctorCallback(y_train=split.y_train, diagnose_every=10)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        fit(split, callback, epochs=40, hidden=256, lr=1e-2, seed=seed)
    assert callback.diagnosis is not None
    reported = {f.cause: f.score for f in callback.diagnosis.findings if f.score >= 0.5}
    assert "overfitting" in reported  # the symptom; its root cause, the 30% wrong labels, may head it
    assert callback.diagnosis.top.cause in ("overfitting", "label_noise")
    assert any("overfitting began at epoch" in r.getMessage() for r in caplog.records)


@each_seed
def test_healthy_run_is_not_called_overfitting(seed: int) -> None:
    callback = GapdoctorCallback()
    fit(digits_split(1000, seed=seed), callback, epochs=6, hidden=32, lr=1e-3, seed=seed)
    assert all(f.score < 0.5 for f in callback.diagnosis.findings if f.cause == "overfitting")


def test_a_failure_inside_gapdoctor_never_stops_training(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: Recorder, values: Any) -> None:
        raise ZeroDivisionError("injected failure")

    monkeypatch.setattr(Recorder, "_close_epoch", broken)
    callback = GapdoctorCallback()
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        history = fit(digits_split(400), callback, epochs=3).history
    assert len(history["val_accuracy"]) == 3 and history["val_accuracy"][-1] > 0.8
    assert len(callback.recorder.errors) == 1 and "injected failure" in callback.recorder.errors[0]
    assert len([r for r in caplog.records if r.name == "gapdoctor"]) == 1


@each_seed
def test_validation_features_that_skipped_the_scaler_read_as_a_pipeline_bug(seed: int) -> None:
    """Validation features that skipped the scaler: from the loop's own outputs alone, every validation row is
    predicted one class with certainty (the collapse check); with the arrays given when diagnosing (the README's
    route to the data checks), the split-preprocessing check names the features too."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=169, random_state=seed, stratify=y)
    X_train = StandardScaler().fit(X_train).transform(X_train)  # the validation rows never go through it
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input(shape=(30,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(2)]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    callback = GapdoctorCallback(validation_data=(X_val, y_val))
    model.fit(
        X_train, y_train, validation_data=(X_val, y_val), epochs=15, batch_size=32, verbose=0, callbacks=[callback]
    )
    assert callback.diagnosis is not None
    top = callback.diagnosis.top
    assert top is not None and top.check == "pipeline_bug.collapsed_predictions" and not top.weak
    assert top.evidence["val_pinned_share"] == 1.0  # every row of the other class, at probability 0.999 or more
    with_arrays = callback.recorder.diagnose(X_train=X_train, X_val=X_val)
    assert with_arrays.top is not None and with_arrays.top.cause == "pipeline_bug" and not with_arrays.top.weak
    assert "pipeline_bug.split_preprocessing" in {f.check for f in with_arrays.findings if not f.weak}


def test_validation_outputs_are_read_from_fits_own_validation_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the torch backend the outputs come from the forward pass fit's validation already makes: no
    ``predict`` of gapdoctor's (it cost more than a small model's training epoch), the same values."""
    split = digits_split(400)
    predicted: list[int] = []
    original = keras.Model.predict

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        predicted.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(keras.Model, "predict", counted)
    groups = np.arange(len(split.y_val)) % 2
    given = GapdoctorCallback(validation_data=(split.X_val, split.y_val, groups))
    model_history = fit(split, given, epochs=3)
    assert not predicted and len(model_history.history["val_loss"]) == 3
    latest = given.recorder.validation.latest
    assert latest is not None and latest.epoch == 2
    np.testing.assert_array_equal(latest.labels, split.y_val)
    np.testing.assert_array_equal(latest.groups, groups)
    assert latest.value == pytest.approx(float(model_history.history["val_accuracy"][-1]), abs=1e-6)

    not_given = GapdoctorCallback()  # validation_data for fit alone: its outputs are kept all the same
    fit(split, not_given, epochs=3)
    assert not predicted and not_given.recorder.validation.latest is not None
    ran = {check.name for check in not_given.diagnosis.checks if check.status == "ran"}
    assert "subgroup_failure.per_class_and_group" in ran
