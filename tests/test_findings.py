from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gapdoctor.findings import CheckRun, Diagnosis, Finding
from gapdoctor.ranking import rank


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


def _wine_label_encoding_finding(tmp_path: Path) -> Finding:
    """The real label-encoding finding of a recorded bench run (wine, validation labels permuted)."""
    from gapdoctor.causes.pipeline_bug.check import label_encoding
    from gapdoctor.inputs.evidence import build_evidence
    from tests.recorded import recorded_bench_inputs

    inputs = recorded_bench_inputs("pipeline_bug/wine-label-encoding", tmp_path)
    (finding,) = label_encoding(build_evidence(y_val=inputs["y_val"], val_probs=inputs["val_probs"]))
    return finding


def test_a_real_gain_round_trips_through_json_after_the_experiment_key(tmp_path: Path) -> None:
    finding = _wine_label_encoding_finding(tmp_path)
    assert finding.gain is not None
    content = json.loads(json.dumps(finding.to_dict()))
    keys = list(content)
    assert keys[keys.index("experiment") + 1] == "gain"
    assert content["gain"] == {**finding.gain, "interval": list(finding.gain["interval"])}
    rebuilt = Finding.from_dict(content)
    assert rebuilt.gain == finding.gain and rebuilt.to_dict() == finding.to_dict()
    assert replace(finding, score=0.6).gain == finding.gain  # the engine re-scores findings with replace()
    assert Finding.from_dict({**content, "gain": None}).gain is None
    # a finding stored before the key existed reads as stating no gain
    assert Finding.from_dict({k: v for k, v in content.items() if k != "gain"}).gain is None


def test_finding_rejects_a_malformed_gain() -> None:
    with pytest.raises(ValueError, match="low <= high"):
        Finding("overfitting", 0.8, "s", gain={"metric": "f1", "now": 0.8, "after_fix": 0.9, "interval": (0.9, 0.8)})
    with pytest.raises(ValueError, match="exactly the keys"):
        Finding("overfitting", 0.8, "s", gain={"metric": "f1", "now": 0.8})  # type: ignore[typeddict-item]
    gain = Finding("overfitting", 0.8, "s", gain={"metric": "f1", "now": 1, "after_fix": 0.9, "interval": [0, 1]}).gain
    assert gain == {"metric": "f1", "now": 1.0, "after_fix": 0.9, "interval": (0.0, 1.0)}  # type: ignore[typeddict-item]


def test_the_verdict_names_each_reported_cause_once() -> None:
    # a covariate shift and a label shift are two findings of one cause: the verdict used to read
    # "Most likely cause: train/validation distribution shift (score 0.97); also train/validation distribution shift"
    findings = [
        Finding("distribution_shift", 0.97, "features differ", check="distribution_shift.covariate"),
        Finding("distribution_shift", 0.9, "priors differ", check="distribution_shift.label_shift"),
        Finding("overfitting", 0.8, "val loss turned up"),
        Finding("label_noise", 0.6, "flipped labels"),
    ]
    verdict = Diagnosis(findings=rank(findings), checks=[]).verdict()
    assert verdict.count("distribution shift") == 1
    assert verdict.endswith("; also label noise, overfitting.")  # label noise explains the overfitting
