"""experiments.lab: the re-split machinery the distribution-shift and small-validation-set experiments share."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from gapdoctor.experiments import prepare_lab
from gapdoctor.experiments.lab import Lab, SkipExperiment, pooled_labels, resplit_scores
from gapdoctor.inputs.evidence import build_evidence
from gapdoctor.stats.metrics import compute_metric
from tests.experiments.experiment_helpers import FAST, logistic


def _lab(y_train: np.ndarray, y_val: np.ndarray, X_train: np.ndarray, X_val: np.ndarray) -> Lab:
    evidence = build_evidence(model=logistic(), X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val)
    return prepare_lab(evidence, FAST)


def test_resplits_are_stratified_refits_scored_on_as_many_rows_as_the_given_split() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=400, stratify=y, random_state=0)
    lab = _lab(y_train, y_val, X_train, X_val)
    y_pool = pooled_labels(lab)
    assert np.array_equal(y_pool, np.r_[lab.y_train, lab.y_val])
    scores = resplit_scores(lab, y_pool, 4)
    assert len(scores) == 4 and len(set(scores)) > 1  # four different splits
    given = compute_metric("accuracy", lab.y_val, lab.baseline())
    assert all(abs(score - given) < 0.1 for score in scores)  # the same model on exchangeable splits
    assert resplit_scores(lab, y_pool, 4) == scores  # seeded by the settings


def test_a_class_with_one_row_in_the_pool_cannot_be_split_stratified() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(41, 3))
    y = np.r_[[2], np.zeros(20, dtype=int), np.ones(20, dtype=int)]  # class 2: one training row
    lab = _lab(y[:30], y[30:], X[:30], X[30:])
    with pytest.raises(SkipExperiment, match="fewer than two rows"):
        pooled_labels(lab)
