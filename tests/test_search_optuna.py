"""diagnose_search on real Optuna studies over scikit-learn models (needs the optuna extra)."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor

optuna = pytest.importorskip("optuna")
optuna.logging.set_verbosity(optuna.logging.WARNING)


@cache
def small_validation_study() -> Any:
    """Logistic regression's C searched on breast cancer, each trial scored on 60 validation rows."""
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=60, stratify=y, random_state=0)

    def objective(trial: Any) -> float:
        C = trial.suggest_float("C", 1e-3, 1e2, log=True)
        with threadpool_limits(limits=1):
            model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000)).fit(X_train, y_train)
        trial.set_user_attr("val_size", len(y_val))
        return float(np.mean(model.predict(X_val) == y_val))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=20)
    return study


@cache
def large_validation_study() -> Any:
    """How many features to use, scored on 8000 validation rows: the choices differ by far more than noise."""
    X, y = make_classification(n_samples=12000, n_features=20, n_informative=20, n_redundant=0, random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=8000, random_state=0)

    def objective(trial: Any) -> float:
        k = trial.suggest_categorical("n_features", [1, 4, 20])
        with threadpool_limits(limits=1):
            model = LogisticRegression(max_iter=1000).fit(X_train[:, :k], y_train)
        trial.set_user_attr("val_size", len(y_val))
        return float(np.mean(model.predict(X_val[:, :k]) == y_val))

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=0))
    study.optimize(objective, n_trials=10)
    return study


def test_small_validation_study_is_search_noise() -> None:
    diagnosis = gapdoctor.diagnose_search(small_validation_study())
    top = diagnosis.top
    assert top is not None and top.cause == "search_noise" and top.score >= 0.5
    assert top.check == "search_noise.ties"
    assert top.evidence["val_size"] == 60
    assert top.evidence["configurations_tied_with_best"] >= 2
    assert top.evidence["val_size_for_1pt_difference"] > 1000
    assert "cross-validation" in top.fixes[0]
    assert diagnosis.inputs["source"] == "optuna"


def test_trials_dataframe_reads_the_same_as_the_study() -> None:
    frame = small_validation_study().trials_dataframe()
    diagnosis = gapdoctor.diagnose_search(frame)
    from_study = gapdoctor.diagnose_search(small_validation_study())
    assert diagnosis.top is not None and from_study.top is not None
    assert (
        diagnosis.top.evidence["configurations_tied_with_best"]
        == from_study.top.evidence["configurations_tied_with_best"]
    )


def test_large_validation_study_is_healthy() -> None:
    diagnosis = gapdoctor.diagnose_search(large_validation_study())
    assert diagnosis.healthy
    assert all(f.score < 0.5 for f in diagnosis.findings)
    assert diagnosis.inputs["n_configurations"] == 3
