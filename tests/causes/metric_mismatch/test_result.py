"""metric_mismatch's typed payload: a real finding rebuilds from its parts and from JSON, and the
report draws the threshold curve and the reliability diagram from it."""

from __future__ import annotations

from pathlib import Path

from threadpoolctl import threadpool_limits

import gapdoctor
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
from gapdoctor.report.figure_registry import figures_of
from tests.causes.payload_checks import assert_payload_round_trips
from tests.recorded import recorded_bench_inputs


def test_a_real_finding_round_trips_and_draws_its_figures(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("metric_mismatch/breast-cancer-f1-8pct-malignant", tmp_path)
    with threadpool_limits(limits=1):
        diagnosis = gapdoctor.diagnose(**inputs)
    finding = next(f for f in diagnosis.findings if f.cause == "metric_mismatch")
    result = assert_payload_round_trips(finding, DecisionRuleGain)
    assert result.metric == "f1" and result.default_rule == 0.5
    assert result.threshold_curve["best_threshold"] == result.best_rule
    assert sum(result.reliability["count"]) == result.n_val
    assert result.val_loss_change_second_half is not None  # the recorded run has its curves
    captions = [caption for caption, _ in figures_of(finding, diagnosis) or []]
    assert captions == ["The metric at every decision threshold", "Predicted confidence against observed accuracy"]


def test_without_curves_the_curve_fields_are_no_keys(tmp_path: Path) -> None:
    inputs = recorded_bench_inputs("metric_mismatch/breast-cancer-f1-8pct-malignant", tmp_path)
    with threadpool_limits(limits=1):
        diagnosis = gapdoctor.diagnose(y_val=inputs["y_val"], val_probs=inputs["val_probs"], metric="f1")
    finding = next(f for f in diagnosis.findings if f.cause == "metric_mismatch")
    result = assert_payload_round_trips(finding, DecisionRuleGain)
    assert result.val_loss_change_second_half is None and result.val_metric_change_second_half is None
    assert list(finding.evidence)[-1] == "n_val"
