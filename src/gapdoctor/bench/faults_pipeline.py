"""Scenarios whose fault is in the pipeline or the objective: leakage, pipeline bugs, metric mismatch."""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

from gapdoctor.bench._common import FloatArray, IntArray, Split, load, mlp_run, split, synthetic
from gapdoctor.bench.scenario import Scenario, ScenarioData

__all__ = [
    "PIPELINE_SCENARIOS",
    "leak_knn_stacking",
    "leak_target_encoding",
    "misaligned_validation",
    "relabel_by_first_appearance",
    "sorted_by_class",
    "unscaled_validation",
]


# --- preprocessing_leakage: a feature or transform carries training labels --------------------


def _target_encode_in_sample(
    ids_train: IntArray, ids_val: IntArray, y_train: IntArray, n_classes: int
) -> tuple[FloatArray, FloatArray]:
    """Per-class label frequency of each id, computed on ALL training rows (the row's own label included)."""
    prior = np.bincount(y_train, minlength=n_classes) / len(y_train)
    table: dict[int, FloatArray] = {}
    for key in np.unique(ids_train):
        rows = ids_train == key
        table[int(key)] = np.bincount(y_train[rows], minlength=n_classes) / rows.sum()
    train = np.vstack([table[int(k)] for k in ids_train])
    val = np.vstack([table.get(int(k), prior) for k in ids_val])
    return train[:, 1:], val[:, 1:]  # drop one redundant column


def leak_target_encoding(data: Split, n_ids: int, seed: int) -> Split:
    """Add a target-encoded, label-free customer id (ids recur across splits but carry no signal)."""
    rng = np.random.default_rng(seed)
    ids_train = rng.integers(0, n_ids, size=len(data.y_train))
    ids_val = rng.integers(0, n_ids, size=len(data.y_val))
    n_classes = int(data.y_train.max()) + 1
    enc_train, enc_val = _target_encode_in_sample(ids_train, ids_val, data.y_train, n_classes)
    return Split(
        np.hstack([data.X_train, 4 * enc_train]), data.y_train, np.hstack([data.X_val, 4 * enc_val]), data.y_val
    )


def leak_knn_stacking(data: Split, k: int, weight: float) -> Split:
    """Add the label mean of each row's ``k`` nearest training rows, in-sample for training rows.

    A training row is its own nearest neighbour, so its feature carries its own label; validation
    rows get the honest value. Binary labels (class ids 0/1).
    """
    knn = NearestNeighbors(n_neighbors=k).fit(data.X_train)
    train_neigh = knn.kneighbors(data.X_train, return_distance=False)
    val_neigh = knn.kneighbors(data.X_val, return_distance=False)
    feature_train = data.y_train[train_neigh].mean(axis=1, keepdims=True)
    feature_val = data.y_train[val_neigh].mean(axis=1, keepdims=True)
    return Split(
        np.hstack([data.X_train, weight * feature_train]),
        data.y_train,
        np.hstack([data.X_val, weight * feature_val]),
        data.y_val,
    )


def _leak_synthetic_target_encoding(seed: int) -> ScenarioData:
    X, y = synthetic(seed, n_samples=1600, n_features=20, n_informative=4, class_sep=0.6, flip_y=0.05)
    data = leak_target_encoding(split(X, y, train_size=1000, val_size=600, seed=seed), 400, seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(128,), facts={"leak": "in-sample target encoding, 400 ids"})


def _leak_digits_target_encoding(seed: int) -> ScenarioData:
    X, y = load("digits")
    data = leak_target_encoding(split(X, y, train_size=800, val_size=600, seed=seed), 300, seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(128,), facts={"leak": "in-sample target encoding, 300 ids"})


def _leak_cancer_knn_stacking(seed: int) -> ScenarioData:
    # A stacked feature: the label mean of each row's 5 nearest training neighbours, computed
    # in-sample (the row is its own nearest neighbour) for training rows, honestly for validation.
    X, y = load("breast_cancer")
    leaky = leak_knn_stacking(split(X, y, train_size=350, val_size=200, seed=seed), 5, 3.0)
    return mlp_run(leaky, seed=seed, epochs=80, hidden=(64,), facts={"leak": "in-sample 5-NN label mean"})


