"""label_noise: a training accuracy logged in training mode under dropout is no fit gap.

Real torch runs, logged as frameworks log them (Keras ``accuracy``, Lightning ``train_acc`` on
epoch): the training accuracy is the running mean over the epoch's batches in training mode
(dropout 0.5 on the hidden layer, 0.2 on the inputs, Gaussian input noise as augmentation), the
validation accuracy is read in evaluation mode at the end of the epoch. On clean labels the
training curve then sits below the validation one from the second epoch to the last (digits: 16-18
points, z = 11-12), as wrong labels would put it. Out-of-fold probabilities come from logistic
regression (``cross_val_predict``). Main read that offset as the fit gap: on a non-linear task
(make_classification, 3 classes, 2 clusters each, where the linear out-of-fold models err more than
the MLP) it lifted clean runs' label noise from 0.38 to 0.63, 0.67 to 0.78 and 0.74 to 0.82 (seeds
0-2; the first a new false alarm). The gap is read only once the training curve reaches validation
(memorised wrong labels): a train-mode offset never does. On digits and breast cancer the clean runs'
estimate stays within the out-of-fold models' own doubt, which keeps the gap unread there anyway
(score 0 with or without it); their noisy twins (25% flips) score 0.88-0.90 with or without it.
The same recipe in Keras 3 (its History passed as it is: ``accuracy`` is Keras' train-mode running
mean): main lifted the clean runs from 0.50 to 0.70, 0.67 to 0.78 and 0.72 to 0.81.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from numpy.typing import NDArray
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict, train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.causes.label_noise.fit_gap import FitGap, best_epoch_gap
from gapdoctor.causes.label_noise.score import CONTROL_Z
from gapdoctor.inputs.evidence import build_evidence
from tests.causes.dropout_runs import EPOCHS, HIDDEN_DROPOUT, INPUT_DROPOUT, INPUT_NOISE, dropout_run
from tests.helpers import keras_on_torch
from tests.seeds import each_seed

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@dataclass(frozen=True)
class _Run:
    history: dict[str, list[float]]
    y_given: NDArray[np.int64]
    y_val: NDArray[np.int64]
    train_probs: NDArray[np.float64]
    val_probs: NDArray[np.float64]

    def diagnose(self, *, train_accuracy: bool = True) -> gapdoctor.Diagnosis:
        history = {k: v for k, v in self.history.items() if train_accuracy or k not in ("train_accuracy", "accuracy")}
        return gapdoctor.diagnose(
            history=history,
            y_train=self.y_given,
            y_val=self.y_val,
            train_probs=self.train_probs,
            val_probs=self.val_probs,
            metric="accuracy",
        )

    def gap(self) -> FitGap:
        gap = best_epoch_gap(build_evidence(history=self.history, y_train=self.y_given, y_val=self.y_val))
        assert gap is not None
        return gap


def _data(name: str, seed: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    if name == "digits":
        return load_digits(return_X_y=True)  # type: ignore[no-any-return]
    if name == "breast_cancer":
        return load_breast_cancer(return_X_y=True)  # type: ignore[no-any-return]
    return make_classification(  # type: ignore[no-any-return]
        1500, 20, n_informative=8, n_classes=3, n_clusters_per_class=2, class_sep=1.0, flip_y=0, random_state=seed
    )


def _dropout_run(name: str, seed: int, flipped: float = 0.0) -> _Run:
    run = dropout_run(*_data(name, seed), seed, flipped)
    with threadpool_limits(limits=1):
        train_probs = cross_val_predict(
            LogisticRegression(max_iter=2000), run.x_train, run.y_given, cv=5, method="predict_proba"
        )
    return _Run(run.history, run.y_given, run.y_val, train_probs, run.val_probs)


def _confident_learning(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding:
    return next(f for f in diagnosis.findings if f.check == "label_noise.confident_learning")


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
@each_seed
def test_clean_labels_under_dropout_raise_no_label_noise(name: str, seed: int) -> None:
    run = _dropout_run(name, seed)
    gap = run.gap()
    # the train-mode curve sits below validation at the best epoch and still at the end ...
    assert gap.gap > 0 and gap.final_gap > 0, gap
    # ... and no label-noise finding comes of it (none at all where nothing is flagged)
    finding = next((f for f in run.diagnose().findings if f.check == "label_noise.confident_learning"), None)
    assert finding is None or (finding.score < 0.5 and "fit_gap_pct" not in finding.evidence), finding


@each_seed
def test_a_train_mode_offset_does_not_raise_the_score_of_weaker_out_of_fold_models(seed: int) -> None:
    run = _dropout_run("make_classification", seed)
    gap = run.gap()
    # a gap that alone would take the whole control bar away (main: 0.38 -> 0.63 on seed 0) ...
    assert gap.z > CONTROL_Z * np.sqrt(2) and gap.final_gap > 0, gap
    # ... is not read: the score is the one without the training accuracy curve
    with_curve = _confident_learning(run.diagnose())
    without_curve = _confident_learning(run.diagnose(train_accuracy=False))
    assert "fit_gap_pct" not in with_curve.evidence, with_curve.summary
    assert with_curve.score == without_curve.score


@pytest.mark.parametrize("name", ["digits", "breast_cancer"])
@each_seed
def test_the_noisy_twin_is_still_found(name: str, seed: int) -> None:
    diagnosis = _dropout_run(name, seed, flipped=0.25).diagnose()
    assert _confident_learning(diagnosis).score >= 0.5
    assert diagnosis.top is not None and diagnosis.top.cause == "label_noise", diagnosis.render()


def _keras_history(seed: int) -> tuple[_Run, dict[str, list[float]]]:
    """The same recipe in Keras 3 (torch backend): its History's ``accuracy`` is the train-mode running mean."""
    keras = keras_on_torch()
    X, y = _data("make_classification", seed)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = (scaler.transform(a).astype(np.float32) for a in (X_train, X_val))
    y_train, y_val = y_train.astype(np.int64), y_val.astype(np.int64)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(X.shape[1],)),
            keras.layers.GaussianNoise(INPUT_NOISE),
            keras.layers.Dropout(INPUT_DROPOUT),
            keras.layers.Dense(128, activation="relu"),
            keras.layers.Dropout(HIDDEN_DROPOUT),
            keras.layers.Dense(3),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    fitted = model.fit(
        X_train, y_train, validation_data=(X_val, y_val), epochs=EPOCHS, batch_size=32, verbose=0, shuffle=True
    )
    logits = model(X_val, training=False).detach().cpu().double().numpy()  # a torch tensor on this backend
    val_probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    with threadpool_limits(limits=1):
        train_probs = cross_val_predict(
            LogisticRegression(max_iter=2000), X_train, y_train, cv=5, method="predict_proba"
        )
    history = {k: [float(v) for v in values] for k, values in fitted.history.items()}
    return _Run(history, y_train, y_val, train_probs, val_probs / val_probs.sum(axis=1, keepdims=True)), history


