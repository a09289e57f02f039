"""Scenarios whose story is told by the curves: overfitting, optimisation, saturation; and healthy runs."""

from __future__ import annotations

from gapdoctor.bench._common import load, mlp_run, split, synthetic
from gapdoctor.bench.scenario import HEALTHY, Scenario, ScenarioData

__all__ = ["CURVE_SCENARIOS"]


# --- overfitting: capacity or epochs exceed what the data supports ---------------------------


def _overfit_digits(seed: int) -> ScenarioData:
    X, y = load("digits")
    data = split(X, y, train_size=150, val_size=500, seed=seed)
    return mlp_run(data, seed=seed, epochs=120, hidden=(512,), alpha=0.0, lr=3e-3)


def _overfit_synthetic(seed: int) -> ScenarioData:
    X, y = synthetic(seed, n_samples=900, n_features=80, n_informative=6, n_redundant=4, flip_y=0.0, class_sep=0.8)
    data = split(X, y, train_size=200, val_size=400, seed=seed)
    return mlp_run(data, seed=seed, epochs=100, hidden=(256, 256), alpha=0.0, lr=1e-3)


def _overfit_cancer(seed: int) -> ScenarioData:
    X, y = load("breast_cancer")
    data = split(X, y, train_size=60, val_size=300, seed=seed)
    return mlp_run(data, seed=seed, epochs=150, hidden=(256, 128), alpha=0.0, lr=3e-3, batch_size=16)


# --- optimization: learning rate / schedule / batch size -------------------------------------


def _lr_too_high_digits(seed: int) -> ScenarioData:
    X, y = load("digits")
    data = split(X, y, train_size=800, val_size=500, seed=seed)
    return mlp_run(data, seed=seed, epochs=80, hidden=(128,), lr=0.1, batch_size=16)


def _early_decay_digits(seed: int) -> ScenarioData:
    # SGD whose step schedule cuts the learning rate 1000x after epoch 3: training stalls.
    X, y = load("digits")
    data = split(X, y, train_size=800, val_size=500, seed=seed)
    return mlp_run(
        data,
        seed=seed,
        epochs=50,
        hidden=(64,),
        lr=0.01,
        solver="sgd",
        lr_schedule=lambda epoch: 0.01 if epoch < 3 else 1e-5,
    )


def _sgd_blowup_synthetic(seed: int) -> ScenarioData:
    # Plain SGD with momentum 0.9, learning rate 0.2 and batches of 8: the loss blows up, then stalls.
    X, y = synthetic(seed, n_samples=1500, n_features=20, n_informative=8, n_classes=3, class_sep=1.0)
    data = split(X, y, train_size=800, val_size=500, seed=seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(64,), lr=0.2, solver="sgd", batch_size=8)


# --- metric_saturation: the metric is at its ceiling ----------------------------------------


def _saturated_wine(seed: int) -> ScenarioData:
    X, y = load("wine")
    data = split(X, y, train_size=100, val_size=78, seed=seed)
    return mlp_run(data, seed=seed, epochs=80, hidden=(64,), lr=3e-3, batch_size=16)


def _saturated_digits_01(seed: int) -> ScenarioData:
    X, y = load("digits")
    keep = y <= 1
    data = split(X[keep], y[keep], train_size=200, val_size=160, seed=seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(64,), lr=1e-3)


def _saturated_synthetic_auc(seed: int) -> ScenarioData:
    X, y = synthetic(seed, n_samples=1000, n_features=10, n_informative=5, class_sep=3.0, flip_y=0.0)
    data = split(X, y, train_size=500, val_size=400, seed=seed)
    return mlp_run(data, seed=seed, epochs=60, hidden=(64,), lr=1e-3, metric="roc_auc")


# --- healthy: validation keeps improving ----------------------------------------------------


def _healthy_digits(seed: int) -> ScenarioData:
    X, y = load("digits")
    data = split(X, y, train_size=1000, val_size=600, seed=seed)
    return mlp_run(data, seed=seed, epochs=30, hidden=(64,), lr=1e-4, alpha=1e-3)


def _healthy_cancer(seed: int) -> ScenarioData:
    X, y = load("breast_cancer")
    data = split(X, y, train_size=350, val_size=200, seed=seed)
    return mlp_run(data, seed=seed, epochs=30, hidden=(32,), lr=3e-5, alpha=1e-3, metric="roc_auc")


