"""pipeline_bug.collapsed_predictions: every validation row predicted one class with certainty, unlike training."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

import gapdoctor
from gapdoctor.causes.pipeline_bug.collapse import pinned_shares
from gapdoctor.causes.pipeline_bug.score import PINNED
from tests.data.recording import corpus_inputs
from tests.seeds import each_seed

CHECK = "pipeline_bug.collapsed_predictions"


def _split(loader: Any, seed: int) -> list[np.ndarray]:
    X, y = loader(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, random_state=seed, stratify=y)


def _run(loader: Any, seed: int, *, scale_val: bool) -> dict[str, Any]:
    """A network trained on standardised rows; its validation rows standardised too, or left raw (the bug)."""
    X_train, X_val, y_train, y_val = _split(loader, seed)
    scaler = StandardScaler().fit(X_train)
    X_train = scaler.transform(X_train)
    X_val = scaler.transform(X_val) if scale_val else X_val
    model = MLPClassifier(hidden_layer_sizes=(64,), max_iter=200, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    # a training loop's outputs: its own predictions of the rows it trained on and of the validation rows
    return {
        "y_train": y_train,
        "y_val": y_val,
        "train_probs": model.predict_proba(X_train),
        "val_probs": model.predict_proba(X_val),
    }


def _collapse(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding | None:
    return next((f for f in diagnosis.findings if f.check == CHECK), None)


@each_seed
@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine], ids=["breast_cancer", "wine"])
def test_rows_that_skipped_the_scaler_headline_the_bug_from_the_outputs_alone(loader: Any, seed: int) -> None:
    diagnosis = gapdoctor.diagnose(**_run(loader, seed, scale_val=False))
    assert diagnosis.top is not None and diagnosis.top.check == CHECK and not diagnosis.top.weak
    evidence = diagnosis.top.evidence
    assert evidence["val_pinned_share"] >= 0.9 and evidence["train_pinned_share"] == 0.0
    assert "preprocessed differently" in diagnosis.top.summary


@each_seed
@pytest.mark.parametrize("loader", [load_breast_cancer, load_wine], ids=["breast_cancer", "wine"])
def test_the_same_run_with_its_validation_rows_scaled_shows_no_collapse(loader: Any, seed: int) -> None:
    diagnosis = gapdoctor.diagnose(**_run(loader, seed, scale_val=True))
    assert _collapse(diagnosis) is None
    assert any(r.name == CHECK and r.status == "ran" for r in diagnosis.checks)  # it looked


def test_a_recorded_skipped_scaler_reads_the_same() -> None:
    """Held-out corpus seed 67848 (breast cancer, out-of-fold training outputs), without its features."""
    diagnosis = gapdoctor.diagnose(**corpus_inputs("skipped_scaler_collapse_seed67848"))
    assert diagnosis.top is not None and diagnosis.top.check == CHECK
    assert diagnosis.top.evidence["val_rows_other_classes"] == 123 and diagnosis.top.score > 0.7


@pytest.mark.parametrize("seed", [67939, 67635])
def test_a_shift_that_pins_many_validation_rows_is_weak_evidence(seed: int) -> None:
    """Two corpus shifts: most of the other class's validation rows pinned to one class, but the model pins a
    fifth to a third of the other class's training rows there too; the collapse stays weak."""
    diagnosis = gapdoctor.diagnose(**corpus_inputs(f"shift_pins_rows_seed{seed}"))
    finding = _collapse(diagnosis)
    assert finding is not None and finding.weak and finding.score < 0.3
    assert finding.evidence["val_pinned_share"] >= 0.9 and finding.evidence["train_pinned_share"] >= 0.2


def test_without_training_outputs_the_evidence_is_halved() -> None:
    inputs = _run(load_breast_cancer, 0, scale_val=False)
    full = _collapse(gapdoctor.diagnose(**inputs))
    half = _collapse(gapdoctor.diagnose(y_val=inputs["y_val"], val_probs=inputs["val_probs"]))
    assert full is not None and half is not None and half.score < full.score
    assert half.evidence.get("train_pinned_share") is None and "training rows" not in half.summary


def test_a_confident_model_right_on_its_rows_is_not_pinned() -> None:
    """A model certain of every row and right on it pins nothing; certain of one class for every row, it pins
    the other classes' rows there."""
    y = np.repeat([0, 1, 2], 20)
    right = np.eye(3)[y]
    others, pinned, predicted = pinned_shares(right, y, 3)
    assert others.tolist() == [40, 40, 40] and pinned.tolist() == [0, 0, 0]
    _, pinned, predicted = pinned_shares(np.tile([0.0, 1.0, 0.0], (60, 1)), y, 3)
    assert pinned.tolist() == [0, 40, 0] and predicted.tolist() == [0.0, 1.0, 0.0]
    unsure = np.tile([(1.0 - PINNED) * 2, 1.0 - (1.0 - PINNED) * 2, 0.0], (60, 1))  # one class, just under
    assert pinned_shares(unsure, y, 3)[1].tolist() == [0, 0, 0]


def test_too_few_rows_outside_any_class_are_skipped() -> None:
    y = np.array([0, 1] * 5)  # five rows outside each class
    diagnosis = gapdoctor.diagnose(y_val=y, val_probs=np.tile([1.0, 0.0], (10, 1)))
    assert _collapse(diagnosis) is None
    assert any(r.name == CHECK and r.status == "skipped" for r in diagnosis.checks)


def test_given_the_features_the_feature_checks_decide() -> None:
    """A transform fitted with the labels or a far shift pins the outputs too: with X_train and X_val the
    split-preprocessing, shift and leakage checks read the features, and this check stands aside."""
    X_train, X_val, _, _ = _split(load_breast_cancer, 0)  # the split _run trains on
    scaler = StandardScaler().fit(X_train)
    inputs = _run(load_breast_cancer, 0, scale_val=False)
    diagnosis = gapdoctor.diagnose(**inputs, X_train=scaler.transform(X_train), X_val=X_val)
    assert _collapse(diagnosis) is None
    assert any(r.name == CHECK and r.status == "skipped" for r in diagnosis.checks)
    assert diagnosis.top is not None and diagnosis.top.check == "pipeline_bug.split_preprocessing"
