"""Fault injection into real Keras 3 ``fit`` runs (torch backend): no fault reaches ``fit``.

Each fault must leave ``fit`` running to its end with weights bit-identical to the same
run without gapdoctor.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import ExitStack
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.integrations import _faults as hostile
from tests.integrations.conftest import digits_split

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)

import gapdoctor.engine  # noqa: E402
from gapdoctor.integrations.keras import GapdoctorCallback  # noqa: E402


class LogMangler(keras.callbacks.Callback):  # type: ignore[misc]
    """Another callback, called before gapdoctor's, that writes odd values into the shared ``logs``."""

    def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
        if logs is not None:
            logs.update(
                per_class_f1=np.zeros(10),  # what keras.metrics.F1Score(average=None) logs
                note="n/a",
                complex_value=1 + 2j,
                huge=10**400,
                missing=None,
                loss=math.nan if epoch == 1 else logs["loss"],
                val_loss=math.inf if epoch == 2 else logs["val_loss"],
            )


def fit(callbacks: list[Any], *, epochs: int = 3) -> list[np.ndarray]:
    split = digits_split(300)
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input(shape=(64,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(10)]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        split.X_train,
        split.y_train,
        validation_data=(split.X_val, split.y_val),
        epochs=epochs,
        batch_size=32,
        verbose=0,
        callbacks=callbacks,
    )
    return [v.value.detach().cpu().numpy().copy() for v in model.weights]  # get_weights() warns on numpy 2


@cache
def reference(mangled: bool = False) -> list[np.ndarray]:
    return fit([LogMangler()] if mangled else [])


def assert_same_training(weights: list[np.ndarray], expected: list[np.ndarray]) -> None:
    assert len(weights) == len(expected)
    for got, want in zip(weights, expected, strict=True):
        np.testing.assert_array_equal(got, want, err_msg="training was changed")


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[hostile.Context]:
    with ExitStack() as stack:
        yield hostile.Context(tmp_path, monkeypatch, stack)


def test_hostile_logging_handler(ctx: hostile.Context) -> None:
    expected = reference()
    hostile.add_handler(ctx)
    callback = GapdoctorCallback(diagnose_every=1, on_epoch_end=hostile.failing_hook(OSError("disk full")))
    assert_same_training(fit([callback]), expected)
    assert callback.recorder.epochs == 3 and callback.recorder.enabled
    hostile.reported_through_hostile_logging(ctx, callback.recorder.errors)


def test_diagnosis_raises(ctx: hostile.Context) -> None:
    expected = reference()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("injected into diagnose()")

    ctx.monkeypatch.setattr(gapdoctor.engine, "diagnose", broken)
    callback = GapdoctorCallback(diagnose_every=1)
    assert_same_training(fit([callback]), expected)
    assert callback.diagnosis is None and callback.recorder.epochs == 3


def test_odd_values_in_the_logs_are_dropped_one_by_one(ctx: hostile.Context) -> None:
    expected = reference(mangled=True)
    callback = GapdoctorCallback()
    assert_same_training(fit([LogMangler(), callback]), expected)
    recorder = callback.recorder
    assert recorder.enabled and recorder.epochs == 3
    assert np.isfinite(recorder.curves["val_accuracy"]).all() and len(recorder.curves["lr"]) == 3
    assert math.isnan(recorder.curves["train_loss"][1]) and math.isinf(recorder.curves["val_loss"][2])
    dropped = {line.split("'")[1] for line in recorder.errors}
    assert dropped == {"per_class_f1", "note", "complex_value", "huge"}, recorder.errors


def test_a_run_store_deleted_mid_run(ctx: hostile.Context) -> None:
    expected = reference()
    callback = GapdoctorCallback(on_epoch_end=hostile.store_deleted_mid_run_hook(ctx))
    assert_same_training(fit([callback]), expected)
    assert callback.recorder.epochs == 3 and callback.diagnosis is not None


def test_a_user_interrupt_propagates(ctx: hostile.Context) -> None:
    callback = GapdoctorCallback(on_epoch_end=hostile.failing_hook(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        fit([callback])
    assert callback.recorder.epochs == 2 and callback.recorder.finish() is not None


def test_predicting_the_validation_rows_leaves_training_as_it_was() -> None:
    """``validation_data=`` makes the callback predict once per epoch; that pass draws from torch's
    global generator (every DataLoader iterator takes a seed from it), which moved the next epoch's
    shuffle until the generators were put back (``integrations.random_state``)."""
    split = digits_split(300)
    callback = GapdoctorCallback(validation_data=(split.X_val, split.y_val))
    assert_same_training(fit([callback]), reference())
    assert callback.recorder.epochs == 3 and callback.recorder.errors == []
    ran = {check.name for check in callback.diagnosis.checks if check.status == "ran"}
    assert "subgroup_failure.per_class_and_group" in ran  # it read the predicted validation outputs