def _healthy_synthetic(seed: int) -> ScenarioData:
    X, y = synthetic(seed, n_samples=3000, n_features=20, n_informative=10, n_classes=4, class_sep=1.0)
    data = split(X, y, train_size=2000, val_size=1000, seed=seed)
    return mlp_run(data, seed=seed, epochs=30, hidden=(64,), lr=1e-4, alpha=1e-3)


def _healthy_wine_sgd(seed: int) -> ScenarioData:
    X, y = load("wine")
    data = split(X, y, train_size=110, val_size=68, seed=seed)
    return mlp_run(data, seed=seed, epochs=40, hidden=(16,), lr=2e-3, solver="sgd", batch_size=16)


def _healthy_digits_f1(seed: int) -> ScenarioData:
    X, y = load("digits")
    data = split(X, y, train_size=900, val_size=800, seed=seed)
    return mlp_run(data, seed=seed, epochs=25, hidden=(32,), lr=1e-4, alpha=1e-2, metric="f1")


CURVE_SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "overfitting/digits-150rows-wide",
        "overfitting",
        "Digits, 150 training rows, an unregularised 512-unit MLP trained 120 epochs.",
        _overfit_digits,
        fast=True,
    ),
    Scenario(
        "overfitting/synthetic-80features-deep",
        "overfitting",
        "make_classification, 6 informative of 80 features, 200 rows, a 256x256 MLP without L2, 100 epochs.",
        _overfit_synthetic,
    ),
    Scenario(
        "overfitting/breast-cancer-60rows",
        "overfitting",
        "Breast cancer, 60 training rows, a 256x128 MLP without L2, 150 epochs.",
        _overfit_cancer,
    ),
    Scenario(
        "optimization/digits-adam-lr-0.1",
        "optimization",
        "Digits, Adam with a learning rate of 0.1 (100x the default) and batches of 16: the loss spikes.",
        _lr_too_high_digits,
        fast=True,
    ),
    Scenario(
        "optimization/digits-sgd-early-decay",
        "optimization",
        "Digits, SGD whose schedule cuts the learning rate 1000x after epoch 3: training stalls.",
        _early_decay_digits,
    ),
    Scenario(
        "optimization/synthetic-sgd-lr-0.2",
        "optimization",
        "make_classification (3 classes), SGD with momentum 0.9, learning rate 0.2, batches of 8: blow-up, stall.",
        _sgd_blowup_synthetic,
    ),
    Scenario(
        "metric_saturation/wine",
        "metric_saturation",
        "Wine (an easy 3-class problem), validation accuracy at its ceiling early.",
        _saturated_wine,
        fast=True,
    ),
    Scenario(
        "metric_saturation/digits-0-vs-1",
        "metric_saturation",
        "Digits 0 versus 1: perfectly separable, accuracy at 1.0 after a few epochs.",
        _saturated_digits_01,
    ),
    Scenario(
        "metric_saturation/synthetic-auc",
        "metric_saturation",
        "make_classification with class_sep=3, ROC AUC at its ceiling.",
        _saturated_synthetic_auc,
    ),
    Scenario(
        "healthy/digits-slow",
        HEALTHY,
        "Digits, 1000 training rows, a regularised MLP with a small learning rate, still improving.",
        _healthy_digits,
        fast=True,
    ),
    Scenario(
        "healthy/breast-cancer-auc",
        HEALTHY,
        "Breast cancer, ROC AUC, a small regularised MLP still improving.",
        _healthy_cancer,
    ),
    Scenario(
        "healthy/synthetic-4-classes",
        HEALTHY,
        "make_classification with 4 classes and 2000 training rows, still improving.",
        _healthy_synthetic,
    ),
    Scenario(
        "healthy/wine-sgd",
        HEALTHY,
        "Wine, a 16-unit MLP trained by plain SGD, still improving.",
        _healthy_wine_sgd,
    ),
    Scenario(
        "healthy/digits-f1",
        HEALTHY,
        "Digits, macro F1, a 32-unit MLP with L2, still improving.",
        _healthy_digits_f1,
    ),
)
