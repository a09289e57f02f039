"""Each injected problem: its own experiment confirms it, a wrong cause's does not."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier

from gapdoctor.findings import Finding
from tests.experiments.experiment_helpers import (
    experiment_for,
    flip_labels,
    improved_beyond_interval,
    label_encoding_finding,
    leak_finding,
    logistic,
)


@pytest.fixture(scope="module")
def noisy_digits() -> dict[str, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
    y_noisy, flipped = flip_labels(y_train, 0.3, 10, seed=0)
    clean = np.setdiff1d(np.arange(len(y_train)), flipped)
    return {"X_train": X_train, "y_train": y_noisy, "X_val": X_val, "y_val": y_val, "flipped": flipped, "clean": clean}


def test_label_noise_dropping_flagged_rows_confirms(noisy_digits: dict[str, np.ndarray]) -> None:
    data = {k: v for k, v in noisy_digits.items() if k not in ("flipped", "clean")}
    # what a noise check returns: the truly flipped rows plus some clean ones, suspicious first
    rows = np.r_[noisy_digits["flipped"], noisy_digits["clean"][:60]]
    experiment, _ = experiment_for(Finding("label_noise", 0.9, "noisy", rows=tuple(rows)), logistic(), **data)
    assert experiment is not None
    assert experiment["verdict"] == "confirmed"
    assert improved_beyond_interval(experiment)
    assert experiment["after"] - experiment["before"] > 0.05
    assert experiment["intervention"].startswith("drop the flagged rows (300 of 800")


def test_label_noise_wrong_cause_does_not_confirm(noisy_digits: dict[str, np.ndarray]) -> None:
    data = {k: v for k, v in noisy_digits.items() if k not in ("flipped", "clean")}
    leak = leak_finding("x21")
    experiment, _ = experiment_for(leak, logistic(), **data)
    assert experiment is not None and experiment["verdict"] != "confirmed"
    # flagging only clean rows: dropping them cannot help either
    clean_only = Finding("label_noise", 0.9, "noisy", rows=tuple(noisy_digits["clean"][:80]))
    experiment, _ = experiment_for(clean_only, logistic(), **data)
    assert experiment is not None and experiment["verdict"] != "confirmed"


@pytest.fixture(scope="module")
def tree_data() -> dict[str, np.ndarray]:
    X, y = make_classification(n_samples=1600, n_features=20, n_informative=6, flip_y=0.15, random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def test_overfitting_stronger_regularisation_confirms(tree_data: dict[str, np.ndarray]) -> None:
    tree = DecisionTreeClassifier(random_state=0)  # unlimited depth memorises the noise
    experiment, _ = experiment_for(Finding("overfitting", 0.9, "gap grows"), tree, **tree_data)
    assert experiment is not None and experiment["verdict"] == "confirmed"
    assert improved_beyond_interval(experiment)
    assert experiment["details"]["parameter"] == "max_depth"
    assert experiment["details"]["chosen"] in ("8", "4")


def test_overfitting_wrong_cause_does_not_confirm(tree_data: dict[str, np.ndarray]) -> None:
    tree = DecisionTreeClassifier(random_state=0)
    random_rows = np.random.default_rng(1).choice(800, 80, replace=False)
    experiment, _ = experiment_for(Finding("label_noise", 0.9, "noisy", rows=tuple(random_rows)), tree, **tree_data)
    assert experiment is not None and experiment["verdict"] != "confirmed"


def test_overfitting_refuted_when_capacity_is_right(tree_data: dict[str, np.ndarray]) -> None:
    shallow = DecisionTreeClassifier(max_depth=4, random_state=0)
    experiment, _ = experiment_for(Finding("overfitting", 0.9, "gap grows"), shallow, **tree_data)
    assert experiment is not None and experiment["verdict"] != "confirmed"


@pytest.fixture(scope="module")
def imbalanced() -> dict[str, np.ndarray | str]:
    X, y = make_classification(
        n_samples=3000, n_features=10, n_informative=4, weights=[0.9], flip_y=0.02, class_sep=0.7, random_state=0
    )
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=1500, stratify=y, random_state=0)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val, "metric": "f1"}


def test_threshold_mismatch_tuned_threshold_confirms(imbalanced: dict[str, np.ndarray | str]) -> None:
    experiment, _ = experiment_for(Finding("metric_mismatch", 0.9, "threshold"), logistic(), **imbalanced)
    assert experiment is not None and experiment["verdict"] == "confirmed"
    assert improved_beyond_interval(experiment)
    assert experiment["details"]["threshold"] < 0.5  # the minority class needs a lower bar
    assert experiment["n_fits"] == 0  # reuses the out-of-fold training probabilities


def test_threshold_mismatch_wrong_cause_does_not_confirm(imbalanced: dict[str, np.ndarray | str]) -> None:
    experiment, _ = experiment_for(Finding("overfitting", 0.9, "gap"), logistic(), **imbalanced)
    assert experiment is not None and experiment["verdict"] != "confirmed"


@pytest.fixture(scope="module")
def leaky() -> dict[str, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=300, stratify=y, random_state=0)
    # a target encoding of a per-row id fitted on the training rows themselves: it carries
    # the label; validation ids were never seen, so they get the fill value 0
    leak_train = (y_train * 10 + 1) / 11
    leak_val = np.zeros(len(y_val))
    return {"X_train": np.c_[X_train, leak_train], "y_train": y_train, "X_val": np.c_[X_val, leak_val], "y_val": y_val}


def test_leakage_dropping_the_feature_confirms(leaky: dict[str, np.ndarray]) -> None:
    finding = leak_finding("x30")
    experiment, _ = experiment_for(finding, logistic(), **leaky)
    assert experiment is not None and experiment["verdict"] == "confirmed"
    assert improved_beyond_interval(experiment)
    assert experiment["details"]["dropped_features"] == ["x30"]


def test_leakage_wrong_feature_or_cause_does_not_confirm(leaky: dict[str, np.ndarray]) -> None:
    innocent = leak_finding("x0")
    experiment, _ = experiment_for(innocent, logistic(), **leaky)
    assert experiment is not None and experiment["verdict"] != "confirmed"
    experiment, _ = experiment_for(Finding("metric_mismatch", 0.9, "threshold"), logistic(), **leaky)
    assert experiment is not None and experiment["verdict"] != "confirmed"


@pytest.fixture(scope="module")
def swapped_labels() -> dict[str, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=800, stratify=y, random_state=0)
    buggy = y_val.copy()  # the validation split was encoded with 3 and 5 swapped
    buggy[y_val == 3], buggy[y_val == 5] = 5, 3
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": buggy}


MAPPING = {
    "classes": [str(i) for i in range(10)],
    "val_label_to_true": ["0", "1", "2", "5", "4", "3", "6", "7", "8", "9"],
}


def test_label_mapping_bug_applying_the_mapping_confirms(swapped_labels: dict[str, np.ndarray]) -> None:
    finding = label_encoding_finding(MAPPING["classes"], MAPPING["val_label_to_true"])
    experiment, _ = experiment_for(finding, logistic(), **swapped_labels)
    assert experiment is not None and experiment["verdict"] == "confirmed"
    assert improved_beyond_interval(experiment)
    assert experiment["details"]["labels_changed"] == int(np.isin(swapped_labels["y_val"], [3, 5]).sum())
    assert experiment["n_fits"] == 0


def test_label_mapping_bug_wrong_cause_does_not_confirm(swapped_labels: dict[str, np.ndarray]) -> None:
    rows = tuple(range(0, 800, 10))
    experiment, _ = experiment_for(Finding("label_noise", 0.9, "noisy", rows=rows), logistic(), **swapped_labels)
    assert experiment is not None and experiment["verdict"] != "confirmed"
    wrong_mapping = {"classes": ["1", "7"], "val_label_to_true": ["7", "1"]}
    finding = label_encoding_finding(wrong_mapping["classes"], wrong_mapping["val_label_to_true"])
    experiment, _ = experiment_for(finding, logistic(), **swapped_labels)
    assert experiment is not None and experiment["verdict"] == "refuted"
