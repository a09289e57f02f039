"""The leakage experiment drops exactly the features the check's typed payload names."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import gapdoctor
from gapdoctor.causes.preprocessing_leakage.result import DuplicatedRows, TrainOnlySignal
from gapdoctor.findings import Diagnosis, Finding
from tests.experiments.experiment_helpers import FAST, experiment_for, logistic


@pytest.fixture(scope="module")
def leaky() -> dict[str, np.ndarray]:
    """Breast cancer plus a target encoding fitted on the training rows (validation gets the fill value)."""
    X, y = load_breast_cancer(return_X_y=True)
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    return {"X_train": np.c_[Xt, (yt * 10 + 1) / 11], "y_train": yt, "X_val": np.c_[Xv, np.zeros(len(yv))], "y_val": yv}


@pytest.fixture(scope="module")
def diagnosed(leaky: dict[str, np.ndarray]) -> Diagnosis:
    return gapdoctor.diagnose(**leaky, model=logistic(), experiments=FAST)


def test_the_check_finding_drops_the_features_its_payload_names_and_confirms(diagnosed: Diagnosis) -> None:
    finding = next(f for f in diagnosed.findings if f.check == TrainOnlySignal.CHECK)
    assert isinstance(finding.result, TrainOnlySignal)
    named = [plotted["name"] for plotted in finding.result.features]
    assert named == ["x30"]
    assert finding.experiment is not None
    assert finding.experiment["details"]["dropped_features"] == named
    assert finding.experiment["intervention"] == "drop the leaking feature x30"
    assert finding.experiment["verdict"] == "confirmed"


def test_a_stored_finding_rebuilds_its_payload_and_drops_the_same_features(
    diagnosed: Diagnosis, leaky: dict[str, np.ndarray]
) -> None:
    finding = next(f for f in diagnosed.findings if f.check == TrainOnlySignal.CHECK)
    stored = Finding.from_dict({**finding.to_dict(), "experiment": None})  # read back from JSON: no payload object
    assert stored.result is None
    experiment, _ = experiment_for(stored, logistic(), **leaky)
    assert experiment is not None and experiment["details"]["dropped_features"] == ["x30"]


def test_features_are_dropped_in_the_payload_order_and_unknown_names_ignored(
    diagnosed: Diagnosis, leaky: dict[str, np.ndarray]
) -> None:
    finding = next(f for f in diagnosed.findings if f.check == TrainOnlySignal.CHECK)
    assert isinstance(finding.result, TrainOnlySignal)
    x30 = finding.result.features[0]
    plotted = [dict(x30, name="x7"), dict(x30, name="not a column"), x30]
    two = dataclasses.replace(finding, experiment=None, result=dataclasses.replace(finding.result, features=plotted))
    experiment, _ = experiment_for(two, logistic(), **leaky)
    assert experiment is not None and experiment["details"]["dropped_features"] == ["x7", "x30"]


def test_a_duplicates_finding_is_not_retrained(leaky: dict[str, np.ndarray]) -> None:
    duplicates = DuplicatedRows(
        val_rows_exact_duplicates=3,
        val_rows_near_duplicates=0,
        val_share_duplicated=0.02,
        val_share_duplicated_low=0.01,
        val_share_duplicated_high=0.05,
        train_share_duplicated_within_train=0.0,
        train_rows_examined_within_train=398,
        train_rows_duplicated_in_val=3,
        near_tolerance_train_sd=0.05,
        duplicate_pairs="train 0 = val 0 (exact)",
    )
    finding = Finding("preprocessing_leakage", 0.9, "copies", check=DuplicatedRows.CHECK, result=duplicates)
    experiment, diagnosis = experiment_for(finding, logistic(), **leaky)
    assert experiment is None
    assert any("preprocessing_leakage: skipped (the finding names no feature to drop" in n for n in diagnosis.notes)


def test_when_an_identifier_column_is_the_finding_it_is_the_feature_named_and_dropped() -> None:
    X, y = load_breast_cancer(return_X_y=True)
    ids = np.empty(len(y))
    ids[np.argsort(y, kind="stable")] = np.arange(len(y))  # ids given after sorting by label: column x30
    Xt, Xv, yt, yv = train_test_split(np.c_[X, ids], y, test_size=0.3, random_state=0, stratify=y)
    rng = np.random.default_rng(0)
    leak_t = np.where(rng.random(len(yt)) < 0.5, yt, rng.random(len(yt)))  # a weaker train-only signal: x31
    data = {"X_train": np.c_[Xt, leak_t], "y_train": yt, "X_val": np.c_[Xv, rng.random(len(yv))], "y_val": yv}
    finding = next(f for f in gapdoctor.diagnose(**data).findings if f.check == TrainOnlySignal.CHECK)
    assert isinstance(finding.result, TrainOnlySignal)
    assert finding.summary.startswith("Identifier-like column(s) x30") and "leaky_1" in finding.evidence
    assert [p["name"] for p in finding.result.features] == ["x30"]  # what the summary names, not x31
    experiment, _ = experiment_for(finding, logistic(), **data)
    assert experiment is not None and experiment["details"]["dropped_features"] == ["x30"]