# --- pipeline_bug: encoding, alignment, preprocessing or ordering differs ----------------------


def unscaled_validation(data: Split) -> Split:
    """Standardise the training features of an unscaled split and leave the validation features raw.

    A feature constant in training (a blank pixel) is centred and left at unit scale, as scikit-learn's
    ``StandardScaler`` does, rather than divided by 0.
    """
    mean, sd = data.X_train.mean(axis=0), data.X_train.std(axis=0)
    return Split((data.X_train - mean) / np.where(sd > 0, sd, 1.0), data.y_train, data.X_val, data.y_val)


def relabel_by_first_appearance(y: IntArray) -> IntArray:
    """Class ids re-encoded in order of first appearance (a label encoder fitted on this split alone)."""
    first_seen = {label: i for i, label in enumerate(dict.fromkeys(y.tolist()))}
    return np.array([first_seen[label] for label in y.tolist()], dtype=np.int64)


def sorted_by_class(data: Split) -> Split:
    """Training rows sorted by class (train with ``order="none"``: a loader that never shuffles)."""
    order = np.argsort(data.y_train, kind="stable")
    return Split(data.X_train[order], data.y_train[order], data.X_val, data.y_val)


def misaligned_validation(data: Split, shift: int) -> Split:
    """Validation labels rolled ``shift`` rows against their features (a dropped header row)."""
    return Split(data.X_train, data.y_train, data.X_val, np.roll(data.y_val, shift))


def _bug_unscaled_validation(seed: int) -> ScenarioData:
    # The scaler is fitted and applied to the training split; the validation split is passed raw.
    X, y = load("breast_cancer")
    buggy = unscaled_validation(split(X, y, train_size=350, val_size=200, seed=seed, scale=False))
    return mlp_run(buggy, seed=seed, epochs=60, hidden=(64,), facts={"bug": "validation not standardised"})


def _bug_label_encoding(seed: int) -> ScenarioData:
    # Wine labels are cultivar names; validation was encoded in order of first appearance,
    # training in sorted order: the class ids disagree between the splits.
    X, y = load("wine")
    data = split(X, y, train_size=110, val_size=68, seed=seed)
    names = np.array(["barbera", "barolo", "grignolino"])[data.y_val]
    first_seen = {name: i for i, name in enumerate(dict.fromkeys(names.tolist()))}
    buggy = Split(data.X_train, data.y_train, data.X_val, relabel_by_first_appearance(data.y_val))
    facts = {"bug": "validation labels encoded in order of first appearance", "val_mapping": str(first_seen)}
    return mlp_run(buggy, seed=seed, epochs=60, hidden=(32,), lr=3e-3, batch_size=16, facts=facts)


def _bug_unshuffled(seed: int) -> ScenarioData:
    # Training rows sorted by class and fed in that order every epoch (a loader with shuffle=False).
    X, y = load("digits")
    sorted_split = sorted_by_class(split(X, y, train_size=800, val_size=500, seed=seed))
    return mlp_run(
        sorted_split, seed=seed, epochs=60, hidden=(128,), lr=3e-3, order="none", facts={"bug": "unshuffled"}
    )


def _bug_misaligned_validation(seed: int) -> ScenarioData:
    # The validation labels are off by one row (a dropped header row in the label file).
    X, y = synthetic(seed, n_samples=1500, n_features=20, n_informative=8, n_classes=3, class_sep=1.5)
    data = split(X, y, train_size=900, val_size=600, seed=seed)
    buggy = misaligned_validation(data, 1)
    return mlp_run(buggy, seed=seed, epochs=60, hidden=(128,), facts={"bug": "validation labels shifted by one row"})


# --- metric_mismatch: the loss is minimised but the metric needs something else ----------------


def _imbalanced(seed: int, positive_share: float) -> Split:
    X, y = synthetic(
        seed,
        n_samples=3000,
        n_features=20,
        n_informative=5,
        weights=[1 - positive_share, positive_share],
        class_sep=0.7,
        flip_y=0.0,
    )
    return split(X, y, train_size=1800, val_size=1200, seed=seed)


