"""label_noise.accuracy_peak_fall: validation accuracy that peaked and fell back while training went on."""

from __future__ import annotations

import csv
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import gapdoctor
from gapdoctor.causes.label_noise.score import PEAK_FALL_MIN_Z
from tests.data.recording import corpus_inputs
from tests.seeds import each_seed

CHECK = "label_noise.accuracy_peak_fall"
EPOCHS = 40


@cache
def _curves(seed: int, flipped: float) -> dict[str, list[float]]:
    """A two-layer network on 1,000 digits, ``flipped`` of its training labels moved to another digit: the
    curves a training loop logs (training loss, validation loss and accuracy on 500 clean rows), per epoch."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=500, random_state=seed, stratify=y)
    X_train, y_train = X_train[:1000], y_train[:1000]
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    rng = np.random.default_rng(seed)
    moved = rng.random(len(y_train)) < flipped
    y_given = y_train.copy()
    y_given[moved] = (y_train[moved] + rng.integers(1, 10, int(moved.sum()))) % 10
    model = MLPClassifier(hidden_layer_sizes=(128, 128), learning_rate_init=3e-3, batch_size=64, random_state=seed)
    history: dict[str, list[float]] = {"train_loss": [], "val_loss": [], "val_accuracy": []}
    rows = np.arange(len(y_val))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(EPOCHS):
            model.partial_fit(X_train, y_given, classes=np.arange(10))
            probs = model.predict_proba(X_val)
            history["train_loss"].append(float(model.loss_))
            history["val_loss"].append(float(-np.mean(np.log(probs[rows, y_val] + 1e-12))))
            history["val_accuracy"].append(float(np.mean(probs.argmax(axis=1) == y_val)))
    return history


@each_seed
def test_thirty_percent_flipped_labels_headline_label_noise_from_the_curves_alone(seed: int) -> None:
    diagnosis = gapdoctor.diagnose(history=_curves(seed, 0.3), metric="accuracy", val_size=500)
    assert diagnosis.top is not None and diagnosis.top.check == CHECK and not diagnosis.top.weak
    evidence = diagnosis.top.evidence
    assert evidence["fall_points"] >= 8.0 and evidence["fall_z"] >= PEAK_FALL_MIN_Z
    # what stopping at the peak would have kept: the gain names the peak
    assert diagnosis.top.gain is not None and diagnosis.top.gain["after_fix"] == evidence["peak"]
    overfitting = next(f for f in diagnosis.findings if f.cause == "overfitting")
    assert overfitting.score > diagnosis.top.score  # ahead as the root cause it explains, said in the output
    assert diagnosis.top.ranked_ahead_because is not None


@each_seed
def test_the_same_network_on_clean_labels_keeps_its_accuracy(seed: int) -> None:
    diagnosis = gapdoctor.diagnose(history=_curves(seed, 0.0), metric="accuracy", val_size=500)
    assert not [f for f in diagnosis.findings if f.check == CHECK]
    assert any(r.name == CHECK and r.status == "ran" for r in diagnosis.checks)  # it looked


def _history(accuracy: np.ndarray, train_loss: np.ndarray) -> dict[str, list[float]]:
    return {"train_loss": list(train_loss), "val_accuracy": list(accuracy)}


EPOCH = np.arange(30)
MEMORISING = 2.0 * np.exp(-EPOCH / 5.0) + 1e-3
PEAK_THEN_FALL = 0.9 - 0.15 * np.clip((EPOCH - 5) / 20, 0, 1) - 0.3 * np.exp(-EPOCH)


def test_a_fall_within_the_sampling_noise_of_a_small_validation_set_is_no_evidence() -> None:
    smaller = 0.9 - 0.04 * np.clip((EPOCH - 5) / 20, 0, 1) - 0.3 * np.exp(-EPOCH)  # 4 points on 60 rows
    diagnosis = gapdoctor.diagnose(history=_history(smaller, MEMORISING), val_size=60)
    assert not [f for f in diagnosis.findings if f.check == CHECK]
    assert [
        f
        for f in gapdoctor.diagnose(history=_history(PEAK_THEN_FALL, MEMORISING), val_size=600).findings
        if f.check == CHECK
    ]


def test_a_training_loss_that_stopped_falling_at_the_peak_is_not_memorising() -> None:
    flat_after = np.r_[MEMORISING[:6], np.full(24, MEMORISING[5])]
    diagnosis = gapdoctor.diagnose(history=_history(PEAK_THEN_FALL, flat_after), val_size=600)
    assert not [f for f in diagnosis.findings if f.check == CHECK]


def test_a_peak_among_the_last_points_has_given_nothing_back() -> None:
    rising = 0.5 + 0.4 * (1 - np.exp(-EPOCH / 6.0))
    diagnosis = gapdoctor.diagnose(history=_history(rising, MEMORISING), val_size=600)
    assert not [f for f in diagnosis.findings if f.check == CHECK]


def test_an_error_rate_is_read_the_other_way_up() -> None:
    history = {"train_loss": list(MEMORISING), "val_error": list(1.0 - PEAK_THEN_FALL)}
    finding = next(f for f in gapdoctor.diagnose(history=history, val_size=600).findings if f.check == CHECK)
    assert finding.evidence["series"] == "val_error"
    assert finding.evidence["peak"] < finding.evidence["final"]  # the error's best is its lowest
    assert finding.gain is None  # the gain is stated on a higher-is-better accuracy only


@pytest.mark.parametrize("metric", ["f1", "roc_auc"])
def test_other_metrics_are_not_read(metric: str) -> None:
    history = {"train_loss": list(MEMORISING), f"val_{metric}": list(PEAK_THEN_FALL)}
    diagnosis = gapdoctor.diagnose(history=history, val_size=600, metric=metric)
    assert any(r.name == CHECK and r.status == "skipped" for r in diagnosis.checks)


def test_a_validation_peak_before_the_model_fitted_its_training_labels_is_not_read() -> None:
    """Corpus seed 16728: validation labels encoded in another order than training's; the validation accuracy
    falls from its first point while the training accuracy climbs from 9% (below a third, the chance of 3
    classes) as the model learns the training encoding."""
    inputs = corpus_inputs("relabelled_validation_seed16728")
    assert inputs["history"]["train_accuracy"][0] < 1 / 3
    diagnosis = gapdoctor.diagnose(**inputs, metric="accuracy")
    assert not [f for f in diagnosis.findings if f.check == CHECK]


def test_a_fall_of_two_images_in_sixteen_is_not_read_beyond_its_noise() -> None:
    """A ResNet's history saved by hand (the hundred-and-third held-out set): validation accuracy on 16 images
    (every value a multiple of 1/16), 0.875 at its peak and 0.75 at the end: two images. Without the validation size
    the fall was weighed against the curve's own jitter alone (3.3 times it) and label noise led at 0.90 over the
    overfitting its label names; the rows the steps show (16) give it a binomial noise of 0.08 and the fall is
    within twice that."""
    path = (
        Path(__file__).resolve().parents[2]
        / "data"
        / "real_logs_heldout103"
        / "other_pneumonia_classification_resnet.csv"
    )
    values = np.array([float(row["val_acc"]) for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines())])
    assert np.allclose(values * 16, np.round(values * 16)) and values.max() == 0.875
    diagnosis = gapdoctor.diagnose(history=path)
    assert all(f.score < 0.5 for f in diagnosis.findings if f.check == CHECK), diagnosis.findings
    assert diagnosis.top is not None and diagnosis.top.cause == "overfitting"
