"""Figures of a small-validation-set finding: the metric inside its noise band, else the curves."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.small_validation_set.result import SamplingNoise
from gapdoctor.report.figure_registry import Figure, curves_figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis

BAND_CAPTION = "The validation metric with its 95% interval: moves inside the band are noise"


@figures_for(SamplingNoise)
def _band(result: SamplingNoise, diagnosis: Diagnosis) -> list[Figure]:
    band = result.metric_band
    if band is None:
        return [curves_figure(diagnosis)]
    from gapdoctor.report import plots

    return [(BAND_CAPTION, lambda: plots.metric_band_svg(band))]
