"""pipeline_bug.misaligned_rows read on the model's own predictions: validation labels a few rows off.

Recorded inputs of a held-out corpus run (seed 44029: synthetic_wide, binary, 70 features, y_val shifted by 5
rows against X_val, 23% of the training labels flipped), read byte-for-byte from
``tests/data/corpus/misaligned_weak_features_seed44029.npz`` (``tests/data/record_misread_splits.py``). No
feature is associated with the training labels beyond three times its noise level, so the association test had
nothing to read, and the probabilities' path (confident at 0.84, right on 54.1%) read "y_val out of order" at
0.43: overfitting headlined. The model's own predictions name the shift.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.causes.pipeline_bug.check import misaligned_rows
from gapdoctor.causes.pipeline_bug.lost_association import lost_association
from gapdoctor.causes.pipeline_bug.offsets import prediction_offset
from gapdoctor.causes.pipeline_bug.result import MisalignedRows
from gapdoctor.inputs.evidence import build_evidence
from tests.data.recording import corpus_inputs


def test_labels_five_rows_off_are_named_from_the_models_predictions_when_no_feature_shows_it() -> None:
    run = corpus_inputs("misaligned_weak_features_seed44029")
    evidence = build_evidence(**run)
    assert lost_association(evidence) is None  # the features alone: nothing to read
    (finding,) = misaligned_rows(evidence)
    result = finding.result
    assert isinstance(result, MisalignedRows)
    assert result.split == "y_val" and result.label_offset == -5 and result.offset_read_on == "model predictions"
    assert result.offset_accuracy is not None and result.offset_accuracy > 0.7
    assert finding.score > 0.5 and "shifted by 5 rows" in finding.summary
    assert finding.gain is not None and finding.gain["now"] < 0.55 < 0.7 < finding.gain["after_fix"]
    assert finding.gain["interval"][0] > finding.gain["now"]  # the fix gains beyond its own noise
    diagnosis = gapdoctor.diagnose(**run)
    assert diagnosis.top is not None and diagnosis.top.check == MisalignedRows.CHECK


@pytest.fixture(scope="module")
def digits_model() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    with threadpool_limits(limits=1):
        model = LogisticRegression(max_iter=2000).fit(X[:1100], y[:1100])
        train_probs = model.predict_proba(X[:1100])
        val_probs = model.predict_proba(X[1100:])
    return X, y, train_probs, val_probs


@pytest.mark.parametrize("shift", [-4, -1, 2])
def test_a_real_models_validation_labels_rolled_by_a_few_rows_name_the_shift(digits_model, shift: int) -> None:
    _, y, train_probs, val_probs = digits_model
    moved = np.roll(y[1100:], shift)  # label i is the label of row i - shift
    found = prediction_offset(moved, val_probs.argmax(axis=1))
    assert found is not None and found.offset == -shift and found.accuracy > 0.9 > 0.2 > found.aligned_accuracy
    evidence = build_evidence(y_train=y[:1100], train_probs=train_probs, y_val=moved, val_probs=val_probs)
    (finding,) = misaligned_rows(evidence)
    assert finding.score > 0.85 and isinstance(finding.result, MisalignedRows)
    assert finding.result.label_offset == -shift


def test_aligned_noisy_or_ordered_validation_labels_fit_no_neighbouring_prediction_better(digits_model) -> None:
    X, y, _, val_probs = digits_model
    predicted = val_probs.argmax(axis=1)
    labels = y[1100:]
    rng = np.random.default_rng(1)
    noisy = np.where(rng.random(len(labels)) < 0.35, rng.integers(0, 10, len(labels)), labels)
    by_feature = np.argsort(X[1100:, 36], kind="stable")  # rows in the order of a feature: neighbours alike
    by_class = np.argsort(labels, kind="stable")  # and sorted by class: every neighbour's label the same
    for given, guess in ((labels, predicted), (noisy, predicted), (labels[by_feature], predicted[by_feature])):
        assert prediction_offset(given, guess) is None
    assert prediction_offset(labels[by_class], predicted[by_class]) is None
