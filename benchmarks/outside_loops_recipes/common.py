"""Shared pieces of the framework yardstick: the recipe registry, the run record, data and injections.

Nothing here imports gapdoctor: the recipes decide what a user hands to gapdoctor in the framework
modules; this module only builds data, injects problems and measures the sanity facts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict, train_test_split
from sklearn.preprocessing import StandardScaler

REPORT = 0.5
HEALTHY = "healthy"
FRAMEWORKS = ("torch_loop", "lightning", "transformers", "keras")

# --------------------------------------------------------------------------------------------
# The run record and the registry
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One framework training run: my own curves (from the framework's logs), what gapdoctor returned."""

    metric: str
    history: dict[str, list[float]]  # train_loss, val_loss, val_<metric>: read from the framework, not gapdoctor
    sanity: dict[str, Any] = field(default_factory=dict)
    passed: dict[str, Any] = field(default_factory=dict)  # exactly what was handed to gapdoctor, in words
    diagnosis: Any = None  # gapdoctor.Diagnosis, or None (not diagnosed, or the integration gave none)
    diagnose_seconds: float | None = None  # only where the user calls diagnose() (torch loop)
    fit_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # gapdoctor's own recorded curves, errors...


# name -> (framework, injected cause, function (seed, diagnose) -> Run)
RECIPES: dict[str, tuple[str, str, Callable[[int, bool], Run]]] = {}


def recipe(name: str, framework: str, cause: str) -> Callable[[Callable[[int, bool], Run]], Callable[[int, bool], Run]]:
    assert framework in FRAMEWORKS, framework

    def deco(fn: Callable[[int, bool], Run]) -> Callable[[int, bool], Run]:
        RECIPES[name] = (framework, cause, fn)
        return fn

    return deco


