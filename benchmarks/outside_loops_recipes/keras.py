"""Keras 3 recipes (torch backend), recorded with ``gapdoctor.integrations.keras.GapdoctorCallback``.

What the user hands gapdoctor (README, "Inside your training loop", Keras 3):
``GapdoctorCallback(validation_data=(X_val, y_val))`` in ``model.fit(X_train, y_train,
validation_data=(X_val, y_val), epochs=..., callbacks=[doctor])``, a model ending in a softmax compiled
with ``sparse_categorical_crossentropy`` and ``metrics=["accuracy"]``; ``doctor.diagnosis`` after
``fit``. ``KERAS_BACKEND=torch`` is set before Keras is imported (the runner sets it).
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from .common import (
    Run,
    breast_cancer,
    curve_facts,
    domain_auc,
    flip_facts,
    flip_labels,
    metric_of,
    overfit_facts,
    r,
    recipe,
    split,
    standardise,
    synthetic,
)

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras

FW = "keras"


def fit(
    X_tr: np.ndarray,
    y_tr: np.ndarray,
    X_va: np.ndarray,
    y_va: np.ndarray,
    n_classes: int,
    seed: int,
    diagnose: bool,
    *,
    hidden: tuple[int, ...] = (64,),
    epochs: int = 40,
    lr: float = 1e-3,
    batch: int = 32,
    patience: int | None = None,
) -> tuple[Run, Any]:
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [keras.Input((X_tr.shape[1],))]
        + [keras.layers.Dense(h, activation="relu") for h in hidden]
        + [keras.layers.Dense(n_classes, activation="softmax")]
    )
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks: list[Any] = []
    doctor = None
    passed: dict[str, Any] = {}
    if diagnose:
        import gapdoctor

        doctor = gapdoctor.integrations.keras.GapdoctorCallback(validation_data=(X_va, y_va))
        callbacks.append(doctor)
        passed = {
            "integration": "gapdoctor.integrations.keras.GapdoctorCallback(validation_data=(X_val, y_val))",
            "fit": "model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs, batch_size, "
            "callbacks=[doctor])",
            "model": "Dense relu layers + Dense softmax; sparse_categorical_crossentropy; metrics=['accuracy']",
            "diagnose": "doctor.diagnosis after fit",
        }
    if patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
        )
    t0 = time.perf_counter()
    history = model.fit(
        X_tr, y_tr, validation_data=(X_va, y_va), epochs=epochs, batch_size=batch, callbacks=callbacks, verbose=0
    )
    fit_seconds = time.perf_counter() - t0
    h = history.history
    hist = {
        "train_loss": [float(v) for v in h["loss"]],
        "val_loss": [float(v) for v in h["val_loss"]],
        "val_accuracy": [float(v) for v in h["val_accuracy"]],
    }
    run = Run(metric="accuracy", history=hist, passed=passed, fit_seconds=fit_seconds)
    if doctor is not None:
        run.diagnosis = doctor.diagnosis
        run.extra["gapdoctor_curves"] = sorted(doctor.recorder.curves)
        run.extra["gapdoctor_errors"] = [str(e) for e in doctor.recorder.errors]
    return run, model


def proba(model: Any, X: np.ndarray) -> np.ndarray:
    return np.asarray(model.predict(X, verbose=0), dtype=np.float64)


# --------------------------------------------------------------------------------------------
# Recipes
# --------------------------------------------------------------------------------------------


@recipe("keras_overfit_50_features_100_rows", FW, "overfitting")
def overfit(seed: int, diagnose: bool) -> Run:
    """3 classes, 50 features (6 informative), 100 training rows, a 512x512 MLP for 120 epochs."""
    X, y = synthetic(1600, 3, seed, n_features=50, n_informative=6, n_redundant=4, class_sep=1.0)
    X_tr, X_va, y_tr, y_va = split(X, y, 500, seed, n_train=100)
    X_tr, X_va = standardise(X_tr, X_va)
    run, model = fit(X_tr, y_tr, X_va, y_va, 3, seed, diagnose, hidden=(512, 512), epochs=120, batch=16)
    run.sanity = overfit_facts(run.history, y_tr, proba(model, X_tr))
    return run


@recipe("keras_label_noise_breast_cancer_25", FW, "label_noise")
def label_noise(seed: int, diagnose: bool) -> Run:
    """Breast cancer, 25% of the 400 training labels flipped, a 256x256 MLP for 100 epochs."""
    X, y = breast_cancer()
    X_tr, X_va, y_tr, y_va = split(X, y, 169, seed)
    X_tr, X_va = standardise(X_tr, X_va)
    y_noisy, flipped = flip_labels(y_tr, 0.25, 2, seed)
    run, model = fit(X_tr, y_noisy, X_va, y_va, 2, seed, diagnose, hidden=(256, 256), epochs=100)
    p = proba(model, X_tr)
    run.sanity = flip_facts(run.history, flipped, y_noisy, p)
    return run


@recipe("keras_healthy_early_stopping", FW, "healthy")
def healthy(seed: int, diagnose: bool) -> Run:
    """3 classes, 2,000 training rows, a 64-unit MLP with EarlyStopping(restore_best_weights=True)."""
    X, y = synthetic(2600, 3, seed, class_sep=1.2, flip_y=0.0)
    X_tr, X_va, y_tr, y_va = split(X, y, 600, seed)
    X_tr, X_va = standardise(X_tr, X_va)
    run, _ = fit(X_tr, y_tr, X_va, y_va, 3, seed, diagnose, hidden=(64,), epochs=60, patience=5)
    run.sanity = curve_facts(run.history, "accuracy")
    return run


@recipe("keras_shift_validation_from_other_region", FW, "distribution_shift")
def shift(seed: int, diagnose: bool) -> Run:
    """Training rows from one end of a feature direction, validation rows from the far end (4 classes)."""
    X, y = synthetic(4000, 4, seed, class_sep=1.0, flip_y=0.0)
    w = np.random.default_rng(4000 + seed).normal(size=X.shape[1])
    z = X @ w / np.linalg.norm(w)
    lo, hi = np.quantile(z, [0.6, 0.85])
    A, B = z < lo, z > hi
    X_tr, X_in, y_tr, y_in = split(X[A], y[A], 400, seed, stratify=False)
    X_va, y_va = X[B][:600], y[B][:600]
    X_tr, X_va, X_in = standardise(X_tr, X_va, X_in)
    run, model = fit(X_tr, y_tr, X_va, y_va, 4, seed, diagnose, hidden=(128, 128), epochs=60)
    run.sanity = {
        **curve_facts(run.history, "accuracy"),
        "domain_auc": r(domain_auc(X_tr, X_va, seed)),
        "in_region_heldout_acc": r(metric_of("accuracy", y_in, proba(model, X_in))),
        "class_shares_train": [r(np.mean(y_tr == k), 3) for k in range(4)],
        "class_shares_val": [r(np.mean(y_va == k), 3) for k in range(4)],
    }
    return run


@recipe("keras_pipeline_val_not_standardised", FW, "pipeline_bug")
def val_not_scaled(seed: int, diagnose: bool) -> Run:
    """Breast cancer: the scaler is fitted and applied to training rows; validation goes in raw."""
    X, y = breast_cancer()
    X_tr_raw, X_va_raw, y_tr, y_va = split(X, y, 169, seed)
    X_tr, X_va_fixed = standardise(X_tr_raw, X_va_raw)
    X_va = X_va_raw.astype(np.float32)  # the bug: the validation split skips the scaler
    run, model = fit(X_tr, y_tr, X_va, y_va, 2, seed, diagnose, hidden=(64, 64), epochs=40)
    run.sanity = {
        **curve_facts(run.history, "accuracy"),
        "val_acc_scaled_correctly": r(metric_of("accuracy", y_va, proba(model, X_va_fixed))),
        "majority_share_val": r(max(y_va.mean(), 1 - y_va.mean())),
    }
    return run
