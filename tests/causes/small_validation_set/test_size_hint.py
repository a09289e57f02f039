"""The validation size read off a logged accuracy, said in the diagnosis of a history alone
(:mod:`gapdoctor.causes.small_validation_set.size_hint`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification

import gapdoctor
from tests.helpers import keras_on_torch

DATA = Path(__file__).resolve().parents[2] / "data"
PNEUMONIA = DATA / "real_logs" / "keras_pneumonia_head_training.csv"  # the Kaggle chest X-ray set: 16 validation images


def _size_notes(diagnosis: gapdoctor.Diagnosis) -> list[str]:
    return [note for note in diagnosis.notes if note.startswith("small_validation_set.sampling_noise: needs val_size")]


def test_a_real_keras_history_on_sixteen_validation_images_names_sixteen_and_the_size_lets_the_check_judge() -> None:
    plain = gapdoctor.diagnose(history=PNEUMONIA)
    (note,) = _size_notes(plain)
    assert "a share of 16 rows" in note and "val_size=16" in note and "--val-size 16" in note
    assert next(r for r in plain.checks if r.name == "small_validation_set.sampling_noise").status == "skipped"
    assert plain.top is None or plain.top.cause != "small_validation_set"  # the count is said, not assumed

    sized = gapdoctor.diagnose(history=PNEUMONIA, val_size=16)
    assert not _size_notes(sized)
    assert sized.top is not None and sized.top.cause == "small_validation_set", sized.findings


def test_no_note_where_the_accuracy_shows_no_count() -> None:
    """Two-decimal accuracies (shares of 100, or of almost any count) and a history with no accuracy."""
    losses = [0.9, 0.7, 0.6, 0.5, 0.45, 0.4]
    two_decimals = {"train_loss": losses, "val_loss": losses, "val_accuracy": [0.61, 0.67, 0.7, 0.73, 0.74, 0.76]}
    assert not _size_notes(gapdoctor.diagnose(history=two_decimals))
    assert not _size_notes(gapdoctor.diagnose(history={"train_loss": losses, "val_loss": losses}))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_keras_fit_on_37_validation_rows_is_named_37(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Keras' CSVLogger writes the float32 accuracy of 37 rows (a prime: no smaller count divides every share)."""
    keras = keras_on_torch(monkeypatch)
    X, y = make_classification(n_samples=237, n_features=12, n_informative=4, flip_y=0.2, random_state=seed)
    X = X.astype(np.float32)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((12,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    log = tmp_path / "training.log"
    model.fit(
        X[:200],
        y[:200],
        validation_data=(X[200:], y[200:]),
        epochs=15,
        batch_size=16,
        verbose=0,
        callbacks=[keras.callbacks.CSVLogger(str(log))],
    )
    (note,) = _size_notes(gapdoctor.diagnose(history=log))
    assert "a share of 37 rows" in note


def test_the_cli_takes_the_size_and_refuses_a_bad_one() -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "gapdoctor", "diagnose", "--history", str(PNEUMONIA), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    sized = run("--val-size", "16")
    assert "Most likely cause: validation set too small" in sized.stdout, sized.stdout + sized.stderr
    for bad in (["--val-size", "0"], ["--val-size", "16", "--val", str(PNEUMONIA)], ["--val-size", "sixteen"]):
        refused = run(*bad)
        assert refused.returncode == 2 and "--val-size" in refused.stderr and "Traceback" not in refused.stderr
