"""The pseudo-label finding's figure: the noise rate of every label source with its interval."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.pseudo_label_noise.result import NoiseBySource
from gapdoctor.report.figure_registry import Figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(NoiseBySource)
def _sources(result: NoiseBySource, diagnosis: Diagnosis) -> list[Figure]:
    from gapdoctor.report import plots

    return [("Estimated noise rate per label source, with 95% intervals", lambda: plots.sources_svg(result.sources))]
