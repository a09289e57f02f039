"""What a saturated metric can still gain: the ceiling the labels allow, on real runs (recorded bench runs, and
an easy task whose validation labels were flipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gapdoctor.causes.metric_saturation.check import saturation_from_curves
from gapdoctor.causes.metric_saturation.result import Saturation
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import build_evidence
from tests import metric_scenarios
from tests.recorded import recorded_bench_inputs


def _finding(inputs: dict[str, Any], **given: Any) -> tuple[Finding, Saturation]:
    keys = ("history", "y_val", "val_probs", "metric")
    (finding,) = saturation_from_curves(build_evidence(**{**{k: inputs[k] for k in keys}, **given}))
    assert isinstance(finding.result, Saturation)
    return finding, finding.result


def test_the_gain_runs_from_now_to_the_label_noise_ceiling() -> None:
    finding, result = _finding(dict(metric_scenarios.easy_task_noisy_validation(), metric="accuracy"))
    gain = finding.gain
    assert result.accuracy_ceiling_est is not None and gain is not None
    assert gain == {
        "metric": "accuracy",
        "now": result.val_metric_final,
        "after_fix": result.accuracy_ceiling_est,
        "interval": (result.val_metric_final, result.accuracy_ceiling_est),
    }
    assert gain["after_fix"] > gain["now"]


def test_an_error_metric_gains_down_to_the_label_noise_floor() -> None:
    inputs = dict(metric_scenarios.easy_task_noisy_validation(), metric="accuracy")
    history = {k: v for k, v in inputs["history"].items() if k != "val_accuracy"}
    history["val_error"] = [1.0 - a for a in inputs["history"]["val_accuracy"]]
    finding, result = _finding(inputs, history=history, metric="error")
    gain = finding.gain
    assert result.val_label_error_rate_est is not None and gain is not None and gain["metric"] == "error"
    assert gain["after_fix"] == result.val_label_error_rate_est < gain["now"] == result.val_metric_final
    assert gain["interval"] == (result.val_label_error_rate_est, result.val_metric_final)


def test_no_gain_at_the_ceiling_or_without_one(tmp_path: Path) -> None:
    at_ceiling, result = _finding(recorded_bench_inputs("metric_saturation/digits-0-vs-1", tmp_path))
    assert result.accuracy_ceiling_est == result.val_metric_final == 1.0 and at_ceiling.gain is None
    no_ceiling, result = _finding(recorded_bench_inputs("metric_saturation/synthetic-auc", tmp_path))
    assert result.accuracy_ceiling_est is None and no_ceiling.gain is None
