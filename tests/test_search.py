"""diagnose_search on real trials: MLPs trained per configuration, and bad trial input."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.inputs.trials import search_trials
from tests.seeds import each_seed


@cache
def mlp_trials(seed: int) -> tuple[dict[str, Any], ...]:
    """Real MLP trials on digits (150 training rows), one per number of epochs, with their curves."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, train_size=150, stratify=y, random_state=seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
    trials = []
    for epochs in (2, 4, 6, 8, 12, 16):
        with threadpool_limits(limits=1):
            run = train_by_epoch(X_train, y_train, X_val, y_val, epochs=epochs, hidden=(64,), seed=seed)
        trials.append({"params": {"epochs": epochs}, "history": run.history, "val_size": len(y_val)})
    return tuple(trials)


@each_seed
def test_trials_ranked_by_training_loss_are_flagged(seed: int) -> None:
    trials = [dict(t, value=t["history"]["train_loss"][-1]) for t in mlp_trials(seed)]
    diagnosis = gapdoctor.diagnose_search(trials, metric="log_loss")
    top = diagnosis.top
    assert top is not None and top.check == "search_noise.training_loss_ranking" and top.score >= 0.5
    assert top.evidence["values_equal_to_train_loss"] == len(trials)


@each_seed
def test_trials_ranked_by_validation_loss_are_not_flagged_as_training_loss(seed: int) -> None:
    trials = [dict(t, value=t["history"]["val_loss"][-1]) for t in mlp_trials(seed)]
    diagnosis = gapdoctor.diagnose_search(trials, metric="log_loss")
    assert all(f.check != "search_noise.training_loss_ranking" for f in diagnosis.findings)


@each_seed
def test_best_trials_being_the_most_overfitted_is_flagged(seed: int) -> None:
    trials = [dict(t, value=t["history"]["val_accuracy"][-1]) for t in mlp_trials(seed)]
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
        # found by tests/fuzz: each raised something other than GapdoctorInputError
        ([{"value": 10**400}, {"value": 0.8}], {}, "trials[0]['value']"),
        ([{"value": 1e308}, {"value": 0.8}], {}, "trials[0]['value']"),
        ([{"value": 0.9}, {"value": 0.8, "history": "no/such/log.csv"}], {}, "trials[1]['history']"),
        ([{"value": 0.9, "val_size": 10**400}, {"value": 0.8}], {}, "trials[0]['val_size']"),
        ([{"value": 0.9, "val_size": "x"}, {"value": 0.8}], {}, "trials[0]['val_size']"),
        ([{"value": 0.9, "val_size": [100]}, {"value": 0.8}], {}, "trials[0]['val_size']"),
        ([{"value": 0.9, "number": "x"}, {"value": 0.8}], {}, "trials[0]['number']"),
        ([{"value": 0.9, "params": {("a",): 1}}, {"value": 0.8}], {}, "trials[0]['params']"),
        ([{"value": 0.9, "history": {"val_loss": [10**400]}}, {"value": 0.8}], {}, "trials[0]['history']['val_loss']"),
        ([{"value": 0.9}, {"value": 0.8}], {"metric": ["accuracy"]}, "metric"),
        ([{"value": 0.9}, {"value": 0.8}], {"direction": ["maximize"]}, "direction"),
    ],
)
def test_bad_trials_name_the_argument(trials: Any, kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(gapdoctor.GapdoctorInputError) as info:
        gapdoctor.diagnose_search(trials, **kwargs)
    assert info.value.argument == argument
    assert str(info.value).startswith(argument)


def test_a_dataframe_of_records_reads_like_the_list() -> None:
    trials = [
        {"params": {"C": c}, "value": v, "val_size": 80}
        for c, v in [(0.1, 0.9), (1.0, 0.925), (10.0, 0.9125), (100.0, 0.8875)]
    ]
    from_list = gapdoctor.diagnose_search(trials)
    from_frame = gapdoctor.diagnose_search(pd.DataFrame(trials))
    assert from_frame.inputs["source"] == "DataFrame"
    assert [f.to_dict() for f in from_frame.findings] == [f.to_dict() for f in from_list.findings]


def test_numpy_scalars_are_numbers() -> None:
    trials = [{"value": np.float32(0.9), "val_size": np.int64(100)}, {"value": np.float64(0.8), "val_size": 100.0}]
    search = search_trials(trials)
    assert [t.value for t in search.trials] == pytest.approx([0.9, 0.8]) and search.trials[1].val_size == 100


def test_ties_of_huge_unbounded_values_quote_no_overflowing_validation_size() -> None:
    # repeated configurations of an unbounded metric: the pooled sd is huge, the rows needed past any set
    trials = [{"params": {"C": c}, "value": v, "val_size": 100} for c, v in [(1, 1e100), (1, 3e100), (2, 2e100)]]
    diagnosis = gapdoctor.diagnose_search(trials, metric="mse")
    run = next(c for c in diagnosis.checks if c.name == "search_noise.ties")
    assert run.status == "ran" and not run.warnings, run
    assert diagnosis.top is not None and "val_size_for_1pt_difference" not in diagnosis.top.evidence
