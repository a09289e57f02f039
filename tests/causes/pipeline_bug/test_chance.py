"""pipeline_bug.misaligned_rows, the probabilities' path: confident and at chance, yet the labels follow their features.

Recorded inputs of a never-read corpus run (seed 12105: synthetic_multiclass, 5 classes, 735 of 787 training
labels from a naive-Bayes teacher fitted on 52 human rows, 70% of them wrong), read byte-for-byte from
``tests/data/corpus/teacher_labels_seed12105.npz`` (``tests/data/record_misread_splits.py``). The model learnt
the teacher: confident on the validation rows and right on 29.6% (20.1% by chance). That read as "y_val out
of order with X_val" (0.83), though the validation labels follow their own features.
"""

from __future__ import annotations

import numpy as np
import pytest

from gapdoctor.causes.pipeline_bug.chance import labels_follow_features, relabelled_accuracy, within_split_accuracy
from gapdoctor.causes.pipeline_bug.check import misaligned_rows
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.association import association_noise_level, informative_features, label_association
from tests.data.recording import corpus_inputs


def _recorded() -> dict[str, np.ndarray]:
    return corpus_inputs("teacher_labels_seed12105")


def test_a_model_of_a_wrong_teacher_at_chance_is_not_read_as_misaligned_validation_rows() -> None:
    run = _recorded()
    evidence = build_evidence(**run)
    assert evidence.val_confusion is not None
    val = relabelled_accuracy(evidence.val_confusion)
    assert val.at_chance and float(run["val_probs"].max(axis=1).mean()) > 0.9  # the symptom the path reads
    assert labels_follow_features(evidence)
    assert not misaligned_rows(evidence)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_same_validation_rows_with_their_labels_out_of_order_still_are(seed: int) -> None:
    run = _recorded()
    shuffled = np.random.default_rng(seed).permutation(run["y_val"])
    only_validation = {k: run[k] for k in ("X_val", "val_probs", "train_probs", "y_train")}
    evidence = build_evidence(**only_validation, y_val=shuffled)
    assert not labels_follow_features(evidence)
    findings = misaligned_rows(evidence)
    assert findings and findings[0].score >= 0.5 and "y_val" in findings[0].summary


def test_without_the_validation_features_the_path_reads_as_before() -> None:
    run = _recorded()
    without_features = {k: run[k] for k in ("y_val", "val_probs", "train_probs", "y_train")}
    evidence = build_evidence(**without_features)
    assert not labels_follow_features(evidence)  # could not look: no claim either way
    findings = misaligned_rows(evidence)
    assert findings and findings[0].score >= 0.5


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_labels_spread_over_many_weak_features_follow_them_when_a_model_fitted_within_the_split_learns_them(
    seed: int,
) -> None:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 400)
    X = rng.normal(size=(400, 40)) + 0.12 * (2 * y[:, None] - 1)  # no feature informative alone
    assert not len(informative_features(label_association(X, y, 2), association_noise_level(400, 2)))
    accuracy, low, majority = within_split_accuracy(X, y, 2) or (0.0, 0.0, 1.0)
    assert low > majority + 0.05 and accuracy > 0.65
    assert labels_follow_features(build_evidence(X_val=X, y_val=y))
    assert not labels_follow_features(build_evidence(X_val=X, y_val=rng.permutation(y)))


def test_a_split_with_a_class_of_one_row_cannot_be_fitted_within() -> None:
    X = np.random.default_rng(0).normal(size=(30, 3))
    y = np.r_[np.zeros(29, dtype=np.int64), 1]
    assert within_split_accuracy(X, y, 2) is None
