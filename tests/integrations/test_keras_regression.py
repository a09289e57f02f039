"""A Keras regression model (MSE loss), fitted with the callback as a new user would.

Before, the callback took its one output column for a binary classifier: the per-row training dynamics were
switched off after the first epoch on "class ids outside 0..1" (the regression targets), and the diagnosis said
that what the loop recorded as ``val_probs`` did not fit (two columns against 78 "classes"). Two internal-sounding
messages for an ordinary run; now one line says why no classification evidence is recorded.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)

from gapdoctor.integrations.keras import GapdoctorCallback  # noqa: E402


@pytest.mark.parametrize("loss", ["mse", "mean_absolute_error", "huber"])
def test_a_regression_fit_records_its_curves_and_says_why_nothing_else(
    loss: str, caplog: pytest.LogCaptureFixture
) -> None:
    X, y = load_diabetes(return_X_y=True)
    X, y = X.astype(np.float32), y.astype(np.float32)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
    model.compile("adam", loss=keras.losses.Huber() if loss == "huber" else loss, metrics=["mae"])
    callback = GapdoctorCallback()
    with caplog.at_level(logging.INFO, logger="gapdoctor"):
        model.fit(X, y, validation_split=0.2, epochs=6, verbose=0, callbacks=[callback])
    assert callback.recorder.errors == []
    assert callback.recorder.epochs == 6 and "val_loss" in callback.recorder.curves
    assert callback.recorder.training_dynamics is None
    said = caplog.text
    assert "regression loss" in said and "class ids" not in said
    assert callback.diagnosis is not None
    assert not [note for note in callback.diagnosis.notes if "val_probs" in note], callback.diagnosis.notes
