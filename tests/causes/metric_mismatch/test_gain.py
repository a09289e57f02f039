"""What choosing the decision rule on held-out rows gains, on real recorded bench runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gapdoctor.causes.metric_mismatch.check import metric_mismatch_decision_rule
from gapdoctor.causes.metric_mismatch.gain import decision_rule_gain
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
from gapdoctor.causes.metric_mismatch.score import LABEL_FREE, VALIDATION
from gapdoctor.findings import Finding
from gapdoctor.inputs.evidence import build_evidence
from tests.recorded import recorded_bench_inputs


def _finding(name: str, tmp_path: Path) -> tuple[Finding, DecisionRuleGain]:
    inputs = recorded_bench_inputs(name, tmp_path)
    keys = ("y_train", "y_val", "val_probs", "metric")
    (finding,) = metric_mismatch_decision_rule(build_evidence(**{k: inputs[k] for k in keys}))
    assert isinstance(finding.result, DecisionRuleGain)
    return finding, finding.result


@pytest.mark.parametrize("name", ["metric_mismatch/breast-cancer-f1-8pct-malignant", "healthy/digits-f1"])
def test_the_gain_is_the_one_the_score_rests_on_with_its_paired_interval(name: str, tmp_path: Path) -> None:
    finding, result = _finding(name, tmp_path)
    gain = finding.gain
    assert gain is not None and gain["metric"] == result.metric == "f1"
    rests_on = {
        VALIDATION: (result.cross_validated_gain, result.cross_validated_gain_low, result.cross_validated_gain_high),
        LABEL_FREE: (result.label_free_gain, result.label_free_gain_low, result.label_free_gain_high),
    }
    value, low_gain, high_gain = rests_on[result.score_rests_on]
    assert gain["now"] == result.val_metric_default
    assert gain["after_fix"] == pytest.approx(result.val_metric_default + value, abs=2e-4)
    assert gain["after_fix"] < result.val_metric_best_in_sample  # not the optimistic in-sample rule
    low, high = gain["interval"]
    assert low == pytest.approx(result.val_metric_default + low_gain, abs=1e-4)
    assert high == pytest.approx(result.val_metric_default + high_gain, abs=1e-4)
    assert low <= gain["after_fix"] <= high


def test_a_label_free_rule_gains_what_it_measured_on_the_validation_rows(tmp_path: Path) -> None:
    _, result = _finding("metric_mismatch/breast-cancer-f1-8pct-malignant", tmp_path)
    label_free = replace(result, score_rests_on=LABEL_FREE, label_free_gain=0.05, label_free_gain_low=0.01)
    gain = decision_rule_gain(replace(label_free, label_free_gain_high=0.09))
    assert gain is not None and gain["after_fix"] == pytest.approx(result.val_metric_default + 0.05)
    assert gain["interval"] == pytest.approx((result.val_metric_default + 0.01, result.val_metric_default + 0.09))
    assert decision_rule_gain(replace(label_free, label_free_gain=-0.01)) is None


def test_no_gain_when_cross_validation_loses(tmp_path: Path) -> None:
    finding, result = _finding("metric_mismatch/synthetic-f1-5pct-positive", tmp_path)
    assert result.cross_validated_gain < 0 and finding.gain is None


def test_the_expected_metric_stays_inside_its_range(tmp_path: Path) -> None:
    # a small validation set: the default's value plus the gain's interval would pass F1 = 1
    _, result = _finding("metric_mismatch/breast-cancer-f1-8pct-malignant", tmp_path)
    near_top = replace(result, val_metric_default=0.95, val_metric_cross_validated=0.98, cross_validated_gain=0.03)
    gain = decision_rule_gain(replace(near_top, cross_validated_gain_low=-1.2, cross_validated_gain_high=0.2))
    assert gain is not None and gain["interval"] == (0.0, 1.0)
