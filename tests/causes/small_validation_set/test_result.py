"""The small-validation-set payload: it survives the JSON and draws the metric inside its noise band."""

from __future__ import annotations

import gapdoctor
from gapdoctor.causes.small_validation_set.figures import BAND_CAPTION
from gapdoctor.causes.small_validation_set.result import SamplingNoise
from gapdoctor.report.html import render_html
from tests import metric_scenarios
from tests.causes.payload_checks import assert_round_trips, captions


def test_a_curve_gives_the_band_figure_and_round_trips() -> None:
    diagnosis = gapdoctor.diagnose(**metric_scenarios.tiny_validation())
    finding = next(f for f in diagnosis.findings if f.cause == "small_validation_set")
    result = finding.result
    assert isinstance(result, SamplingNoise) and result.metric_band is not None
    assert result.movement_inside_noise in ("yes", "no") and result.min_class_support is not None
    assert finding.data["metric_band"] is result.metric_band
    assert result.metric_band["metric"] == result.metric == "accuracy"
    assert_round_trips(finding)
    assert captions(finding, diagnosis) == [BAND_CAPTION]
    assert f"<figcaption>{BAND_CAPTION}</figcaption>" in render_html(diagnosis)


def test_without_a_curve_there_is_no_band_and_no_movement() -> None:
    scenario = metric_scenarios.tiny_validation()
    diagnosis = gapdoctor.diagnose(y_val=scenario["y_val"], val_probs=scenario["val_probs"], metric="f1")
    finding = next(f for f in diagnosis.findings if f.cause == "small_validation_set")
    result = finding.result
    assert isinstance(result, SamplingNoise) and result.interval_method == "bootstrap over validation rows"
    assert result.metric_band is None and "metric_band" not in finding.data
    assert result.last_epochs is None and "movement_inside_noise" not in finding.evidence
    assert_round_trips(finding)
    assert captions(finding, diagnosis) == ["Training curves"]
    assert "<figcaption>Training curves</figcaption>" not in render_html(diagnosis)  # no curves to draw