@each_seed
def test_keras_history_under_dropout_does_not_raise_the_score(seed: int) -> None:
    run, history = _keras_history(seed)
    assert {"accuracy", "val_accuracy"} <= set(history)  # Keras' own names, read as train / val accuracy
    assert run.gap().gap > 0 and run.gap().final_gap > 0, run.gap()
    with_curve = _confident_learning(run.diagnose())
    assert "fit_gap_pct" not in with_curve.evidence, with_curve.summary
    assert with_curve.score == _confident_learning(run.diagnose(train_accuracy=False)).score


_WEAK_SEEDS = (0, 1, 2)  # a measurement of this CPU's runs, not a trajectory assertion: fixed seeds
# estimate / own doubt of the linear out-of-fold models, clean or flipped (0.88-1.28, seeds 0-11)
_DOUBT_BAND = (0.8, 1.35)
_CALIBRATED_WITHIN = 0.06  # |out-of-fold error - mean(1 - max p)| (at most 0.049, seeds 0-11)


@pytest.mark.xfail(
    strict=False,  # a trajectory measurement: on another CPU a seed may clear it; said, not enforced
    reason=(
        "known limitation: out-of-fold probabilities from a linear model, weaker than the final MLP on "
        "non-linear clusters, read as label noise on clean labels (seeds 0-2: 0.38, 0.67, 0.73; their "
        "25%-flip twins 0.63, 0.72, 0.64). No evidence in train_probs / val_probs told them apart: see "
        "test_weaker_out_of_fold_models_are_as_sure_of_their_disagreements_as_under_wrong_labels"
    ),
)
def test_clean_labels_with_weaker_linear_out_of_fold_models_raise_no_label_noise() -> None:
    scores = [
        _confident_learning(_dropout_run("make_classification", seed).diagnose(train_accuracy=False)).score
        for seed in _WEAK_SEEDS
    ]
    assert max(scores) < 0.5, scores


@pytest.mark.parametrize("flipped", [0.0, 0.25])
@each_seed
def test_weaker_out_of_fold_models_are_as_sure_of_their_disagreements_as_under_wrong_labels(
    flipped: float, seed: int
) -> None:
    """Why the own-doubt rule cannot separate them: both estimates sit about at the models' own doubt.

    Logistic regression is calibrated to whatever labels it is fitted on: on 25% flipped labels its
    disagreements are its doubts (estimate 0.97-1.11x confident learning on labels drawn from its own
    probabilities, seeds 0-11), and on clean non-linear clusters it errs confidently on whole
    clusters, mostly a little beyond its doubt (0.88-1.28x; seeds 0-2: 1.04-1.11x against 1.01-1.03x
    flipped). Its error rate matches its expected error (mean 1 - max p) within 5 points either way,
    so neither the doubt nor calibration tells a weaker model from wrong labels; the validation
    control, read from the surer final MLP, then counts the weaker models' cluster errors as noise.
    """
    run = _dropout_run("make_classification", seed, flipped)
    evidence = _confident_learning(run.diagnose(train_accuracy=False)).evidence
    ratio = evidence["noise_rate_pct"] / evidence["own_uncertainty_rate_pct"]
    assert _DOUBT_BAND[0] < ratio < _DOUBT_BAND[1], evidence
    error = np.mean(run.train_probs.argmax(1) != run.y_given)
    expected_error = np.mean(1.0 - run.train_probs.max(1))
    assert abs(error - expected_error) < _CALIBRATED_WITHIN, (error, expected_error)
