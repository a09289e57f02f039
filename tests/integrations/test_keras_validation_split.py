"""Keras' ``validation_split`` on data stored in class order: the last rows, cut before any shuffling, are the
validation split, so it holds classes no training row has.

Before, the callback recorded ``y_val``, the door refused it ("contains labels never seen in y_train"), the
diagnosis went on without it and headlined overfitting ("stop early at epoch 13", validation accuracy 1.7%). The
classes the training split lacks are now the finding, ahead of the overfitting they cause.
"""

from __future__ import annotations

import logging
import os

import numpy as np
import pytest
from sklearn.datasets import load_digits

from tests.seeds import each_seed

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)

from gapdoctor.integrations.keras import GapdoctorCallback  # noqa: E402


@each_seed
def test_a_validation_split_cut_from_class_ordered_data_is_named(caplog: pytest.LogCaptureFixture, seed: int) -> None:
    X, y = load_digits(return_X_y=True)
    order = np.argsort(y, kind="stable")  # a dataset stored class by class
    X, y = (X[order] / 16.0).astype(np.float32), y[order]
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((64,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10, activation="softmax")]
    )
    model.compile(keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callback = GapdoctorCallback()
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        model.fit(X, y, epochs=12, verbose=0, validation_split=0.2, callbacks=[callback])
    assert "does not fit" not in caplog.text  # y_val kept, not dropped

    diagnosis = callback.diagnosis
    assert diagnosis is not None
    top = diagnosis.reported[0]
    assert top.cause == "distribution_shift", diagnosis.render()
    assert top.result is not None and top.result.unseen_classes == "8, 9"
    assert top.result.unseen_share is not None and top.result.unseen_share > 0.9
    assert "validation_split" in top.fixes[0]
    # the unseen classes land on trained ones: no relabelling is offered as an encoding bug
    assert not [f for f in diagnosis.findings if f.check == "pipeline_bug.label_encoding"], diagnosis.render()
