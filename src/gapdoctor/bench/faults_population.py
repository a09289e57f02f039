"""Scenarios about who is in each split: distribution shift, a small validation set, subgroups."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from gapdoctor.bench._common import FloatArray, IntArray, Split, load, mlp_run, scaled, split, synthetic
from gapdoctor.bench.scenario import Scenario, ScenarioData

__all__ = [
    "POPULATION_SCENARIOS",
    "label_shift",
    "noisy_subgroup",
    "second_population",
    "shift_by",
    "small_validation_run",
    "split_with_groups",
]


# --- distribution_shift: validation data come from a different distribution ------------------


def shift_by(X: FloatArray, y: IntArray, key: FloatArray, train_q: float, val_q: float, seed: int) -> Split:
    """Train on rows whose ``key`` is below its ``train_q`` quantile, validate on rows above ``val_q``."""
    low, high = np.flatnonzero(key <= np.quantile(key, train_q)), np.flatnonzero(key >= np.quantile(key, val_q))
    rng = np.random.default_rng(seed)
    low, high = rng.permutation(low), rng.permutation(high)
    return scaled(Split(X[low], y[low], X[high], y[high]))


def label_shift(
    X: FloatArray, y: IntArray, train_counts: tuple[int, ...], val_counts: tuple[int, ...], seed: int
) -> Split:
    """Label shift: ``train_counts[k]`` training and ``val_counts[k]`` validation rows of class k (disjoint)."""
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(y == k)) for k in range(len(train_counts))]
    train = np.concatenate([by_class[k][:n] for k, n in enumerate(train_counts)])
    val = np.concatenate([by_class[k][-n:] for k, n in enumerate(val_counts)])
    return scaled(Split(X[train], y[train], X[val], y[val]))


def _shift_digits_ink(seed: int) -> ScenarioData:
    # Train on the lightly inked 60% of the digits, validate on the most heavily inked 30%.
    X, y = load("digits")
    data = shift_by(X, y, X.sum(axis=1), 0.6, 0.7, seed)
    return mlp_run(
        data, seed=seed, epochs=60, hidden=(256,), lr=3e-3, alpha=0.0, facts={"shift": "covariate: total ink"}
    )


def _shift_cancer_texture(seed: int) -> ScenarioData:
    # Train on the smoother 60% of tissue samples (mean texture), validate on the roughest 30%.
    X, y = load("breast_cancer")
    data = shift_by(X, y, X[:, 1], 0.6, 0.7, seed)
    return mlp_run(data, seed=seed, epochs=80, hidden=(128,), lr=3e-3, alpha=0.0, facts={"shift": "covariate: texture"})


def _shift_synthetic_label(seed: int) -> ScenarioData:
    # Label shift: training classes 60/30/10%, validation 10/30/60%, same class-conditional features.
    X, y = synthetic(seed, n_samples=4000, n_features=20, n_informative=6, n_classes=3, class_sep=0.8)
    data = label_shift(X, y, (600, 300, 100), (60, 180, 360), seed)
    return mlp_run(
        data, seed=seed, epochs=80, hidden=(256,), lr=3e-3, alpha=0.0, facts={"shift": "label: 60/30/10 -> 10/30/60"}
    )


# --- small_validation_set: too noisy to show the improvement that exists ----------------------


def small_validation_run(
    X: FloatArray, y: IntArray, *, n_train: int, n_val: int, seed: int, **train: Any
) -> ScenarioData:
    """Train on ``n_train`` rows, validate on ``n_val``; score a large holdout to confirm progress exists."""
    X_rest, X_hold, y_rest, y_hold = train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)
    data = split(X_rest, y_rest, train_size=n_train, val_size=n_val, seed=seed, scale=False)
    mean, sd = data.X_train.mean(axis=0), data.X_train.std(axis=0) + 1e-12
    data = Split((data.X_train - mean) / sd, data.y_train, (data.X_val - mean) / sd, data.y_val)
    out = mlp_run(data, seed=seed, holdout=((X_hold - mean) / sd, y_hold), **train)
    curve = np.asarray(out.facts["holdout_metric"])
    q, half = max(2, len(curve) // 4), len(curve) // 2
    gain = float(curve[-q:].mean() - curve[half - q : half].mean())
    out.facts.update(
        holdout_rows=len(y_hold),
        holdout_gain_last_half=round(gain, 4),
        story_ok=gain >= 0.005,
        story="a large holdout gains at least 0.005 over the last half",
    )
    return out


def _small_val_digits(seed: int) -> ScenarioData:
    X, y = load("digits")
    return small_validation_run(X, y, n_train=600, n_val=30, seed=seed, epochs=60, hidden=(32,), lr=3e-3, alpha=1e-2)


def _small_val_cancer(seed: int) -> ScenarioData:
    X, y = load("breast_cancer")
    return small_validation_run(X, y, n_train=200, n_val=20, seed=seed, epochs=80, hidden=(16,), lr=1e-3, alpha=1e-2)


def _small_val_synthetic_sgd(seed: int) -> ScenarioData:
    X, y = synthetic(seed, n_samples=4000, n_features=20, n_informative=8, n_classes=3, class_sep=1.0)
    return small_validation_run(X, y, n_train=1000, n_val=30, seed=seed, epochs=60, hidden=(32,), lr=0.01, solver="sgd")


# --- subgroup_failure: some classes or groups are never learned while others are memorised -----


def second_population(
    seed: int, n_main: int, n_second: int, **options: Any
) -> tuple[FloatArray, IntArray, np.ndarray[Any, Any]]:
    """Two ``make_classification`` populations (seeds ``seed`` and ``seed + 1000``) whose labels follow
    different rules, stacked; returns features, labels and the group ("A" main, "B" second)."""
    X_a, y_a = synthetic(seed, n_samples=n_main, **options)
    X_b, y_b = synthetic(seed + 1000, n_samples=n_second, **options)
    group = np.array(["A"] * n_main + ["B"] * n_second)
    return np.vstack([X_a, X_b]), np.concatenate([y_a, y_b]), group


def noisy_subgroup(
    X: FloatArray,
    share: float,
    noise_sd: float,
    clip: tuple[float, float],
    rng: np.random.Generator,
    names: tuple[str, str] = ("A", "B"),
) -> tuple[FloatArray, np.ndarray[Any, Any]]:
    """A random ``share`` of the rows gets Gaussian feature noise (clipped to ``clip``); returns the
    features and the group of each row (``names[1]`` for the noisy rows)."""
    faulty = rng.random(len(X)) < share
    X = np.where(faulty[:, None], np.clip(X + rng.normal(0.0, noise_sd, X.shape), clip[0], clip[1]), X)
    return X, np.where(faulty, names[1], names[0])


def split_with_groups(
    X: FloatArray, y: IntArray, group: np.ndarray[Any, Any], *, train_size: int, val_size: int, seed: int
) -> tuple[Split, dict[str, np.ndarray[Any, Any]]]:
    """A split stratified by group and class, standardised; and the ``groups_train``/``groups_val`` arrays."""
    strata = np.char.add(group, y.astype(str))
    rows = np.arange(len(y))
    train, val = train_test_split(rows, train_size=train_size, test_size=val_size, stratify=strata, random_state=seed)
    data = scaled(Split(X[train], y[train], X[val], y[val]))
    return data, {"groups_train": group[train], "groups_val": group[val]}


def _subgroup_synthetic(seed: int) -> ScenarioData:
    # 15% of the rows come from a second population whose labels follow a different rule.
    X, y, group = second_population(seed, 1700, 300, n_features=20, n_informative=6, class_sep=1.2)
    data, extra = split_with_groups(X, y, group, train_size=1200, val_size=800, seed=seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(256,), alpha=0.0, extra=extra, facts={"group_b_share": 0.15})


def _subgroup_digits_noisy_scanner(seed: int) -> ScenarioData:
    # 15% of the images come from a faulty scanner that adds heavy pixel noise, in both splits.
    X, y = load("digits")
    X, group = noisy_subgroup(X, 0.15, 8.0, (0.0, 16.0), np.random.default_rng(seed), ("scanner_a", "scanner_b"))
    data, extra = split_with_groups(X, y, group, train_size=900, val_size=700, seed=seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(256,), alpha=0.0, extra=extra, facts={"scanner_b_share": 0.15})


def _subgroup_rare_classes(seed: int) -> ScenarioData:
    # Two of five classes are rare (4% each) and overlap the others: they are never learned.
    X, y = synthetic(
        seed,
        n_samples=3000,
        n_features=20,
        n_informative=5,
        n_classes=5,
        weights=[0.31, 0.31, 0.3, 0.04, 0.04],
        class_sep=0.9,
    )
    data = split(X, y, train_size=1500, val_size=1000, seed=seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(256,), alpha=0.0, facts={"rare_classes": [3, 4]})


POPULATION_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "distribution_shift/digits-ink",
        "distribution_shift",
        "Digits: trained on the lightly inked 60% of images, validated on the most heavily inked 30%.",
        _shift_digits_ink,
        fast=True,
    ),
    Scenario(
        "distribution_shift/breast-cancer-texture",
        "distribution_shift",
        "Breast cancer: trained on the smoother 60% of samples (mean texture), validated on the roughest 30%.",
        _shift_cancer_texture,
    ),
    Scenario(
        "distribution_shift/synthetic-label-shift",
        "distribution_shift",
        "make_classification: class proportions 60/30/10% in training, 10/30/60% in validation.",
        _shift_synthetic_label,
    ),
    Scenario(
        "small_validation_set/digits-30-rows",
        "small_validation_set",
        "Digits, a steadily improving MLP validated on 30 rows (a 700-row holdout shows the progress).",
        _small_val_digits,
        fast=True,
    ),
    Scenario(
        "small_validation_set/breast-cancer-20-rows",
        "small_validation_set",
        "Breast cancer, a slowly improving MLP validated on 20 rows.",
        _small_val_cancer,
    ),
    Scenario(
        "small_validation_set/synthetic-sgd-30-rows",
        "small_validation_set",
        "make_classification (3 classes), an MLP trained by SGD, still improving slowly, validated on 30 rows.",
        _small_val_synthetic_sgd,
    ),
    Scenario(
        "subgroup_failure/synthetic-second-population",
        "subgroup_failure",
        "make_classification: 15% of rows follow a different labelling rule (group B), in both splits.",
        _subgroup_synthetic,
        fast=True,
    ),
    Scenario(
        "subgroup_failure/digits-noisy-scanner",
        "subgroup_failure",
        "Digits: 15% of images come from a faulty scanner adding heavy pixel noise, in both splits.",
        _subgroup_digits_noisy_scanner,
    ),
    Scenario(
        "subgroup_failure/synthetic-rare-classes",
        "subgroup_failure",
        "make_classification: two of five classes are rare (4% each) and overlapping, in both splits.",
        _subgroup_rare_classes,
    ),
)
