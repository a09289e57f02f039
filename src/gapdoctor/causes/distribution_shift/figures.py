"""The ``distribution_shift`` findings' figures in the HTML report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gapdoctor.causes.distribution_shift.result import CovariateShift, LabelShift
from gapdoctor.report.figure_registry import Figure, features_figure, figures_for

if TYPE_CHECKING:
    from gapdoctor.findings import Diagnosis


@figures_for(CovariateShift)
def _covariate(result: CovariateShift, diagnosis: Diagnosis) -> list[Figure]:
    return [features_figure(result.features)]


@figures_for(LabelShift)
def _label_shift(result: LabelShift, diagnosis: Diagnosis) -> list[Figure]:
    return []  # the class priors are in the evidence table
