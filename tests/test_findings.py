from __future__ import annotations

import json

import numpy as np
import pytest

from gapdoctor.findings import CheckRun, Diagnosis, Finding, rank


def test_finding_rejects_unknown_cause_and_bad_score() -> None:
    with pytest.raises(ValueError, match="CAUSES"):
        Finding(cause="bad_luck", score=0.5, summary="")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Finding(cause="overfitting", score=1.5, summary="")


def test_weak_below_threshold() -> None:
    assert Finding(cause="overfitting", score=0.49, summary="").weak
    assert not Finding(cause="overfitting", score=0.5, summary="").weak


def test_rank_orders_by_score_and_puts_root_cause_before_symptom() -> None:
    overfit = Finding(cause="overfitting", score=0.9, summary="")
    noise = Finding(cause="label_noise", score=0.7, summary="")
    weak = Finding(cause="optimization", score=0.3, summary="")
    assert [f.cause for f in rank([weak, overfit, noise])] == ["label_noise", "overfitting", "optimization"]
    # a weak root cause does not demote a reported symptom
    weak_noise = Finding(cause="label_noise", score=0.3, summary="")
    assert [f.cause for f in rank([weak_noise, overfit])] == ["overfitting", "label_noise"]


def test_diagnosis_json_is_safe_for_numpy_and_nan() -> None:
    finding = Finding(
        cause="overfitting",
        score=0.8,
        summary="s",
        evidence={"a": np.float64(1.5), "b": np.int64(3), "c": float("nan")},
        rows=np.array([3, 1]),  # type: ignore[arg-type]
        data={"m": np.eye(2)},
    )
    diagnosis = Diagnosis(findings=[finding], checks=[CheckRun("x", "overfitting", "ran")])
    loaded = json.loads(diagnosis.to_json())
    assert loaded["findings"][0]["evidence"] == {"a": 1.5, "b": 3, "c": None}
    assert loaded["findings"][0]["rows"] == [3, 1]
    assert loaded["findings"][0]["data"]["m"] == [[1.0, 0.0], [0.0, 1.0]]
    assert diagnosis.top is finding and not diagnosis.healthy


def test_nothing_checked_is_not_judged_and_not_healthy() -> None:
    skipped = [
        CheckRun("overfitting.curves", "overfitting", "skipped", "needs history"),
        CheckRun("label_noise.confident_learning", "label_noise", "skipped", "needs y_train, train_probs"),
        CheckRun("optimization.curves", "optimization", "skipped", "needs history"),
        CheckRun("pipeline_bug.unshuffled", "pipeline_bug", "errored", "ValueError: x"),
    ]
    diagnosis = Diagnosis(findings=[], checks=skipped)
    assert not diagnosis.judged and not diagnosis.healthy and diagnosis.top is None
    verdict = diagnosis.verdict()
    assert verdict.startswith("Not enough to judge: no check could run")
    assert "history (2 checks)" in verdict and "pipeline_bug.unshuffled errored" in verdict
    content = diagnosis.to_dict()
    assert content["judged"] is False and content["healthy"] is False
    assert Diagnosis.from_dict(content).verdict() == verdict

    ran = Diagnosis(findings=[], checks=[*skipped, CheckRun("metric_saturation.curves", "metric_saturation", "ran")])
    assert ran.judged and ran.healthy and ran.missing() == ""
    assert ran.verdict().startswith("No cause reaches the reporting threshold")
