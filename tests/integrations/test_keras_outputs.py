"""A Keras model with several outputs, as a new user fits one: the callback, and ``History.history`` passed by hand.

Before, the callback stopped recording after the first epoch on an internal error (its training-dynamics hook
read ``y_pred`` as one tensor; a multi-output model's is a dict), so the run had no diagnosis at all; and
``gapdoctor.diagnose(history=fit(...).history)`` refused ``digit_accuracy`` as a name it does not understand.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

import gapdoctor
from tests.integrations.conftest import digits_split
from tests.seeds import each_seed

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)

from gapdoctor.integrations.keras import GapdoctorCallback  # noqa: E402

CHECK = "optimization.output_at_chance"


def _fit(callback: Any, *, frozen_size: bool, seed: int) -> dict[str, list[float]]:
    """Digits with two outputs: the digit (10 classes) and whether it is 5 or more (2 classes); ``frozen_size``: that
    output's layer starts at zero and is not trainable (a branch frozen by mistake)."""
    keras.utils.set_random_seed(seed)
    split = digits_split(800, seed=seed)
    inputs = keras.Input((64,))
    hidden = keras.layers.Dense(64, activation="relu")(inputs)
    digit = keras.layers.Dense(10, activation="softmax", name="digit")(hidden)
    size = keras.layers.Dense(
        2, activation="softmax", name="size", trainable=not frozen_size, kernel_initializer="zeros"
    )(hidden)
    model = keras.Model(inputs, {"digit": digit, "size": size})
    loss = "sparse_categorical_crossentropy"
    model.compile("adam", loss={"digit": loss, "size": loss}, metrics={"digit": "accuracy", "size": "accuracy"})

    def targets(y: np.ndarray) -> dict[str, np.ndarray]:
        return {"digit": y, "size": (y >= 5).astype(np.int64)}

    history = model.fit(
        split.X_train,
        targets(split.y_train),
        validation_data=(split.X_val, targets(split.y_val)),
        epochs=10,
        batch_size=32,
        verbose=0,
        callbacks=[callback],
    )
    return dict(history.history)


@each_seed
def test_the_callback_records_a_multi_output_model_and_names_the_output_that_never_learnt(seed: int) -> None:
    callback = GapdoctorCallback()
    history = _fit(callback, frozen_size=True, seed=seed)
    assert callback.recorder.errors == []  # no internal error: recording went on to the end
    assert callback.recorder.epochs == 10
    top = callback.diagnosis.top
    assert top is not None and top.check == CHECK and not top.weak
    assert "Output 'size' never learnt" in top.summary and top.evidence["learnt"] == "digit"
    # the same verdict from the History object passed by hand
    by_hand = gapdoctor.diagnose(history=history)
    assert by_hand.top is not None and by_hand.top.check == CHECK
    assert any("multi-output model's per-output series" in note for note in by_hand.notes), by_hand.notes


@each_seed
def test_both_outputs_learning_are_not_read_so(seed: int) -> None:
    callback = GapdoctorCallback()
    history = _fit(callback, frozen_size=False, seed=seed)
    assert callback.recorder.errors == []
    assert callback.diagnosis is not None
    assert not [f for f in callback.diagnosis.findings if f.check == CHECK]
    assert not [f for f in gapdoctor.diagnose(history=history).findings if f.check == CHECK]


def test_an_unknown_series_beside_a_multi_output_models_is_still_refused() -> None:
    history = {"loss": [1.0, 0.8], "a_loss": [0.5, 0.4], "b_loss": [0.5, 0.4], "val_loss": [1.1, 0.9], "foo": [1, 2]}
    with pytest.raises(gapdoctor.GapdoctorInputError, match="'foo' is not a name gapdoctor understands"):
        gapdoctor.diagnose(history=history)


def test_validation_data_given_for_a_multi_output_model_is_said_not_kept(caplog: pytest.LogCaptureFixture) -> None:
    split = digits_split(800, seed=0)
    targets = {"digit": split.y_val, "size": (split.y_val >= 5).astype(np.int64)}
    callback = GapdoctorCallback(validation_data=(split.X_val, targets))
    with caplog.at_level("INFO", logger="gapdoctor"):
        _fit(callback, frozen_size=True, seed=0)
    assert callback.recorder.errors == []  # before: a TypeError switched the validation outputs off
    assert "records no validation outputs for a model with several outputs" in caplog.text
    assert callback.diagnosis.top is not None and callback.diagnosis.top.check == CHECK
