"""The README's Keras snippet, run as is on bundled data (torch backend): the whole diagnosis from ``fit``.

The callback reads ``y`` and ``y_pred`` of each training batch from the model's loss
computation and the rows from the sampler of the DataLoader ``fit`` builds over the
arrays (shuffled). Each trajectory test holds on every seed of :data:`tests.seeds.SEEDS`.
"""

from __future__ import annotations

import logging
import os
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

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
if keras.backend.backend() != "torch":
    pytest.skip("these tests run Keras on its torch backend", allow_module_level=True)


# Keras' progress bar (fit's default verbose) on torch 2.13 with numpy 2: Keras' own warning, not gapdoctor's
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

SNIPPET = "# Keras 3"


def model_for(split: Split, *, hidden: int, lr: float, sigmoid: bool = False) -> Any:
    """An MLP: logits for every class (sparse cross-entropy), or one sigmoid output (binary cross-entropy)."""
    layers = [keras.Input(shape=(split.X_train.shape[1],)), keras.layers.Dense(hidden, activation="relu")]
    if sigmoid:
        layers.append(keras.layers.Dense(1, activation="sigmoid"))
        loss: Any = keras.losses.BinaryCrossentropy()
    else:
        layers.append(keras.layers.Dense(int(split.y_train.max()) + 1))
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss=loss, metrics=["accuracy"])
    return model


def run_snippet(
    split: Split, *, seed: int, epochs: int, hidden: int, lr: float, sigmoid: bool = False, **replace: str
) -> Any:
    """The README's ``fit`` lines on ``split``; returns the callback."""
    keras.utils.set_random_seed(seed)
    names: dict[str, Any] = {
        "model": model_for(split, hidden=hidden, lr=lr, sigmoid=sigmoid),
        "X_train": split.X_train,
        "y_train": split.y_train,
        "X_val": split.X_val,
        "y_val": split.y_val,
        "epochs": epochs,
    }
    exec(readme_snippet(SNIPPET, **replace), names)  # the README's own code
    doctor = names["doctor"]
    assert doctor.recorder.errors == [] and doctor.diagnosis is not None
    assert "_compute_loss" not in vars(names["model"])  # the model's own loss computation again after fit
    return doctor


@each_seed
def test_flipped_labels_headline_label_noise(seed: int) -> None:
    split = digits_split(1000, flip_fraction=0.3, seed=seed)
    doctor = run_snippet(split, seed=seed, epochs=20, hidden=128, lr=5e-3)
    assert_label_noise_headline(doctor.diagnosis, split)
    dynamics = doctor.recorder.training_dynamics
    assert dynamics.seen.all() and dynamics.n_epochs == 20  # every row, every epoch
    np.testing.assert_array_equal(doctor.recorder.learned_labels, split.y_train)  # the sampler's ids are right


@each_seed
def test_a_healthy_run_raises_nothing(seed: int) -> None:
    doctor = run_snippet(digits_split(1000, seed=seed), seed=seed, epochs=8, hidden=128, lr=5e-3)
    assert_nothing_reported(doctor.diagnosis)
    assert doctor.recorder.training_dynamics is not None  # recorded, and found nothing


@each_seed
def test_an_imbalanced_f1_run_with_a_sigmoid_output_reports_the_threshold_fix(seed: int) -> None:
    split = imbalanced_split(seed)
    replace = {"GapdoctorCallback(": 'GapdoctorCallback(metric="f1", '}
    doctor = run_snippet(split, seed=seed, epochs=F1_EPOCHS, hidden=64, lr=1e-3, sigmoid=True, **replace)
    assert_threshold_fix(doctor.diagnosis)
    dynamics = doctor.recorder.training_dynamics  # one sigmoid column read as two classes
    assert dynamics is not None and dynamics.seen.all()
    assert all(f.cause != "label_noise" for f in doctor.diagnosis.reported), doctor.diagnosis.render()


def test_a_fit_on_unshuffled_arrays_gets_the_rows_in_order(caplog: pytest.LogCaptureFixture) -> None:
    from gapdoctor.integrations.keras import GapdoctorCallback

    split = digits_split(300)
    doctor = GapdoctorCallback(store=False)
    keras.utils.set_random_seed(0)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        model_for(split, hidden=32, lr=3e-3).fit(
            split.X_train, split.y_train, epochs=3, batch_size=64, shuffle=False, verbose=0, callbacks=[doctor]
        )
    np.testing.assert_array_equal(doctor.recorder.learned_labels, split.y_train)
    assert doctor.recorder.training_dynamics.n_epochs == 3 and doctor.recorder.errors == []
    assert not [r for r in caplog.records if "cannot tell" in r.getMessage()]


def test_a_fit_on_a_generator_says_once_that_rows_are_unknown(caplog: pytest.LogCaptureFixture) -> None:
    from gapdoctor.integrations.keras import GapdoctorCallback

    split = digits_split(300)

    def batches() -> Any:
        while True:
            for start in range(0, 300, 60):
                yield split.X_train[start : start + 60], split.y_train[start : start + 60]

    doctor = GapdoctorCallback(store=False)
    keras.utils.set_random_seed(0)
    with caplog.at_level(logging.WARNING, logger="gapdoctor"):
        model_for(split, hidden=32, lr=3e-3).fit(
            batches(), steps_per_epoch=5, epochs=3, shuffle=False, verbose=0, callbacks=[doctor]
        )
    said = [r.getMessage() for r in caplog.records if "training dynamics" in r.getMessage()]
    assert len(said) == 1 and "cannot tell which training rows" in said[0] and "fit on arrays" in said[0], said
    assert doctor.recorder.epochs == 3 and doctor.recorder.training_dynamics is None
    assert doctor.recorder.errors == []