class LogCatcher(logging.Handler):
    """Keeps every message the ``gapdoctor`` logger emits during a run (frictions a user would see)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(f"{record.levelname}: {record.getMessage()}")
        except Exception:
            self.messages.append(f"{record.levelname}: (unformattable) {record.msg!r}")


# --------------------------------------------------------------------------------------------
# Metrics, symptom, sanity helpers
# --------------------------------------------------------------------------------------------


def r(x: float | None, n: int = 4) -> float | None:
    return None if x is None else round(float(x), n)


def metric_of(metric: str, y: np.ndarray, proba: np.ndarray) -> float:
    """The validation metric at the default rule (argmax; 0.5 for binary)."""
    pred = np.asarray(proba).argmax(axis=1)
    if metric == "accuracy":
        return float(accuracy_score(y, pred))
    if metric == "f1":
        return float(f1_score(y, pred, zero_division=0))
    raise ValueError(metric)


def quarters(v: list[float]) -> tuple[float, float]:
    """Means of the quarter before the midpoint and of the last quarter of a curve."""
    a = np.asarray(v, dtype=float)
    q = max(1, len(a) // 4)
    mid = len(a) // 2
    return float(a[mid - q : mid].mean()), float(a[-q:].mean())


def symptom(history: dict[str, list[float]], metric: str) -> dict[str, Any]:
    """Training loss fell >= 30% first->last epoch and the validation metric gained < 0.01 late."""
    tl = np.asarray(history["train_loss"], dtype=float)
    drop = 1 - tl[-1] / tl[0]
    before, after = quarters(history[f"val_{metric}"])
    gain = after - before
    return {"ok": bool(drop >= 0.30 and gain < 0.01), "train_loss_drop": r(drop), "val_gain_late": r(gain)}


def best_threshold_f1(y: np.ndarray, p1: np.ndarray) -> tuple[float, float]:
    grid = np.linspace(0.02, 0.98, 49)
    scores = [f1_score(y, p1 >= t, zero_division=0) for t in grid]
    k = int(np.argmax(scores))
    return float(grid[k]), float(scores[k])


def domain_auc(X_a: np.ndarray, X_b: np.ndarray, seed: int) -> float:
    """Cross-validated AUC of a logistic regression telling the two splits apart (0.5: same)."""
    X = np.vstack([X_a, X_b])
    d = np.r_[np.zeros(len(X_a)), np.ones(len(X_b))]
    cv = StratifiedKFold(5, shuffle=True, random_state=seed)
    p = cross_val_predict(
        LogisticRegression(max_iter=2000), StandardScaler().fit_transform(X), d, cv=cv, method="predict_proba"
    )[:, 1]
    return float(roc_auc_score(d, p))


def overfit_facts(history: dict[str, list[float]], y_train: np.ndarray, p_train: np.ndarray) -> dict[str, Any]:
    """The curve facts, the training rows, the final training accuracy and what stopping early would have kept."""
    facts = curve_facts(history, "accuracy")
    return {
        **facts,
        "n_train": len(y_train),
        "train_acc_final": r(metric_of("accuracy", y_train, p_train)),
        "early_stop_gain": r(facts["best_val"] - facts["final_val"]),
    }


def flip_facts(
    history: dict[str, list[float]], flipped: np.ndarray, y_noisy: np.ndarray, p_train: np.ndarray
) -> dict[str, Any]:
    """The curve facts, the share of training labels flipped and the share of them the model fitted."""
    return {
        **curve_facts(history, "accuracy"),
        "share_flipped": r(flipped.mean()),
        "flipped_rows_fit_to_wrong_label": r((p_train.argmax(1) == y_noisy)[flipped].mean()),
    }


def curve_facts(history: dict[str, list[float]], metric: str) -> dict[str, Any]:
    """Best validation epoch (from 1), best and final metric, where the validation loss bottomed out."""
    v = np.asarray(history[f"val_{metric}"], dtype=float)
    vl = np.asarray(history["val_loss"], dtype=float)
    return {
        "epochs": len(v),
        "best_val": r(v.max()),
        "best_epoch": int(v.argmax()) + 1,
        "final_val": r(v[-1]),
        "val_loss_min_epoch": int(np.nanargmin(vl)) + 1 if np.isfinite(vl).any() else None,
        "val_loss_final_over_min": r(vl[-1] / np.nanmin(vl)) if np.isfinite(vl).any() else None,
    }


# --------------------------------------------------------------------------------------------
# Data (all shipped with scikit-learn or generated) and injections
# --------------------------------------------------------------------------------------------


def digits() -> tuple[np.ndarray, np.ndarray]:
    d = load_digits()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def wine() -> tuple[np.ndarray, np.ndarray]:
    d = load_wine()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    d = load_breast_cancer()
    return d.data.astype(np.float64), d.target.astype(np.int64)


def synthetic(n: int, n_classes: int, seed: int, **kw: Any) -> tuple[np.ndarray, np.ndarray]:
    base: dict[str, Any] = {
        "n_features": 20,
        "n_informative": 8,
        "n_redundant": 4,
        "class_sep": 1.0,
        "n_clusters_per_class": 2,
    }
    base.update(kw)
    X, y = make_classification(n_samples=n, n_classes=n_classes, random_state=1000 + seed, **base)
    return X.astype(np.float64), y.astype(np.int64)


def split(
    X: np.ndarray, y: np.ndarray, n_val: int | float, seed: int, n_train: int | None = None, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified train/validation split; optionally a training subset of ``n_train`` rows."""
    X_tr, X_va, y_tr, y_va = train_test_split(
        X, y, test_size=n_val, stratify=y if stratify else None, random_state=seed
    )
    if n_train is not None and n_train < len(y_tr):
        X_tr, _, y_tr, _ = train_test_split(X_tr, y_tr, train_size=n_train, stratify=y_tr, random_state=seed)
    return X_tr, X_va, y_tr, y_va


def standardise(X_tr: np.ndarray, *others: np.ndarray) -> tuple[np.ndarray, ...]:
    """The correct pipeline: one scaler fitted on the training rows, applied to every split."""
    sc = StandardScaler().fit(X_tr)
    return tuple(np.asarray(sc.transform(X), dtype=np.float32) for X in (X_tr, *others))


def flip_labels(
    y: np.ndarray, share: float, n_classes: int, seed: int, pairs: dict[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Flip ``share`` of the labels: to a random other class, or along ``pairs`` (class -> class)."""
    rng = np.random.default_rng(7000 + seed)
    y2 = y.copy()
    if pairs is None:
        idx = rng.choice(len(y), size=round(share * len(y)), replace=False)
        y2[idx] = (y[idx] + rng.integers(1, n_classes, size=len(idx))) % n_classes
    else:
        for a, b in pairs.items():
            rows = np.flatnonzero(y == a)
            take = rng.choice(rows, size=round(share * len(rows)), replace=False)
            y2[take] = b
    return y2, y2 != y