def _mismatch_f1_rare_positive(seed: int) -> ScenarioData:
    # 5% positives, cross-entropy training, F1 at the default 0.5 threshold.
    data = _imbalanced(seed, 0.05)
    return mlp_run(data, seed=seed, epochs=80, hidden=(64,), lr=3e-3, metric="f1", facts={"positive_share": 0.05})


def _mismatch_cancer_f1_subsampled(seed: int) -> ScenarioData:
    # Breast cancer with malignant cases subsampled to 8%, scored by F1 on the malignant class.
    X, y = load("breast_cancer")
    rng = np.random.default_rng(seed)
    malignant, benign = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    keep = np.concatenate([rng.choice(malignant, size=31, replace=False), benign])
    y_pos = (y[keep] == 0).astype(np.int64)  # positive class: malignant
    data = split(X[keep], y_pos, train_size=230, val_size=158, seed=seed)
    return mlp_run(data, seed=seed, epochs=80, hidden=(32,), metric="f1", facts={"positive_share": 0.08})


def _mismatch_digits_balanced_accuracy(seed: int) -> ScenarioData:
    # Digits with classes 5-9 kept at 10% of their rows; the metric is balanced accuracy.
    X, y = load("digits")
    rng = np.random.default_rng(seed)
    keep = np.flatnonzero((y < 5) | (rng.random(len(y)) < 0.1))
    data = split(X[keep], y[keep], train_size=550, val_size=400, seed=seed)
    return mlp_run(
        data, seed=seed, epochs=60, hidden=(64,), lr=3e-3, metric="balanced_accuracy", facts={"minority_kept": 0.1}
    )


PIPELINE_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "preprocessing_leakage/synthetic-target-encoding",
        "preprocessing_leakage",
        "make_classification plus a label-free id (400 values) target-encoded on all training rows (own label in).",
        _leak_synthetic_target_encoding,
        fast=True,
    ),
    Scenario(
        "preprocessing_leakage/digits-target-encoding",
        "preprocessing_leakage",
        "Digits plus a label-free session id (300 values) target-encoded in-sample (per-class frequencies).",
        _leak_digits_target_encoding,
    ),
    Scenario(
        "preprocessing_leakage/breast-cancer-knn-stacking",
        "preprocessing_leakage",
        "Breast cancer plus a stacked 5-NN label mean computed in-sample for training rows (not out-of-fold).",
        _leak_cancer_knn_stacking,
    ),
    Scenario(
        "pipeline_bug/breast-cancer-unscaled-validation",
        "pipeline_bug",
        "Breast cancer: training features standardised, validation features passed raw.",
        _bug_unscaled_validation,
        fast=True,
    ),
    Scenario(
        "pipeline_bug/wine-label-encoding",
        "pipeline_bug",
        "Wine: validation labels encoded in order of first appearance, training labels in sorted order.",
        _bug_label_encoding,
    ),
    Scenario(
        "pipeline_bug/digits-unshuffled",
        "pipeline_bug",
        "Digits: training rows sorted by class and never shuffled.",
        _bug_unshuffled,
    ),
    Scenario(
        "pipeline_bug/synthetic-misaligned-validation",
        "pipeline_bug",
        "make_classification (3 classes): validation labels shifted by one row against their features.",
        _bug_misaligned_validation,
    ),
    Scenario(
        "metric_mismatch/synthetic-f1-5pct-positive",
        "metric_mismatch",
        "make_classification with 5% positives, cross-entropy training, F1 at the default threshold.",
        _mismatch_f1_rare_positive,
        fast=True,
    ),
    Scenario(
        "metric_mismatch/breast-cancer-f1-8pct-malignant",
        "metric_mismatch",
        "Breast cancer with malignant cases subsampled to 8%, F1 on the malignant class.",
        _mismatch_cancer_f1_subsampled,
    ),
    Scenario(
        "metric_mismatch/digits-balanced-accuracy",
        "metric_mismatch",
        "Digits with classes 5-9 kept at 10%, balanced accuracy, plain cross-entropy training.",
        _mismatch_digits_balanced_accuracy,
    ),
)
