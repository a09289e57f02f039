"""What choosing the decision rule on held-out rows gains, on real recorded bench runs."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from gapdoctor.causes.metric_mismatch.check import metric_mismatch_decision_rule
from gapdoctor.causes.metric_mismatch.gain import decision_rule_gain
from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
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
def test_the_gain_is_the_cross_validated_metric_with_its_paired_interval(name: str, tmp_path: Path) -> None:
    finding, result = _finding(name, tmp_path)
    gain = finding.gain
    assert gain is not None and gain["metric"] == result.metric == "f1"
    assert (gain["now"], gain["after_fix"]) == (result.val_metric_default, result.val_metric_cross_validated)
    assert gain["after_fix"] < result.val_metric_best_in_sample  # not the optimistic in-sample rule
    low, high = gain["interval"]
    assert low == pytest.approx(result.val_metric_default + result.cross_validated_gain_low, abs=1e-4)
    assert high == pytest.approx(result.val_metric_default + result.cross_validated_gain_high, abs=1e-4)
    assert low <= gain["after_fix"] <= high


def test_no_gain_when_cross_validation_loses(tmp_path: Path) -> None:
    finding, result = _finding("metric_mismatch/synthetic-f1-5pct-positive", tmp_path)
    assert result.cross_validated_gain < 0 and finding.gain is None


def test_the_expected_metric_stays_inside_its_range(tmp_path: Path) -> None:
    # a small validation set: the default's value plus the gain's interval would pass F1 = 1
    _, result = _finding("metric_mismatch/breast-cancer-f1-8pct-malignant", tmp_path)
    near_top = replace(result, val_metric_default=0.95, val_metric_cross_validated=0.98, cross_validated_gain=0.03)
    gain = decision_rule_gain(replace(near_top, cross_validated_gain_low=-1.2, cross_validated_gain_high=0.2))
    assert gain is not None and gain["interval"] == (0.0, 1.0)
