"""Scenarios whose fault is in the data: label noise, pseudo labels, shift, small validation, subgroups."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from gapdoctor.bench._common import Split, load, mlp_run, split, synthetic
from gapdoctor.bench.scenario import Scenario, ScenarioData
from gapdoctor.bench.training import flip_labels

__all__ = ["DATA_SCENARIOS", "class_conditional_flip", "with_pseudo_labels"]


# --- label_noise: wrong training labels are being memorised -----------------------------------


def _noisy_digits(seed: int) -> ScenarioData:
    rng = np.random.default_rng(seed)
    X, y = load("digits")
    data = split(X, y, train_size=700, val_size=500, seed=seed)
    y_noisy, rows = flip_labels(data.y_train, 0.25, 10, rng)
    noisy = Split(data.X_train, y_noisy, data.X_val, data.y_val)
    return mlp_run(noisy, seed=seed, epochs=60, hidden=(256,), alpha=0.0, facts={"flipped": len(rows)})


def _noisy_cancer(seed: int) -> ScenarioData:
    rng = np.random.default_rng(seed)
    X, y = load("breast_cancer")
    data = split(X, y, train_size=300, val_size=200, seed=seed)
    y_noisy, rows = flip_labels(data.y_train, 0.2, 2, rng)
    noisy = Split(data.X_train, y_noisy, data.X_val, data.y_val)
    return mlp_run(noisy, seed=seed, epochs=100, hidden=(128, 64), alpha=0.0, facts={"flipped": len(rows)})


def class_conditional_flip(
    y: np.ndarray[Any, Any], source: int, target: int, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Record ``fraction`` of class ``source``'s labels as ``target``; return (noisy y, flipped rows)."""
    members = np.flatnonzero(y == source)
    rows = rng.choice(members, size=int(fraction * len(members)), replace=False)
    noisy = y.copy()
    noisy[rows] = target
    return noisy, rows


def _class_conditional_noise(seed: int) -> ScenarioData:
    # 40% of class 0's training labels are recorded as class 1 (an annotator confusing the two).
    rng = np.random.default_rng(seed)
    X, y = synthetic(seed, n_samples=1600, n_features=20, n_informative=8, n_classes=3, class_sep=1.5, flip_y=0.0)
    data = split(X, y, train_size=1000, val_size=500, seed=seed)
    y_noisy, rows = class_conditional_flip(data.y_train, 0, 1, 0.4, rng)
    noisy = Split(data.X_train, y_noisy, data.X_val, data.y_val)
    return mlp_run(noisy, seed=seed, epochs=60, hidden=(256,), alpha=0.0, facts={"flipped": len(rows)})


# --- pseudo_label_noise: noise concentrated in weak / pseudo-labelled sources ----------------


def with_pseudo_labels(
    data: Split, n_human: int, labeller: Any, seed: int, source_name: str = "pseudo"
) -> tuple[Split, np.ndarray[Any, Any], dict[str, Any]]:
    """Keep ``n_human`` true labels; label the other training rows with ``labeller`` fitted on them."""
    rng = np.random.default_rng(seed)
    human = np.zeros(len(data.y_train), dtype=bool)
    human[rng.choice(len(human), size=n_human, replace=False)] = True
    labeller.fit(data.X_train[human], data.y_train[human])
    y_mixed = data.y_train.copy()
    y_mixed[~human] = labeller.predict(data.X_train[~human])
    sources = np.where(human, "human", source_name)
    wrong = float(np.mean(y_mixed[~human] != data.y_train[~human]))
    facts = {"human_rows": n_human, "pseudo_rows": int((~human).sum()), "pseudo_label_error_rate": round(wrong, 4)}
    return Split(data.X_train, y_mixed, data.X_val, data.y_val), sources, facts


def _pseudo_digits(seed: int) -> ScenarioData:
    X, y = load("digits")
    data = split(X, y, train_size=800, val_size=500, seed=seed)
    mixed, sources, facts = with_pseudo_labels(data, 60, LogisticRegression(C=0.01, max_iter=500), seed)
    return mlp_run(mixed, seed=seed, epochs=60, hidden=(256,), alpha=0.0, extra={"sources_train": sources}, facts=facts)


def _pseudo_cancer(seed: int) -> ScenarioData:
    X, y = load("breast_cancer")
    data = split(X, y, train_size=340, val_size=200, seed=seed)
    mixed, sources, facts = with_pseudo_labels(data, 40, DecisionTreeClassifier(max_depth=1, random_state=0), seed)
    return mlp_run(
        mixed, seed=seed, epochs=100, hidden=(128, 64), alpha=0.0, extra={"sources_train": sources}, facts=facts
    )


def _pseudo_synthetic_three_sources(seed: int) -> ScenarioData:
    # Three label sources: in-house annotators, a labelling vendor (both correct) and a naive-Bayes teacher
    # fitted on the in-house rows that labels the rest.
    X, y = synthetic(seed, n_samples=1600, n_features=20, n_informative=6, n_redundant=6, n_classes=3, class_sep=1.0)
    data = split(X, y, train_size=1100, val_size=500, seed=seed)
    rows = np.random.default_rng(seed).permutation(1100)
    in_house, weak = rows[:250], rows[550:]
    y_mixed = data.y_train.copy()
    y_mixed[weak] = GaussianNB().fit(data.X_train[in_house], data.y_train[in_house]).predict(data.X_train[weak])
    sources = np.full(1100, "vendor", dtype="<U10")
    sources[in_house], sources[weak] = "annotators", "teacher_nb"
    facts = {
        "teacher_nb_rows": len(weak),
        "teacher_nb_error_rate": round(float(np.mean(y_mixed[weak] != data.y_train[weak])), 4),
    }
    mixed = Split(data.X_train, y_mixed, data.X_val, data.y_val)
    return mlp_run(mixed, seed=seed, epochs=60, hidden=(256,), alpha=0.0, extra={"sources_train": sources}, facts=facts)


DATA_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "label_noise/digits-25pct-flipped",
        "label_noise",
        "Digits, 25% of 700 training labels flipped to another class at random.",
        _noisy_digits,
        fast=True,
    ),
    Scenario(
        "label_noise/breast-cancer-20pct-flipped",
        "label_noise",
        "Breast cancer, 20% of 300 training labels flipped.",
        _noisy_cancer,
    ),
    Scenario(
        "label_noise/synthetic-class-conditional",
        "label_noise",
        "make_classification (3 classes): 40% of class 0's training labels recorded as class 1.",
        _class_conditional_noise,
    ),
    Scenario(
        "pseudo_label_noise/digits-logistic-teacher",
        "pseudo_label_noise",
        "Digits: 60 human labels; 740 rows pseudo-labelled by a strongly regularised logistic model.",
        _pseudo_digits,
        fast=True,
    ),
    Scenario(
        "pseudo_label_noise/breast-cancer-stump-teacher",
        "pseudo_label_noise",
        "Breast cancer: 40 human labels; 300 rows pseudo-labelled by a decision stump.",
        _pseudo_cancer,
    ),
    Scenario(
        "pseudo_label_noise/synthetic-three-sources",
        "pseudo_label_noise",
        "make_classification: annotators and a vendor label 550 rows correctly; a naive-Bayes teacher labels 550.",
        _pseudo_synthetic_three_sources,
    ),
)
