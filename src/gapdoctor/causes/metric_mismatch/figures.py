"""The decision-rule finding's figures: the metric at every threshold, and the reliability diagram."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.metric_mismatch.result import DecisionRuleGain
from gapdoctor.report.figure_registry import Figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(DecisionRuleGain)
def _threshold_and_reliability(result: DecisionRuleGain, diagnosis: Diagnosis) -> list[Figure]:
    from gapdoctor.report import plots

    return [
        ("The metric at every decision threshold", lambda: plots.threshold_svg(result.threshold_curve)),
        ("Predicted confidence against observed accuracy", lambda: plots.reliability_svg(result.reliability)),
    ]
