"""The overfitting curves against the validation set's sampling noise, on real runs.

Two runs an engineer reads at a glance: digits with 150 training rows and an unregularised
512-unit MLP (training accuracy 1.0, validation about 0.93 on 500 rows, validation loss
drifting up since early on) is overfitting even where the rise alone is mild; and a 3-class
``make_classification`` MLP trained by SGD and validated on 30 rows whose validation loss rises
by less than a 30-row set can tell apart is, first, a validation set too small to judge.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits, make_classification
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.bench.training import train_by_epoch
from gapdoctor.causes.overfitting.result import OverfittingCurves
from gapdoctor.causes.overfitting.sampling import metric_sampling_sd, val_loss_sampling_se
from gapdoctor.causes.overfitting.score import GAP_SIGMAS
from gapdoctor.inputs.evidence import build_evidence


def _run(X_train: Any, y_train: Any, X_val: Any, y_val: Any, **train: Any) -> dict[str, Any]:
    scaler = StandardScaler().fit(X_train)
    with threadpool_limits(limits=1):
        run = train_by_epoch(scaler.transform(X_train), y_train, scaler.transform(X_val), y_val, **train)
    return {"history": run.history, "y_train": y_train, "y_val": y_val, "val_probs": run.val_probs}


@cache
def memorising_digits(seed: int) -> dict[str, Any]:
    """Digits, 150 training and 500 validation rows, an unregularised 512-unit MLP trained 120 epochs."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, train_size=150, test_size=500, stratify=y, random_state=seed
    )
    return _run(X_train, y_train, X_val, y_val, epochs=120, hidden=(512,), alpha=0.0, lr=3e-3, seed=seed)


@cache
def sgd_on_30_validation_rows(seed: int) -> dict[str, Any]:
    """make_classification (3 classes), 1000 training rows, a 32-unit MLP trained by SGD, 30 validation rows."""
    X, y = make_classification(
        n_samples=4000, n_features=20, n_informative=8, n_classes=3, class_sep=1.0, random_state=seed
    )
    X_rest, _, y_rest, _ = train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest, y_rest, train_size=1000, test_size=30, stratify=y_rest, random_state=seed
    )
    return _run(X_train, y_train, X_val, y_val, epochs=60, hidden=(32,), lr=0.01, solver="sgd", seed=seed)


def _overfitting(diagnosis: gapdoctor.Diagnosis) -> gapdoctor.Finding:
    return next(f for f in diagnosis.findings if f.cause == "overfitting")


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_a_memorising_model_is_reported_even_when_its_validation_loss_rises_little(seed: int) -> None:
    run = memorising_digits(seed)
    diagnosis = gapdoctor.diagnose(**run)
    finding = _overfitting(diagnosis)
    assert diagnosis.reported and diagnosis.reported[0].cause == "overfitting"
    evidence = finding.evidence
    # training accuracy leads validation by far more than 500 validation rows' sampling noise
    assert evidence["generalisation_gap_on"] == "metric"
    assert evidence["generalisation_gap"] / evidence["generalisation_gap_sd"] > GAP_SIGMAS
    val_accuracy = float(np.mean(run["val_probs"].argmax(axis=1) == run["y_val"]))
    assert evidence["generalisation_gap_sd"] == pytest.approx(
        math.sqrt(val_accuracy * (1 - val_accuracy) / 500), rel=0.15
    )  # the smoothed curve's end, not the last value, is the level


@pytest.mark.parametrize("seed", [5, 8, 11])
def test_a_turn_within_thirty_rows_noise_waits_behind_the_small_validation_set(seed: int) -> None:
    diagnosis = gapdoctor.diagnose(**sgd_on_30_validation_rows(seed))
    finding = _overfitting(diagnosis)
    assert isinstance(finding.result, OverfittingCurves) and finding.result.pattern == "turn"
    assert finding.evidence["turn_within_sampling_noise"] == "yes"
    assert finding.result.explained_by() == ("small_validation_set",)
    assert [f.cause for f in diagnosis.reported][:2] == ["small_validation_set", "overfitting"]


def test_the_loss_standard_error_is_the_spread_of_the_per_row_log_loss() -> None:
    run = sgd_on_30_validation_rows(5)
    y, probs = run["y_val"], run["val_probs"]
    per_row = np.array([log_loss([label], [row], labels=[0, 1, 2]) for label, row in zip(y, probs, strict=True)])
    assert per_row.mean() == pytest.approx(log_loss(y, probs))
    se = val_loss_sampling_se(build_evidence(**run))
    assert se == pytest.approx(per_row.std(ddof=1) / math.sqrt(len(y)))


def test_a_metric_at_its_ceiling_is_still_read_to_one_row() -> None:
    assert metric_sampling_sd(1.0, 30) == pytest.approx(1 / 30)
    assert metric_sampling_sd(0.5, 100) == pytest.approx(0.05)
