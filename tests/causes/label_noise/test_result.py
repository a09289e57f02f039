"""label_noise's typed payloads: real findings of each kind rebuild from their parts and from JSON,
and the report draws their figures from them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.causes.label_noise.result import ConfidentLearningNoise, LateFittedRows, TrainingDynamicsNoise
from gapdoctor.findings import Diagnosis, Finding
from gapdoctor.report.figure_registry import figures_of
from tests.causes.label_noise.test_check_dynamics import dynamics
from tests.causes.payload_checks import assert_payload_round_trips
from tests.recorded import recorded_bench_inputs


@pytest.fixture(scope="module")
def flipped(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Digits with 25% of the labels flipped, an MLP's curves, per-row losses and out-of-fold probabilities."""
    return recorded_bench_inputs("label_noise/digits-25pct-flipped", tmp_path_factory.mktemp("bench"))


def _finding(diagnosis: Diagnosis, check: str) -> Finding:
    return next(f for f in diagnosis.findings if f.check == check)


def test_confident_learning_with_memorisation(flipped: dict[str, Any]) -> None:
    with threadpool_limits(limits=1):
        diagnosis = gapdoctor.diagnose(**flipped)
    finding = _finding(diagnosis, "label_noise.confident_learning")
    result = assert_payload_round_trips(finding, ConfidentLearningNoise)
    assert result.bulk_fitted_epoch is not None and result.late_fitted_share_of_flagged_pct is not None
    assert result.validation_control_rate_pct is not None and result.low_aum_share_of_flagged_pct is None
    assert "low_aum_share_of_flagged_pct" not in finding.evidence  # a field left None is no key
    assert result.suggestions()[result.suspects[0]["row"]].suggested == result.suspects[0]["suggested"]
    (figure,) = figures_of(finding, diagnosis) or []
    assert figure[0] == "Given label (rows) against the estimated true label (columns)"
    assert "Estimated label noise" in (figure[1]() or "")


def test_memorisation_alone(flipped: dict[str, Any]) -> None:
    inputs = {k: v for k, v in flipped.items() if k != "train_probs"}
    with threadpool_limits(limits=1):
        diagnosis = gapdoctor.diagnose(**inputs)
    finding = _finding(diagnosis, "label_noise.memorisation")
    result = assert_payload_round_trips(finding, LateFittedRows)
    assert result.markers == {"bulk_fitted_epoch": int(result.bulk_fitted_epoch)}
    (figure,) = figures_of(finding, diagnosis) or []
    assert figure[0] == "Training curves with this finding's epochs marked"
    assert "<svg" in (figure[1]() or "")


def test_training_dynamics() -> None:
    _, noisy, summary = dynamics(0.2, 0)
    diagnosis = gapdoctor.diagnose(y_train=noisy, training_dynamics=summary)
    finding = _finding(diagnosis, "label_noise.training_dynamics")
    result = assert_payload_round_trips(finding, TrainingDynamicsNoise)
    assert result.validation_control_rate_pct is None and result.flagged_rows == len(finding.rows or ())
    suggestions = result.suggestions()
    assert len(suggestions) == len(result.suspects) and all(s.confidence is None for s in suggestions.values())
    assert figures_of(finding, diagnosis) == []  # the rows table is its evidence; no figure


def test_a_stored_diagnosis_draws_the_same_figures(flipped: dict[str, Any]) -> None:
    with threadpool_limits(limits=1):
        diagnosis = gapdoctor.diagnose(**flipped)
    stored = Diagnosis.from_dict(json.loads(diagnosis.to_json()))
    finding = _finding(stored, "label_noise.confident_learning")
    captions = [caption for caption, _ in figures_of(finding, stored) or []]
    assert captions == ["Given label (rows) against the estimated true label (columns)"]
