"""Figures of a metric-saturation finding: the training curves, the metric flat near its ceiling."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.metric_saturation.result import Saturation
from gapdoctor.report.figure_registry import Figure, curves_figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(Saturation)
def _curves(result: Saturation, diagnosis: Diagnosis) -> list[Figure]:
    return [curves_figure(diagnosis)]
