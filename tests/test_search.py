"""diagnose_search on real searches: Optuna studies over scikit-learn models, and MLP trials."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch

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


@cache
def mlp_trials() -> tuple[dict[str, Any], ...]:
    """Real MLP trials on digits (150 training rows), one per number of epochs, with their curves."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=150, stratify=y, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    trials = []
    for epochs in (2, 4, 6, 8, 12, 16):
        with threadpool_limits(limits=1):
            run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=epochs, hidden=(64,))
        trials.append({"params": {"epochs": epochs}, "history": run.history, "val_size": len(y_val)})
    return tuple(trials)


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


def test_trials_ranked_by_training_loss_are_flagged() -> None:
    trials = [dict(t, value=t["history"]["train_loss"][-1]) for t in mlp_trials()]
    diagnosis = gapdoctor.diagnose_search(trials, metric="log_loss")
    top = diagnosis.top
    assert top is not None and top.check == "search_noise.training_loss_ranking" and top.score >= 0.5
    assert top.evidence["values_equal_to_train_loss"] == len(trials)


def test_trials_ranked_by_validation_loss_are_not_flagged_as_training_loss() -> None:
    trials = [dict(t, value=t["history"]["val_loss"][-1]) for t in mlp_trials()]
    diagnosis = gapdoctor.diagnose_search(trials, metric="log_loss")
    assert all(f.check != "search_noise.training_loss_ranking" for f in diagnosis.findings)


def test_best_trials_being_the_most_overfitted_is_flagged() -> None:
    trials = [dict(t, value=t["history"]["val_accuracy"][-1]) for t in mlp_trials()]
    diagnosis = gapdoctor.diagnose_search(trials)
    found = [f for f in diagnosis.findings if f.check == "search_noise.overfitted_best"]
    assert found and found[0].score >= 0.5
    assert found[0].evidence["spearman_value_vs_gap"] > 0.5


def test_repeated_configurations_give_the_noise_of_an_unbounded_metric() -> None:
    trials = [
        {"params": {"depth": d}, "value": v}
        for d, v in [(2, 0.40), (2, 0.46), (3, 0.41), (3, 0.44), (4, 0.43), (4, 0.47)]
    ]
    diagnosis = gapdoctor.diagnose_search(trials, metric="log_loss")
    top = diagnosis.top
    assert top is not None and top.score >= 0.5 and top.evidence["n_configurations"] == 3


@pytest.mark.parametrize(
    ("trials", "kwargs", "argument"),
    [
        ("not trials", {}, "trials"),
        ([{"params": {"C": 1}, "value": 0.9, "val_size": 50}], {}, "trials"),
        ([{"params": {"C": 1}, "val_size": 50}, {"params": {"C": 2}, "value": 0.9}], {}, "trials[0]"),
        ([{"params": {"C": 1}, "value": "high"}, {"params": {"C": 2}, "value": 0.9}], {}, "trials[0]['value']"),
        ([{"params": 3, "value": 0.9}, {"params": {"C": 2}, "value": 0.9}], {}, "trials[0]['params']"),
        ([{"value": 0.9, "val_size": -5}, {"value": 0.8, "val_size": 5}], {}, "trials[0]['val_size']"),
        ([{"value": 0.9, "history": {"bogus": [1, 2]}}, {"value": 0.8}], {}, "trials[0]['history']"),
        ([0.9, 0.8], {}, "trials[0]"),
        ([{"value": 0.9}, {"value": 0.8}], {"metric": "vibes"}, "metric"),
        ([{"value": 0.9}, {"value": 0.8}], {"direction": "up"}, "direction"),
        ([{"value": 0.9}, {"value": 0.8}], {"val_size": 0}, "val_size"),
    ],
)
def test_bad_trials_name_the_argument(trials: Any, kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError) as info:
        gapdoctor.diagnose_search(trials, **kwargs)
    assert info.value.argument == argument
    assert str(info.value).startswith(argument)
